// The result of running one phase: what the policy decided and changed, as
// plain data the host applies. Built from the native verdict, which carries
// only what the call produced, and the call's input, for the rest.

import { ScriptError } from './errors.js';
import type { Phase } from './phases.js';
import type { NativeVerdict } from '../native/types.js';

export type Context = Record<string, string>;

export interface CallInput {
  /** The raw RFC 5322 message; absent before DATA. Borrowed, not copied. */
  message?: Buffer;
  id?: string;
  mailfrom?: string;
  rcptto?: string[];
  /** The recipient this call is about (rcptto, each_rcpt, set_binding). */
  rcpt?: string;
  helo?: string;
  remoteAddr?: string;
  remotePort?: number;
  localAddr?: string;
  localPort?: number;
  context?: { conn?: Context; mess?: Context };
}

export interface Disposition {
  code: number;
  text: string;
  phase: Phase;
  /** vctx:disconnect(): close the connection after the reply. */
  disconnect: boolean;
  /** msg:discard(): accept, then deliver nowhere. */
  discard: boolean;
}

export interface HeaderEdit {
  op: 'replace' | 'prepend' | 'append' | 'delete';
  name: string;
  value: string;
}

export interface LogLine {
  module: string;
  text: string;
}

export class Verdict {
  readonly phase: Phase;
  /** Set by vctx:set_code, msg:code, vctx:disconnect or msg:discard; else null. */
  readonly disposition: Disposition | null;
  /** 'done' when a module returned VALIDATE_DONE and ended the phase. */
  readonly action: 'continue' | 'done';
  /** on_error = tempfail turned a script error into a 451. */
  readonly tempfailed: boolean;
  readonly headerEdits: HeaderEdit[];
  /** The message with the header edits applied, when there were any. */
  readonly message: Buffer | undefined;
  /** The envelope after the call (changed only if the policy changed it). */
  readonly mailfrom: string | undefined;
  readonly rcptto: string[] | undefined;
  readonly envelopeChanged: { mailfrom: boolean; rcptto: boolean };
  readonly context: { conn: Context; mess: Context };
  readonly errors: ScriptError[];
  readonly logs: LogLine[];
  /** How many callouts ran. */
  readonly callouts: number;
  /** The hash of the scripts this call ran under. */
  readonly version: string;

  constructor(phase: Phase, raw: NativeVerdict, input: CallInput, version: string) {
    this.phase = phase;
    this.disposition =
      raw.code === undefined
        ? null
        : { code: raw.code, text: raw.text ?? '', phase, disconnect: raw.disconnect === true, discard: raw.discard === true };
    this.action = raw.done ? 'done' : 'continue';
    this.tempfailed = raw.tempfailed === true;
    this.headerEdits = raw.headerEdits ?? [];
    this.message = raw.message;
    this.mailfrom = raw.mailfrom ?? input.mailfrom;
    this.rcptto = raw.rcptto ?? input.rcptto;
    this.envelopeChanged = { mailfrom: raw.mailfrom !== undefined, rcptto: raw.rcptto !== undefined };
    this.context = { conn: raw.conn ?? input.context?.conn ?? {}, mess: raw.mess ?? input.context?.mess ?? {} };
    this.errors = raw.errors ? raw.errors.map((e) => new ScriptError(e)) : [];
    this.logs = raw.logs ?? [];
    this.callouts = raw.callouts;
    this.version = version;
  }
}
