// What `scriptlet serve` allows a client, set in ESMTP_Listener with
// Momentum's names where Momentum has one:
//
//   ESMTP_Listener {
//     concurrency = 5000                    # connections open at once, all addresses together
//     peer_concurrency = 50                 # of them from one client address (0: no limit)
//     peer_throttle_connections = "20/60"   # new connections from one address: 20 per 60 s ("20": per second)
//     max_receptions_per_connection = 100   # messages on one connection (0: no limit)
//     timeout = 300                         # seconds for each command (and between commands)
//     data_timeout = 600                    # seconds for the whole message after 354
//     greeting_delay = 0                    # seconds the greeting waits (early-talker detection)
//   }
//
// A connection over a limit is answered `421 4.7.0` at the greeting and
// closed, before any policy phase runs for it. A timeout answers `421 4.4.2`
// and closes. Time the server spends on a command (a policy call, a tarpit,
// the spool write) never counts against the client.

import type { SMTPServerSession } from 'smtp-server';
import { ProblemList } from '../config/errors.js';
import { describeValue, scalarText, type ConfigOption } from '../config/tree.js';

export interface ConnectionLimits {
  concurrency: number;
  /** 0: no limit. */
  peerConcurrency: number;
  /** New connections one address may open per `seconds`; undefined: no limit. */
  peerThrottle: { connections: number; seconds: number } | undefined;
  /** 0: no limit. */
  maxReceptionsPerConnection: number;
  /** Seconds. */
  timeout: number;
  dataTimeout: number;
  /** Seconds the greeting waits (before the connect phase); a client that talks meanwhile is refused (greeting-delay.ts). */
  greetingDelay: number;
}

export const DEFAULT_CONNECTION_LIMITS: Readonly<ConnectionLimits> = {
  concurrency: 5000,
  peerConcurrency: 0,
  peerThrottle: undefined,
  maxReceptionsPerConnection: 0,
  timeout: 300,
  dataTimeout: 600,
  greetingDelay: 0,
};

/** The ESMTP_Listener options read here, as the configuration spells them. */
export const LIMIT_OPTIONS = ['concurrency', 'peer_concurrency', 'peer_throttle_connections', 'max_receptions_per_connection', 'timeout', 'data_timeout', 'greeting_delay'];

/** Beyond this a greeting delay meets the client's own greeting timeout (RFC 5321 §4.5.3.2.1: 5 minutes). */
const MAX_GREETING_DELAY = 60;
const INTEGER = /^[0-9]+$/;
const SECONDS = /^[0-9]+(\.[0-9]+)?$/;
const THROTTLE = /^([0-9]+)(?:\/([0-9]+))?$/;

/** Reads one limit option into limits; false when the option is not one of them. */
export function readLimitOption(node: ConfigOption, limits: ConnectionLimits, problems: ProblemList): boolean {
  const name = node.name.toLowerCase();
  const text = scalarText(node.value) ?? '';
  const bad = (expects: string) => problems.add(node.value.origin, `option '${node.name}' expects ${expects}, found ${describeValue(node.value)}`);
  const integer = (min: number): number | undefined => (INTEGER.test(text) && Number(text) >= min && Number.isSafeInteger(Number(text)) ? Number(text) : undefined);
  switch (name) {
    case 'concurrency':
    case 'peer_concurrency':
    case 'max_receptions_per_connection': {
      const n = integer(name === 'concurrency' ? 1 : 0);
      if (n === undefined) bad(name === 'concurrency' ? 'a positive integer' : 'an integer >= 0 (0: no limit)');
      else if (name === 'concurrency') limits.concurrency = n;
      else if (name === 'peer_concurrency') limits.peerConcurrency = n;
      else limits.maxReceptionsPerConnection = n;
      return true;
    }
    case 'timeout':
    case 'data_timeout': {
      const s = SECONDS.test(text) ? Number(text) : 0;
      if (!(s > 0)) bad('a number of seconds > 0');
      else if (name === 'timeout') limits.timeout = s;
      else limits.dataTimeout = s;
      return true;
    }
    case 'greeting_delay': {
      const s = SECONDS.test(text) ? Number(text) : NaN;
      if (!(s >= 0 && s <= MAX_GREETING_DELAY)) bad(`a number of seconds from 0 to ${MAX_GREETING_DELAY}`);
      else limits.greetingDelay = s;
      return true;
    }
    case 'peer_throttle_connections': {
      const m = THROTTLE.exec(text);
      const connections = Number(m?.[1]);
      const seconds = Number(m?.[2] ?? 1);
      if (!m || !(connections > 0) || !(seconds > 0)) bad('"N" (connections per second) or "N/S" (N connections per S seconds), N and S > 0');
      else limits.peerThrottle = { connections, seconds };
      return true;
    }
    default:
      return false;
  }
}

