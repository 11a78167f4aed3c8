// The reference SMTP server (`scriptlet serve`): smtp-server, with the policy
// run at each phase and accepted mail spooled before the 250.
//
// Where each phase runs (smtp-server has no EHLO hook):
//   connect       when the client connects, before the greeting
//   ehlo          at EHLO, whose reply waits for it and shows the policy's
//                 capability changes (ehlo-reply.ts); after HELO, at the
//                 first MAIL FROM. Either way a refusal is the answer to
//                 the first MAIL FROM after the greeting command
//   mailfrom      MAIL FROM;  rcptto: each RCPT TO
//   data, data_spool, then per recipient core_pre_msg_each_rcpt,
//                 data_spool_each_rcpt, core_post_msg_each_rcpt, then
//                 set_binding per recipient and core_final_validation: in a
//                 row, once the message is read, before it is spooled (with
//                 the bindings chosen in its envelope); the first refusal is
//                 the answer to DATA. serve delivers nothing, so it runs no
//                 core_log_* phase.
//
// Shutdown drains: no new connection or transaction is taken, transactions
// in progress may finish until the deadline, idle connections are answered
// 421; at the deadline the policy calls still running answer 451, messages
// being spooled are finished and answered, and what is left gets 421.

import { SMTPServer, type SMTPServerAddress, type SMTPServerDataStream, type SMTPServerSession } from 'smtp-server';
import { PolicySession, scriptErrorLine, type MessageOutcome, type Rejection, type RunPhase } from './policy-session.js';
import { receivedHeader } from './received-header.js';
import { interceptEhlo } from './ehlo-reply.js';
import { setGreetingDelay } from './greeting-delay.js';
import { authenticate, withSecurityEdits, plaintextContext, secureContext, smtpSecurityOptions, type SmtpSecurity } from './smtp-security.js';
import type { InjectedMessage } from '../engine/verdict.js';
import type { Phase } from '../engine/phases.js';
import type { PhaseOutcome } from './policy-session.js';
import type { Spool } from './spool.js';
import type { InboundAudit } from '../state/index.js';
import type { ConnectionGate, WatchedConnection } from './connection-limits.js';
import { NO_SPACE_TEXT, SPOOL_ERROR_TEXT, type SpoolSpace } from './spool-space.js';

export interface PolicyServerOptions {
  run: RunPhase;
  spool: Spool;
  /** The name in the greeting and in Received headers. */
  hostname: string;
  maxMessageSize: number;
  log: (line: string) => void;
  /** Figures to count into (shared by the servers of every listen address). */
  counters?: ServerCounters;
  /** Where sessions and their outcomes are reported, for msys.audit.* (src/state). */
  audit?: InboundAudit;
  /** STARTTLS and AUTH, when configured (smtp-security.ts). */
  security?: SmtpSecurity;
  /** Connection limits and timeouts, shared by the servers of every listen address (connection-limits.ts). */
  gate?: ConnectionGate;
  /** Where spool write failures are told apart and a full spool noticed (spool-space.ts). */
  space?: SpoolSpace;
}

export interface ServerCounters {
  connections: number;
  connectionsTotal: number;
  accepted: number;
  rejected: number;
  tempfailed: number;
  discarded: number;
  spoolErrors: number;
  /** Messages msg:inject and msg:forward made, spooled. */
  injected?: number;
  /** Messages answered 552 for exceeding max_message_size. */
  oversized?: number;
}

interface SessionState {
  policy: PolicySession;
  /** The HELO/EHLO name the ehlo phase accepted, if it did. */
  ehloAccepted: string | null;
  /** The ehlo phase run at EHLO, whose refusal answers the next MAIL FROM. */
  ehloRun?: { helo: string; outcome: PhaseOutcome };
  /** Policy calls or a spool write in progress on this connection. */
  busy: number;
}

/** What smtp-server's connection objects offer (not in its public types). */
interface Connection {
  session: SMTPServerSession;
  send(code: number, text: string): void;
  close(): void;
}

const SHUTDOWN_TEXT = '4.3.2 Service shutting down, try again later';
const POLL_MS = 20;

function smtpError(code: number, text: string): Error & { responseCode: number } {
  return Object.assign(new Error(text), { responseCode: code });
}

export class PolicySmtpServer {
  readonly #o: PolicyServerOptions;
  readonly #smtp: SMTPServer;
  readonly #sessions = new WeakMap<SMTPServerSession, SessionState>();
  readonly #spooling = new Set<Promise<unknown>>();
  readonly counters: ServerCounters;
  #draining = false;

