// A configured datasource: its URIs (tried in order: Momentum's uri is a
// list so that a second database can take over), and the result cache of
// ds_core (https://support.sparkpost.com/momentum/3/3-reference/3-reference-modules-ds-core):
// at most cache_size distinct queries (default 1000; the oldest are
// dropped first), each kept cache_life seconds (default 3600), max_rows rows
// a query at most (default 100, -1: all), no_cache = true to cache nothing.
// The cache is keyed by the statement and its parameters; msys.db.execute
// and queries with { nocache = true } never read or fill it, and errors are
// never cached. One cache per datasource and worker thread.

import { bindPlaceholders, decodeParams, type ParamValue } from './params.js';
import { ConnectError, openDriver, type Driver, type QueryAnswer } from './drivers.js';
import { encodeRows } from './result-encoding.js';
import { countsFor, observeQuerySeconds, type DatasourceCounts } from './stats.js';
import { parseDatasourceUri } from './uri.js';

export interface DatasourceConfig {
  name: string;
  /** "sqlite:/path" or "pgsql:host=... dbname=..."; the first that answers serves. */
  uris: string[];
  /** Most cached queries (ds_core cache_size; default 1000). */
  cacheSize?: number;
  /** Seconds a cached answer is used (ds_core cache_life; default 3600). */
  cacheLife?: number;
  /** Most rows a query returns (ds_core max_rows; default 100; -1: all). */
  maxRows?: number;
  /** Cache nothing (ds_core no_cache; default false). */
  noCache?: boolean;
}

export const DATASOURCE_DEFAULTS = { cacheSize: 1000, cacheLife: 3600, maxRows: 100, noCache: false } as const;

export interface DbRequest {
  datasource: string;
  sql: string;
  params: Buffer[];
  mode: 'query' | 'fetch_row' | 'execute';
  nocache: boolean;
}

interface CacheEntry {
  answer: Buffer;
  expires: number;
}

const EXECUTED = encodeRows([], []);

export class Datasource {
  readonly config: Required<DatasourceConfig>;
  readonly #drivers: Driver[];
  readonly #cache = new Map<string, CacheEntry>();
  readonly #counts: DatasourceCounts;

  constructor(config: DatasourceConfig) {
    this.config = { ...DATASOURCE_DEFAULTS, ...config };
    this.#drivers = config.uris.map((u) => openDriver(parseDatasourceUri(u)));
    if (this.#drivers.length === 0) throw new Error(`datasource '${config.name}' has no uri`);
    this.#counts = countsFor(config.name);
  }

  /**
   * The cached answer, found without waiting (so that a hit costs the call no
   * timer and no promise), or undefined: then run() asks the database.
   */
  cached(request: DbRequest, now = Date.now()): Buffer | undefined {
    if (!this.#cacheable(request)) return undefined;
    const hit = this.#cache.get(cacheKey(request.sql, decodeParams(request.params)));
    if (!hit || hit.expires <= now) return undefined;
    this.#counts.queries++;
    this.#counts.cacheHits++;
    return hit.answer;
  }

  #cacheable(request: DbRequest): boolean {
    return request.mode !== 'execute' && !request.nocache && !this.config.noCache && this.config.cacheSize > 0;
  }

  /** The encoded rows (result-encoding.ts), or the error message. */
  async run(request: DbRequest, now = Date.now()): Promise<Buffer | string> {
    const c = this.#counts;
    c.queries++;
    const params = decodeParams(request.params);
    const cacheable = this.#cacheable(request);
    const key = cacheable ? cacheKey(request.sql, params) : '';
    if (cacheable) {
      const hit = this.#cache.get(key);
      if (hit && hit.expires > now) {
        c.cacheHits++;
        return hit.answer;
      }
      if (hit) this.#cache.delete(key);
      c.cacheMisses++;
    }
    const started = process.hrtime.bigint();
    try {
      const answer = await this.#ask(request, params);
      if (cacheable) this.#store(key, answer, now);
      return answer;
    } catch (err) {
      c.errors++;
      return (err as Error).message || String(err);
    } finally {
      observeQuerySeconds(c, Number(process.hrtime.bigint() - started) / 1e9);
    }
  }

  async #ask(request: DbRequest, params: Map<string, ParamValue>): Promise<Buffer> {
    let lastError: Error | undefined;
    for (const driver of this.#drivers) {
      const bound = bindPlaceholders(request.sql, params, driver.style);
      try {
        const { columns, rows } = await driver.query(bound.sql, bound.values, this.config.maxRows);
        return request.mode === 'execute' ? EXECUTED : encodeRows(columns, rows);
      } catch (err) {
        if (!(err instanceof ConnectError)) throw err;
        lastError = err;
      }
    }
    throw lastError!;
  }

