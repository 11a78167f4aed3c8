// The figures of msys.db's datasources and msys.http.client: queries, cache
// hits and misses, errors and query time by datasource, cached answers
// held, HTTP requests and failures. Each worker counts in its own thread
// (src/datasource/stats.ts) and copies what its counts gained into its slot
// of a block of shared memory at most every PUBLISH_MS; the calling thread
// sums the slots at scrape time. No message per call crosses threads.

import type { Counter, Registry } from 'prom-client';
import { dataStats, QUERY_SECONDS_BUCKETS, type DataStats } from '../datasource/stats.js';
import { readOnScrape, type Rows } from './collector.js';

/** What the engine hands each worker (MetricsShare.data). */
export interface DataShare {
  buffer: SharedArrayBuffer;
  /** The configured datasources, in label order. */
  names: string[];
  slots: number;
}

/** How often, at most, a worker copies its counts into the block. */
export const PUBLISH_MS = 100;

const B = QUERY_SECONDS_BUCKETS.length + 1; // buckets, +Inf last
// Per datasource: queries, hits, misses, errors, buckets..., seconds sum, cache entries.
const PER_DS = 4 + B + 2;
const HTTP = 2; // requests, errors

function stride(names: number): number {
  return HTTP + names * PER_DS;
}

export function allocateDataShare(names: string[], slots: number): DataShare {
  // Owners (Int32 per slot) first, then the Float64 figures.
  const ownersBytes = Math.ceil((slots * 4) / 8) * 8;
  return { buffer: new SharedArrayBuffer(ownersBytes + slots * stride(names.length) * 8), names: [...names], slots };
}

function views(share: DataShare): { owners: Int32Array; figures: Float64Array } {
  const ownersBytes = Math.ceil((share.slots * 4) / 8) * 8;
  return { owners: new Int32Array(share.buffer, 0, share.slots), figures: new Float64Array(share.buffer, ownersBytes) };
}

/** This thread's figures as one slot's row (absolute counts). */
function row(names: string[], s: DataStats): number[] {
  const out = [s.httpRequests, s.httpErrors];
  for (const name of names) {
    const c = s.datasources.get(name);
    if (!c) {
      out.push(...new Array<number>(PER_DS).fill(0));
      continue;
    }
    out.push(c.queries, c.cacheHits, c.cacheMisses, c.errors, ...c.secondsBuckets, c.secondsSum, c.cacheEntries);
  }
  return out;
}

/**
 * In a worker: claims a slot and, every PUBLISH_MS, adds to it what this
 * thread's counts gained since the last copy (a slot a dead worker left keeps
 * its counts: whoever claims it next adds to them).
 */
export function startDataStatsPublisher(share: DataShare, threadId: number): void {
  const { owners, figures } = views(share);
  let slot = -1;
  for (let s = 0; s < share.slots && slot < 0; s++) if (Atomics.compareExchange(owners, s, 0, threadId) === 0) slot = s;
  if (slot < 0) return;
  const width = stride(share.names.length);
  const base = slot * width;
  let last = new Array<number>(width).fill(0);
  const cacheAt = (i: number) => i >= HTTP && (i - HTTP) % PER_DS === PER_DS - 1; // a gauge: copied, not added
  setInterval(() => {
    const now = row(share.names, dataStats);
    for (let i = 0; i < width; i++) {
      if (cacheAt(i)) figures[base + i] = now[i]!;
      else if (now[i] !== last[i]) figures[base + i]! += now[i]! - last[i]!;
    }
    last = now;
  }, PUBLISH_MS).unref();
}

