// One milter connection from the MTA: option negotiation, then the events
// of its SMTP sessions, each run through the policy (PolicySession, as
// `scriptlet serve` does) and answered with a milter reply. Commands are
// handled one at a time, in order; a malformed packet closes this
// connection only (the MTA then applies its milter_default_action).
//
//   connect -> connect        helo -> ehlo          mail -> mailfrom
//   rcpt    -> rcptto (each)  header, body -> the message (bounded)
//   end of message -> data, data_spool, then per recipient
//     core_pre_msg_each_rcpt, data_spool_each_rcpt, core_post_msg_each_rcpt,
//     set_binding per recipient, core_final_validation (Momentum's order:
//     PolicySession.message), then the edits (headers, envelope, body,
//     quarantine) and the verdict. The MTA has no bindings: those chosen
//     are logged, nothing is sent for them.

import * as crypto from 'node:crypto';
import type { Socket } from 'node:net';
import type { Phase } from '../engine/phases.js';
import type { Context } from '../engine/verdict.js';
import type { ServerCounters } from '../server/policy-smtp-server.js';
import { PolicySession, scriptErrorLine, type MessageOutcome, type Rejection, type RunPhase } from '../server/policy-session.js';
import { decodeCommand, type MilterCommand } from './commands.js';
import { MilterFrameParser } from './framing.js';
import { HeaderModel } from './header-edits.js';
import type { InboundAudit } from '../state/index.js';
import { addressContext, bareAddress, connectionContext, rawMacroContext, WANTED_MACROS } from './macros.js';
import { MILTER_CHUNK_SIZE, MILTER_VERSION, MilterProtocolError, SMFIF, SMFIP } from './protocol.js';
import * as reply from './replies.js';

/** serve's figures without the spool's, and the milter's own. */
export type MilterCounters = Omit<ServerCounters, 'spoolErrors'> & { quarantined: number; protocolErrors: number };

export interface MilterSessionOptions {
  run: RunPhase;
  log: (line: string) => void;
  counters: MilterCounters;
  /** Most bytes of header and body kept for the policy; past it the message is refused 552. */
  maxMessageSize: number;
  maxPacket?: number;
  /** The phases no module of the scripts in force defines (their events need no reply). */
  emptyPhases?: () => ReadonlySet<Phase>;
  /** Where sessions and their outcomes are reported, for msys.audit.* (src/state). */
  audit?: InboundAudit;
}

/** Message context key a policy sets to have the MTA hold the message (SMFIR_QUARANTINE; Postfix: the hold queue). */
export const QUARANTINE_KEY = 'milter_quarantine';

/** What scriptlet asks to do, and the steps it would rather not be sent or answer. */
const WANTED_ACTIONS = SMFIF.ADDHDRS | SMFIF.CHGHDRS | SMFIF.CHGBODY | SMFIF.ADDRCPT | SMFIF.DELRCPT | SMFIF.CHGFROM | SMFIF.QUARANTINE | SMFIF.SETSYMLIST;
const WANTED_STEPS = SMFIP.NOUNKNOWN | SMFIP.NODATA | SMFIP.NR_HDR | SMFIP.NR_EOH | SMFIP.NR_BODY | SMFIP.NR_DATA | SMFIP.NR_UNKN | SMFIP.HDR_LEADSPC;

/** Events answered only when the MTA did not agree to their no-reply step. */
const NO_REPLY_STEP: Partial<Record<MilterCommand['kind'], number>> = {
  connect: SMFIP.NR_CONN,
  helo: SMFIP.NR_HELO,
  mail: SMFIP.NR_MAIL,
  rcpt: SMFIP.NR_RCPT,
  header: SMFIP.NR_HDR,
  eoh: SMFIP.NR_EOH,
  body: SMFIP.NR_BODY,
  data: SMFIP.NR_DATA,
  unknown: SMFIP.NR_UNKN,
};

/** Events whose reply the MTA need not wait for when the policy leaves their phase empty. */
const EMPTY_PHASE_STEPS: readonly [Phase, number][] = [
  ['connect', SMFIP.NR_CONN],
  ['ehlo', SMFIP.NR_HELO],
  ['mailfrom', SMFIP.NR_MAIL],
  ['rcptto', SMFIP.NR_RCPT],
];

