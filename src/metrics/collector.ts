// The prom-client metrics of an engine. Those the workers count are read
// from the shared block in collect(), at scrape time: counters summed over
// every slot, per-state gauges from the slots that have an owner. Those the
// calling thread knows (pool queue, reloads, alerts, masters) are read from
// the engine the same way, or counted as they happen.

import { Counter, Gauge, type Registry } from 'prom-client';
import { PHASES } from '../engine/phases.js';
import {
  CALLOUT_RESULTS,
  DURATION_BUCKETS,
  ERROR_KINDS,
  LIMIT_KINDS,
  RESULTS,
  SCRIPT_ERROR_KINDS,
  THREAD_EVENTS,
  type BlockViews,
  type GaugeName,
  type MetricLayout,
} from './metric-layout.js';

/** What the engine tells the collector at scrape time. */
export interface EngineFigures {
  engine: string;
  engineVersion: string;
  version: string;
  threads: number;
  masters: { live: number; retiring: number };
  queuedCalls: number;
  tasksInFlight: number;
  taskCapacity: number;
  workerExits: number;
  tempfailed: Readonly<Record<string, number>>;
}

type Labels = Record<string, string>;
export type Rows = [Labels, number][];

/** Reads the shared block: sums over slots, and the slots in use. */
export class BlockReader {
  readonly layout: MetricLayout;
  readonly #views: BlockViews;

  constructor(layout: MetricLayout, views: BlockViews) {
    this.layout = layout;
    this.#views = views;
  }

  /** The figure at offset (inside a slot), summed over every slot, owned or not. */
  sum(offset: number): number {
    const { figures } = this.#views;
    const stride = this.layout.stride;
    let total = 0;
    for (let s = 0; s < this.layout.slots; s++) total += figures[s * stride + offset]!;
    return total;
  }

  /** A gauge of each slot a live worker with an open Lua state owns, by slot index. */
  gauges(name: GaugeName): [number, number][] {
    const { owners, figures } = this.#views;
    const at = this.layout.gaugeOf(name);
    const out: [number, number][] = [];
    const masters = this.layout.gaugeOf('masters');
    for (let s = 0; s < this.layout.slots; s++) {
      const base = s * this.layout.stride;
      // A worker that has not opened its Lua state yet has nothing to report.
      if (Atomics.load(owners, s) !== 0 && figures[base + masters]! > 0) out.push([s, figures[base + at]!]);
    }
    return out;
  }
}

/** A counter or gauge whose values are read, all at once, when scraped. */
export function readOnScrape(kind: 'counter' | 'gauge', registry: Registry, name: string, help: string, labelNames: string[], read: () => Rows): void {
  const collect = function (this: Counter | Gauge): void {
    this.reset();
    for (const [labels, value] of read()) {
      if (this instanceof Counter) this.inc(labels, value);
      else this.set(labels, value);
    }
  };
  const config = { name, help, labelNames, registers: [registry], collect };
  if (kind === 'counter') new Counter(config);
  else new Gauge(config);
}

interface HistogramRow {
  labels: Labels;
  /** Per bucket, not cumulative. */
  buckets: number[];
  count: number;
  sum: number;
}

/**
 * The call duration histogram, read from the block. prom-client's Histogram
 * takes observations one at a time; this one exposes bucket counts the
 * workers already added up, in the shape the registry serialises (it has
 * the Metric interface the registry uses: name, help, type, aggregator,
 * get, reset).
 */
class SharedHistogram {
  readonly type = 'histogram';
  readonly aggregator = 'sum';
  readonly name: string;
  readonly help: string;
  readonly #read: () => HistogramRow[];

  constructor(name: string, help: string, read: () => HistogramRow[]) {
    this.name = name;
    this.help = help;
    this.#read = read;
  }