/** The sums over every slot (what registerDatasourceMetrics reads). */
export function readDataShare(share: DataShare): DataStats {
  const { figures } = views(share);
  const width = stride(share.names.length);
  const sum = new Array<number>(width).fill(0);
  for (let s = 0; s < share.slots; s++) for (let i = 0; i < width; i++) sum[i]! += figures[s * width + i]!;
  const out: DataStats = { datasources: new Map(), httpRequests: sum[0]!, httpErrors: sum[1]! };
  share.names.forEach((name, d) => {
    const at = HTTP + d * PER_DS;
    out.datasources.set(name, {
      queries: sum[at]!, cacheHits: sum[at + 1]!, cacheMisses: sum[at + 2]!, errors: sum[at + 3]!,
      secondsBuckets: sum.slice(at + 4, at + 4 + B), secondsSum: sum[at + 4 + B]!, cacheEntries: sum[at + 5 + B]!,
    });
  });
  return out;
}

/**
 * Registers scriptlet_datasource_* and scriptlet_http_client_*, read at
 * scrape time from read() (an engine's block, or this thread's own figures
 * for a host that runs a Policy in its thread: `() => dataStats`).
 */
export function registerDatasourceMetrics(registry: Registry, read: () => DataStats = () => dataStats): void {
  let cached: DataStats | undefined;
  const stats = () => {
    if (!cached) {
      cached = read();
      queueMicrotask(() => (cached = undefined));
    }
    return cached;
  };
  const per = (pick: (c: DataStats['datasources'] extends Map<string, infer C> ? C : never) => number) => (): Rows =>
    [...stats().datasources].map(([datasource, c]) => [{ datasource }, pick(c)]);
  readOnScrape('counter', registry, 'scriptlet_datasource_queries_total', 'msys.db statements run by scripts, by datasource (cached answers included).', ['datasource'], per((c) => c.queries));
  readOnScrape('counter', registry, 'scriptlet_datasource_cache_hits_total', 'msys.db statements answered from the datasource cache.', ['datasource'], per((c) => c.cacheHits));
  readOnScrape('counter', registry, 'scriptlet_datasource_cache_misses_total', 'Cacheable msys.db statements the cache did not hold (sent to the database).', ['datasource'], per((c) => c.cacheMisses));
  readOnScrape('counter', registry, 'scriptlet_datasource_errors_total', 'msys.db statements that failed (the database refused them or could not be reached).', ['datasource'], per((c) => c.errors));
  readOnScrape('gauge', registry, 'scriptlet_datasource_cache_entries', 'Answers held by the datasource caches (one cache per worker thread, summed).', ['datasource'], per((c) => c.cacheEntries));
  registry.registerMetric(new QueryHistogram(() => stats().datasources) as unknown as Counter); // the registry's type names prom-client's classes only
  readOnScrape('counter', registry, 'scriptlet_http_client_requests_total', 'Requests msys.http.client sent (client:do_request).', [], () => [[{}, stats().httpRequests]]);
  readOnScrape('counter', registry, 'scriptlet_http_client_errors_total', 'msys.http.client requests that got no response (refused, timed out, bad URL).', [], () => [[{}, stats().httpErrors]]);
}

/** scriptlet_datasource_query_seconds, from bucket counts already added up (prom-client's Histogram takes single observations). */
class QueryHistogram {
  readonly type = 'histogram';
  readonly aggregator = 'sum';
  readonly name = 'scriptlet_datasource_query_seconds';
  readonly help = 'Time msys.db statements took at the database, by datasource (cache hits not included).';
  constructor(readonly read: () => DataStats['datasources']) {}

  async get() {
    const values: { labels: Record<string, string>; value: number; metricName: string }[] = [];
    for (const [datasource, c] of this.read()) {
      let cumulative = 0;
      QUERY_SECONDS_BUCKETS.forEach((le, i) => values.push({ labels: { datasource, le: String(le) }, value: (cumulative += c.secondsBuckets[i]!), metricName: `${this.name}_bucket` }));
      cumulative += c.secondsBuckets[QUERY_SECONDS_BUCKETS.length]!;
      values.push({ labels: { datasource, le: '+Inf' }, value: cumulative, metricName: `${this.name}_bucket` });
      values.push({ labels: { datasource }, value: c.secondsSum, metricName: `${this.name}_sum` });
      values.push({ labels: { datasource }, value: cumulative, metricName: `${this.name}_count` });
    }
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values };
  }

  reset(): void {}
}
