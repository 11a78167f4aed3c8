// What rules are made of: the functions a condition reads, the operators
// that compare them, and the actions. GET /api/catalog sends the public part
// (names, labels, arguments, phases) and the UI is built from it; the
// generator uses the `lua` renderers. Names follow msys.policyeditor's
// helpers where Momentum had one.

import { ALL_PHASES, BODY_PHASES, clientIpExpr, hasMessage, MESSAGE_PHASES, PHASE_INFO, REPLY_PHASES } from './catalog-phases.js';
import { luaString, numberValue, patternValue, textValue, varsField, type ValueScope } from './lua-text.js';
import type { EditorPhase } from './rules.js';

export type ValueKind = 'numeric' | 'string' | 'boolean';

export interface ArgInfo {
  name: string;
  label: string;
  placeholder?: string;
  /** The argument may be left empty. */
  optional?: boolean;
  /** Checked as a PCRE pattern. */
  regex?: boolean;
}

/** What a renderer may use and tell. */
export interface LuaScope extends ValueScope {
  phase: EditorPhase;
  useCtx(): void;
  /** Adds a helper function of the generated file's prologue (once). */
  useHelper(name: 'dnsbl_listed' | 'text_of'): void;
  /** Some value of the phase (or custom code) reads a regex capture: matches must keep them in vars. */
  capturesRead: boolean;
  /** An msys.cidr list to define in init() from an rbldnsd file. */
  defineCidrList(name: string, file: string): void;
}

export interface FunctionInfo {
  name: string;
  label: string;
  kind: ValueKind;
  args: ArgInfo[];
  phases: EditorPhase[];
  lua(args: Record<string, string>, s: LuaScope): string;
}

export interface ActionInfo {
  name: string;
  label: string;
  phases: EditorPhase[];
  params: ArgInfo[];
  /** A problem with the parameters, or undefined. */
  check?(params: Record<string, string>): string | undefined;
  lua(params: Record<string, string>, s: LuaScope): string[];
  /** The callout ends here with this code (a rejection ends the phase; "stop" only this module's rules). */
  exit?: 'VALIDATE_DONE' | 'VALIDATE_CONT';
}

const text = (v: string | undefined, s: LuaScope) => textValue(v ?? '', s);
const contextType = (s: LuaScope, which: 'mess' | 'conn') =>
  hasMessage(s.phase) ? `msg:context_get(core.ECMESS_CTX_${which.toUpperCase()}, ` : `vctx:get(core.VCTX_${which.toUpperCase()}, `;

