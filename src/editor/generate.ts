// Rules document -> the Lua of policy/policyeditor.lua. Deterministic (the
// same rules give the same bytes), and written as a person would: one local
// function per top-level rule, headed by the rule in words, called in order
// by the phase's callout. The first line carries the hashes that tell a
// generated file from a hand-edited one (see generated-file.ts).

import { actionInfo, comparison, functionInfo, type LuaScope } from './catalog.js';
import { phaseInfo, type PhaseInfo } from './catalog-phases.js';
import { describeStatement } from './describe.js';
import { formatHeader } from './generated-file.js';
import { identifier, indent, luaString, VARIABLE_NAME } from './lua-text.js';
import { canonicalJson, EDITOR_PHASES, RulesError, type EditorPhase, type IfStatement, type RulesDocument, type Statement } from './rules.js';

export interface GenerateOptions {
  /** Adds a print of "policyeditor fired <id>" where a rule's actions start (the test pane's "which rules fired"). */
  trace?: boolean;
}

export const FIRED_PREFIX = 'policyeditor fired ';

const HELPERS: Record<string, string[]> = {
  dnsbl_listed: [
    '-- Is ip (IPv4) listed in the DNS blocklist zone? An IPv6 client is not looked up.',
    'local function dnsbl_listed(ip, zone)',
    '  local a, b, c, d = ip:match("^(%d+)%.(%d+)%.(%d+)%.(%d+)$")',
    '  if not a then return false end',
    '  return msys.dnsLookup(d .. "." .. c .. "." .. b .. "." .. a .. "." .. zone, "A") ~= nil',
    'end',
  ],
};

/** Does a value of these statements read a capture ($1, or a $name no ASSIGN sets), or is there custom code (which may)? */
function readsCaptures(list: Statement[], assigned: ReadonlySet<string>): boolean {
  const reads = (v: string) => [...v.matchAll(/\$(\$|[0-9]+|[A-Za-z_][A-Za-z0-9_]*)/g)].some((m) => m[1] !== '$' && !assigned.has(m[1] as string));
  return list.some((s) => {
    switch (s.type) {
      case 'custom': return true;
      case 'assign': return reads(s.value);
      case 'action': return Object.values(s.params).some(reads);
      case 'if': return s.conditions.some((c) => Object.values(c.args).some(reads) || (c.operator !== 'matches' && c.operator !== 'not_matches' && reads(c.value))) || readsCaptures(s.then, assigned) || readsCaptures(s.otherwise, assigned);
    }
  });
}

interface PhaseState extends LuaScope {
  ctx: boolean;
  vars: boolean;
}

class Generator {
  readonly helpers = new Set<string>();
  readonly cidrLists = new Map<string, string>();
  constructor(readonly options: GenerateOptions) {}

  scope(phase: EditorPhase, doc: RulesDocument): PhaseState {
    const assigned = new Set<string>();
    const walk = (list: Statement[]) => {
      for (const s of list) {
        if (s.type === 'assign') assigned.add(s.variable);
        else if (s.type === 'action' && s.action === 'set_variable' && s.params.name) assigned.add(s.params.name);
        else if (s.type === 'if') {
          walk(s.then);
          walk(s.otherwise);
        }
      }
    };
    walk(doc.phases[phase] ?? []);
    const state: PhaseState = {
      phase, assigned, ctx: false, vars: false, capturesRead: readsCaptures(doc.phases[phase] ?? [], assigned),
      useCtx: () => void (state.ctx = true),
      useVars: () => void (state.vars = true),
      useHelper: (name) => void this.helpers.add(name),
      defineCidrList: (name, file) => {
        const known = this.cidrLists.get(name);
        if (known !== undefined && known !== file) throw new RulesError(`cidr list '${name}' is given two files: ${known} and ${file}`);
        this.cidrLists.set(name, file);
      },
    };
    return state;
  }

  /** The body of a block of statements; the last statement may end the callout. */
  block(list: Statement[], s: PhaseState): string[] {
    const out: string[] = [];
    list.forEach((st, i) => out.push(...this.statement(st, s, i === list.length - 1)));
    return out;
  }

  statement(st: Statement, s: PhaseState, last: boolean): string[] {
    switch (st.type) {
      case 'if':
        return this.ifStatement(st, s);
      case 'assign': {
        if (!VARIABLE_NAME.test(st.variable)) throw new RulesError(`statement ${st.id}: a variable name starts with a letter or _ and has only letters, digits and _, found ${JSON.stringify(st.variable)}`, st.id);
        return this.action({ id: st.id, type: 'action', action: 'set_variable', params: { name: st.variable, value: st.value } }, s, last);
      }
      case 'action':
        return this.action(st, s, last);
      case 'custom':
        s.useCtx();
        s.useVars();
        return ['do', ...indent(st.code.replace(/\s+$/, '').split(/\r?\n/), 1), 'end'];
    }
  }

