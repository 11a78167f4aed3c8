// The sync loop of replicated series: one per process and engine (the
// store it serves is the process's), on the thread that opened the engine,
// never in a worker. Every flush interval it drains the adds the workers'
// scripts made (native/state/series_replica.hpp), sends them (INCRBY +
// EXPIREAT in a small script that applies each batch once), reads back the totals of every key a script counted, all in
// one pipelined round trip (ioredis auto-pipelining: every command of a
// flush is issued in one turn of the event loop, so one write per Redis
// node), and installs the totals. A Lua call never waits for it. A key a node
// sees for the first time (a new sender, or every key after a restart)
// reads 0 plus the node's own adds until its totals come: a watch every
// FIRST_SIGHT_MS reads just those keys at once, not at the next flush.
//
// Redis down or slow: the flush fails (commands time out or are refused at
// once while disconnected), its adds are sent again, under the same batch
// number, with the next flush (Redis applies a batch once); counts are the last totals plus what this node
// added since. One alert when it starts failing, a log line when it works
// again; ioredis reconnects by itself.

import { randomUUID } from 'node:crypto';
import { Cluster, Redis } from 'ioredis';
import { loadAddon, type EngineName } from '../native/addon.js';
import { resolveRedisOptions, parseRedisAddress, type RedisStateOptions, type ResolvedRedisOptions } from './redis-options.js';
import { seriesKeyBase, windowExpiry, windowKey } from './redis-keys.js';

export interface StateBackendStats {
  /** Flushes that reached Redis (one pipelined round trip each). */
  roundTrips: number;
  /** Flushes that failed (Redis down, slow, refusing). */
  errors: number;
  /** Seconds every flush took, summed, and the last one's. */
  flushSecondsTotal: number;
  lastFlushSeconds: number;
  /** Seconds since the totals were last read from Redis. */
  stalenessSeconds: number;
  /** 1 while the last flush worked. */
  up: number;
  /** Replicated series, and the keys their replicas hold. */
  series: number;
  keys: number;
}

interface Drained {
  now: number;
  series: { series: SeriesMeta; bucket: number; keys: string[]; deltas: number[][]; full: boolean[]; seqs: number[]; floors: number[][] }[];
  removed: { series: SeriesMeta; bucket: number; keys: string[] }[];
}
interface SeriesMeta {
  name: string;
  type: string;
  interval: number;
  windows: number;
}
interface ReplicationAddon {
  replicationConfigure(enabled: boolean): void;
  replicationDrain(idleDrains: number, unreadOnly?: boolean): Drained | null;
  replicationSettle(ok: boolean, totals?: number[], keepHigher?: boolean): void;
  replicationResend(): void;
  replicationStats(): { series: number; keys: number };
  replicationFirstSights(): number;
}

/** How often the loop looks for keys seen for the first time (an addon call that reads a counter). */
const FIRST_SIGHT_MS = 10;

export interface SyncHooks {
  log: (line: string) => void;
  /** Something an operator must hear of (the engine's 'alert'). */
  alert: (message: string) => void;
}

type Client = Redis | Cluster;

// Adds a node's delta to a window once per batch: KEYS[1] the window's
// counter, KEYS[2] the hash of the last batch (seq) each node applied to
// it; ARGV node id, seq, delta, expiry. A batch whose answer was lost (a
// timeout) is sent again under the same seq and not counted twice. Returns
// the window's total.
const ADD_ONCE = `
local last = tonumber(redis.call('HGET', KEYS[2], ARGV[1]) or '0')
if tonumber(ARGV[2]) > last then
  redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
  redis.call('INCRBY', KEYS[1], ARGV[3])
  redis.call('EXPIREAT', KEYS[1], ARGV[4])
  redis.call('EXPIREAT', KEYS[2], ARGV[4])
end
return redis.call('GET', KEYS[1]) or '0'
`;
// Raises a window to at least ARGV[1] (after Redis lost its data, each node
// proposes what it counts; the largest wins). Returns the window's total.
const RAISE_TO = `
local v = tonumber(redis.call('GET', KEYS[1]) or '0')
if tonumber(ARGV[1]) > v then
  redis.call('SET', KEYS[1], ARGV[1])
  v = tonumber(ARGV[1])
end
redis.call('EXPIREAT', KEYS[1], ARGV[2])
return tostring(v)
`;
type RaiseTo = (counter: Buffer, value: number, expireAt: number) => Promise<string>;
type AddOnce = (counter: Buffer, seen: Buffer, node: string, seq: number, delta: number, expireAt: number) => Promise<string>;