export const FUNCTIONS: readonly FunctionInfo[] = [
  {
    name: 'get_mailfrom', label: 'Get Envelope Sender', kind: 'string', args: [], phases: ['mailfrom', ...MESSAGE_PHASES],
    lua: (_, s) => (s.phase === 'mailfrom' ? 'mailfrom' : 'msg:mailfrom()'),
  },
  {
    name: 'get_rcptto', label: 'Get Envelope Recipient', kind: 'string', args: [], phases: ['rcptto', 'each_rcpt', 'set_binding'],
    lua: (_, s) => (s.phase === 'rcptto' ? 'rcpt' : 'msg:rcptto()'),
  },
  {
    name: 'get_header', label: 'Get Header', kind: 'string', phases: BODY_PHASES,
    args: [{ name: 'header', label: 'Header name', placeholder: 'Subject' }],
    lua: (a, s) => `msg:header(${text(a.header, s)})[1]`,
  },
  {
    name: 'get_ehlo', label: 'Get EHLO Name', kind: 'string', args: [], phases: ['ehlo'],
    lua: () => 'helo',
  },
  {
    name: 'get_client_ip', label: 'Get Client IP', kind: 'string', args: [], phases: ALL_PHASES,
    lua: (_, s) => clientIpExpr(s.phase),
  },
  {
    name: 'get_mess_recv_from', label: 'Get Sender Address (IP:port)', kind: 'string', phases: MESSAGE_PHASES,
    args: [{ name: 'ip_only', label: 'IP only (1 = yes)', placeholder: '1', optional: true }],
    lua: (a) => `msg:reception_peer(${a.ip_only === '1' ? '"ip"' : '"all"'})`,
  },
  {
    name: 'get_mess_recv_via', label: 'Get Listener Address (IP:port)', kind: 'string', phases: MESSAGE_PHASES,
    args: [{ name: 'ip_only', label: 'IP only (1 = yes)', placeholder: '1', optional: true }],
    lua: (a) => `msg:listener_addr(${a.ip_only === '1' ? '"ip"' : '"all"'})`,
  },
  {
    name: 'vctx_mess_get', label: 'Get Message Context', kind: 'string', phases: ALL_PHASES,
    args: [{ name: 'key', label: 'Key', placeholder: 'spam_score' }],
    lua: (a, s) => `${contextType(s, 'mess')}${text(a.key, s)})`,
  },
  {
    name: 'vctx_conn_get', label: 'Get Connection Context', kind: 'string', phases: ALL_PHASES,
    args: [{ name: 'key', label: 'Key', placeholder: 'trusted' }],
    lua: (a, s) => `${contextType(s, 'conn')}${text(a.key, s)})`,
  },
  {
    name: 'get_variable', label: 'Get Variable', kind: 'string', phases: ALL_PHASES,
    args: [{ name: 'name', label: 'Variable name', placeholder: 'domain' }],
    lua: (a, s) => {
      s.useVars();
      return varsField(a.name ?? '');
    },
  },
  {
    name: 'message_size', label: 'Message Size (bytes)', kind: 'numeric', args: [], phases: BODY_PHASES,
    lua: () => 'msg:get_message_size()',
  },
  {
    name: 'pcre_match', label: 'Perform a regex match', kind: 'boolean', phases: ALL_PHASES,
    args: [{ name: 'subject', label: 'Subject text', placeholder: '$sender' }, { name: 'pattern', label: 'Pattern (PCRE)', placeholder: '^(?<user>[^@]+)@(?<domain>.+)$', regex: true }],
    lua: (a, s) => {
      s.useCtx();
      s.useVars();
      return `pe.pcre_match(ctx, vars, { subject = ${text(a.subject, s)}, pattern = ${patternValue(a.pattern ?? '', s)} })`;
    },
  },
  {
    name: 'ip_in_list', label: 'Client IP in a CIDR List', kind: 'boolean', phases: ALL_PHASES,
    args: [
      { name: 'list', label: 'msys.cidr list name', placeholder: 'trusted' },
      { name: 'file', label: 'rbldnsd file (defined in init; empty: defined by another script)', placeholder: 'lists/trusted.txt', optional: true },
    ],
    lua: (a, s) => {
      if (a.file) s.defineCidrList(a.list ?? '', a.file);
      return `msys.cidr.query(${luaString(a.list ?? '')}, ${clientIpExpr(s.phase)}) ~= ""`;
    },
  },
  {
    name: 'dnsbl_listed', label: 'Client IP Listed on a DNSBL', kind: 'boolean', phases: ALL_PHASES,
    args: [{ name: 'zone', label: 'DNSBL zone', placeholder: 'zen.spamhaus.org' }],
    lua: (a, s) => {
      s.useHelper('dnsbl_listed');
      return `dnsbl_listed(${clientIpExpr(s.phase)}, ${text(a.zone, s)})`;
    },
  },
  {
    name: 'audit_series_count', label: 'Rate from an Audit Series (client IP)', kind: 'numeric', phases: REPLY_PHASES,
    args: [
      { name: 'series', label: 'msys.audit_series name', placeholder: 'rcpt_invalid' },
      { name: 'windows', label: 'Windows to sum (1 = the current one)', placeholder: '12', optional: true },
    ],
    lua: (a, s) => `msys.audit_series.count(${luaString(a.series ?? '')}, { key = accept, startv = 0, endv = ${Math.max(1, Number(a.windows || '1')) - 1} })`,
  },
];