/** What a refused or timed-out client is told (the server adds no enhanced code of its own). */
export const TOO_MANY_CONNECTIONS = '4.7.0 Too many connections, try again later';
export const TOO_MANY_FROM_PEER = '4.7.0 Too many connections from your address, try again later';
export const TOO_FAST_FROM_PEER = '4.7.0 Too many new connections from your address, slow down';
export const TOO_MANY_MESSAGES = '4.7.0 Too many messages on this connection, reconnect to send more';
export const COMMAND_TIMEOUT = '4.4.2 Timeout waiting for the command, closing connection';
export const DATA_TIMEOUT = '4.4.2 Timeout waiting for the message, closing connection';

/** How long a client has to take a 421 before its socket is destroyed. */
const CLOSE_GRACE_MS = 1000;

/**
 * After any 421 (a timeout, an early talker, a limit, shutdown), stops
 * reading the client and destroys its socket CLOSE_GRACE_MS later.
 * smtp-server closes after a 421 but reads on, discarding, to see the
 * client's FIN, for up to its socket timeout: a client that floods without
 * reading would have that long to push gigabytes through the server's
 * memory. Installed on every connection as it is made (greeting-delay.ts).
 */
export function hangUpAfter421(connection: WatchedConnection): void {
  const send = connection.send.bind(connection);
  connection.send = (code: number, text: string, ...rest: unknown[]): void => {
    send(code, text, ...rest);
    if (code !== 421) return;
    connection._socket?.pause();
    setTimeout(() => connection._socket?.destroy(), CLOSE_GRACE_MS).unref();
  };
}

export type RefusalReason = 'concurrency' | 'peer_concurrency' | 'peer_throttle';
export type TimeoutKind = 'command' | 'data';

/** What smtp-server's connection objects offer (not in its public types): send/close, and the state its own idle timeout reads. */
export interface WatchedConnection {
  session: SMTPServerSession;
  send(code: number, text: string, ...rest: unknown[]): void;
  close(): void;
  /** A command handler (a policy call, a tarpit) has not answered yet. */
  _handlerPending?: boolean;
  /** The message's stream while DATA is open. */
  _dataStream?: unknown;
  /** Still reading the message (false once the final dot came and the server decides). */
  _parser?: { _dataMode?: boolean } | false;
  _socket?: { once(event: 'close', listener: () => void): unknown; pause(): unknown; destroy(): unknown; writableNeedDrain?: boolean };
}

/**
 * The limits of every listener of one server, shared: how many connections
 * are open, from which address, and when each address last connected.
 */
export class ConnectionGate {
  readonly limits: ConnectionLimits;
  readonly refused: Record<RefusalReason, number> = { concurrency: 0, peer_concurrency: 0, peer_throttle: 0 };
  readonly timeouts: Record<TimeoutKind, number> = { command: 0, data: 0 };
  readonly #open = new Map<string, string>();
  readonly #perPeer = new Map<string, number>();
  /** Per address, the times (ms) of its recent connection attempts, oldest first. */
  readonly #attempts = new Map<string, number[]>();
  readonly #receptions = new WeakMap<SMTPServerSession, number>();
  #sweep: NodeJS.Timeout | undefined;

  constructor(limits: ConnectionLimits) {
    this.limits = limits;
  }

  /** Connections admitted and not closed yet. */
  get open(): number {
    return this.#open.size;
  }

