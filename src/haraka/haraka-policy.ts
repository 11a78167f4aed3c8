// The policy inside Haraka: what the plugin's hooks (haraka/load.cjs, put on
// Haraka's plugin object by the one line of haraka/scriptlet.js) call. Each
// Haraka connection gets a PolicySession, the same one `scriptlet serve`
// uses, so both give the same verdicts:
//
//   hook_connect    connect
//   hook_helo/ehlo  ehlo (at the HELO/EHLO command itself)
//   hook_mail       mailfrom (the transaction's uuid is msg.id)
//   hook_rcpt       rcptto
//   hook_capabilities  the EHLO keyword lines, with the changes of
//                   ac:esmtp_capability_add/remove (connect and ehlo)
//   hook_data_post  data, data_spool, then data_spool_each_rcpt and
//                   set_binding per recipient; the header edits, the
//                   recipient list and msg:discard (transaction.notes.discard,
//                   which Haraka's queue/discard plugin honours) are applied
//                   to Haraka's transaction
//
// vctx:tarpit delays the hook's answer (PolicySession). Messages from
// msg:inject and msg:forward are logged as not sent: the plugin has no
// handle on Haraka's outbound queue.
//
// A hook answers null (go on: next()) or the Rejection to map to DENY,
// DENYSOFT, DENYDISCONNECT or DENYSOFTDISCONNECT.

import { loadScriptletConfig } from '../config/scriptlet-config.js';
import type { HeaderEdit } from '../engine/verdict.js';
import { applyCapabilityEdits } from '../server/ehlo-reply.js';
import { engineFromConfig, type Engine } from '../pool/index.js';
import { PolicySession, scriptErrorLine, type PhaseOutcome, type Rejection } from '../server/policy-session.js';

/** The parts of Haraka's connection and transaction used here. */
export interface HarakaConnection {
  uuid: string;
  remote: { ip: string; port?: number };
  local: { ip?: string; port?: number };
  transaction?: HarakaTransaction | null;
  /** The EHLO reply lines (greeting first), during hook_capabilities. */
  capabilities?: string[] | null;
}

/** Haraka's Address (address-rfc2821): the bare address is a method in older Haraka, a property in newer. */
export interface HarakaAddress {
  address: string | (() => string);
}

export interface HarakaTransaction {
  uuid: string;
  message_stream: { get_data(cb: (data: Buffer) => void): void };
  add_header(name: string, value: string): void;
  add_leading_header(name: string, value: string): void;
  remove_header(name: string): void;
  rcpt_to?: HarakaAddress[];
  notes?: Record<string, unknown>;
}

export class HarakaPolicy {
  readonly engine: Engine;
  readonly #sessions = new WeakMap<HarakaConnection, PolicySession>();
  readonly #log: (line: string) => void;

  private constructor(engine: Engine, log: (line: string) => void) {
    this.engine = engine;
    this.#log = log;
  }

  /** Loads the configuration file's scriptlet scope and starts the engine's workers. */
  static async open(confFile: string, log: (line: string) => void): Promise<HarakaPolicy> {
    const engine = engineFromConfig(loadScriptletConfig(confFile), { log });
    await engine.ready();
    return new HarakaPolicy(engine, log);
  }

  async connect(c: HarakaConnection): Promise<Rejection | null> {
    const session = new PolicySession(this.engine.run.bind(this.engine), { id: c.uuid, remoteAddr: c.remote.ip, remotePort: c.remote.port, localAddr: c.local.ip, localPort: c.local.port }, {
      onErrors: (phase, errors) => errors.forEach((e) => this.#log(`${c.uuid} ${phase}: ${scriptErrorLine(e)}`)),
      onLogs: (phase, logs) => logs.forEach((l) => this.#log(`${c.uuid} ${phase}: [${l.module}] ${l.text}`)),
    });
    this.#sessions.set(c, session);
    return rejection(await session.connect());
  }

  async ehlo(c: HarakaConnection, name: string): Promise<Rejection | null> {
    return rejection(await this.#session(c).ehlo(name));
  }

  async mailfrom(c: HarakaConnection, address: string): Promise<Rejection | null> {
    return rejection(await this.#session(c).mailfrom(address, c.transaction?.uuid ?? c.uuid));
  }

  async rcptto(c: HarakaConnection, address: string): Promise<Rejection | null> {
    return rejection(await this.#session(c).rcptto(address));
  }

  async dataPost(c: HarakaConnection): Promise<Rejection | null> {
    const t = c.transaction;
    if (!t) return null;
    const raw = await new Promise<Buffer>((resolve) => t.message_stream.get_data(resolve));
    const outcome = await this.#session(c).message(raw);
    if (outcome.rejected) return outcome.rejected;
    applyHeaderEdits(t, outcome.headerEdits);
    applyRecipients(t, outcome.rcptto);
    if (outcome.discard && t.notes) t.notes.discard = true;
    return null;
  }

  /** hook_capabilities: the policy's changes to the EHLO keyword lines, in place. */
  capabilities(c: HarakaConnection): void {
    const lines = c.capabilities;
    const session = this.#sessions.get(c);
    if (!lines || lines.length === 0 || !session || session.esmtpCapabilities.length === 0) return;
    const changed = applyCapabilityEdits(lines.slice(1), session.esmtpCapabilities);
    lines.splice(1, lines.length - 1, ...changed);
  }

  close(): Promise<void> {
    return this.engine.close();
  }

  #session(c: HarakaConnection): PolicySession {
    let session = this.#sessions.get(c);
    if (!session) {
      // A connection the connect hook never saw (the plugin was loaded late): start its session now.
      session = new PolicySession(this.engine.run.bind(this.engine), { id: c.uuid, remoteAddr: c.remote.ip });
      this.#sessions.set(c, session);
    }
    return session;
  }
}

function rejection(outcome: PhaseOutcome): Rejection | null {
  return outcome.rejected;
}

function bare(a: HarakaAddress): string {
  return typeof a.address === 'function' ? a.address() : a.address;
}

/** The recipient list the policy left, on Haraka's transaction: kept Address objects stay, new ones are made by their class. */
export function applyRecipients(t: HarakaTransaction, rcptto: readonly string[]): void {
  const current = t.rcpt_to;
  if (!current || current.length === 0) return;
  const same = current.length === rcptto.length && current.every((a, i) => bare(a) === rcptto[i]);
  if (same) return;
  const AddressClass = current[0]!.constructor as new (text: string) => HarakaAddress;
  const kept = new Map(current.map((a) => [bare(a), a]));
  t.rcpt_to = rcptto.map((r) => kept.get(r) ?? new AddressClass(`<${r}>`));
}

/** The policy's header edits, in order, on Haraka's transaction. */
export function applyHeaderEdits(t: HarakaTransaction, edits: readonly HeaderEdit[]): void {
  for (const e of edits) {
    if (e.op === 'delete' || e.op === 'replace') t.remove_header(e.name);
    if (e.op === 'replace' || e.op === 'append') t.add_header(e.name, e.value);
    else if (e.op === 'prepend') t.add_leading_header(e.name, e.value);
  }
}
