// What this thread's datasources and HTTP clients did, for the metrics
// (src/metrics/datasource-metrics.ts). Plain numbers: one thread writes them.

/** Upper bounds of the query time histogram, in seconds (cache hits land in the first). */
export const QUERY_SECONDS_BUCKETS = [0.0001, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5] as const;

export interface DatasourceCounts {
  queries: number;
  cacheHits: number;
  cacheMisses: number;
  errors: number;
  /** Queries that went to the database, by bucket of QUERY_SECONDS_BUCKETS (+Inf last). */
  secondsBuckets: number[];
  secondsSum: number;
  cacheEntries: number;
}

export interface DataStats {
  datasources: Map<string, DatasourceCounts>;
  httpRequests: number;
  httpErrors: number;
}

export const dataStats: DataStats = { datasources: new Map(), httpRequests: 0, httpErrors: 0 };

export function countsFor(name: string): DatasourceCounts {
  let c = dataStats.datasources.get(name);
  if (!c) {
    c = { queries: 0, cacheHits: 0, cacheMisses: 0, errors: 0, secondsBuckets: new Array(QUERY_SECONDS_BUCKETS.length + 1).fill(0), secondsSum: 0, cacheEntries: 0 };
    dataStats.datasources.set(name, c);
  }
  return c;
}

export function observeQuerySeconds(c: DatasourceCounts, seconds: number): void {
  let i = 0;
  while (i < QUERY_SECONDS_BUCKETS.length && seconds > QUERY_SECONDS_BUCKETS[i]!) i++;
  c.secondsBuckets[i]!++;
  c.secondsSum += seconds;
}