export interface OperatorInfo {
  id: string;
  label: string;
}

export const OPERATORS: Record<ValueKind, OperatorInfo[]> = {
  numeric: [
    { id: 'gt', label: 'Greater than' },
    { id: 'ge', label: 'Greater than or equal to' },
    { id: 'lt', label: 'Less than' },
    { id: 'le', label: 'Less than or equal to' },
    { id: 'is', label: 'Is' },
    { id: 'isnt', label: "Isn't" },
  ],
  string: [
    { id: 'contains', label: 'Contains' },
    { id: 'not_contains', label: "Doesn't contain" },
    { id: 'is', label: 'Is' },
    { id: 'isnt', label: "Isn't" },
    { id: 'matches', label: 'Matches' },
    { id: 'not_matches', label: "Doesn't match" },
  ],
  boolean: [
    { id: 'is_true', label: 'Is true' },
    { id: 'is_false', label: 'Is false' },
  ],
};

const NUMERIC_LUA: Record<string, string> = { gt: '>', ge: '>=', lt: '<', le: '<=', is: '==', isnt: '~=' };

/** The Lua test for `subject operator value`; a string for an unknown operator or a bad value (the reason). */
export function comparison(kind: ValueKind, subject: string, operator: string, value: string, s: LuaScope): { lua: string } | { error: string } {
  if (kind === 'boolean') {
    if (operator === 'is_true') return { lua: subject };
    if (operator === 'is_false') return { lua: `not ${subject}` };
  } else if (kind === 'numeric') {
    const op = NUMERIC_LUA[operator];
    if (op) {
      const n = numberValue(value, s);
      return n === undefined ? { error: `expects a number or a $variable, found ${JSON.stringify(value)}` } : { lua: `${subject} ${op} ${n}` };
    }
  } else {
    // A function that finds nothing (a header that is absent) reads as "" here.
    const subj = `(${subject} or "")`;
    switch (operator) {
      case 'contains': return { lua: `${subj}:find(${textValue(value, s)}, 1, true) ~= nil` };
      case 'not_contains': return { lua: `${subj}:find(${textValue(value, s)}, 1, true) == nil` };
      case 'is': return { lua: `${subj} == ${textValue(value, s)}` };
      case 'isnt': return { lua: `${subj} ~= ${textValue(value, s)}` };
      case 'matches':
      case 'not_matches': {
        if (!s.capturesRead) {
          const m = `msys.pcre.match(${subj}, ${patternValue(value, s)})`;
          return { lua: operator === 'matches' ? `${m} ~= nil` : `${m} == nil` };
        }
        s.useCtx();
        s.useVars();
        const m = `pe.pcre_match(ctx, vars, { subject = ${subj}, pattern = ${patternValue(value, s)} })`;
        return { lua: operator === 'matches' ? m : `not ${m}` };
      }
    }
  }
  return { error: `operator '${operator}' does not apply to a ${kind} function (use ${OPERATORS[kind].map((o) => o.id).join(', ')})` };
}

const smtpCode = (params: Record<string, string>, first: string, fallback: string) => {
  const code = params.code || fallback;
  return new RegExp(`^${first}[0-9][0-9]$`).test(code) ? undefined : `code must be ${first}xx, found ${JSON.stringify(code)}`;
};

const contextSet = (scope: string | undefined, s: LuaScope) => {
  const which = scope === 'connection' ? 'CONN' : 'MESS';
  return hasMessage(s.phase) ? `msg:context_set(core.ECMESS_CTX_${which}, ` : `vctx:set(core.VCTX_${which}, `;
};

