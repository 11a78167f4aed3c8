// One SMTP transaction through every phase, in the order an MTA runs them:
// connect, ehlo, mailfrom, rcptto (per recipient), data, data_spool, then
// per recipient core_pre_msg_each_rcpt, data_spool_each_rcpt and
// core_post_msg_each_rcpt, set_binding per recipient, and
// core_final_validation before the 250. It stops at the first
// rejection (4xx/5xx) or disconnect, and carries each verdict's changes
// (contexts, envelope, edited message) into the next phase, as a host must:
// calls are stateless across the boundary.

import type { Policy } from './policy.js';
import { PHASES, RECIPIENT_COPY_PHASES, type Phase } from './phases.js';
import type { CallInput, Context, Verdict } from './verdict.js';
import type { ScriptError } from './errors.js';

export interface Transaction {
  message: Buffer;
  mailfrom: string;
  rcptto: string[];
  helo: string;
  remoteAddr: string;
  remotePort?: number;
  localAddr?: string;
  localPort?: number;
  id?: string;
}

export interface TransactionResult {
  /** The rejection, or the last 2xx reply a policy set, or 250. */
  disposition: { code: number; text: string; phase: Phase | null; disconnect?: boolean; discard?: boolean };
  mailfrom: string;
  rcptto: string[];
  message: Buffer;
  context: { conn: Context; mess: Context };
  errors: ScriptError[];
  logs: { phase: Phase; module: string; text: string }[];
  version: string;
  /** The binding set_binding chose, by recipient. */
  bindings: Record<string, string>;
  /** The routing domain msg:routing_domain set, by recipient. */
  routingDomains: Record<string, string>;
}

interface Step {
  phase: Phase;
  rcpt?: string;
}

function steps(rcptto: string[]): Step[] {
  const perRcpt = (phase: Phase): Step[] => rcptto.map((rcpt) => ({ phase, rcpt }));
  const eachRcpt = rcptto.flatMap((rcpt): Step[] => [
    { phase: 'core_pre_msg_each_rcpt', rcpt },
    { phase: 'data_spool_each_rcpt', rcpt },
    { phase: 'core_post_msg_each_rcpt', rcpt },
  ]);
  return [
    { phase: 'connect' },
    { phase: 'ehlo' },
    { phase: 'mailfrom' },
    ...perRcpt('rcptto'),
    { phase: 'data' },
    { phase: 'data_spool' },
    ...eachRcpt,
    ...perRcpt('set_binding'),
    { phase: 'core_final_validation' },
  ];
}

// The phases some module of a policy defines: a Policy's scripts are fixed
// for its life, and a call that would run no callout is skipped (the core
// hooks added 2 calls a recipient + 1 that most policies leave empty).
const definedPhases = new WeakMap<Policy, Set<Phase>>();

function phasesDefined(policy: Policy): Set<Phase> {
  let defined = definedPhases.get(policy);
  if (!defined) {
    defined = new Set(PHASES.filter((phase) => policy.calloutModules(phase).length > 0));
    definedPhases.set(policy, defined);
  }
  return defined;
}

/** Runs the transaction's phases in a row, each call awaited: msys.dnsLookup, msys.sleep and msys.db may suspend. */
export async function runTransactionAsync(policy: Policy, t: Transaction): Promise<TransactionResult> {
  const flow = transactionFlow(policy, t);
  let next = flow.next();
  while (!next.done) next = flow.next(await policy.runAsync(...next.value));
  return next.value;
}

/** Runs the transaction's phases in a row, synchronously (a call that would suspend raises). */
export function runTransaction(policy: Policy, t: Transaction): TransactionResult {
  const flow = transactionFlow(policy, t);
  let next = flow.next();
  while (!next.done) next = flow.next(policy.run(...next.value));
  return next.value;
}

// The phases of a transaction: yields each call, takes back its verdict.
function* transactionFlow(policy: Policy, t: Transaction): Generator<[Phase, CallInput], TransactionResult, Verdict> {
  const defined = phasesDefined(policy);
  const state = {
    mailfrom: t.mailfrom,
    rcptto: [...t.rcptto],
    message: t.message,
    context: { conn: {} as Context, mess: {} as Context },
  };
  const result: TransactionResult = {
    disposition: { code: 250, text: '2.0.0 OK', phase: null },
    mailfrom: state.mailfrom,
    rcptto: state.rcptto,
    message: state.message,
    context: state.context,
    errors: [],
    logs: [],
    version: policy.version,
    bindings: {},
    routingDomains: {},
  };
  // Each recipient's own message context, from data_spool on (RECIPIENT_COPY_PHASES).
  const recipientMess = new Map<string, Context>();
  for (const step of steps(t.rcptto)) {
    if (!defined.has(step.phase)) continue;
    const own = step.rcpt !== undefined && RECIPIENT_COPY_PHASES.has(step.phase) ? step.rcpt : undefined;
    const context = own === undefined ? state.context : { conn: state.context.conn, mess: recipientMess.get(own) ?? state.context.mess };
    const beforeData = step.phase === 'connect' || step.phase === 'ehlo' || step.phase === 'mailfrom' || step.phase === 'rcptto';
    const input: CallInput = {
      id: t.id,
      mailfrom: state.mailfrom,
      rcptto: state.rcptto,
      helo: t.helo,
      remoteAddr: t.remoteAddr,
      remotePort: t.remotePort,
      localAddr: t.localAddr,
      localPort: t.localPort,
      context,
      ...(step.rcpt !== undefined ? { rcpt: step.rcpt } : {}),
      ...(beforeData ? {} : { message: state.message }),
    };
    const v: Verdict = yield [step.phase, input];
    result.errors.push(...v.errors);
    for (const log of v.logs) result.logs.push({ phase: step.phase, ...log });
    if (own === undefined) state.context = v.context;
    else {
      recipientMess.set(own, v.context.mess);
      state.context = { conn: v.context.conn, mess: state.context.mess };
    }
    if (v.mailfrom !== undefined) state.mailfrom = v.mailfrom;
    if (v.rcptto !== undefined) state.rcptto = [...v.rcptto];
    if (v.message) state.message = v.message;
    if (v.binding !== undefined && step.rcpt !== undefined) result.bindings[step.rcpt] = v.binding;
    if (v.routingDomain !== undefined && step.rcpt !== undefined) result.routingDomains[step.rcpt] = v.routingDomain;
    const d = v.disposition;
    if (d && (d.code >= 400 || d.disconnect)) {
      result.disposition = { code: d.code, text: d.text, phase: d.phase, ...(d.disconnect ? { disconnect: true } : {}) };
      break;
    }
    if (d) result.disposition = { code: d.code, text: d.text, phase: d.phase, ...(d.discard ? { discard: true } : {}) };
  }
  return { ...result, mailfrom: state.mailfrom, rcptto: state.rcptto, message: state.message, context: state.context };
}
