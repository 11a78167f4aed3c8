// What `scriptlet check` prints: the options in force with their origins and
// the scripts resolved, or one `file:line:col: message` line per problem.

import { formatProblem, type Problem } from '../config/errors.js';
import { printValue, quote } from '../config/printer.js';
import { SCRIPTLET_OPTION_SPECS } from '../config/scriptlet-options.js';
import type { ScriptletConfig } from '../config/scriptlet-config.js';
import type { Origin } from '../config/tree.js';
import type { CheckResult } from './check.js';
import { displayPath } from './io.js';

export function formatProblems(problems: readonly Problem[], cwd: string): string {
  return problems.map((p) => `${formatProblem({ ...p, file: displayPath(p.file, cwd) })}\n`).join('');
}

export function formatCheckReport(config: ScriptletConfig, cwd: string): string {
  const where = (o: Origin | 'default') => (o === 'default' ? 'default' : `${displayPath(o.file, cwd)}:${o.line}`);
  const options = SCRIPTLET_OPTION_SPECS.map((spec) => [spec.name, optionText(config.options[spec.key]), where(config.origins[spec.key])]);
  const scripts = config.scripts.map((s) => [s.name, '->', displayPath(s.path, cwd)]);
  const lines = [
    `${displayPath(config.file, cwd)}: ok, scriptlet ${quote(config.instance)}`,
    '',
    'options:',
    ...columns(options),
    '',
    'scripts:',
    ...(scripts.length > 0 ? columns(scripts) : ['  (none)']),
    '',
    'search path:',
    ...config.searchPath.map((d) => `  ${displayPath(d, cwd)}`),
    ...bindingLines(config),
  ];
  return `${lines.join('\n')}\n`;
}

export function formatCheckJson(result: CheckResult): string {
  const { config, problems } = result;
  if (problems.length > 0 || config === null) return `${JSON.stringify({ ok: false, problems })}\n`;
  const { tree: _tree, ...rest } = config;
  return `${JSON.stringify({ ok: true, ...rest })}\n`;
}

/** The bindings and groups, when the configuration declares any ("default" always exists). */
function bindingLines(config: ScriptletConfig): string[] {
  if (config.bindings.length === 0 && config.bindingGroups.length === 0) return [];
  const ungrouped = config.bindings.filter((b) => b.group === null).map((b) => [b.name]);
  const groups = config.bindingGroups.map((g) => [g.name, `(${g.bindings.map((b) => b.name).join(' ')})`]);
  return ['', 'bindings:', ...(ungrouped.length > 0 ? columns(ungrouped) : ['  (none)']), ...(groups.length > 0 ? ['', 'binding groups:', ...columns(groups)] : [])];
}

function optionText(value: unknown): string {
  if (Array.isArray(value)) return printValue({ kind: 'list', items: value.map((text: string) => ({ kind: 'string', text, origin: NO_ORIGIN })), origin: NO_ORIGIN });
  return String(value);
}

const NO_ORIGIN: Origin = { file: '', line: 0, col: 0 };

/** Rows as left-aligned columns, indented by two spaces. */
function columns(rows: string[][]): string[] {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
  return rows.map((row) => `  ${row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i] ?? 0))).join('  ')}`);
}
