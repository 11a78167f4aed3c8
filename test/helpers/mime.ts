// For the MIME tests: a validate_data policy whose snippet returns a Lua
// value, brought back as JSON (strings, numbers, booleans, arrays, maps;
// nil as null), and multipart messages built from parts.
import assert from 'node:assert/strict';
import type { Policy, Verdict } from '../../src/index.js';
import { dataPolicy } from './lua-policy.js';

// A small JSON encoder in Lua: arrays are tables with [1] (or empty ones
// made by the snippet with EMPTY), everything else a map.
const PRELUDE = `
local function J(v)
  local t = type(v)
  if v == nil then return "null" end
  if t == "boolean" or t == "number" then return tostring(v) end
  if t == "string" then
    return '"' .. v:gsub('[%c"\\\\]', function(c) return string.format("\\\\u%04x", c:byte()) end) .. '"'
  end
  if t == "table" then
    local out = {}
    if v[1] ~= nil or next(v) == nil then
      for i = 1, #v do out[i] = J(v[i]) end
      return "[" .. table.concat(out, ",") .. "]"
    end
    local keys = {}
    for k in pairs(v) do keys[#keys + 1] = tostring(k) end
    table.sort(keys)
    for i, k in ipairs(keys) do out[i] = J(k) .. ":" .. J(v[k]) end
    return "{" .. table.concat(out, ",") .. "}"
  end
  return J(tostring(v))
end
local function RESULT(...)
  local n = select("#", ...)
  local packed = {}
  for i = 1, n do local x = select(i, ...) packed[i] = x == nil and "<nil>" or x end
  vctx:set(msys.core.VCTX_MESS, "json", J(n == 1 and packed[1] or packed))
end
`;

/** A policy running body (which calls RESULT(value)) in validate_data. */
export function mimePolicy(body: string): Policy {
  return dataPolicy(PRELUDE + body);
}

/** The value body passed to RESULT, and the verdict; errors fail the test. */
export function result(p: Policy, message: Buffer, phase: 'data' | 'rcptto' = 'data'): { value: unknown; verdict: Verdict } {
  const verdict = p.run(phase, { message, rcptto: ['b@example.com'], rcpt: 'b@example.com' });
  assert.deepEqual(verdict.errors, []);
  const json = verdict.context.mess.json;
  return { value: json === undefined ? undefined : (JSON.parse(json) as unknown), verdict };
}

/** The message of the first error of running p, or fails. */
export function failure(p: Policy, message: Buffer): string {
  const verdict = p.run('data', { message });
  assert.equal(verdict.errors.length, 1, 'one error');
  return verdict.errors[0]!.message;
}

export interface PartSpec {
  headers: string[];
  body: string | Buffer;
}

/** A multipart message (CRLF): top headers, then the parts between --boundary lines. */
export function multipart(top: string[], boundary: string, parts: PartSpec[], opts: { preamble?: string; epilogue?: string; type?: string } = {}): Buffer {
  const chunks: Buffer[] = [];
  const add = (s: string | Buffer) => chunks.push(typeof s === 'string' ? Buffer.from(s, 'latin1') : s);
  for (const h of [...top, `Content-Type: ${opts.type ?? 'multipart/mixed'}; boundary="${boundary}"`]) add(h + '\r\n');
  add('\r\n');
  if (opts.preamble !== undefined) add(opts.preamble + '\r\n');
  for (const part of parts) {
    add(`--${boundary}\r\n`);
    for (const h of part.headers) add(h + '\r\n');
    add('\r\n');
    add(part.body);
    add('\r\n');
  }
  add(`--${boundary}--\r\n`);
  if (opts.epilogue !== undefined) add(opts.epilogue);
  return Buffer.concat(chunks);
}
