// What a worker writes into its slot of the shared metrics block: after each
// batch, its calls (by phase and result), callouts, script errors and the
// batch's time; at most every SAMPLE_MS, and after each sweep of spare
// threads, what its Lua states report (memory, spare threads, GC). Nothing
// is posted to the calling thread: it reads the block when it is scraped.
//
// Time per call: the addon runs a batch in one crossing and does not time
// each call, so a batch's time is spread evenly over its calls (each call is
// counted in the bucket of the batch's mean). The histogram's _sum is exact
// (the workers' time in calls); its buckets are those of batch means.

import * as v8 from 'node:v8';
import type { ScriptFailure } from '../engine/errors.js';
import { phaseIndex, type Phase } from '../engine/phases.js';
import type { Policy } from '../engine/policy.js';
import { FLAG_DISCARD, FLAG_DISPOSITION, INTS } from '../engine/verdict.js';
import type { NativeStats, NativeVerdictRest } from '../native/types.js';
import type { BatchResult } from '../pool/protocol.js';
import {
  bucketOf,
  CALLOUT_ERROR,
  CALLOUT_OK,
  DURATION_BUCKETS,
  ERROR_KINDS,
  MetricLayout,
  RESULT_ACCEPT,
  RESULT_DISCARD,
  RESULT_FAILED,
  RESULT_NONE,
  RESULT_REJECT,
  RESULT_TEMPFAIL,
  RESULTS,
  viewsOf,
  type ErrorKind,
  type MetricsShare,
} from './metric-layout.js';

/** How often, at most, a busy worker reads its Lua states' figures. */
export const SAMPLE_MS = 100;

const THREAD_STATS: (keyof NativeStats)[] = ['threadsCreated', 'threadsReused', 'threadsReaped', 'threadsDiscarded', 'threadsRetired'];
const BAD_RETURN = /returned .*; expected msys\.core\.VALIDATE_CONT or msys\.core\.VALIDATE_DONE$/;
const OUT_OF_MEMORY = /not enough memory/;

/**
 * The kind of a script failure: the guard rails may name it (a `kind`
 * field naming a limit); otherwise a bad return value, an allocation refused
 * (the memory cap), or an error the script raised.
 */
export function failureKind(failure: Omit<ScriptFailure, 'kind'> & { kind?: unknown }): ErrorKind {
  if (typeof failure.kind === 'string' && (ERROR_KINDS as readonly string[]).includes(failure.kind)) return failure.kind as ErrorKind;
  if (BAD_RETURN.test(failure.message)) return 'bad_return';
  if (OUT_OF_MEMORY.test(failure.message)) return 'memory';
  return 'error';
}

/** f[i] += n (a slot is written by its owner only). */
function add(f: Float64Array, i: number, n: number): void {
  f[i] = f[i]! + n;
}

export class WorkerRecorder {
  readonly #layout: MetricLayout;
  readonly #f: Float64Array;
  /** Where this worker's slot starts in #f. */
  readonly #base: number;
  /** Each open policy's native counters when last read, to add only what changed. */
  readonly #seen = new Map<Policy, number[]>();
  /** Per policy and phase, the layout's indices of the modules that define the callout, in run order. */
  readonly #calloutModules = new Map<Policy, (Int32Array | undefined)[]>();
  readonly #policies: () => Iterable<Policy>;
  #sampledAt = 0;
  /** A sample put off by the SAMPLE_MS bound, so the last batches' figures are written too. */
  #trailing: NodeJS.Timeout | undefined;

  private constructor(layout: MetricLayout, figures: Float64Array, slot: number, policies: () => Iterable<Policy>) {
    this.#layout = layout;
    this.#f = figures;
    this.#base = slot * layout.stride;
    this.#policies = policies;
  }

  /** Claims a free slot for this thread; null when every slot is taken (the worker then records nothing). */
  static claim(share: MetricsShare, threadId: number, policies: () => Iterable<Policy>): WorkerRecorder | null {
    const layout = MetricLayout.of(share);
    const { owners, figures } = viewsOf(layout, share.buffer);
    for (let slot = 0; slot < layout.slots; slot++) {
      if (Atomics.compareExchange(owners, slot, 0, threadId) === 0) return new WorkerRecorder(layout, figures, slot, policies);
    }
    return null;
  }

