// What travels between the engine (the calling thread) and its workers:
// everything, batches included, goes through one MessagePort per worker,
// which the worker hands over when it starts (piscina starts, keeps and
// replaces the threads; see docs/threads.md for why batches do not go
// through piscina.run). One port keeps a worker's messages in order: a task
// always finds the settings and policy sent before it. Nothing here holds a
// Lua state: only plain data crosses.

import type { MessagePort } from 'node:worker_threads';
import type { PolicyOptions, PolicyStats } from '../engine/policy.js';
import type { PolicyTuning } from '../engine/options.js';
import { PACKED_HEADER, type EncodedVerdicts } from '../engine/verdict.js';
import type { MetricsShare } from '../metrics/metric-layout.js';

/** The scripts and options a worker opens a Policy from; sources are read once, by the engine. */
export type PolicySpec = Required<Pick<PolicyOptions, 'engine'>> & PolicyOptions & {
  scripts: { name: string; path: string; source: string }[];
};

/** Run-time settings every worker applies; version 0 is the engine's options. */
export interface WorkerSettings {
  version: number;
  tuning: PolicyTuning;
  reapInterval: number;
}

/** A worker's workerData. */
export interface WorkerSetup {
  policies: { id: number; spec: PolicySpec }[];
  settings: WorkerSettings;
  /** The shared block the worker adds its metrics to (src/metrics); absent with metrics: false. */
  metrics?: MetricsShare;
}

/**
 * One batch of calls of one phase (wire-inputs.ts), in one Int32Array: a
 * header (TASK_HEADER), then the facts, then (at TASK_LAYOUT) LAYOUT ints
 * per call (where its facts start, where its text starts, and its message's
 * address and length), then room for the verdicts (at TASK_VERDICTS, 9 per
 * call), which the worker writes there, then the batch's text (at
 * TASK_TEXT, UTF-16, two units an int), which the worker's addon reads in
 * place when a call asks for a fact, then room for an answer. `ints` lies
 * on a SharedArrayBuffer: it crosses by reference, not copied, either way.
 * The messages themselves do not cross either: the worker reads them in
 * place.
 */
export interface BatchTask {
  ints: Int32Array;
  /** The InputWriter whose memory ints lies on: once a worker knows it, the batch goes through the shared channel (channel.ts). -1: none. */
  writer?: number;
}

/** The header of a task's ints. */
export const TASK_POLICY = 0;
export const TASK_SETTINGS = 1;
export const TASK_PHASE = 2;
/** The packed batch's own header (PACKED_HEADER) from here: its facts start at TASK_HEADER. */
export const TASK_COUNT = 3;
export const TASK_LAYOUT = TASK_COUNT + PACKED_HEADER.layoutAt;
export const TASK_FACTS = TASK_COUNT + PACKED_HEADER.factsAt;
export const TASK_VERDICTS = TASK_COUNT + PACKED_HEADER.verdictsAt;
export const TASK_TEXT = TASK_COUNT + PACKED_HEADER.textAt;
export const TASK_TEXT_LENGTH = TASK_COUNT + PACKED_HEADER.textLength;
/** Where in ints, and in how many, a worker answering through the shared channel writes the verdicts' text (channel.ts). */
export const TASK_ANSWER = 9;
export const TASK_ANSWER_ROOM = 10;
export const TASK_HEADER = 11;

/** An error thrown for one call, as data. */
export interface ErrorData {
  name: string;
  code: string | undefined;
  message: string;
}

/**
 * A batch's verdicts, as the addon encodes them (native/napi/verdict_js.hpp)
 * with the batch's own context keys at the end of the text; or, when the batch could not run at
 * all (the policy failed to open), the error every call of it gets.
 */
export type BatchResult = EncodedVerdicts | { error: ErrorData };

/** A BatchResult as a worker sends it: the verdicts' ints are already in the task's shared ints. */
export type SentBatchResult = Omit<EncodedVerdicts, 'ints' | 'at'> | { error: ErrorData };

/**
 * A batch on the control port, and its answer when the batch ran: arrays,
 * not objects, because V8 reads an array back from a message for less than
 * an object (no property names, no shapes to build): a microsecond a batch
 * on each side. Anything else (an answer with an error too) is a
 * ControlRequest or ControlReply.
 */
export type TaskMessage = [id: number, ints: Int32Array, writer: number];
/** The worker may drop what it keeps of this writer's memory: the engine sends its next batch through the port. */
export type ForgetWriter = [kind: 'forget', writer: number];
export type TaskAnswer = [id: number, text: string, values: unknown[] | undefined];

/**
 * msys.config from a worker: the console line the engine is to run (the
 * other way round from a ControlRequest), and the engine's answer.
 */
export interface ScriptConsoleAsk {
  consoleAsk: number;
  line: string;
}
export interface ScriptConsoleReply {
  consoleReply: number;
  answer: { ok: true; lines: string[] } | { ok: false; error: string };
}

/** Sent once by each worker through parentPort: its control port. */
export interface ControlHello {
  scriptletControl: MessagePort;
  threadId: number;
  /** The worker's shared-memory channel (channel.ts). */
  channel: SharedArrayBuffer;
}

export type ControlRequest =
  | { kind: 'settings'; id: number; settings: WorkerSettings }
  /** A version of the policy; with open, its master is built (init() run) before the answer. */
  | { kind: 'policy'; id: number; policy: number; spec: PolicySpec; open?: boolean }
  | { kind: 'open'; id: number; policy: number }
  /** A version no task will name again: its master is closed. */
  | { kind: 'retire'; id: number; policy: number }
  | { kind: 'stats'; id: number };

export type ControlReply = { id: number; ok: true; value: unknown } | { id: number; ok: false; error: ErrorData };

export interface WorkerPolicyStats {
  id: number;
  stats: PolicyStats;
  gc: { pause: number; stepmul: number };
}

/** What one worker reports. */
export interface WorkerStats {
  threadId: number;
  /** Batches and calls this worker ran. */
  tasks: number;
  calls: number;
  /** Time spent in those batches (waits on Node inside a call included). */
  busyMs: number;
  /** Sweeps of idle spare Lua threads, and the threads they released. */
  sweeps: number;
  reaped: number;
  reapInterval: number;
  settingsVersion: number;
  /** Policies this worker has opened (a worker opens one on its first task). */
  policies: WorkerPolicyStats[];
}

export function errorData(err: unknown): ErrorData {
  const e = err as { name?: unknown; code?: unknown; message?: unknown };
  return {
    name: typeof e?.name === 'string' ? e.name : 'Error',
    code: typeof e?.code === 'string' ? e.code : undefined,
    message: typeof e?.message === 'string' ? e.message : String(err),
  };
}

export function isControlHello(message: unknown): message is ControlHello {
  return typeof message === 'object' && message !== null && 'scriptletControl' in message && 'threadId' in message;
}
