// The host's side of the embedded shared store (native/state/): where
// msys.audit_series keeps its snapshot, and the inbound audit that
// msys.audit.* and ac:inbound_session_count read. The store is one per
// process and per engine (each engine is its own addon), shared by every
// worker thread, so these functions work from any thread, the calling one
// included. docs/state.md describes them.

import { loadAddon, type EngineName } from '../native/addon.js';
import { UsageError } from '../engine/errors.js';

export interface StateOptions {
  /** Where msys.audit_series keeps series defined with persist = true; "" turns persistence off. */
  stateDir?: string;
  /** Seconds between snapshots (default 30); one is also written when the last policy closes. */
  snapshotInterval?: number;
  /** The inbound audit's window, in seconds (default 300). Starts its counts again. */
  auditInterval?: number;
  /** How many windows the inbound audit keeps (default 12: the last hour). */
  auditWindows?: number;
}

export interface StateStatus {
  /** Series defined (msys.audit_series.define). */
  series: number;
  /** The snapshot file, or "" without a state directory. */
  snapshotPath: string;
  /** Why the last snapshot read was ignored (corrupt, unreadable), or "". */
  snapshotProblem: string;
}

export type AuditCountKind = 'connections' | 'receptions' | 'rejections' | 'sessions';

/**
 * What a host reports so that msys.audit.* and inbound_session_count see
 * its traffic: scriptlet serve, the milter and the Haraka plugin call it; a
 * Node MTA embedding the engine calls it the same way. An address that is
 * not an IP (a unix socket) is ignored (the call returns false).
 */
export interface InboundAudit {
  /** A session opens: one connection counted, one live session more (service default "SMTP"). */
  sessionOpened(ip: string, service?: string): boolean;
  /** The session ends: one live session less. Call it once per sessionOpened. */
  sessionClosed(ip: string, service?: string): boolean;
  /** A message was accepted from ip. */
  reception(ip: string): boolean;
  /** A message (or the session) was refused with a 4xx/5xx. */
  rejection(ip: string): boolean;
  /** What a script would read: windows startv..endv (default 0..0) for "IP" or "IP/mask"; sessions open now. */
  count(kind: AuditCountKind, cidr: string, options?: { startv?: number; endv?: number; service?: string }): number;
}

interface StateAddon {
  stateConfigure(options: StateOptions): void;
  stateFlush(): void;
  stateStatus(): StateStatus;
  stateSetClock(seconds: number): void;
  auditEvent(kind: 'open' | 'close' | 'reception' | 'rejection', ip: string, service?: string): boolean;
  auditCount(kind: AuditCountKind, cidr: string, startv?: number, endv?: number, service?: string): number;
}

function stateAddon(engine?: EngineName): StateAddon {
  return loadAddon(engine) as unknown as StateAddon;
}

/** Checks state options with exact messages (the addon checks them again). */
export function checkStateOptions(options: StateOptions, prefix = 'options'): void {
  const { stateDir, snapshotInterval, auditInterval, auditWindows } = options;
  if (stateDir !== undefined && typeof stateDir !== 'string') throw new UsageError(`${prefix}.stateDir must be a directory path, got ${String(stateDir)}`);
  const positive = (v: unknown, name: string, max = 2 ** 31 - 1) => {
    if (v !== undefined && (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > max)) {
      throw new UsageError(`${prefix}.${name} must be an integer from 1 to ${max}, got ${String(v)}`);
    }
  };
  positive(snapshotInterval, 'snapshotInterval');
  positive(auditInterval, 'auditInterval');
  positive(auditWindows, 'auditWindows', 10000);
}

/** Sets the store's state directory and windows (the process's, for every policy of that engine). */
export function configureState(options: StateOptions, engine?: EngineName): void {
  checkStateOptions(options);
  const o: StateOptions = { ...options };
  if (o.stateDir !== undefined && o.snapshotInterval === undefined) o.snapshotInterval = 30;
  stateAddon(engine).stateConfigure(o);
}

/** Writes the snapshot now (it is also written on a timer and when the last policy closes). */
export function flushState(engine?: EngineName): void {
  stateAddon(engine).stateFlush();
}

export function stateStatus(engine?: EngineName): StateStatus {
  return stateAddon(engine).stateStatus();
}

/**
 * For tests: the store's clock (seconds since the epoch) stands at seconds;
 * undefined gives it back to the system clock.
 */
export function setStateClockForTests(seconds: number | undefined, engine?: EngineName): void {
  stateAddon(engine).stateSetClock(seconds === undefined ? -1 : Math.floor(seconds));
}

/** The inbound audit of the process's store for engine (the default engine if none). */
export function inboundAudit(engine?: EngineName): InboundAudit {
  const addon = stateAddon(engine);
  return {
    sessionOpened: (ip, service) => addon.auditEvent('open', ip, service),
    sessionClosed: (ip, service) => addon.auditEvent('close', ip, service),
    reception: (ip) => addon.auditEvent('reception', ip),
    rejection: (ip) => addon.auditEvent('rejection', ip),
    count: (kind, cidr, options = {}) => addon.auditCount(kind, cidr, options.startv ?? 0, options.endv ?? options.startv ?? 0, options.service),
  };
}

/** For hosts at shutdown: writes the snapshot when a state directory is configured; a failure is logged, not thrown. */
export function flushStateIfConfigured(stateDir: string | undefined, engine: EngineName | undefined, log: (line: string) => void): void {
  if (!stateDir) return;
  try {
    flushState(engine);
  } catch (err) {
    log(`scriptlet: ${(err as Error).message}`);
  }
}