  /**
   * Admits a new session, or says why not (the text of the 421). Every attempt
   * counts towards the address's rate, refused ones too: a client that keeps
   * hammering stays refused.
   */
  admit(session: SMTPServerSession): string | undefined {
    const peer = session.remoteAddress;
    const throttled = this.#throttled(peer);
    const reason: RefusalReason | undefined =
      this.#open.size >= this.limits.concurrency ? 'concurrency'
      : this.limits.peerConcurrency > 0 && (this.#perPeer.get(peer) ?? 0) >= this.limits.peerConcurrency ? 'peer_concurrency'
      : throttled ? 'peer_throttle'
      : undefined;
    if (reason) {
      this.refused[reason]++;
      return reason === 'concurrency' ? TOO_MANY_CONNECTIONS : reason === 'peer_concurrency' ? TOO_MANY_FROM_PEER : TOO_FAST_FROM_PEER;
    }
    this.#open.set(session.id, peer);
    this.#perPeer.set(peer, (this.#perPeer.get(peer) ?? 0) + 1);
    return undefined;
  }

  /** The session is gone (whether it was admitted or not). */
  release(session: SMTPServerSession): void {
    const peer = this.#open.get(session.id);
    if (peer === undefined) return;
    this.#open.delete(session.id);
    const n = (this.#perPeer.get(peer) ?? 1) - 1;
    if (n > 0) this.#perPeer.set(peer, n);
    else this.#perPeer.delete(peer);
  }

  /** Before MAIL FROM: the 421 text when the connection has had its max_receptions_per_connection. */
  beforeMail(session: SMTPServerSession): string | undefined {
    const max = this.limits.maxReceptionsPerConnection;
    return max > 0 && (this.#receptions.get(session) ?? 0) >= max ? TOO_MANY_MESSAGES : undefined;
  }

  /** A message was received in full on the session (whatever the verdict). */
  received(session: SMTPServerSession): void {
    this.#receptions.set(session, (this.#receptions.get(session) ?? 0) + 1);
  }

  /**
   * Holds a connection to timeout and data_timeout: each reply starts the
   * client's clock (after 354, data_timeout for the whole message; after any
   * other, timeout for the next command), and when it runs out the client
   * gets 421 4.4.2 and the connection closes. A byte now and then does not
   * reset it, unlike the socket's idle timeout. While the server itself has
   * the turn (a handler pending, a message being decided) the clock waits.
   */
  watch(connection: WatchedConnection, onTimeout: (kind: TimeoutKind) => void): void {
    const send = connection.send.bind(connection);
    const close = connection.close.bind(connection);
    let kind: TimeoutKind = 'command';
    let timer: NodeJS.Timeout | undefined;
    const arm = (): void => {
      clearTimeout(timer);
      timer = setTimeout(fire, (kind === 'data' ? this.limits.dataTimeout : this.limits.timeout) * 1000);
      timer.unref();
    };
    const fire = (): void => {
      const deciding = connection._dataStream && connection._parser && !connection._parser._dataMode;
      if (connection._handlerPending || deciding) return arm();
      this.timeouts[kind]++;
      onTimeout(kind);
      // The 421 closes the connection and hangs up on the client (hangUpAfter421).
      send(421, kind === 'data' ? DATA_TIMEOUT : COMMAND_TIMEOUT);
    };
    /** Replies are piling up unread (the kernel's buffers are full): the client is no longer listening. */
    let deaf = false;
    connection.send = (code: number, text: string, ...rest: unknown[]): void => {
      send(code, text, ...rest);
      kind = code === 354 ? 'data' : 'command';
      deaf ||= connection._socket?.writableNeedDrain === true;
      // A 421 closes the connection (smtp-server closes it after sending): nothing more to wait for. A client that
      // pipelines without reading gets no new clock for replies it does not read: it is cut at the deadline it had.
      if (code === 421) clearTimeout(timer);
      else if (!deaf) arm();
    };
    connection.close = (): void => {
      clearTimeout(timer);
      close();
    };
    connection._socket?.once('close', () => clearTimeout(timer));
    // The clock starts with the greeting: until then the connect phase has the turn.
  }

  /** Records an attempt from peer; whether it is over peer_throttle_connections. */
  #throttled(peer: string): boolean {
    const throttle = this.limits.peerThrottle;
    if (!throttle) return false;
    const now = Date.now();
    const windowStart = now - throttle.seconds * 1000;
    const times = (this.#attempts.get(peer) ?? []).filter((t) => t > windowStart);
    const over = times.length >= throttle.connections;
    // Refused attempts are kept too, but no more than the limit's worth: memory per address stays bounded.
    times.push(now);
    if (times.length > throttle.connections) times.shift();
    this.#attempts.set(peer, times);
    this.#sweepLater(throttle.seconds);
    return over;
  }

  /** Forgets addresses whose attempts are all older than the window, now and then. */
  #sweepLater(seconds: number): void {
    if (this.#sweep) return;
    this.#sweep = setTimeout(() => {
      this.#sweep = undefined;
      const windowStart = Date.now() - seconds * 1000;
      for (const [peer, times] of this.#attempts) if (times[times.length - 1]! <= windowStart) this.#attempts.delete(peer);
      if (this.#attempts.size > 0) this.#sweepLater(seconds);
    }, seconds * 1000);
    this.#sweep.unref();
  }

  close(): void {
    clearTimeout(this.#sweep);
  }
}
