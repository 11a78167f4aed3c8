// The policy inside Haraka: what the plugin's hooks (haraka/load.cjs, put on
// Haraka's plugin object by the one line of haraka/scriptlet.js) call. Each
// Haraka connection gets a PolicySession, the same one `scriptlet serve`
// uses, so both give the same verdicts:
//
//   hook_connect    connect
//   hook_helo/ehlo  ehlo (at the HELO/EHLO command itself)
//   hook_mail       mailfrom (the transaction's uuid is msg.id); the
//                   connection context gets tls, can_relay, auth_user
//   hook_rcpt       rcptto
//   hook_capabilities  the EHLO keyword lines, with the changes of
//                   ac:esmtp_capability_add/remove (connect and ehlo)
//   hook_data_post  data, data_spool, per recipient core_pre_msg_each_rcpt,
//                   data_spool_each_rcpt and core_post_msg_each_rcpt,
//                   set_binding per recipient, core_final_validation; the
//                   header edits, the recipient list and msg:discard
//                   (transaction.notes.discard, which Haraka's queue/discard
//                   plugin honours) are applied to Haraka's transaction, the
//                   bindings chosen noted in transaction.notes.scriptlet_bindings
//   hook_delivered  core_log_delivery_v1            (outbound delivery only;
//   hook_bounce     core_log_permanent_failure_v1    they never change what
//   hook_deferred   core_log_transient_failure_v1    Haraka does)
//
// vctx:tarpit delays the hook's answer (PolicySession). Messages from
// msg:inject and msg:forward are logged as not sent: the plugin has no
// handle on Haraka's outbound queue.
//
// A hook answers null (go on: next()) or the Rejection to map to DENY,
// DENYSOFT, DENYDISCONNECT or DENYSOFTDISCONNECT.

import { loadScriptletConfig } from '../config/scriptlet-config.js';
import { deliveryLogInput, deliveryLogPhase } from '../engine/delivery-log.js';
import type { HeaderEdit } from '../engine/verdict.js';
import { applyCapabilityEdits } from '../server/ehlo-reply.js';
import { engineFromConfig, type Engine } from '../pool/index.js';
import { inboundAudit, type InboundAudit } from '../state/index.js';
import { skippingEmptyPhases } from '../milter/empty-phases.js';
import { PolicySession, scriptErrorLine, type PhaseOutcome, type Rejection, type RunPhase } from '../server/policy-session.js';
import { replaceMessage, type ReplaceableTransaction } from './replace-message.js';

/** The parts of Haraka's connection and transaction used here. */
export interface HarakaConnection {
  uuid: string;
  remote: { ip: string; port?: number };
  local: { ip?: string; port?: number };
  transaction?: HarakaTransaction | null;
  /** The EHLO reply lines (greeting first), during hook_capabilities. */
  capabilities?: string[] | null;
  tls?: { enabled?: boolean };
  relaying?: boolean;
  notes?: Record<string, unknown>;
}

export interface HarakaTransaction extends ReplaceableTransaction {
  message_stream: ReplaceableTransaction['message_stream'] & { get_data(cb: (data: Buffer) => void): void };
  notes?: Record<string, unknown>;
  add_header(name: string, value: string): void;
  add_leading_header(name: string, value: string): void;
  remove_header(name: string): void;
  rcpt_to?: HarakaAddress[];
}

export class HarakaPolicy {
  readonly engine: Engine;
  readonly #sessions = new WeakMap<HarakaConnection, PolicySession>();
  readonly #log: (line: string) => void;
  /** Phases no module defines are not sent to the pool (up to 3 a recipient + 3 a message after DATA). */
  readonly #run: RunPhase;
  /** Sessions and their outcomes, for msys.audit.* (src/state). */
  readonly #audit: InboundAudit;

  private constructor(engine: Engine, log: (line: string) => void) {
    this.engine = engine;
    this.#audit = inboundAudit(engine.engine);
    this.#run = skippingEmptyPhases(engine).run;
    this.#log = log;
  }

