// A statement in words, as the editor shows it: the comment above each rule
// of the generated Lua, and the history's summaries.

import { actionInfo, functionInfo, OPERATORS } from './catalog.js';
import type { Condition, EditorPhase, Statement } from './rules.js';

const MAX_LINE = 100;

function clip(text: string): string {
  const lead = /^\s*/.exec(text)?.[0] ?? '';
  const one = lead + text.slice(lead.length).replace(/\s+/g, ' ');
  return one.length > MAX_LINE ? `${one.slice(0, MAX_LINE - 3)}...` : one;
}

function quoted(v: string): string {
  return JSON.stringify(v);
}

export function describeCondition(c: Condition): string {
  const fn = functionInfo(c.fn);
  const args = Object.entries(c.args).filter(([, v]) => v !== '').map(([, v]) => quoted(v));
  const name = `${fn?.label ?? c.fn}${args.length > 0 ? ` ${args.join(' ')}` : ''}`;
  const op = fn ? OPERATORS[fn.kind].find((o) => o.id === c.operator)?.label ?? c.operator : c.operator;
  return fn?.kind === 'boolean' ? `${name} ${op}` : `${name} ${op} ${quoted(c.value)}`;
}

function describeAction(action: string, params: Record<string, string>): string {
  const info = actionInfo(action);
  const shown = (info?.params ?? []).filter((p) => (params[p.name] ?? '') !== '').map((p) => quoted(params[p.name] as string));
  return `${info?.label ?? action}${shown.length > 0 ? ` ${shown.join(' ')}` : ''}`;
}

/** Lines of text (no comment markers), indented two spaces a level. */
export function describeStatement(s: Statement, phase?: EditorPhase, depth = 0): string[] {
  const pad = '  '.repeat(depth);
  const head = depth === 0 ? `${s.id}${phase ? '' : ''}: ` : '';
  switch (s.type) {
    case 'assign':
      return [clip(`${pad}${head}Assign ${s.variable} = ${quoted(s.value)}`)];
    case 'action':
      return [clip(`${pad}${head}${describeAction(s.action, s.params)}`)];
    case 'custom': {
      const first = s.code.split('\n').find((l) => l.trim() !== '') ?? '';
      return [clip(`${pad}${head}Custom code: ${first.trim()}`)];
    }
    case 'if': {
      const out: string[] = [];
      if (s.note) out.push(clip(`${pad}${head}${s.note}`));
      out.push(clip(`${pad}${s.note ? '' : head}If ${s.match.toUpperCase()} of the following conditions are met:`));
      if (s.conditions.length === 0) out.push(`${pad}    (no conditions: always)`);
      for (const c of s.conditions) out.push(clip(`${pad}    ${describeCondition(c)}`));
      out.push(`${pad}Then:`);
      for (const t of s.then) out.push(...describeStatement(t, phase, depth + 2));
      if (s.otherwise.length > 0) {
        out.push(`${pad}Otherwise:`);
        for (const t of s.otherwise) out.push(...describeStatement(t, phase, depth + 2));
      }
      return out;
    }
  }
}