function connect(o: ResolvedRedisOptions): Client {
  const addresses = o.servers.map((s) => parseRedisAddress(s)!);
  const common = {
    connectTimeout: o.connectTimeoutMs,
    commandTimeout: o.commandTimeoutMs,
    // Refuse at once while disconnected: the flush fails and its adds wait
    // in the store, not in a client queue.
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    retryStrategy: (times: number) => Math.min(50 * 2 ** Math.min(times, 6), 2000),
    ...(o.password !== undefined ? { password: o.password } : {}),
  };
  if (o.mode === 'cluster') {
    return new Cluster(addresses, {
      enableAutoPipelining: true,
      enableOfflineQueue: false,
      clusterRetryStrategy: common.retryStrategy,
      redisOptions: common,
    });
  }
  if (o.mode === 'sentinel') {
    return new Redis({ ...common, db: o.db, sentinels: addresses, name: o.sentinelMaster!, enableAutoPipelining: true });
  }
  return new Redis({ ...common, host: addresses[0]!.host, port: addresses[0]!.port, db: o.db, enableAutoPipelining: true });
}

export class RedisStateSync {
  readonly options: ResolvedRedisOptions;
  readonly #addon: ReplicationAddon;
  readonly #client: Client;
  readonly #hooks: SyncHooks;
  #timer: NodeJS.Timeout | undefined;
  readonly #watch: NodeJS.Timeout;
  /** The addon's count of first sights when the keys never read were last drained. */
  #sightsDrained = 0;
  #flushing: Promise<void> | undefined;
  #closed = false;
  #failing = false;
  #failedSince = 0;
  #lastSync = Date.now();
  /** This process among the nodes: the batches it numbers are its own. */
  readonly #nodeId = randomUUID();
  /** The marker this node last read; set again after every (re)connection. */
  #marker: string | null | undefined;
  #checkMarker = true;
  #everReady = false;
  readonly #started = Date.now();
  /** Until then (ms), totals only rise: the other nodes are still sending their adds again. */
  #keepHigherUntil = 0;
  #stats = { roundTrips: 0, errors: 0, flushSecondsTotal: 0, lastFlushSeconds: 0 };

