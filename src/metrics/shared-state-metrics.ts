// The figures of what every worker's scripts share in the process: the
// embedded store (msys.audit_series, msys.gauge_cache, msys.counter, the
// inbound audit) and the msys.cidr tables. They are the addon's, one set
// per process and engine, so the calling thread reads them from its own
// copy of the addon at scrape time (one Node-API call a scrape), not from
// the workers' block. Two engines of one engine kind in a process report the
// same figures.

import type { Registry } from 'prom-client';
import { readOnScrape, type Rows } from './collector.js';
import type { StateBackendStats } from '../state/redis-sync.js';

/** What sharedStateStats() (native/napi/state_host.cpp) returns. */
export interface SharedStateStats {
  series: number;
  seriesKeys: number;
  gaugeCaches: number;
  gaugeKeys: number;
  counters: number;
  auditKeys: number;
  snapshotWrites: number;
  snapshotErrors: number;
  cidrTables: number;
  cidrEntries: number;
  cidrLoads: number;
  cidrLoadFailures: number;
  /** The Redis sync loop's figures, when the engine has one (replicate = "cluster"). */
  backend?: StateBackendStats;
}

/** The figures from an addon (the calling thread's copy: the store is the process's). */
export function readSharedStateStats(addon: object): SharedStateStats {
  const read = (addon as { sharedStateStats?: () => SharedStateStats }).sharedStateStats;
  if (typeof read !== 'function') throw new Error('the addon has no sharedStateStats(): rebuild it');
  return read.call(addon);
}

/** read, called at most once per scrape however many metrics ask (a scrape collects them all in one turn). */
export function oncePerScrape(read: () => SharedStateStats): () => SharedStateStats {
  let cached: SharedStateStats | undefined;
  return () => {
    if (cached) return cached;
    cached = read();
    queueMicrotask(() => (cached = undefined));
    return cached;
  };
}

/** Registers the scriptlet_state_* and scriptlet_cidr_* metrics, read from stats at scrape time. */
export function registerSharedStateMetrics(registry: Registry, stats: () => SharedStateStats): void {
  const one = (pick: (s: SharedStateStats) => number) => (): Rows => [[{}, pick(stats())]];
  readOnScrape('gauge', registry, 'scriptlet_state_series', 'Series defined with msys.audit_series.define, in the whole process.', [], one((s) => s.series));
  readOnScrape('gauge', registry, 'scriptlet_state_keys', 'Keys held by the shared store, by store: audit_series (keys of every series, with the per-prefix counters masked counts keep), gauge_cache (entries), counter (msys.counter paths), inbound_audit (addresses the host reported).', ['store'], () => {
    const s = stats();
    return [
      [{ store: 'audit_series' }, s.seriesKeys],
      [{ store: 'gauge_cache' }, s.gaugeKeys],
      [{ store: 'counter' }, s.counters],
      [{ store: 'inbound_audit' }, s.auditKeys],
    ];
  });
  readOnScrape('gauge', registry, 'scriptlet_state_caches', 'Caches defined with msys.gauge_cache.define, in the whole process.', [], one((s) => s.gaugeCaches));
  readOnScrape('counter', registry, 'scriptlet_state_snapshot_writes_total', 'Snapshots of the persisted series written to state_dir.', [], one((s) => s.snapshotWrites));
  readOnScrape('counter', registry, 'scriptlet_state_snapshot_errors_total', 'Snapshot writes that failed (the snapshot written before stays).', [], one((s) => s.snapshotErrors));
  readOnScrape('gauge', registry, 'scriptlet_cidr_tables', 'msys.cidr tables some policy holds (a table defined alike by every worker counts once).', [], one((s) => s.cidrTables));
  readOnScrape('gauge', registry, 'scriptlet_cidr_entries', 'Lines (addresses and ranges) of the live msys.cidr tables.', [], one((s) => s.cidrEntries));
  readOnScrape('counter', registry, 'scriptlet_cidr_loads_total', 'msys.cidr tables read and swapped in: the first read of each, and every reload or refresh that found the file changed.', [], one((s) => s.cidrLoads));
  readOnScrape('counter', registry, 'scriptlet_cidr_load_failures_total', 'msys.cidr reads that failed (the table kept before stays in use).', [], one((s) => s.cidrLoadFailures));
  if (stats().backend) registerStateBackendMetrics(registry, () => stats().backend!);
}

/** The Redis backend of replicated series (src/state/redis-sync.ts): registered when the engine has one. */
function registerStateBackendMetrics(registry: Registry, backend: () => StateBackendStats): void {
  const one = (pick: (s: StateBackendStats) => number) => (): Rows => [[{}, pick(backend())]];
  readOnScrape('counter', registry, 'scriptlet_state_backend_round_trips_total', 'Flushes of replicated series that reached Redis: one pipelined round trip each (per Redis node).', [], one((s) => s.roundTrips));
  readOnScrape('counter', registry, 'scriptlet_state_backend_errors_total', 'Flushes to Redis that failed (down, slow, refused); their adds are sent again with the next flush.', [], one((s) => s.errors));
  readOnScrape('counter', registry, 'scriptlet_state_backend_flush_seconds_total', 'Seconds spent in flushes to Redis (divide by round trips + errors for the mean).', [], one((s) => s.flushSecondsTotal));
  readOnScrape('gauge', registry, 'scriptlet_state_backend_flush_seconds', 'How long the last flush to Redis took.', [], one((s) => s.lastFlushSeconds));
  readOnScrape('gauge', registry, 'scriptlet_state_backend_staleness_seconds', 'Seconds since replicated series last read their totals from Redis (at most the flush interval plus a round trip while Redis answers).', [], one((s) => s.stalenessSeconds));
  readOnScrape('gauge', registry, 'scriptlet_state_backend_up', '1 while the last flush to Redis worked, 0 while replicated series count locally.', [], one((s) => s.up));
  readOnScrape('gauge', registry, 'scriptlet_state_replicated_keys', 'Keys of replicated series this node adds to or reads back from Redis.', [], one((s) => s.keys));
}
