// The editor's phases (tabs): Momentum's three (DATA, EACH RECIPIENT, SET
// BINDING) and the SMTP phases before them. Each is one callout of the
// generated module; what the callout is given decides what rules can read.

import type { EditorPhase } from './rules.js';

export interface PhaseInfo {
  id: EditorPhase;
  label: string;
  /** The generated module's method. */
  callout: string;
  /** The callout's arguments after self, as the generated code names them. */
  params: string[];
  /** The engine's phase name (verdicts, scriptlet run). */
  enginePhase: string;
}

export const PHASE_INFO: readonly PhaseInfo[] = [
  { id: 'connect', label: 'CONNECT', callout: 'validate_connect', params: ['accept', 'vctx'], enginePhase: 'connect' },
  { id: 'ehlo', label: 'EHLO', callout: 'validate_ehlo', params: ['helo', 'accept', 'vctx'], enginePhase: 'ehlo' },
  { id: 'mailfrom', label: 'MAIL FROM', callout: 'validate_mailfrom', params: ['mailfrom', 'accept', 'vctx'], enginePhase: 'mailfrom' },
  { id: 'rcptto', label: 'RCPT TO', callout: 'validate_rcptto', params: ['msg', 'rcpt', 'accept', 'vctx'], enginePhase: 'rcptto' },
  { id: 'data', label: 'DATA', callout: 'validate_data', params: ['msg', 'accept', 'vctx'], enginePhase: 'data' },
  { id: 'each_rcpt', label: 'EACH RECIPIENT', callout: 'validate_data_spool_each_rcpt', params: ['msg', 'accept', 'vctx'], enginePhase: 'data_spool_each_rcpt' },
  { id: 'set_binding', label: 'SET BINDING', callout: 'validate_set_binding', params: ['msg'], enginePhase: 'set_binding' },
];

export function phaseInfo(id: EditorPhase): PhaseInfo {
  return PHASE_INFO.find((p) => p.id === id) as PhaseInfo;
}

/** Phases whose callout gets a message object (msg:*). */
export const MESSAGE_PHASES: EditorPhase[] = ['rcptto', 'data', 'each_rcpt', 'set_binding'];
/** Phases after the body arrived: headers and size exist. */
export const BODY_PHASES: EditorPhase[] = ['data', 'each_rcpt', 'set_binding'];
/** Phases with a validation context, where a reply code can be set. */
export const REPLY_PHASES: EditorPhase[] = ['connect', 'ehlo', 'mailfrom', 'rcptto', 'data', 'each_rcpt'];
export const ALL_PHASES: EditorPhase[] = PHASE_INFO.map((p) => p.id);

export function hasMessage(phase: EditorPhase): boolean {
  return MESSAGE_PHASES.includes(phase);
}

/** The client's IP address as a Lua expression in this phase's callout. */
export function clientIpExpr(phase: EditorPhase): string {
  return phase === 'set_binding' ? 'msg:reception_peer("ip")' : 'accept.remote_addr';
}