export const ACTIONS: readonly ActionInfo[] = [
  {
    name: 'set_binding', label: 'Assign a binding', phases: ['set_binding'],
    params: [{ name: 'binding', label: 'Binding (a comma list picks one at random)', placeholder: 'gmail' }],
    lua: (p, s) => {
      // One name written out: msg:binding itself (what set_binding does after picking).
      const name = p.binding ?? '';
      if (/^[^,\s$]+$/.test(name)) return [`msg:binding(${luaString(name)})`];
      s.useCtx();
      s.useVars();
      return [`pe.set_binding(ctx, vars, { binding = ${text(p.binding, s)} })`];
    },
  },
  {
    name: 'set_binding_group', label: 'Assign a binding group', phases: ['set_binding'],
    params: [{ name: 'binding_group', label: 'Binding group', placeholder: 'outbound' }],
    lua: (p, s) => [`msg:binding_group(${text(p.binding_group, s)})`],
  },
  {
    name: 'set_context', label: 'Set a context value', phases: ALL_PHASES,
    params: [
      { name: 'scope', label: 'message or connection', placeholder: 'message' },
      { name: 'key', label: 'Key', placeholder: 'spam' },
      { name: 'value', label: 'Value', placeholder: 'yes' },
    ],
    check: (p) => (p.scope && p.scope !== 'message' && p.scope !== 'connection' ? `scope must be "message" or "connection", found ${JSON.stringify(p.scope)}` : undefined),
    lua: (p, s) => [`${contextSet(p.scope, s)}${text(p.key, s)}, ${text(p.value, s)})`],
  },
  {
    name: 'set_variable', label: 'Assign a variable', phases: ALL_PHASES,
    params: [{ name: 'name', label: 'Variable name', placeholder: 'domain' }, { name: 'value', label: 'Value', placeholder: '$1' }],
    lua: (p, s) => {
      s.useVars();
      return [`${varsField(p.name ?? '')} = ${text(p.value, s)}`];
    },
  },
  {
    name: 'send_email', label: 'Send an email', phases: MESSAGE_PHASES,
    params: [
      { name: 'from', label: 'From', placeholder: 'postmaster@example.com' },
      { name: 'to', label: 'To (commas or spaces between addresses)', placeholder: 'admin@example.com' },
      { name: 'subject', label: 'Subject', placeholder: 'Policy alert' },
      { name: 'body', label: 'Body', placeholder: 'A message from $sender was rejected.' },
      { name: 'throttle', label: 'At most one every N seconds (0: no limit)', placeholder: '0', optional: true },
    ],
    check: (p) => (p.throttle && !/^[0-9]+$/.test(p.throttle) ? `throttle must be a number of seconds, found ${JSON.stringify(p.throttle)}` : undefined),
    lua: (p, s) => {
      s.useCtx();
      s.useVars();
      const fields = ['from', 'to', 'subject', 'body'].map((k) => `${k} = ${text(p[k], s)}`);
      return [`pe.send_email(ctx, vars, { ${fields.join(', ')}, throttle = ${Number(p.throttle || '0')} })`];
    },
  },
  {
    name: 'log', label: 'Log a line', phases: ALL_PHASES,
    params: [{ name: 'text', label: 'Text', placeholder: 'Assigned to gmail binding' }],
    lua: (p, s) => [`print(${text(p.text, s)})`],
  },
  {
    name: 'reject', label: 'Reject (5xx)', phases: REPLY_PHASES, exit: 'VALIDATE_DONE',
    params: [{ name: 'code', label: 'Code', placeholder: '550', optional: true }, { name: 'text', label: 'Text', placeholder: '5.7.1 Rejected by policy', optional: true }],
    check: (p) => smtpCode(p, '5', '550'),
    lua: (p, s) => [`vctx:set_code(${p.code || '550'}, ${text(p.text || '5.7.1 Rejected by policy', s)})`],
  },
  {
    name: 'tempfail', label: 'Temporary failure (4xx)', phases: REPLY_PHASES, exit: 'VALIDATE_DONE',
    params: [{ name: 'code', label: 'Code', placeholder: '451', optional: true }, { name: 'text', label: 'Text', placeholder: '4.7.1 Try again later', optional: true }],
    check: (p) => smtpCode(p, '4', '451'),
    lua: (p, s) => [`vctx:set_code(${p.code || '451'}, ${text(p.text || '4.7.1 Try again later', s)})`],
  },
  {
    name: 'discard', label: 'Discard the message', phases: ['data', 'each_rcpt'], exit: 'VALIDATE_DONE',
    params: [{ name: 'reason', label: 'Reason (logged)', placeholder: '550 5.7.1 discarded by policy', optional: true }],
    lua: (p, s) => [p.reason ? `msg:discard(${text(p.reason, s)})` : 'msg:discard()'],
  },
  {
    name: 'disconnect', label: 'Disconnect', phases: REPLY_PHASES, exit: 'VALIDATE_DONE',
    params: [{ name: 'code', label: 'Code', placeholder: '421', optional: true }, { name: 'text', label: 'Text', placeholder: '4.7.0 Closing connection', optional: true }],
    check: (p) => (/^[45][0-9][0-9]$/.test(p.code || '421') ? undefined : `code must be 4xx or 5xx, found ${JSON.stringify(p.code)}`),
    lua: (p, s) => [`vctx:disconnect(${p.code || '421'}, ${text(p.text || '4.7.0 Closing connection', s)})`],
  },
  {
    name: 'add_header', label: 'Add a header', phases: BODY_PHASES,
    params: [{ name: 'name', label: 'Header name', placeholder: 'X-Policy' }, { name: 'value', label: 'Value', placeholder: 'checked' }],
    check: (p) => headerName(p.name),
    lua: (p, s) => [`msg:header(${luaString(p.name ?? '')}, ${text(p.value, s)}, "append")`],
  },
  {
    name: 'replace_header', label: 'Replace a header', phases: BODY_PHASES,
    params: [{ name: 'name', label: 'Header name', placeholder: 'Subject' }, { name: 'value', label: 'Value', placeholder: '[SPAM] $subject' }],
    check: (p) => headerName(p.name),
    lua: (p, s) => [`msg:header(${luaString(p.name ?? '')}, ${text(p.value, s)})`],
  },
  {
    name: 'delete_header', label: 'Delete a header', phases: BODY_PHASES,
    params: [{ name: 'name', label: 'Header name', placeholder: 'X-Spam-Flag' }],
    check: (p) => headerName(p.name),
    lua: (p) => [`msg:header(${luaString(p.name ?? '')}, "")`],
  },
  {
    name: 'stop', label: 'Stop processing rules', phases: ALL_PHASES, exit: 'VALIDATE_CONT', params: [],
    lua: () => [],
  },
];