  async get(): Promise<{ name: string; help: string; type: string; aggregator: string; values: { labels: Labels; value: number; metricName: string }[] }> {
    const values: { labels: Labels; value: number; metricName: string }[] = [];
    for (const { labels, buckets, count, sum } of this.#read()) {
      let cumulative = 0;
      DURATION_BUCKETS.forEach((le, i) => {
        cumulative += buckets[i]!;
        // A batch being added as this is read: its count is written first, so
        // no bucket may show it before the count does.
        values.push({ labels: { ...labels, le: String(le) }, value: Math.min(cumulative, count), metricName: `${this.name}_bucket` });
      });
      values.push({ labels: { ...labels, le: '+Inf' }, value: count, metricName: `${this.name}_bucket` });
      values.push({ labels, value: sum, metricName: `${this.name}_sum` });
      values.push({ labels, value: count, metricName: `${this.name}_count` });
    }
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values };
  }

  reset(): void {
    // Nothing to reset: the figures live in the workers' block.
  }
}

/** Registers every metric read from the block or the engine; returns nothing to update by hand. */
export function registerCollectedMetrics(registry: Registry, block: BlockReader, figures: () => EngineFigures): void {
  const L = block.layout;

  readOnScrape('counter', registry, 'scriptlet_calls_total', 'Phase calls (every module\'s callout for one message), by phase and result: none (no module set a reply), accept (2xx/3xx), tempfail (4xx, on_error = tempfail included), reject (5xx), discard, failed (the call threw).', ['phase', 'result'], () => {
    const rows: Rows = [];
    PHASES.forEach((phase, p) => {
      const counts = RESULTS.map((_, r) => block.sum(L.calls + p * RESULTS.length + r));
      if (counts.some((c) => c > 0)) RESULTS.forEach((result, r) => rows.push([{ phase, result }, counts[r]!]));
    });
    return rows;
  });
  readOnScrape('counter', registry, 'scriptlet_callouts_total', 'Module callouts run, by phase, module and result: ok, error (raised an error, returned no VALIDATE_* code, or hit a limit).', ['phase', 'module', 'result'], () => {
    const rows: Rows = [];
    PHASES.forEach((phase, p) =>
      L.modules.forEach((module, m) => {
        const counts = CALLOUT_RESULTS.map((_, r) => block.sum(L.calloutOf(p, m, r)));
        if (counts.some((c) => c > 0)) CALLOUT_RESULTS.forEach((result, r) => rows.push([{ phase, module, result }, counts[r]!]));
      }),
    );
    return rows;
  });
  const errorRows = (kinds: readonly string[]) => (): Rows => {
    const rows: Rows = [];
    PHASES.forEach((phase, p) =>
      L.modules.forEach((module, m) =>
        kinds.forEach((kind) => {
          const n = block.sum(L.errorOf(p, m, ERROR_KINDS.indexOf(kind as (typeof ERROR_KINDS)[number])));
          if (n > 0) rows.push([{ phase, module, kind }, n]);
        }),
      ),
    );
    return rows;
  };
  readOnScrape('counter', registry, 'scriptlet_script_errors_total', 'Callouts that failed, by phase, module and kind: error (raised an error), bad_return (returned no VALIDATE_* code).', ['phase', 'module', 'kind'], errorRows(SCRIPT_ERROR_KINDS));
  readOnScrape('counter', registry, 'scriptlet_limit_hits_total', 'Callouts stopped by a guard rail, by phase, module and kind: instructions, wall_time, memory.', ['phase', 'module', 'kind'], errorRows(LIMIT_KINDS));
  registry.registerMetric(
    new SharedHistogram('scriptlet_call_duration_seconds', 'Time of a phase call in a worker, by phase: each batch\'s time spread evenly over its calls (waits on DNS or msys.sleep included).', () =>
      PHASES.map((phase, p) => {
        const h = L.durationOf(p);
        return {
          labels: { phase },
          buckets: DURATION_BUCKETS.map((_, i) => block.sum(h + i)),
          count: block.sum(h + DURATION_BUCKETS.length),
          sum: block.sum(h + DURATION_BUCKETS.length + 1),
        };
      }).filter((row) => row.count > 0),
    ) as unknown as Counter, // the registry's type names prom-client's classes only
  );

  const perWorker = (name: GaugeName) => (): Rows => block.gauges(name).map(([slot, v]) => [{ worker: String(slot) }, v]);
  readOnScrape('gauge', registry, 'scriptlet_lua_memory_bytes', 'Bytes allocated by the Lua states of each worker (its master, and a retiring one during a reload).', ['worker'], perWorker('memoryBytes'));
  readOnScrape('gauge', registry, 'scriptlet_worker_v8_heap_bytes', 'Bytes of JS heap in use in each worker thread (its own V8 isolate), at its last sample.', ['worker'], perWorker('v8HeapBytes'));
  readOnScrape('gauge', registry, 'scriptlet_lua_spare_threads', 'Idle Lua threads kept for reuse, per worker.', ['worker'], perWorker('spareThreads'));
  readOnScrape('gauge', registry, 'scriptlet_lua_gc_pause', 'The Lua collector\'s pause (gc_pause), read from each worker\'s state.', ['worker'], perWorker('gcPause'));
  readOnScrape('gauge', registry, 'scriptlet_lua_gc_stepmul', 'The Lua collector\'s step multiplier (gc_stepmul), read from each worker\'s state.', ['worker'], perWorker('gcStepmul'));
  readOnScrape('counter', registry, 'scriptlet_master_rebuilds_total', 'Master Lua states rebuilt from their scripts after a call ran out of memory (memory_limit).', [], () => [[{}, block.sum(L.masterRebuilds)]]);
  readOnScrape('counter', registry, 'scriptlet_lua_full_collections_total', 'Full Lua collections run after a call (always_gc).', [], () => [[{}, block.sum(L.fullCollections)]]);
  readOnScrape('counter', registry, 'scriptlet_lua_threads_total', 'Lua threads by event: created, reused (taken from the spare cache), reaped (idle at a sweep), discarded (after an error), retired (max_uses_per_thread).', ['event'], () =>
    THREAD_EVENTS.map((event, i) => [{ event }, block.sum(L.threadEvents + i)]),
  );

  readOnScrape('gauge', registry, 'scriptlet_masters', 'Master Lua states, by state: live (takes new calls), retiring (finishing calls after a reload).', ['state'], () => {
    const { live, retiring } = figures().masters;
    return [
      [{ state: 'live' }, live],
      [{ state: 'retiring' }, retiring],
    ];
  });
  readOnScrape('gauge', registry, 'scriptlet_pool_threads', 'Worker threads of the pool.', [], () => [[{}, figures().threads]]);
  readOnScrape('gauge', registry, 'scriptlet_pool_queued_calls', 'Calls waiting for a batch to be sent to a worker.', [], () => [[{}, figures().queuedCalls]]);
  readOnScrape('gauge', registry, 'scriptlet_pool_tasks_in_flight', 'Batches at a worker.', [], () => [[{}, figures().tasksInFlight]]);
  readOnScrape('gauge', registry, 'scriptlet_pool_task_capacity', 'The most batches in flight at once (threads x tasksPerWorker).', [], () => [[{}, figures().taskCapacity]]);
  readOnScrape('counter', registry, 'scriptlet_pool_tasks_total', 'Batches the workers ran.', [], () => [[{}, block.sum(L.tasks)]]);
  readOnScrape('counter', registry, 'scriptlet_pool_busy_seconds_total', 'Time the workers spent running batches; utilisation is rate(this) / scriptlet_pool_threads.', [], () => [[{}, block.sum(L.busySeconds)]]);
  readOnScrape('counter', registry, 'scriptlet_pool_worker_exits_total', 'Workers that exited without being asked to (the pool started others).', [], () => [[{}, figures().workerExits]]);
  readOnScrape('counter', registry, 'scriptlet_pool_tempfailed_calls_total', 'Calls the pool answered with 451 itself, by reason: worker (its worker died), deadline (shutdown came first).', ['reason'], () =>
    Object.entries(figures().tempfailed).map(([reason, n]) => [{ reason }, n]),
  );
  readOnScrape('gauge', registry, 'scriptlet_engine_info', 'Always 1: the Lua engine, its version, and the hash of the scripts in force.', ['engine', 'engine_version', 'scripts_version'], () => {
    const f = figures();
    return [[{ engine: f.engine, engine_version: f.engineVersion, scripts_version: f.version }, 1]];
  });
}
