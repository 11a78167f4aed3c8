// Where each figure lives in the block of shared memory the workers write
// and the calling thread reads at scrape time. The block holds one slot per
// worker; only the worker that owns a slot writes it, so adding needs no
// atomics (a plain `+=` on a Float64Array: integers stay exact to 2^53).
// The calling thread sums the slots for counters and reads the gauges of
// the slots that have an owner. A slot whose worker died is released, not
// cleared: its counts stay in the sums (counters never go down) and the
// worker that claims it next adds to them.
//
// Every label set is fixed when the engine opens: phases (phases.ts), the
// modules of the scripts (plus "_other", for a module a reload adds), and
// the small enums below.

import { PHASES } from '../engine/phases.js';

/** How a phase call ended, from its verdict. */
export const RESULTS = ['none', 'accept', 'tempfail', 'reject', 'discard', 'failed'] as const;
export type CallResult = (typeof RESULTS)[number];
export const RESULT_NONE = 0;
export const RESULT_ACCEPT = 1;
export const RESULT_TEMPFAIL = 2;
export const RESULT_REJECT = 3;
export const RESULT_DISCARD = 4;
export const RESULT_FAILED = 5;

/** How one module's callout ended. */
export const CALLOUT_RESULTS = ['ok', 'error'] as const;
export const CALLOUT_OK = 0;
export const CALLOUT_ERROR = 1;

/** Script errors by kind: the first two are the script's own, the rest are guard-rail limits. */
export const ERROR_KINDS = ['error', 'bad_return', 'instructions', 'wall_time', 'memory'] as const;
export type ErrorKind = (typeof ERROR_KINDS)[number];
export const SCRIPT_ERROR_KINDS: readonly ErrorKind[] = ['error', 'bad_return'];
export const LIMIT_KINDS: readonly ErrorKind[] = ['instructions', 'wall_time', 'memory'];

/** What happened to spare Lua threads (native SpareThreadCache), as counted by each master. */
export const THREAD_EVENTS = ['created', 'reused', 'reaped', 'discarded', 'retired'] as const;

/** Upper bounds of the call duration histogram, in seconds: 1 us to 1 s. */
export const DURATION_BUCKETS = [
  1e-6, 2.5e-6, 5e-6, 1e-5, 2.5e-5, 5e-5, 1e-4, 2.5e-4, 5e-4, 1e-3, 2.5e-3, 5e-3, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1,
] as const;

/** The module label of a module the layout does not know (one a reload added). */
export const OTHER_MODULE = '_other';

/** The gauges a worker writes into its slot (its Lua states summed). */
export const GAUGES = ['memoryBytes', 'spareThreads', 'gcPause', 'gcStepmul', 'masters', 'v8HeapBytes'] as const;
export type GaugeName = (typeof GAUGES)[number];

/** What the engine hands each worker (in WorkerSetup): the block and what shapes it. */
export interface MetricsShare {
  buffer: SharedArrayBuffer;
  modules: string[];
  slots: number;
  /** msys.db and msys.http.client figures (datasource-metrics.ts). */
  data?: import('./datasource-metrics.js').DataShare;
}

/** Offsets of every figure inside one slot, in Float64 elements. */
export class MetricLayout {
  readonly modules: readonly string[];
  readonly slots: number;
  /** Per phase, per result. */
  readonly calls: number;
  /** Per phase, per module (modules then _other), per callout result. */
  readonly callouts: number;
  /** Per phase: one count per bucket (not cumulative), then count, then sum. */
  readonly duration: number;
  /** Per phase, per module (modules then _other), per error kind. */
  readonly errors: number;
  readonly threadEvents: number;
  readonly fullCollections: number;
  readonly masterRebuilds: number;
  readonly tasks: number;
  readonly busySeconds: number;
  readonly gauges: number;
  /** Float64 elements per slot. */
  readonly stride: number;
  /** Byte offset of the first slot: the owners (Int32, one per slot) come first. */
  readonly slotsByteOffset: number;
  readonly #moduleIndex: Map<string, number>;

  constructor(modules: readonly string[], slots: number) {
    this.modules = [...modules, OTHER_MODULE];
    this.slots = slots;
    this.#moduleIndex = new Map(modules.map((m, i) => [m, i]));
    let at = 0;
    const take = (n: number): number => {
      const start = at;
      at += n;
      return start;
    };
    this.calls = take(PHASES.length * RESULTS.length);
    this.callouts = take(PHASES.length * this.modules.length * CALLOUT_RESULTS.length);
    this.duration = take(PHASES.length * (DURATION_BUCKETS.length + 2));
    this.errors = take(PHASES.length * this.modules.length * ERROR_KINDS.length);
    this.threadEvents = take(THREAD_EVENTS.length);
    this.fullCollections = take(1);
    this.masterRebuilds = take(1);
    this.tasks = take(1);
    this.busySeconds = take(1);
    this.gauges = take(GAUGES.length);
    this.stride = at;
    this.slotsByteOffset = Math.ceil((slots * 4) / 8) * 8;
  }

  static of(share: MetricsShare): MetricLayout {
    return new MetricLayout(share.modules, share.slots);
  }

  get byteLength(): number {
    return this.slotsByteOffset + this.slots * this.stride * 8;
  }

  /** A zeroed block for this layout. */
  allocate(): SharedArrayBuffer {
    return new SharedArrayBuffer(this.byteLength);
  }

  /** Index of a module in the per-module tables; unknown modules share the last row. */
  moduleIndex(name: string): number {
    return this.#moduleIndex.get(name) ?? this.modules.length - 1;
  }

  /** Offset of phase p's histogram inside a slot. */
  durationOf(p: number): number {
    return this.duration + p * (DURATION_BUCKETS.length + 2);
  }

  calloutOf(p: number, module: number, result: number): number {
    return this.callouts + (p * this.modules.length + module) * CALLOUT_RESULTS.length + result;
  }

  errorOf(p: number, module: number, kind: number): number {
    return this.errors + (p * this.modules.length + module) * ERROR_KINDS.length + kind;
  }

  gaugeOf(name: GaugeName): number {
    return this.gauges + GAUGES.indexOf(name);
  }
}

/** Typed views on a shared block: the owner of each slot, and the figures. */
export interface BlockViews {
  owners: Int32Array;
  figures: Float64Array;
}

export function viewsOf(layout: MetricLayout, buffer: SharedArrayBuffer): BlockViews {
  if (buffer.byteLength < layout.byteLength) throw new Error(`metrics block of ${buffer.byteLength} bytes, expected ${layout.byteLength}`);
  return {
    owners: new Int32Array(buffer, 0, layout.slots),
    figures: new Float64Array(buffer, layout.slotsByteOffset, layout.slots * layout.stride),
  };
}

/** The first bucket a duration (seconds) falls in; DURATION_BUCKETS.length: above the last bound. */
export function bucketOf(seconds: number): number {
  let i = 0;
  while (i < DURATION_BUCKETS.length && seconds > DURATION_BUCKETS[i]!) i++;
  return i;
}