type PhaseEvent = 'connect' | 'helo' | 'mail' | 'rcpt';

interface Transaction {
  /** Each RCPT the policy accepted: the address as the MTA sent it (for SMFIR_DELRCPT) by the bare one. */
  rcptArgs: Map<string, string>;
  mailfrom: string;
  header: Buffer[];
  headerNames: string[];
  body: Buffer[];
  size: number;
}

export class MilterSession {
  readonly id = crypto.randomBytes(6).toString('hex');
  readonly #o: MilterSessionOptions;
  readonly #socket: Socket;
  readonly #parser: MilterFrameParser;
  #queue: Promise<void> = Promise.resolve();
  #actions = 0;
  #steps = 0;
  /** Every macro received, the latest value of each. */
  #macros = new Map<string, string>();
  /** The macros of the last packet for each event ('C', 'H', 'M', 'R', 'E', ...). */
  #stageMacros = new Map<string, ReadonlyMap<string, string>>();
  #policy: PolicySession | undefined;
  #tx: Transaction | undefined;
  /** A policy disconnected: every later event is answered 421, and the MTA hangs up. */
  #hangup = false;
  /**
   * A refusal from an event the MTA did not wait on (its phase was empty at
   * negotiation, and a reload gave it a callout since): the answer to the
   * next event that gets one; to every one for a refusal at connect.
   */
  #pending: { rejection: Rejection; sticky: boolean } | undefined;
  #busy = 0;
  #closed = false;
  // The client address reported to the inbound audit as a session open, until it ends.
  #auditedAddr: string | undefined;

  constructor(socket: Socket, options: MilterSessionOptions) {
    this.#o = options;
    this.#socket = socket;
    this.#parser = new MilterFrameParser(options.maxPacket);
    socket.on('data', (chunk: Buffer) => this.#receive(chunk));
    socket.on('end', () => {
      try {
        this.#parser.end();
      } catch (err) {
        this.#protocolError(err as Error);
      }
      this.close();
    });
    socket.on('error', (err) => this.#o.log(`milter ${this.id}: ${err.message}`));
    socket.on('close', () => {
      this.#closed = true;
      this.#auditClose();
    });
  }

  #auditClose(): void {
    if (this.#auditedAddr !== undefined) this.#o.audit?.sessionClosed(this.#auditedAddr);
    this.#auditedAddr = undefined;
  }

  /** Between transactions, with no call running: safe to close at shutdown. */
  get idle(): boolean {
    return this.#tx === undefined && this.#busy === 0;
  }

  /** Settles when the commands received so far are handled. */
  get settled(): Promise<void> {
    return this.#queue;
  }

  close(): void {
    this.#closed = true;
    this.#socket.destroy();
  }

  #receive(chunk: Buffer): void {
    let commands: MilterCommand[];
    try {
      commands = this.#parser.push(chunk).map(decodeCommand);
    } catch (err) {
      this.#protocolError(err as Error);
      return;
    }
    for (const c of commands) this.#queue = this.#queue.then(() => this.#handleSafely(c));
  }

  #protocolError(err: Error): void {
    if (this.#closed) return;
    this.#o.counters.protocolErrors++;
    this.#o.log(`milter ${this.id}: ${err.message}; closing the connection`);
    this.close();
  }

  async #handleSafely(c: MilterCommand): Promise<void> {
    if (this.#closed) return;
    this.#busy++;
    try {
      await this.#handle(c);
    } catch (err) {
      if (err instanceof MilterProtocolError) this.#protocolError(err);
      else {
        this.#o.log(`milter ${this.id}: ${c.kind} failed: ${(err as Error).stack ?? String(err)}; closing the connection`);
        this.close();
      }
    } finally {
      this.#busy--;
    }
  }

  #send(...packets: Buffer[]): void {
    if (!this.#closed && packets.length > 0) this.#socket.write(packets.length === 1 ? packets[0]! : Buffer.concat(packets));
  }

  /** The reply to an event the MTA waits on, unless it agreed not to. */
  #answer(kind: MilterCommand['kind'], packet: () => Buffer): void {
    const step = NO_REPLY_STEP[kind];
    if (step !== undefined && this.#steps & step) return;
    this.#send(this.#hangup ? reply.hangupReply() : packet());
  }

  async #handle(c: MilterCommand): Promise<void> {
    switch (c.kind) {
      case 'optneg':
        return this.#negotiate(c);
      case 'macro':
        for (const [k, v] of c.macros) this.#macros.set(k, v);
        this.#stageMacros.set(c.for, c.macros);
        return;
      case 'connect':
        return this.#connect(c);
      case 'helo':
        return this.#phaseReply('helo', async (p) => {
          p.setContext('conn', { ...this.#connectionContext(), ehlo_string: c.name, ehlo_domain: c.name });
          return p.ehlo(c.name);
        });
      case 'mail':
        return this.#mail(c.args);
      case 'rcpt':
        return this.#rcpt(c.args);
      case 'header':
        this.#header(c.name, c.value);
        return this.#answer(c.kind, reply.continueReply);
      case 'eoh':
        if (this.#tx) this.#tx.size += 2;
        return this.#answer(c.kind, reply.continueReply);
      case 'body':
        this.#add(c.chunk, false);
        return this.#answer(c.kind, reply.continueReply);
      case 'eom':
        this.#add(c.chunk, false);
        return this.#endOfMessage();
      case 'data':
      case 'unknown':
        return this.#answer(c.kind, reply.continueReply);
      case 'abort':
        this.#tx = undefined;
        return;
      case 'quit':
        this.close();
        return;
      case 'quit_nc':
        this.#policy = undefined;
        this.#pending = undefined;
        this.#tx = undefined;
        this.#hangup = false;
        this.#macros = new Map();
        this.#stageMacros = new Map();
        return;
    }
  }

  #negotiate(c: { version: number; actions: number; protocol: number }): void {
    if (c.version < 2) throw new MilterProtocolError(`milter protocol version ${c.version} is not supported`);
    this.#actions = c.actions & WANTED_ACTIONS;
    let wanted = WANTED_STEPS;
    const empty = this.#o.emptyPhases?.();
    if (empty) for (const [phase, step] of EMPTY_PHASE_STEPS) if (empty.has(phase)) wanted |= step;
    this.#steps = c.protocol & wanted;
    const macros = this.#actions & SMFIF.SETSYMLIST && c.version >= 6 ? WANTED_MACROS : new Map<number, string[]>();
    this.#send(reply.optnegReply(Math.min(c.version, MILTER_VERSION), this.#actions, this.#steps, macros));
  }

