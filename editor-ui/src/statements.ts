// A list of statements (a tab, or the THEN / OTHERWISE block of an IF),
// each with its toolbar (move up, move down, duplicate, delete) and, at the
// end, the buttons that add a statement.

import type { ActionStatement, AssignStatement, CustomStatement, IfStatement, Statement } from './api.js';
import { conditionRow } from './conditions.js';
import { button, h, select, textInput } from './dom.js';
import type { StatementHost } from './host.js';
import { luaEditor } from './lua-editor.js';
import { actionsFor, duplicate, move, newCondition, newStatement, remove, type StatementType } from './model.js';

const TYPE_LABELS: Record<StatementType, string> = { if: 'IF', assign: 'ASSIGN VARIABLE', custom: 'CUSTOM CODE', action: 'ACTION' };
const VARIABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** `where` names the list for screen readers and tests: "top level", "r3 THEN", ... */
export function statementList(host: StatementHost, list: Statement[], where: string): HTMLElement {
  const ol = h('ol', { class: 'statements', 'aria-label': `Statements, ${where}` });
  list.forEach((s, i) => ol.append(statementItem(host, list, i)));
  const adds = (Object.keys(TYPE_LABELS) as StatementType[]).map((type) =>
    button(`+ ${TYPE_LABELS[type]}`, () => {
      list.push(newStatement(type, host.ids, host.catalog, host.phase));
      host.restructured();
    }, { class: 'add', 'aria-label': `Add ${TYPE_LABELS[type]} statement, ${where}` }),
  );
  return h('div', { class: 'statement-list', 'data-list': where }, ol, h('div', { class: 'add-bar', role: 'group', 'aria-label': `Add a statement, ${where}` }, ...adds));
}

function statementItem(host: StatementHost, list: Statement[], index: number): HTMLElement {
  const s = list[index]!;
  const restructure = (edit: () => unknown) => () => {
    edit();
    host.restructured();
  };
  const label = `${TYPE_LABELS[s.type]} ${s.id}`;
  const toolbar = h('div', { class: 'toolbar', role: 'group', 'aria-label': `${label} tools` },
    button('↑', restructure(() => move(list, index, -1)), { 'aria-label': `Move ${label} up`, title: 'Move up', disabled: index === 0 }),
    button('↓', restructure(() => move(list, index, 1)), { 'aria-label': `Move ${label} down`, title: 'Move down', disabled: index === list.length - 1 }),
    button('Duplicate', restructure(() => duplicate(list, index, host.ids)), { 'aria-label': `Duplicate ${label}` }),
    button('Delete', restructure(() => remove(list, index)), { class: 'danger', 'aria-label': `Delete ${label}` }),
  );
  const head = h('div', { class: 'stmt-head' }, h('span', { class: 'stmt-type' }, TYPE_LABELS[s.type]), h('span', { class: 'stmt-id', title: 'rule id (in test results and in the Lua comments)' }, s.id), toolbar);
  return h('li', { class: `stmt stmt-${s.type}`, 'data-id': s.id, 'aria-label': label }, head, statementBody(host, s));
}

function statementBody(host: StatementHost, s: Statement): HTMLElement {
  switch (s.type) {
    case 'if':
      return ifBody(host, s);
    case 'assign':
      return assignBody(host, s);
    case 'custom':
      return customBody(host, s);
    case 'action':
      return actionBody(host, s);
  }
}

function ifBody(host: StatementHost, s: IfStatement): HTMLElement {
  const match = select(`${s.id} match`, [['all', 'ALL'], ['any', 'ANY']], s.match, (v) => {
    s.match = v === 'any' ? 'any' : 'all';
    host.changed();
  });
  const conditions = h('ol', { class: 'conditions', 'aria-label': `Conditions of ${s.id}` });
  s.conditions.forEach((c, i) => conditions.append(conditionRow(host, c, i, () => {
    s.conditions.splice(i, 1);
    host.restructured();
  })));
  const addCondition = button('+ Condition', () => {
    s.conditions.push(newCondition(host.catalog, host.phase));
    host.restructured();
  }, { class: 'add', 'aria-label': `Add condition to ${s.id}` });

  const showOtherwise = s.otherwise.length > 0 || host.openOtherwise.has(s.id);
  const otherwise = showOtherwise
    ? h('div', { class: 'block otherwise' },
        h('div', { class: 'block-head' }, 'Otherwise take these action(s):',
          button('Remove OTHERWISE', () => {
            s.otherwise = [];
            host.openOtherwise.delete(s.id);
            host.restructured();
          }, { class: 'link danger', 'aria-label': `Remove OTHERWISE of ${s.id}` })),
        statementList(host, s.otherwise, `${s.id} OTHERWISE`))
    : button('+ OTHERWISE', () => {
        host.openOtherwise.add(s.id);
        host.restructured();
      }, { class: 'add', 'aria-label': `Add OTHERWISE to ${s.id}` });

  const note = textInput(`${s.id} note`, s.note ?? '', (v) => {
    if (v) s.note = v;
    else delete s.note;
    host.changed();
  }, { class: 'note', placeholder: 'what this rule is for (optional; a comment in the Lua)' });

  return h('div', { class: 'stmt-body' },
    note,
    h('div', { class: 'block' }, h('div', { class: 'block-head' }, 'If ', match, ' of the following conditions are met:'), conditions, addCondition),
    h('div', { class: 'block then' }, h('div', { class: 'block-head' }, 'Then take the following action(s):'), statementList(host, s.then, `${s.id} THEN`)),
    otherwise,
  );
}

function assignBody(host: StatementHost, s: AssignStatement): HTMLElement {
  const hint = h('span', { class: 'field-error', role: 'status' });
  const showHint = () => {
    const bad = s.variable !== '' && !VARIABLE_NAME.test(s.variable);
    hint.textContent = bad ? 'a name starts with a letter or _, then letters, digits or _' : '';
    name.setAttribute('aria-invalid', String(bad));
  };
  const name = textInput(`${s.id} variable name`, s.variable, (v) => {
    s.variable = v;
    showHint();
    host.changed();
  }, { placeholder: 'name' });
  const value = textInput(`${s.id} value`, s.value, (v) => {
    s.value = v;
    host.changed();
  }, { placeholder: 'text, number, or $variable', class: 'wide' });
  showHint();
  return h('div', { class: 'stmt-body row' }, name, h('span', { class: 'op' }, '='), value, hint);
}

function customBody(host: StatementHost, s: CustomStatement): HTMLElement {
  const box = h('div', { class: 'code-box' });
  luaEditor(box, s.code, `${s.id} custom Lua code`, (code) => {
    s.code = code;
    host.changed();
  });
  return h('div', { class: 'stmt-body' }, box);
}

function actionBody(host: StatementHost, s: ActionStatement): HTMLElement {
  const offered = actionsFor(host.catalog, host.phase);
  const action = host.catalog.actions.find((a) => a.name === s.action);
  const pick = select(`${s.id} action`, offered.map((a) => [a.name, a.label]), s.action, (name) => {
    s.action = name;
    s.params = {};
    host.restructured();
  }, { class: 'action-name' });
  const params = (action?.params ?? []).map((p) =>
    h('label', { class: 'inline-field' }, h('span', { class: 'field-name' }, p.label),
      textInput(`${s.id} ${p.label}`, s.params[p.name] ?? '', (v) => {
        s.params[p.name] = v;
        host.changed();
      }, { placeholder: p.placeholder ?? '', 'data-param': p.name, 'aria-required': p.optional ? null : 'true' })),
  );
  return h('div', { class: 'stmt-body row' }, pick, ...params);
}