  /** Adds a batch of count calls policy ran (its encoded verdicts, or the error they all got) and the ms it took. */
  record(policy: Policy, phase: Phase, result: BatchResult, count: number, ms: number): void {
    const L = this.#layout;
    const f = this.#f;
    const base = this.#base;
    const p = phaseIndex(phase)!;
    const calls = base + L.calls + p * RESULTS.length;
    if ('error' in result) {
      add(f, calls + RESULT_FAILED, count);
    } else {
      const ran = this.#modulesOf(policy, phase, p);
      const { ints, at, values } = result;
      for (let i = 0; i < count; i++) {
        const b = at + i * INTS;
        const code = ints[b]!;
        const flags = ints[b + 1]!;
        const disposed = (flags & (FLAG_DISPOSITION | FLAG_DISCARD)) !== 0;
        add(f, calls + (!disposed ? RESULT_NONE : flags & FLAG_DISCARD ? RESULT_DISCARD : code >= 500 ? RESULT_REJECT : code >= 400 ? RESULT_TEMPFAIL : RESULT_ACCEPT), 1);
        // The first `callouts` modules that define the callout ran.
        const n = Math.min(ints[b + 2]!, ran.length);
        const errors = (values?.[i * 2 + 1] as NativeVerdictRest | undefined)?.errors;
        if (!errors || errors.length === 0) {
          for (let j = 0; j < n; j++) add(f, base + L.calloutOf(p, ran[j]!, CALLOUT_OK), 1);
          continue;
        }
        const failed = errors.map((e) => L.moduleIndex(e.module));
        for (let j = 0; j < n; j++) add(f, base + L.calloutOf(p, ran[j]!, failed.includes(ran[j]!) ? CALLOUT_ERROR : CALLOUT_OK), 1);
        for (let e = 0; e < failed.length; e++) add(f, base + L.errorOf(p, failed[e]!, ERROR_KINDS.indexOf(failureKind(errors[e]!))), 1);
      }
    }
    const n = count;
    const seconds = ms / 1e3;
    if (n > 0) {
      const h = base + L.durationOf(p);
      const bucket = bucketOf(seconds / n);
      // The count before the bucket: a scrape reads the buckets first, and must not see a bucket above the count.
      add(f, h + DURATION_BUCKETS.length, n);
      add(f, h + DURATION_BUCKETS.length + 1, seconds);
      if (bucket < DURATION_BUCKETS.length) add(f, h + bucket, n);
    }
    add(f, base + L.tasks, 1);
    add(f, base + L.busySeconds, seconds);
    const since = Date.now() - this.#sampledAt;
    if (since >= SAMPLE_MS) this.sample();
    else if (!this.#trailing) {
      this.#trailing = setTimeout(() => this.sample(), SAMPLE_MS - since);
      this.#trailing.unref();
    }
  }

  #modulesOf(policy: Policy, phase: Phase, p: number): Int32Array {
    let perPhase = this.#calloutModules.get(policy);
    if (!perPhase) this.#calloutModules.set(policy, (perPhase = []));
    return (perPhase[p] ??= Int32Array.from(policy.calloutModules(phase), (name) => this.#layout.moduleIndex(name)));
  }

  /** Writes what the Lua states report: gauges as they are, native counters by what they gained. */
  sample(): void {
    clearTimeout(this.#trailing);
    this.#trailing = undefined;
    this.#sampledAt = Date.now();
    const L = this.#layout;
    const f = this.#f;
    const base = this.#base;
    let memory = 0;
    let spare = 0;
    let masters = 0;
    let gc: { pause: number; stepmul: number } | undefined;
    const open = new Set<Policy>();
    for (const policy of this.#policies()) {
      if (policy.closed) continue;
      open.add(policy);
      masters++;
      const s = policy.stats();
      memory += s.memoryBytes;
      spare += s.spareThreads;
      gc ??= policy.gcParams();
      const counts = [...THREAD_STATS.map((k) => s[k] as number), s.fullCollections, s.masterRebuilds];
      const before = this.#seen.get(policy);
      const n = THREAD_STATS.length;
      for (let i = 0; i < n; i++) add(f, base + L.threadEvents + i, counts[i]! - (before?.[i] ?? 0));
      add(f, base + L.fullCollections, counts[n]! - (before?.[n] ?? 0));
      add(f, base + L.masterRebuilds, counts[n + 1]! - (before?.[n + 1] ?? 0));
      this.#seen.set(policy, counts);
    }
    for (const policy of this.#seen.keys()) if (!open.has(policy)) this.#seen.delete(policy);
    for (const policy of this.#calloutModules.keys()) if (!open.has(policy)) this.#calloutModules.delete(policy);
    f[base + L.gaugeOf('memoryBytes')] = memory;
    f[base + L.gaugeOf('spareThreads')] = spare;
    f[base + L.gaugeOf('masters')] = masters;
    // This worker's own JS heap (each worker thread is a V8 isolate of its own; the calling thread's is in scriptlet_process_memory_bytes).
    f[base + L.gaugeOf('v8HeapBytes')] = v8.getHeapStatistics().used_heap_size;
    if (gc) {
      f[base + L.gaugeOf('gcPause')] = gc.pause;
      f[base + L.gaugeOf('gcStepmul')] = gc.stepmul;
    }
  }
}