  #newPolicy(facts: { remoteAddr: string; remotePort?: number }): PolicySession {
    const m = this.#macros;
    const port = (name: string) => (/^[0-9]{1,5}$/.test(m.get(name) ?? '') ? Number(m.get(name)) : undefined);
    const daemonAddr = m.get('{daemon_addr}');
    const daemonPort = port('{daemon_port}');
    return new PolicySession(this.#o.run, { id: this.id, ...facts, ...(daemonAddr ? { localAddr: daemonAddr } : {}), ...(daemonPort !== undefined ? { localPort: daemonPort } : {}) }, {
      onErrors: (phase, errors) => {
        for (const e of errors) this.#o.log(`milter ${this.id} ${phase}: ${scriptErrorLine(e)}`);
      },
      onLogs: (phase, logs) => {
        for (const l of logs) this.#o.log(`milter ${this.id} ${phase}: [${l.module}] ${l.text}`);
      },
    });
  }

  #connectionContext(): Context {
    return connectionContext(this.#macros, this.#stage('C'), this.#stage('H'));
  }

  #stage(code: string): ReadonlyMap<string, string> {
    return this.#stageMacros.get(code) ?? NO_MACROS;
  }

  /** The session's policy; an MTA that skipped connect gets one with what the macros say. */
  #session(): PolicySession {
    this.#policy ??= this.#newPolicy({ remoteAddr: this.#macros.get('{client_addr}') ?? '' });
    return this.#policy;
  }

  async #connect(c: { port: number | undefined; address: string | undefined }): Promise<void> {
    const remoteAddr = c.address ?? this.#macros.get('{client_addr}') ?? '';
    this.#policy = this.#newPolicy({ remoteAddr, ...(c.port !== undefined && c.port > 0 ? { remotePort: c.port } : {}) });
    this.#tx = undefined;
    this.#hangup = false;
    this.#pending = undefined;
    this.#o.counters.connectionsTotal++;
    // One milter connection may carry several SMTP sessions, one after the other.
    this.#auditClose();
    if (this.#o.audit?.sessionOpened(remoteAddr)) this.#auditedAddr = remoteAddr;
    await this.#phaseReply('connect', async (p) => {
      p.setContext('conn', this.#connectionContext());
      return p.connect();
    });
  }

  async #mail(args: string[]): Promise<void> {
    const address = bareAddress(args[0]!);
    const p = this.#session();
    p.setContext('conn', this.#connectionContext());
    const queueId = this.#macros.get('i');
    const id = queueId || crypto.randomBytes(8).toString('hex').toUpperCase();
    const mess = { ...rawMacroContext(this.#stage('M')), ...addressContext('mailfrom', address), ...(queueId ? { queue_id: queueId } : {}) };
    this.#tx = { rcptArgs: new Map(), mailfrom: address, header: [], headerNames: [], body: [], size: 0 };
    await this.#phaseReply('mail', () => p.mailfrom(address, id, mess));
  }

  async #rcpt(args: string[]): Promise<void> {
    const address = bareAddress(args[0]!);
    await this.#phaseReply('rcpt', async (p) => {
      p.setContext('mess', { ...rawMacroContext(this.#stage('R')), ...addressContext('rcptto', address) });
      const outcome = await p.rcptto(address);
      // A recipient refused without a reply (the MTA did not wait) is taken off at the end of message (SMFIR_DELRCPT).
      if (!outcome.rejected || this.#unanswered('rcpt')) this.#tx?.rcptArgs.set(address, args[0]!);
      return outcome;
    });
  }

  #unanswered(kind: MilterCommand['kind']): boolean {
    const step = NO_REPLY_STEP[kind];
    return step !== undefined && (this.#steps & step) !== 0;
  }

  /** A refusal waiting for an event the MTA waits on: sent (and kept, for one at connect). */
  #sendPending(): boolean {
    const p = this.#pending;
    if (!p) return false;
    if (!p.sticky) this.#pending = undefined;
    this.#send(this.#refuse(p.rejection));
    return true;
  }

  /** Runs a phase and answers: continue, or the refusal (unless the MTA does not wait for this event). */
  async #phaseReply(kind: PhaseEvent, run: (p: PolicySession) => Promise<{ rejected: Rejection | null }>): Promise<void> {
    const unanswered = this.#unanswered(kind);
    if (this.#hangup) return unanswered ? undefined : this.#send(reply.hangupReply());
    if (this.#pending) return unanswered ? undefined : void this.#sendPending();
    const outcome = await run(this.#session());
    if (!unanswered) return this.#send(outcome.rejected ? this.#refuse(outcome.rejected) : reply.continueReply());
    if (outcome.rejected && kind !== 'rcpt') this.#pending = { rejection: outcome.rejected, sticky: kind === 'connect' };
  }

  #refuse(r: Rejection): Buffer {
    if (r.tempfailed || r.code < 500) this.#o.counters.tempfailed++;
    else this.#o.counters.rejected++;
    if (this.#auditedAddr !== undefined) this.#o.audit?.rejection(this.#auditedAddr);
    // Postfix and Sendmail hang up after a 421; another code is answered as the policy said, and the next event gets a 421.
    if (r.disconnect && r.code !== 421) this.#hangup = true;
    return reply.replyCodeReply(r.code, r.text);
  }

  #header(name: Buffer, value: Buffer): void {
    const tx = this.#tx;
    if (!tx) return;
    const lead = this.#steps & SMFIP.HDR_LEADSPC ? '' : ' ';
    // Folded values come with bare LF between their lines.
    const text = Buffer.from(`${name.toString('latin1')}:${lead}${value.toString('latin1').replace(/\r?\n/g, '\r\n')}\r\n`, 'latin1');
    tx.headerNames.push(name.toString('latin1'));
    this.#add(text, true);
  }

  #add(bytes: Buffer, header: boolean): void {
    const tx = this.#tx;
    if (!tx || bytes.length === 0) return;
    tx.size += bytes.length;
    if (tx.size > this.#o.maxMessageSize) return;
    (header ? tx.header : tx.body).push(bytes);
  }

  async #endOfMessage(): Promise<void> {
    const tx = this.#tx;
    this.#tx = undefined;
    if (this.#hangup || !tx) return this.#send(this.#hangup ? reply.hangupReply() : reply.continueReply());
    if (this.#sendPending()) return;
    if (tx.size > this.#o.maxMessageSize) {
      this.#o.counters.rejected++;
      return this.#send(reply.replyCodeReply(552, `5.3.4 Message exceeds the maximum size of ${this.#o.maxMessageSize} bytes`));
    }
    // Kept while the policy runs: a drain lets a transaction in progress finish.
    this.#tx = tx;
    try {
      const body = Buffer.concat(tx.body);
      const raw = Buffer.concat([...tx.header, CRLF, body]);
      const p = this.#session();
      const queueId = this.#macros.get('i');
      if (queueId) p.setContext('mess', { queue_id: queueId, 'milter.i': queueId });
      const outcome = await p.message(raw);
      const bindings = Object.entries(outcome.bindings);
      if (bindings.length > 0) this.#o.log(`milter ${this.id}: bindings ${bindings.map(([r, b]) => `${r}=${b}`).join(' ')}`);
      this.#send(...this.#verdict(outcome, tx, raw, body, p));
    } finally {
      this.#tx = undefined;
    }
  }

  /** The modification requests and the final reply for a message's outcome. */
  #verdict(outcome: MessageOutcome, tx: Transaction, raw: Buffer, body: Buffer, p: PolicySession): Buffer[] {
    if (outcome.rejected) return [this.#refuse(outcome.rejected)];
    if (outcome.discard) {
      this.#o.counters.discarded++;
      return [reply.discardReply()];
    }
    const out: Buffer[] = [];
    const a = this.#actions;
    if (a & (SMFIF.ADDHDRS | SMFIF.CHGHDRS)) {
      const model = new HeaderModel(tx.headerNames);
      const lead = (this.#steps & SMFIP.HDR_LEADSPC) !== 0;
      for (const edit of outcome.headerEdits) out.push(...model.apply(edit, lead));
    }
    if (a & SMFIF.CHGFROM && outcome.mailfrom !== tx.mailfrom) out.push(reply.chgFromReply(`<${outcome.mailfrom}>`));
    const after = new Set(outcome.rcptto);
    if (a & SMFIF.DELRCPT) for (const [bare, arg] of tx.rcptArgs) if (!after.has(bare)) out.push(reply.delRcptReply(arg));
    if (a & SMFIF.ADDRCPT) for (const r of after) if (!tx.rcptArgs.has(r)) out.push(reply.addRcptReply(`<${r}>`));
    if (a & SMFIF.CHGBODY && outcome.message !== raw) out.push(...bodyReplacement(body, outcome.message));
    const quarantine = p.context.mess[QUARANTINE_KEY];
    if (a & SMFIF.QUARANTINE && quarantine) {
      this.#o.counters.quarantined++;
      out.push(reply.quarantineReply(quarantine));
    }
    this.#o.counters.accepted++;
    if (this.#auditedAddr !== undefined) this.#o.audit?.reception(this.#auditedAddr);
    out.push(reply.continueReply());
    return out;
  }
}

const CRLF = Buffer.from('\r\n');
const NO_MACROS: ReadonlyMap<string, string> = new Map();

/** SMFIR_REPLBODY chunks when the policy changed the body (msg:body, msg:raw), else none. */
function bodyReplacement(before: Buffer, message: Buffer): Buffer[] {
  // A message without a header starts with its blank line.
  const split = message.subarray(0, 2).equals(CRLF) ? -2 : message.indexOf('\r\n\r\n');
  const after = split === -1 ? Buffer.alloc(0) : message.subarray(split + 4);
  if (after.equals(before)) return [];
  const out: Buffer[] = [];
  for (let i = 0; i < after.length; i += MILTER_CHUNK_SIZE) out.push(reply.replaceBodyReply(after.subarray(i, i + MILTER_CHUNK_SIZE)));
  return out.length > 0 ? out : [reply.replaceBodyReply(Buffer.alloc(0))];
}