  /** Loads the configuration file's scriptlet scope and starts the engine's workers. */
  static async open(confFile: string, log: (line: string) => void): Promise<HarakaPolicy> {
    const engine = engineFromConfig(loadScriptletConfig(confFile), { log });
    await engine.ready();
    return new HarakaPolicy(engine, log);
  }

  async connect(c: HarakaConnection): Promise<Rejection | null> {
    const session = new PolicySession(this.#run, { id: c.uuid, remoteAddr: c.remote.ip, remotePort: c.remote.port, localAddr: c.local.ip, localPort: c.local.port }, {
      onErrors: (phase, errors) => errors.forEach((e) => this.#log(`${c.uuid} ${phase}: ${scriptErrorLine(e)}`)),
      onLogs: (phase, logs) => logs.forEach((l) => this.#log(`${c.uuid} ${phase}: [${l.module}] ${l.text}`)),
    });
    this.#sessions.set(c, session);
    this.#audit.sessionOpened(c.remote.ip);
    return this.#audited(c, rejection(await session.connect()));
  }

  /** hook_disconnect: the session counted open at connect ends. */
  disconnect(c: HarakaConnection): void {
    if (this.#sessions.delete(c)) this.#audit.sessionClosed(c.remote.ip);
  }

  /** Reports a refusal to the inbound audit, and passes it on. */
  #audited(c: HarakaConnection, r: Rejection | null): Rejection | null {
    if (r) this.#audit.rejection(c.remote.ip);
    return r;
  }

  async ehlo(c: HarakaConnection, name: string): Promise<Rejection | null> {
    return this.#audited(c, rejection(await this.#session(c).ehlo(name)));
  }

  async mailfrom(c: HarakaConnection, address: string): Promise<Rejection | null> {
    const session = this.#session(c);
    session.setContext('conn', sessionContext(c));
    return this.#audited(c, rejection(await session.mailfrom(address, c.transaction?.uuid ?? c.uuid)));
  }

  async rcptto(c: HarakaConnection, address: string): Promise<Rejection | null> {
    return this.#audited(c, rejection(await this.#session(c).rcptto(address)));
  }

  async dataPost(c: HarakaConnection): Promise<Rejection | null> {
    const t = c.transaction;
    if (!t) return null;
    const raw = await new Promise<Buffer>((resolve) => t.message_stream.get_data(resolve));
    const outcome = await this.#session(c).message(raw);
    if (outcome.rejected) return this.#audited(c, outcome.rejected);
    this.#audit.reception(c.remote.ip);
    // A replaced message has every header edit in it already.
    if (outcome.replaced) await replaceMessage(t, outcome.message);
    else applyHeaderEdits(t, outcome.headerEdits);
    applyRecipients(t, outcome.rcptto);
    if (outcome.discard && t.notes) t.notes.discard = true;
    if (t.notes && Object.keys(outcome.bindings).length > 0) t.notes[BINDINGS_NOTE] = { ...outcome.bindings };
    if (t.notes && Object.keys(outcome.routingDomains).length > 0) t.notes[ROUTING_NOTE] = { ...outcome.routingDomains };
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

  /**
   * A delivery attempt of Haraka's outbound (hook_delivered, hook_bounce,
   * hook_deferred): its delivery-log phase, for the scripts to log or count.
   * Never throws: a failure is logged, and delivery goes on as Haraka decided.
   */
  async delivery(outcome: 'delivered' | 'bounced' | 'deferred', hmail: HarakaOutboundMail, reply: string | undefined): Promise<void> {
    const todo = hmail.todo;
    const rcptto = (todo?.rcpt_to ?? []).map(addressOf);
    const bindings = (todo?.notes?.[BINDINGS_NOTE] ?? {}) as Record<string, string>;
    const binding = rcptto.map((r) => bindings[r]).find((b) => b !== undefined);
    const { code, text } = remoteReply(outcome, todo?.rcpt_to ?? [], reply);
    const phase = deliveryLogPhase(outcome);
    const input = deliveryLogInput({
      id: todo?.uuid ?? '',
      mailfrom: todo?.mail_from ? addressOf(todo.mail_from) : '',
      rcptto,
      ...(code !== undefined ? { code } : {}),
      ...(text !== undefined ? { text } : {}),
      ...(binding !== undefined ? { binding } : {}),
    });
    try {
      const v = await this.#run(phase, input);
      for (const e of v.errors) this.#log(`${input.id} ${phase}: ${scriptErrorLine(e)}`);
      for (const l of v.logs) this.#log(`${input.id} ${phase}: [${l.module}] ${l.text}`);
    } catch (err) {
      this.#log(`${input.id} ${phase}: not run: ${(err as Error).message}`);
    }
  }

  close(): Promise<void> {
    return this.engine.close();
  }

  #session(c: HarakaConnection): PolicySession {
    let session = this.#sessions.get(c);
    if (!session) {
      // A connection the connect hook never saw (the plugin was loaded late): start its session now.
      session = new PolicySession(this.#run, { id: c.uuid, remoteAddr: c.remote.ip });
      this.#sessions.set(c, session);
    }
    return session;
  }
}

/**
 * What Haraka knows of the session, as Momentum's connection context
 * variables (what %{vctx_conn:tls} and vctx:get read): set at each MAIL, when
 * STARTTLS and AUTH are behind.
 */
function sessionContext(c: HarakaConnection): Record<string, string> {
  const out: Record<string, string> = { tls: c.tls?.enabled ? '1' : '0', can_relay: c.relaying ? '1' : '0' };
  const user = c.notes?.auth_user;
  if (typeof user === 'string' && user !== '') {
    out.auth_user = user;
    out.auth_status = 'ok';
  }
  return out;
}

/** transaction.notes key of the bindings set_binding chose, by recipient (outbound copies the notes into hmail.todo.notes). */
export const BINDINGS_NOTE = 'scriptlet_bindings';
/** The transaction note with the routing domains msg:routing_domain set, by recipient. */
export const ROUTING_NOTE = 'scriptlet_routing_domains';

/** The parts of Haraka's outbound HMailItem the delivery hooks read. */
export interface HarakaOutboundMail {
  todo?: { uuid?: string; mail_from?: HarakaAddress; rcpt_to?: HarakaAddress[]; notes?: Record<string, unknown> };
}

/** Haraka's Address: address() a method in older Haraka, a property in newer; or a plain string. With the remote reply outbound noted on it. */
export type HarakaAddress = string | { address: string | (() => string); dsn_smtp_code?: number | string; dsn_smtp_extc?: string; dsn_smtp_response?: string };

/**
 * The remote server's reply to an attempt: what outbound noted on the first
 * recipient that has one, else a code at the start of the hook's text. A
 * delivery is a 250 when nothing says otherwise (Haraka passes the remote
 * text without its code).
 */
function remoteReply(outcome: 'delivered' | 'bounced' | 'deferred', rcpts: HarakaAddress[], reply: string | undefined): { code?: number; text?: string } {
  for (const r of rcpts) {
    if (typeof r === 'string' || r.dsn_smtp_code === undefined) continue;
    return { code: Number(r.dsn_smtp_code), text: [r.dsn_smtp_extc, r.dsn_smtp_response].filter(Boolean).join(' ') };
  }
  const m = reply === undefined ? null : /^([2-5][0-9][0-9])[ -](.*)$/s.exec(reply);
  if (m) return { code: Number(m[1]), text: m[2]! };
  return { ...(outcome === 'delivered' ? { code: 250 } : {}), ...(reply !== undefined ? { text: reply } : {}) };
}

function addressOf(a: HarakaAddress): string {
  if (typeof a === 'string') return a;
  return (typeof a.address === 'function' ? a.address() : a.address) ?? '';
}

function rejection(outcome: PhaseOutcome): Rejection | null {
  return outcome.rejected;
}

/** The recipient list the policy left, on Haraka's transaction: kept Address objects stay, new ones are made by their class. */
export function applyRecipients(t: HarakaTransaction, rcptto: readonly string[]): void {
  const current = t.rcpt_to;
  if (!current || current.length === 0) return;
  const same = current.length === rcptto.length && current.every((a, i) => addressOf(a) === rcptto[i]);
  if (same) return;
  const AddressClass = current[0]!.constructor as new (text: string) => HarakaAddress;
  const kept = new Map(current.map((a) => [addressOf(a), a]));
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