  constructor(options: RedisStateOptions, engine: EngineName | undefined, hooks: SyncHooks) {
    this.options = resolveRedisOptions(options);
    this.#addon = loadAddon(engine) as unknown as ReplicationAddon;
    this.#hooks = hooks;
    this.#addon.replicationConfigure(true);
    this.#client = connect(this.options);
    this.#client.defineCommand('scriptletAddOnce', { numberOfKeys: 2, lua: ADD_ONCE });
    this.#client.defineCommand('scriptletRaiseTo', { numberOfKeys: 1, lua: RAISE_TO });
    // ioredis emits 'error' on every failed reconnect: the flushes count
    // and report them, this only keeps Node from calling them unhandled.
    this.#client.on('error', () => undefined);
    this.#client.on('ready', () => {
      this.#checkMarker = true;
      this.#everReady = true;
    });
    this.#schedule();
    this.#watch = setInterval(() => this.#readFirstSights(), Math.min(FIRST_SIGHT_MS, this.options.flushIntervalMs));
    this.#watch.unref();
  }

  stats(): StateBackendStats {
    const r = this.#addon.replicationStats();
    return {
      ...this.#stats,
      stalenessSeconds: (Date.now() - this.#lastSync) / 1000,
      up: this.#failing ? 0 : 1,
      series: r.series,
      keys: r.keys,
    };
  }

  /** Sends what is pending now (tests, shutdown); resolves when the flush has ended. */
  async flushNow(): Promise<void> {
    while (this.#flushing) await this.#flushing;
    this.#flushing = this.#flush(false).finally(() => (this.#flushing = undefined));
    return this.#flushing;
  }

  // Keys seen for the first time since the last look: their totals now, in
  // a flush of their own (only while nothing else is in flight: the next
  // look, or the next full flush, takes them otherwise).
  #readFirstSights(): void {
    const sights = this.#addon.replicationFirstSights();
    if (sights === this.#sightsDrained || this.#flushing || this.#client.status !== 'ready') return;
    this.#sightsDrained = sights;
    this.#flushing = this.#flush(true).finally(() => (this.#flushing = undefined));
  }

  /** A last flush (bounded by the command timeout), then disconnects. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearTimeout(this.#timer);
    clearInterval(this.#watch);
    if (this.#client.status === 'ready') await this.flushNow();
    else while (this.#flushing) await this.#flushing;
    this.#client.disconnect();
  }

  #schedule(): void {
    if (this.#closed) return;
    this.#timer = setTimeout(() => {
      void this.flushNow().finally(() => this.#schedule());
    }, this.options.flushIntervalMs);
    this.#timer.unref();
  }

  // A Redis that restarted without persistence has lost every total: its
  // marker (a random token the first node to reach it writes) is gone or
  // new. Then every node raises each live window back to the last total it
  // read (the largest view wins), and sends on top the adds it made since.
  async #checkRedisLostData(): Promise<void> {
    const c = this.#client;
    const key = `${this.options.keyPrefix}marker`;
    const [, seen] = await Promise.all([c.set(key, randomUUID(), 'NX'), c.get(key)]);
    if (this.#marker !== undefined && seen !== this.#marker) {
      this.#addon.replicationResend();
      // Nodes reconnect at different times (ioredis backs off up to 2 s).
      this.#keepHigherUntil = Date.now() + 2000 + 5 * this.options.flushIntervalMs + this.options.connectTimeoutMs;
      this.#hooks.log('scriptlet: Redis has lost the replicated series (restarted without persistence?): this node raises every live window back to the last total it read, and adds what it added since');
    }
    this.#marker = seen;
    this.#checkMarker = false;
  }

  // unreadOnly: the keys never read from Redis yet, nothing else (their adds
  // included); it does not count as a sync of the rest (staleness).
  async #flush(unreadOnly: boolean): Promise<void> {
    // Starting: the adds wait for the first connection (within its timeout) without an error.
    if (!this.#everReady && this.#client.status !== 'ready' && Date.now() - this.#started < this.options.connectTimeoutMs) return;
    if (this.#checkMarker && this.#client.status === 'ready') {
      try {
        await this.#checkRedisLostData();
      } catch {
        // Counted by the flush below, which fails the same way.
      }
    }
    const batch = this.#addon.replicationDrain(Math.ceil((this.options.idleKeySeconds * 1000) / this.options.flushIntervalMs), unreadOnly);
    if (batch === null) return;
    if (batch.series.length === 0 && batch.removed.length === 0) {
      this.#addon.replicationSettle(true, []);
      if (!this.#failing && !unreadOnly) this.#lastSync = Date.now();
      return;
    }
    const started = process.hrtime.bigint();
    try {
      if (this.#client.status !== 'ready') throw new Error(`not connected (${this.#client.status})`);
      const totals = await this.#send(batch);
      this.#addon.replicationSettle(true, totals, Date.now() < this.#keepHigherUntil);
      if (!unreadOnly) this.#lastSync = Date.now();
      this.#stats.roundTrips++;
      this.#recovered();
    } catch (err) {
      this.#addon.replicationSettle(false);
      this.#stats.errors++;
      this.#failed(err as Error);
    } finally {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      this.#stats.lastFlushSeconds = seconds;
      this.#stats.flushSecondsTotal += seconds;
    }
  }

  // Every command of the batch in one turn (one pipeline per node); the
  // totals as (series index, key index, bucket, total) quadruples.
  async #send(batch: Drained): Promise<number[]> {
    const c = this.#client;
    const prefix = this.options.keyPrefix;
    const totals: number[] = [];
    const pending: Promise<unknown>[] = [];
    const got = (si: number, ki: number, bucket: number) => (v: unknown) => void totals.push(si, ki, bucket, v === null ? 0 : Number(v));
    batch.series.forEach((e, si) => {
      const { name, type, interval, windows } = e.series;
      e.keys.forEach((hexKey, ki) => {
        const base = seriesKeyBase(prefix, name, type, hexKey);
        const d = e.deltas[ki]!;
        const sent = new Set<number>();
        const addOnce = (c as unknown as { scriptletAddOnce: AddOnce }).scriptletAddOnce.bind(c);
        const raiseTo = (c as unknown as { scriptletRaiseTo: RaiseTo }).scriptletRaiseTo.bind(c);
        const f = e.floors[ki]!;
        // Before the adds: the adds made since the restore go on top.
        for (let i = 0; i < f.length; i += 2) {
          pending.push(raiseTo(windowKey(base, f[i]!, interval), f[i + 1]!, windowExpiry(f[i]!, interval, windows)).then(got(si, ki, f[i]!)));
          sent.add(f[i]!);
        }
        for (let i = 0; i < d.length; i += 2) {
          const bucket = d[i]!;
          const key = windowKey(base, bucket, interval);
          const seen = Buffer.concat([key, Buffer.from(':applied')]);
          pending.push(addOnce(key, seen, this.#nodeId, e.seqs[ki]!, d[i + 1]!, windowExpiry(bucket, interval, windows)).then(got(si, ki, bucket)));
          sent.add(bucket);
        }
        if (e.full[ki]) {
          const buckets: number[] = [];
          for (let b = Math.max(0, e.bucket - windows + 1); b <= e.bucket; b++) if (!sent.has(b)) buckets.push(b);
          if (buckets.length > 0) {
            pending.push(c.mgetBuffer(buckets.map((b) => windowKey(base, b, interval))).then((values) => values.forEach((v, j) => got(si, ki, buckets[j]!)(v === null ? null : v.toString()))));
          }
        } else if (!sent.has(e.bucket)) {
          pending.push(c.get(windowKey(base, e.bucket, interval)).then(got(si, ki, e.bucket)));
        }
      });
    });
    for (const r of batch.removed) {
      const { name, type, interval, windows } = r.series;
      for (const hexKey of r.keys) {
        const base = seriesKeyBase(prefix, name, type, hexKey);
        const keys: Buffer[] = [];
        for (let b = Math.max(0, r.bucket - windows + 1); b <= r.bucket; b++) keys.push(windowKey(base, b, interval));
        // One DEL per key: in a cluster, a multi-key DEL must stay in one slot (it does: one hash tag).
        pending.push(c.del(...keys));
      }
    }
    await Promise.all(pending);
    return totals;
  }

  #failed(err: Error): void {
    if (this.#failing) return;
    this.#failing = true;
    this.#failedSince = Date.now();
    this.#hooks.alert(`scriptlet: warning: the Redis state backend failed (${err.message}): replicated series count on this node only (last totals + local adds) until it is back`);
  }

  #recovered(): void {
    if (!this.#failing) return;
    this.#failing = false;
    this.#hooks.log(`scriptlet: the Redis state backend is back after ${((Date.now() - this.#failedSince) / 1000).toFixed(1)} s: local adds sent, totals read again`);
  }
}

// One loop per process and engine: engines of the same kind share the store.
const running = new Map<string, { sync: RedisStateSync; users: number }>();

/** Starts (or joins) the process's sync loop for engine's store; release() when done. */
export function acquireRedisSync(options: RedisStateOptions, engine: EngineName | undefined, hooks: SyncHooks): { sync: RedisStateSync; release: () => Promise<void> } {
  const name = (loadAddon(engine) as unknown as { engine: string }).engine;
  let entry = running.get(name);
  if (entry) {
    if (JSON.stringify(resolveRedisOptions(options)) !== JSON.stringify(entry.sync.options)) hooks.log('scriptlet: warning: another engine of this process already syncs with Redis; its redis options are used');
    entry.users++;
  } else {
    entry = { sync: new RedisStateSync(options, engine, hooks), users: 1 };
    running.set(name, entry);
  }
  const e = entry;
  let released = false;
  return {
    sync: e.sync,
    release: async () => {
      if (released) return;
      released = true;
      if (--e.users > 0) return;
      running.delete(name);
      await e.sync.close();
      // Series defined from now on count locally (and their define says so), unless another loop started meanwhile.
      if (!running.has(name)) (loadAddon(engine) as unknown as ReplicationAddon).replicationConfigure(false);
    },
  };
}