  action(st: Extract<Statement, { type: 'action' }>, s: PhaseState, last: boolean): string[] {
    const info = actionInfo(st.action);
    if (!info) throw new RulesError(`statement ${st.id}: unknown action '${st.action}'`, st.id);
    if (!info.phases.includes(s.phase)) throw new RulesError(`statement ${st.id}: '${info.label}' is not available in ${phaseInfo(s.phase).label} (only in ${info.phases.map((p) => phaseInfo(p).label).join(', ')})`, st.id);
    for (const p of info.params) {
      if (!p.optional && !(st.params[p.name] ?? '').trim()) throw new RulesError(`statement ${st.id}: '${info.label}' needs ${p.label}`, st.id);
    }
    if (st.action === 'set_variable' && !VARIABLE_NAME.test(st.params.name ?? '')) throw new RulesError(`statement ${st.id}: a variable name starts with a letter or _ and has only letters, digits and _`, st.id);
    const problem = info.check?.(st.params);
    if (problem) throw new RulesError(`statement ${st.id}: ${info.label}: ${problem}`, st.id);
    const lines = info.lua(st.params, s);
    if (info.exit) lines.push(last ? `return core.${info.exit}` : `do return core.${info.exit} end`);
    return lines;
  }

  ifStatement(st: IfStatement, s: PhaseState): string[] {
    const tests = st.conditions.map((c, i) => {
      const fn = functionInfo(c.fn);
      const where = `statement ${st.id}, condition ${i + 1}`;
      if (!fn) throw new RulesError(`${where}: unknown function '${c.fn}'`, st.id);
      if (!fn.phases.includes(s.phase)) throw new RulesError(`${where}: '${fn.label}' is not available in ${phaseInfo(s.phase).label} (only in ${fn.phases.map((p) => phaseInfo(p).label).join(', ')})`, st.id);
      for (const a of fn.args) {
        if (!a.optional && !(c.args[a.name] ?? '').trim()) throw new RulesError(`${where}: '${fn.label}' needs ${a.label}`, st.id);
      }
      const r = comparison(fn.kind, fn.lua(c.args, s), c.operator, c.value, s);
      if ('error' in r) throw new RulesError(`${where}: '${fn.label}' ${r.error}`, st.id);
      return r.lua;
    });
    const joiner = st.match === 'all' ? ' and ' : ' or ';
    const test = tests.length === 0 ? 'true' : tests.length === 1 ? (tests[0] as string) : tests.map((t) => `(${t})`).join(joiner);
    const then = this.block(st.then, s);
    if (this.options.trace) then.unshift(`print(${luaString(FIRED_PREFIX + st.id)})`);
    const out = [`if ${test} then`, ...indent(then, 1)];
    if (st.otherwise.length > 0) out.push('else', ...indent(this.block(st.otherwise, s), 1));
    out.push('end');
    return out;
  }

  /** One phase: its rules as local functions, and the callout calling them in order. */
  phase(phase: EditorPhase, doc: RulesDocument): string[] {
    const list = doc.phases[phase] ?? [];
    if (list.length === 0) return [];
    const info = phaseInfo(phase);
    const s = this.scope(phase, doc);
    const rules = list.map((st) => ({ st, name: `${phase}_${identifier(st.id)}`, body: this.block([st], s) }));
    const args = [...info.params, ...(s.ctx ? ['ctx'] : []), ...(s.vars ? ['vars'] : [])].join(', ');
    const out = [`-- ${info.label} ${'-'.repeat(72 - info.label.length)}`, ''];
    for (const r of rules) {
      out.push(...describeStatement(r.st, phase).map((l) => `-- ${l}`.trimEnd()));
      out.push(`local function ${r.name}(${args})`, ...indent(r.body, 1), 'end', '');
    }
    out.push(`function mod:${info.callout}(${info.params.join(', ')})`);
    if (s.ctx) out.push(`  local ctx = { ec_message = ${info.params.includes('msg') ? 'msg' : 'nil'} }`);
    if (s.vars) out.push('  local vars = {}');
    const calls = rules.map((r) => `${r.name}(${args})`);
    out.push(`  return ${calls[0]}`, ...calls.slice(1).map((c) => `    or ${c}`), '    or core.VALIDATE_CONT', 'end', '');
    return out;
  }
}

/** A name or checks to tell on a Lua compile error: the statement whose lines hold it. */
export interface GeneratedLua {
  lua: string;
  rulesJson: string;
}

/** Generates the module's Lua from a parsed document; a RulesError names the statement at fault. */
export function generateLua(doc: RulesDocument, options: GenerateOptions = {}): GeneratedLua {
  const g = new Generator(options);
  const phases = EDITOR_PHASES.flatMap((p) => g.phase(p, doc));
  const body: string[] = [
    '-- Generated by the scriptlet policy editor from policyeditor.json (beside',
    '-- this file). Edit the rules in the editor, not this file: `scriptlet check`',
    '-- reports a hand edit, and the editor will not open an edited file.',
    'require("msys.core")',
    'require("msys.policyeditor")',
    'local core, pe = msys.core, msys.policyeditor',
    '',
    'local mod = {}',
    '',
  ];
  for (const name of [...g.helpers].sort()) body.push(...(HELPERS[name] as string[]), '');
  if (g.cidrLists.size > 0) {
    body.push('function mod:init()');
    for (const [name, file] of [...g.cidrLists].sort(([a], [b]) => (a < b ? -1 : 1))) {
      body.push(`  msys.cidr.define(${luaString(name)}, { type = "rbldnsd", source = ${luaString(file)} })`);
    }
    body.push('  return true', 'end', '');
  }
  if (phases.length === 0) body.push('-- No rules yet: every phase goes on to the next module.', 'function mod:init()', '  return true', 'end', '');
  body.push(...phases, 'msys.registerModule("policyeditor", mod)', '');
  const rulesJson = canonicalJson(doc);
  const text = body.join('\n');
  return { lua: `${formatHeader(rulesJson, text)}\n${text}`, rulesJson };
}

export type { PhaseInfo };