  /** Every row of a statement without parameters, uncached (msys.cidr's datasource tables). */
  async readAll(sql: string): Promise<QueryAnswer> {
    let lastError: Error | undefined;
    for (const driver of this.#drivers) {
      try {
        return await driver.query(sql, [], -1);
      } catch (err) {
        if (!(err instanceof ConnectError)) throw err;
        lastError = err;
      }
    }
    throw lastError!;
  }

  #store(key: string, answer: Buffer, now: number): void {
    this.#cache.delete(key);
    this.#cache.set(key, { answer, expires: now + this.config.cacheLife * 1000 });
    // ds_core drops the oldest entries once the cache is over its size.
    while (this.#cache.size > this.config.cacheSize) this.#cache.delete(this.#cache.keys().next().value!);
    this.#counts.cacheEntries = this.#cache.size;
  }

  async close(): Promise<void> {
    await Promise.all(this.#drivers.map((d) => d.close()));
    this.#cache.clear();
    this.#counts.cacheEntries = 0;
  }
}

function cacheKey(sql: string, params: Map<string, ParamValue>): string {
  const keys = [...params.keys()].sort();
  return JSON.stringify([sql, keys.map((k) => [k, params.get(k)])]);
}

/** The datasources of a configuration, by name; shared by the policies of one thread that name the same ones. */
export class DatasourceSet {
  readonly #byName = new Map<string, Datasource>();

  constructor(configs: DatasourceConfig[] = []) {
    for (const c of configs) this.#byName.set(c.name, new Datasource(c));
  }

  async run(request: DbRequest): Promise<Buffer | string> {
    const ds = this.#byName.get(request.datasource);
    if (!ds) {
      const known = [...this.#byName.keys()];
      return `no datasource named '${request.datasource}' is configured${known.length ? ` (configured: ${known.join(', ')})` : ''}`;
    }
    return ds.run(request);
  }

  /** A cached answer of the named datasource, found without waiting. */
  cached(request: DbRequest): Buffer | undefined {
    return this.#byName.get(request.datasource)?.cached(request);
  }

  get names(): string[] {
    return [...this.#byName.keys()];
  }

  get(name: string): Datasource | undefined {
    return this.#byName.get(name);
  }

  async close(): Promise<void> {
    await Promise.all([...this.#byName.values()].map((d) => d.close()));
    this.#byName.clear();
  }
}

// One set per distinct configuration in this thread: a policy reloaded with
// the same datasources keeps their connections and caches.
const shared = new Map<string, DatasourceSet>();

export function datasourcesFor(configs: DatasourceConfig[] | undefined): DatasourceSet {
  const key = JSON.stringify(configs ?? []);
  let set = shared.get(key);
  if (!set) {
    set = new DatasourceSet(configs ?? []);
    shared.set(key, set);
  }
  return set;
}

/** This thread's datasource of that name, from the set opened last that has one. */
export function findDatasource(name: string): Datasource | undefined {
  const sets = [...shared.values()];
  for (let i = sets.length - 1; i >= 0; i--) {
    const ds = sets[i]!.get(name);
    if (ds) return ds;
  }
  return undefined;
}

/** Closes every datasource of this thread (connections, files, caches): for shutdown and tests. */
export async function closeAllDatasources(): Promise<void> {
  const sets = [...shared.values()];
  shared.clear();
  await Promise.all(sets.map((s) => s.close()));
}
