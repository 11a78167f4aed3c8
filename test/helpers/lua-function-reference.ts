// What src/engine/lua-function-status.ts becomes: the function reference of
// docs/lua-api.md and native/lua_function_status.inc (the stubs' table).
import { LUA_FUNCTIONS, requireNames, stubbedRows, stubMessage, type LuaFunctionStatus } from '../../src/engine/lua-function-status.js';

const ORDER: LuaFunctionStatus[] = ['supported', 'different', 'planned', 'unavailable'];

function cell(text: string): string {
  return text.replaceAll('|', '\\|');
}

/** The counts per status, then one row per function. */
export function functionReference(): string {
  const table = LUA_FUNCTIONS.filter((r) => !r.extra);
  const extra = LUA_FUNCTIONS.filter((r) => r.extra);
  const counts = (rows: typeof LUA_FUNCTIONS) => ORDER.map((s) => `${rows.filter((r) => r.status === s).length} ${s}`).join(', ');
  const rows = (list: typeof LUA_FUNCTIONS) => list.map((r) => `| \`${r.name}\` | \`${r.library}\` | ${r.status} | ${cell(r.note)} |`);
  return [
    `Momentum's table: ${table.length} functions: ${counts(table)}.`,
    `Used by real policies but absent from the table: ${extra.length}: ${counts(extra)}.`,
    '',
    '| function | require | status | note |',
    '|---|---|---|---|',
    ...rows(table),
    '',
    'Absent from Momentum\'s table, met in real policies:',
    '',
    '| function | require | status | note |',
    '|---|---|---|---|',
    ...rows(extra),
  ].join('\n');
}

function cString(s: string): string {
  return JSON.stringify(s); // ASCII text: JSON's escapes are C's
}

/** native/lua_function_status.inc */
export function stubTableSource(): string {
  for (const r of LUA_FUNCTIONS) if (!/^[\x20-\x7e]*$/.test(r.note + r.name)) throw new Error(`${r.name}: the note must be printable ASCII`);
  return [
    '// Generated from src/engine/lua-function-status.ts; do not edit, run',
    '// `node --import tsx test/helpers/generated-docs.ts`. Included by lua_unavailable.cpp.',
    '',
    'constexpr StubRow kStubRows[] = {',
    ...stubbedRows().map((r) => `    {${cString(r.name)}, ${cString(stubMessage(r))}},`),
    '};',
    '',
    'constexpr const char* kRequireNames[] = {',
    ...requireNames().map((n) => `    ${cString(n)},`),
    '};',
    '',
  ].join('\n');
}
