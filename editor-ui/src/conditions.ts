// One condition of an IF: function (with its arguments) + operator (those of
// the function's kind) + value. Regex values are checked as they are typed.

import type { CatalogFunction, CatalogOperator, Condition, Field } from './api.js';
import { button, h, select, textInput } from './dom.js';
import type { StatementHost } from './host.js';
import { functionsFor } from './model.js';

/** Operators that take a PCRE pattern: flagged by the catalog, or named for matching. */
export function isRegexOperator(op: CatalogOperator | undefined): boolean {
  return !!op && (op.regex ?? /match/i.test(op.id));
}

/** An argument that holds a pattern: flagged by the catalog, or pcre_match's `pattern`. */
function isPatternArg(a: Field): boolean {
  return a.regex ?? a.name === 'pattern';
}

export function conditionRow(host: StatementHost, cond: Condition, index: number, onremove: () => void): HTMLElement {
  const { catalog } = host;
  const fn: CatalogFunction | undefined = catalog.functions.find((f) => f.name === cond.fn);
  const operators = fn ? catalog.operators[fn.kind] : [];
  const op = operators.find((o) => o.id === cond.operator);
  const n = index + 1;

  const fnSelect = select(`Condition ${n} function`, functionsFor(catalog, host.phase).map((f) => [f.name, f.label]), cond.fn, (name) => {
    const next = catalog.functions.find((f) => f.name === name);
    cond.fn = name;
    cond.args = {};
    // Keep the operator when the new function's kind offers it too.
    const ops = next ? catalog.operators[next.kind] : [];
    if (!ops.some((o) => o.id === cond.operator)) cond.operator = ops[0]?.id ?? '';
    host.restructured();
  }, { class: 'cond-fn' });

  const args = (fn?.args ?? []).map((a) => {
    const input = textInput(`Condition ${n} ${a.label}`, cond.args[a.name] ?? '', (v) => {
      cond.args[a.name] = v;
      if (isPatternArg(a)) host.checkRegex(input, v);
      host.changed();
    }, { class: 'cond-arg', placeholder: a.placeholder ?? a.label, 'data-arg': a.name, 'aria-required': a.optional ? null : 'true' });
    if (isPatternArg(a) && input.value) host.checkRegex(input, input.value);
    return h('label', { class: 'inline-field' }, h('span', { class: 'field-name' }, a.label), input);
  });

  const opSelect = select(`Condition ${n} operator`, operators.map((o) => [o.id, o.label]), cond.operator, (id) => {
    cond.operator = id;
    host.restructured();
  }, { class: 'cond-op' });

  // Boolean functions are tested by their operator alone ("is true").
  const needsValue = fn?.kind !== 'boolean';
  let value: HTMLElement | null = null;
  if (needsValue) {
    const regex = isRegexOperator(op);
    const input = textInput(`Condition ${n} value`, cond.value, (v) => {
      cond.value = v;
      if (regex) host.checkRegex(input, v);
      host.changed();
    }, { class: 'cond-value', placeholder: regex ? 'PCRE pattern, no delimiters' : fn?.kind === 'numeric' ? 'number or $variable' : 'text or $variable' });
    if (regex && input.value) host.checkRegex(input, input.value);
    value = input;
  }

  return h('li', { class: 'condition' },
    fnSelect, ...args, opSelect, value,
    button('Remove', onremove, { class: 'icon danger', 'aria-label': `Remove condition ${n}`, title: 'Remove this condition' }),
  );
}