  constructor(options: PolicyServerOptions) {
    this.#o = options;
    this.counters = options.counters ?? { connections: 0, connectionsTotal: 0, accepted: 0, rejected: 0, tempfailed: 0, discarded: 0, spoolErrors: 0 };
    this.#smtp = new SMTPServer({
      name: options.hostname,
      banner: 'scriptlet',
      size: options.maxMessageSize,
      authOptional: true,
      ...smtpSecurityOptions(options.security),
      // Policies write their own enhanced codes ("5.7.1 ..."), as in Momentum.
      hideENHANCEDSTATUSCODES: true,
      logger: false,
      // The socket's idle timeout; connection-limits.ts also bounds each command and the message as a whole.
      ...(options.gate ? { socketTimeout: options.gate.limits.timeout * 1000 } : {}),
      onConnect: (session, cb) => void this.#onConnect(session).then(() => cb(), cb),
      onMailFrom: (address, session, cb) => void this.#onMailFrom(address, session).then(() => cb(), cb),
      onSecure: (_socket, session, cb) => {
        const state = this.#sessions.get(session);
        if (state) secureContext(state.policy, session);
        cb();
      },
      onAuth: (auth, session, cb) => {
        const state = this.#sessions.get(session);
        if (!state || !options.security?.auth) return cb(smtpError(454, '4.7.0 Temporary authentication failure'));
        authenticate(options.security.auth.authenticator, auth, state.policy, options.log, session.id, session.remoteAddress).then((user) => cb(null, user), (err: Error) => cb(err));
      },
      onRcptTo: (address, session, cb) => void this.#onRcptTo(address, session).then(() => cb(), cb),
      onData: (stream, session, cb) => void this.#onData(stream, session).then((text) => cb(null, text), cb),
      onClose: (session) => {
        this.#o.gate?.release(session);
        if (this.#sessions.delete(session)) {
          this.counters.connections--;
          this.#o.audit?.sessionClosed(session.remoteAddress);
        }
      },
    });
    setGreetingDelay(this.#smtp, (options.gate?.limits.greetingDelay ?? 0) * 1000);
    this.#smtp.on('error', (err: Error) => options.log(`smtp: ${err.message}`));
    options.security?.tls?.onReload((tls) => this.#smtp.updateSecureContext(tls));
  }

  /** Starts listening; resolves with the address bound (port 0 picks a free one). */
  listen(port: number, host: string | undefined): Promise<{ address: string; port: number }> {
    return new Promise((resolve, reject) => {
      const server = this.#smtp.server;
      const onError = (err: Error): void => reject(err);
      server.once('error', onError);
      this.#smtp.listen(port, host, () => {
        server.off('error', onError);
        const a = server.address();
        resolve(typeof a === 'object' && a ? { address: a.address, port: a.port } : { address: String(a), port });
      });
    });
  }

  get draining(): boolean {
    return this.#draining;
  }

  /**
   * Drains and stops: see the top of this file. atDeadline runs when the
   * transactions are done or the deadline came, and should end the policy
   * calls still running (engine.close).
   */
  async shutdown(deadlineMs: number, atDeadline: () => Promise<void>): Promise<void> {
    this.#draining = true;
    const stopped = new Promise<void>((resolve) => this.#smtp.server.close(() => resolve()));
    const until = Date.now() + deadlineMs;
    while (this.#smtp.connections.size > 0 && Date.now() < until) {
      for (const c of this.#connections()) if (this.#idle(c.session)) c.send(421, SHUTDOWN_TEXT);
      await new Promise((r) => setTimeout(r, POLL_MS));
    }
    await atDeadline();
    // Messages being spooled are answered (250, or 451 from the policy) before their connection goes.
    while (this.#spooling.size > 0) await Promise.allSettled([...this.#spooling]);
    for (const c of this.#connections()) c.send(421, SHUTDOWN_TEXT);
    let grace: NodeJS.Timeout | undefined;
    await Promise.race([stopped, new Promise((r) => (grace = setTimeout(r, 2000)))]);
    clearTimeout(grace);
  }

  #connections(): Connection[] {
    return [...(this.#smtp.connections as unknown as Set<Connection>)];
  }

  /** Nothing in progress: no transaction open, no call or write running. */
  #idle(session: SMTPServerSession): boolean {
    const state = this.#sessions.get(session);
    return !session.envelope.mailFrom && (state === undefined || state.busy === 0);
  }

  async #onConnect(session: SMTPServerSession): Promise<void> {
    if (this.#draining) throw smtpError(421, SHUTDOWN_TEXT);
    // Over a connection limit: refused before any policy phase runs for it.
    const overLimit = this.#o.gate?.admit(session);
    if (overLimit) throw smtpError(421, overLimit);
    const policy: PolicySession = new PolicySession(this.#o.run, { id: session.id, remoteAddr: session.remoteAddress, remotePort: session.remotePort, localAddr: session.localAddress, localPort: session.localPort }, {
      onErrors: (phase, errors) => {
        for (const e of errors) this.#o.log(`${session.id} ${phase}: ${scriptErrorLine(e)}`);
      },
      onLogs: (phase, logs) => {
        for (const l of logs) this.#o.log(`${session.id} ${phase}: [${l.module}] ${l.text}`);
      },
      onInjected: (phase, messages): Promise<void> => this.#spoolInjected(session, policy, phase, messages),
    });
    plaintextContext(policy);
    const state: SessionState = { policy, ehloAccepted: null, busy: 0 };
    this.#sessions.set(session, state);
    // Before validate_connect, which counts this session among those open (as Momentum does).
    this.#o.audit?.sessionOpened(session.remoteAddress);
    const connection = this.#connections().find((c) => c.session === session);
    if (connection && this.#o.gate) this.#o.gate.watch(connection as unknown as WatchedConnection, (kind) => this.#o.log(`${session.id}: ${kind === 'data' ? 'data_timeout' : 'timeout'} reached, closing the connection from ${session.remoteAddress}`));
    if (connection) {
      interceptEhlo(connection, async (helo) => {
        const outcome = await this.#busy(state, () => policy.ehlo(helo));
        state.ehloRun = { helo, outcome };
        state.ehloAccepted = null;
        return withSecurityEdits(policy.esmtpCapabilities, session, this.#o.security);
      });
    }
    this.counters.connections++;
    this.counters.connectionsTotal++;
    const outcome = await this.#busy(state, () => policy.connect());
    if (outcome.rejected) throw this.#refuse(outcome.rejected, session);
  }

  async #onMailFrom(address: SMTPServerAddress, session: SMTPServerSession): Promise<void> {
    if (this.#draining) throw smtpError(421, SHUTDOWN_TEXT);
    const tooMany = this.#o.gate?.beforeMail(session);
    if (tooMany) throw smtpError(421, tooMany);
    const state = this.#state(session);
    const helo = session.hostNameAppearsAs || '';
    if (state.ehloAccepted !== helo) {
      const run = state.ehloRun;
      state.ehloRun = undefined;
      const ehlo = run && run.helo === helo ? run.outcome : await this.#busy(state, () => state.policy.ehlo(helo));
      if (ehlo.rejected) throw this.#refuse(ehlo.rejected, session);
      state.ehloAccepted = helo;
    }
    const outcome = await this.#busy(state, () => state.policy.mailfrom(address.address, this.#o.spool.newId()));
    if (outcome.rejected) throw this.#refuse(outcome.rejected, session);
  }

  async #onRcptTo(address: SMTPServerAddress, session: SMTPServerSession): Promise<void> {
    const state = this.#state(session);
    const outcome = await this.#busy(state, () => state.policy.rcptto(address.address));
    if (outcome.rejected) throw this.#refuse(outcome.rejected, session);
  }

  async #onData(stream: SMTPServerDataStream, session: SMTPServerSession): Promise<string> {
    const state = this.#state(session);
    state.busy++;
    const work = this.#receive(stream, session, state);
    this.#spooling.add(work);
    try {
      return await work;
    } finally {
      this.#spooling.delete(work);
      state.busy--;
      this.#o.gate?.received(session);
    }
  }

  async #receive(stream: SMTPServerDataStream, session: SMTPServerSession, state: SessionState): Promise<string> {
    const chunks: Buffer[] = [];
    // Past max_message_size the rest is read to the final dot and dropped, never held.
    for await (const chunk of stream) {
      if (stream.sizeExceeded) chunks.length = 0;
      else chunks.push(chunk as Buffer);
    }
    if (stream.sizeExceeded) {
      this.counters.oversized = (this.counters.oversized ?? 0) + 1;
      throw smtpError(552, `5.3.4 Message exceeds the maximum size of ${this.#o.maxMessageSize} bytes`);
    }
    const policy = state.policy;
    const outcome = await policy.message(Buffer.concat(chunks));
    if (outcome.rejected) throw this.#refuse(outcome.rejected, session);
    if (outcome.discard) {
      this.counters.discarded++;
      return outcome.text ?? '2.0.0 OK (discarded by policy)';
    }
    await this.#store(outcome, session, state);
    this.counters.accepted++;
    this.#o.audit?.reception(session.remoteAddress);
    return outcome.text ?? `2.0.0 OK queued as ${policy.messageId}`;
  }

  async #store(outcome: MessageOutcome, session: SMTPServerSession, state: SessionState): Promise<void> {
    const id = state.policy.messageId;
    const space = this.#o.space;
    const received = receivedHeader({ helo: state.policy.helo, clientHostname: session.clientHostname, remoteAddr: session.remoteAddress, hostname: this.#o.hostname, protocol: session.transmissionType, id });
    const message = Buffer.concat([received, outcome.message]);
    try {
      await this.#o.spool.store(
        { id, mailfrom: outcome.mailfrom, rcptto: outcome.rcptto, remoteAddr: session.remoteAddress, helo: state.policy.helo, receivedAt: new Date().toISOString(), version: outcome.version, ...bindingsOf(outcome) },
        message,
      );
    } catch (err) {
      this.counters.spoolErrors++;
      this.#o.log(`${session.id}: could not spool message ${id}: ${(err as Error).message}`);
      if (space?.failed(err, message.length) === 'no_space') throw smtpError(452, NO_SPACE_TEXT);
      throw smtpError(451, SPOOL_ERROR_TEXT);
    }
    space?.succeeded();
  }

  /**
   * Spools what msg:inject / msg:forward made, each under its own id, before
   * the reply to the command. A failure is logged and counted; it does not
   * change the reply (the message in transit is not at fault).
   */
  async #spoolInjected(session: SMTPServerSession, policy: PolicySession, phase: Phase, messages: readonly InjectedMessage[]): Promise<void> {
    for (const m of messages) {
      const id = this.#o.spool.newId();
      const by = policy.messageId || session.id;
      try {
        await this.#o.spool.store({ id, mailfrom: m.mailfrom, rcptto: m.rcptto, remoteAddr: session.remoteAddress, helo: policy.helo, receivedAt: new Date().toISOString(), version: '', injectedBy: by }, m.message);
        this.counters.injected = (this.counters.injected ?? 0) + 1;
        this.#o.log(`${session.id} ${phase}: ${m.forward ? 'msg:forward' : 'msg:inject'} spooled ${id} for ${m.rcptto.join(', ')}`);
      } catch (err) {
        this.counters.spoolErrors++;
        this.#o.space?.failed(err, m.message.length);
        this.#o.log(`${session.id} ${phase}: could not spool the message ${by} injected: ${(err as Error).message}`);
      }
    }
  }

  #state(session: SMTPServerSession): SessionState {
    const state = this.#sessions.get(session);
    if (!state) throw smtpError(421, '4.3.0 Session lost, try again later');
    return state;
  }

  async #busy<T>(state: SessionState, work: () => Promise<T>): Promise<T> {
    state.busy++;
    try {
      return await work();
    } finally {
      state.busy--;
    }
  }

  /** The error smtp-server answers with; a disconnect closes the connection after the reply. */
  #refuse(r: Rejection, session: SMTPServerSession): Error {
    if (r.tempfailed || (r.code >= 400 && r.code < 500)) this.counters.tempfailed++;
    else this.counters.rejected++;
    this.#o.audit?.rejection(session.remoteAddress);
    if (r.disconnect) {
      // Answered and closed here, before smtp-server reads a command the client pipelined after this one;
      // the reply smtp-server then sends for the error goes nowhere (the socket is no longer writable).
      const connection = this.#connections().find((c) => c.session === session);
      connection?.send(r.code, r.text);
      connection?.close();
    }
    return smtpError(r.code, r.text);
  }
}

/** The envelope's bindings and routing domains: only those the policy chose. */
function bindingsOf(outcome: MessageOutcome): { bindings?: Record<string, string>; routingDomains?: Record<string, string> } {
  return {
    ...(Object.keys(outcome.bindings).length > 0 ? { bindings: { ...outcome.bindings } } : {}),
    ...(Object.keys(outcome.routingDomains).length > 0 ? { routingDomains: { ...outcome.routingDomains } } : {}),
  };
}