function headerName(name: string | undefined): string | undefined {
  return name && /^[!-9;-~]+$/.test(name) ? undefined : `name must be a header name (printable ASCII, no ':' or space), found ${JSON.stringify(name ?? '')}`;
}

export function functionInfo(name: string): FunctionInfo | undefined {
  return FUNCTIONS.find((f) => f.name === name);
}

export function actionInfo(name: string): ActionInfo | undefined {
  return ACTIONS.find((a) => a.name === name);
}

const publicArgs = (args: ArgInfo[]) => args.map((a) => ({ name: a.name, label: a.label, ...(a.placeholder ? { placeholder: a.placeholder } : {}), ...(a.optional ? { optional: true } : {}), ...(a.regex ? { regex: true } : {}) }));

/** GET /api/catalog: everything the UI shows, nothing it must hard-code. */
export function publicCatalog() {
  return {
    phases: PHASE_INFO.map((p) => ({ id: p.id, label: p.label })),
    functions: FUNCTIONS.map((f) => ({ name: f.name, label: f.label, kind: f.kind, args: publicArgs(f.args), phases: f.phases })),
    operators: OPERATORS,
    actions: ACTIONS.map((a) => ({ name: a.name, label: a.label, phases: a.phases, params: publicArgs(a.params) })),
  };
}
