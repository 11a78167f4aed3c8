// replicate = "cluster" on a real redis-server: two nodes (two processes,
// each its own shared store and engine) count the same keys within the
// flush interval; with Redis stopped, calls keep answering at once on the
// counts each node knows, the errors metric rises and an alert is raised;
// with Redis back, the nodes reconnect by themselves and agree again.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fork, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as path from 'node:path';
import { RedisServer, redisServerPath, startCluster, startSentinel } from './redis-helpers.js';
import type { StateBackendStats } from '../../src/state/redis-sync.js';

const FLUSH_MS = 100;

interface Answer {
  id: number;
  value: number;
  ms: number;
  totalMs: number;
  error?: string;
  alerts?: string[];
  logs?: string[];
}

class Node {
  readonly #child: ChildProcess;
  #next = 1;
  readonly #waiting = new Map<number, (a: Answer) => void>();
  readonly ready: Promise<void>;

  constructor(redis: string, flushMs = FLUSH_MS) {
    this.#child = fork('test/state/redis-node-process.ts', [redis, String(flushMs)], { execArgv: ['--import', 'tsx'], env: process.env, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    this.ready = new Promise((resolve) => this.#waiting.set(0, () => resolve()));
    this.#child.on('message', (a: Answer) => {
      const w = this.#waiting.get(a.id);
      this.#waiting.delete(a.id);
      w?.(a);
    });
  }

  ask(op: string, key?: string, n?: number): Promise<Answer> {
    const id = this.#next++;
    return new Promise((resolve, reject) => {
      this.#waiting.set(id, (a) => (a.error ? reject(new Error(a.error)) : resolve(a)));
      this.#child.send({ id, op, key, n });
    });
  }

  async add(key: string, n: number): Promise<Answer> {
    return this.ask('add', key, n);
  }
  async count(key: string): Promise<number> {
    return (await this.ask('count', key)).value;
  }
  async stats(): Promise<Answer & { value: StateBackendStats }> {
    return (await this.ask('stats')) as Answer & { value: StateBackendStats };
  }
  async close(): Promise<void> {
    await this.ask('close');
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Waits (at most 5 s) until every node counts want for key. */
async function converge(nodes: Node[], key: string, want: number): Promise<number[]> {
  const until = Date.now() + 5000;
  for (;;) {
    const counts = await Promise.all(nodes.map((n) => n.count(key)));
    if (counts.every((c) => c === want) || Date.now() > until) return counts;
    await sleep(FLUSH_MS / 2);
  }
}

describe('replicate = "cluster" on Redis, two nodes', () => {
  let bin: string | undefined;
  let redis: RedisServer;
  let a: Node;
  let b: Node;

  before(async (t) => {
    bin = redisServerPath(t as unknown as { skip: (r: string) => void });
    if (!bin) return;
    redis = await RedisServer.start(bin);
    a = new Node(redis.address);
    b = new Node(redis.address);
    await Promise.all([a.ready, b.ready]);
  });

  after(async () => {
    if (!bin) return;
    await Promise.all([a.close(), b.close()]);
    await redis.close();
  });

  it('counts a node\'s own adds at once, and the other node\'s within the flush interval', async (t) => {
    if (!bin) return t.skip('redis-server is not installed (Debian package redis-server)');
    assert.equal((await a.add('alice', 5)).value, 5, 'its own adds count at once');
    const own = (await b.add('alice', 3)).value;
    assert.ok(own === 3 || own === 8, `b counts its own adds at once (and a's once a flush has read them): ${own}`);
    const t0 = Date.now();
    assert.deepEqual(await converge([a, b], 'alice', 8), [8, 8]);
    const took = Date.now() - t0;
    assert.ok(took <= 4 * FLUSH_MS + 200, `converged in ${took} ms (flush interval ${FLUSH_MS} ms)`);
    // A key this node never added: read from Redis on the flush after its first count.
    assert.equal(await b.count('bob'), 0);
    await a.add('bob', 2);
    assert.deepEqual(await converge([a, b], 'bob', 2), [2, 2]);
    const s = (await a.stats()).value;
    assert.ok(s.roundTrips > 0 && s.errors === 0 && s.up === 1, JSON.stringify(s));
    assert.ok(s.stalenessSeconds < 1, `staleness ${s.stalenessSeconds} s`);
  });

  it('reads the total of a key a node sees for the first time at once, not at its next flush', async (t) => {
    if (!bin) return t.skip('redis-server is not installed (Debian package redis-server)');
    await a.add('frank', 5);
    assert.deepEqual(await converge([a, b], 'frank', 5), [5, 5]);
    // A node that just started, whose first flush is a minute away.
    const late = new Node(redis.address, 60_000);
    t.after(() => late.close());
    await late.ready;
    const first = await late.count('frank');
    assert.ok(first === 0 || first === 5, `its first count reads 0 (never seen) or already the total: ${first}`);
    assert.deepEqual(await converge([late], 'frank', 5), [5]);
    assert.equal((await late.add('frank', 1)).value, 6, 'its own adds on top');
  });

  it('keeps answering at once while Redis hangs (commands time out), then catches up with each add counted once', async (t) => {
    if (!bin) return t.skip('redis-server is not installed (Debian package redis-server)');
    await a.add('dave', 1);
    assert.deepEqual(await converge([a, b], 'dave', 1), [1, 1]);
    const errorsBefore = (await b.stats()).value.errors;
    redis.pause();
    try {
      // A call that waited for Redis would wait its 300 ms command timeout:
      // 20 calls in a row would take 6 s.
      const addA = await a.add('dave', 20);
      const addB = await b.add('dave', 20);
      assert.ok(addA.totalMs < 3000 && addB.totalMs < 3000, `20 calls took ${addA.totalMs.toFixed(0)} and ${addB.totalMs.toFixed(0)} ms while Redis hangs (slowest ${Math.max(addA.ms, addB.ms).toFixed(1)} ms)`);
      assert.equal(addB.value, 21, 'b: the last total it knew + its own adds');
      await sleep(1000); // past the 300 ms command timeout
      assert.ok((await b.stats()).value.errors > errorsBefore, 'the timed-out flushes are counted');
    } finally {
      redis.resume();
    }
    // The flushes that timed out were applied when Redis woke up, and sent
    // again under the same batch number: Redis counted each once.
    assert.deepEqual(await converge([a, b], 'dave', 41), [41, 41], 'each add once, none lost');
  });

  it('keeps answering at once while Redis is down, counting locally, with errors and an alert; converges when it is back', async (t) => {
    if (!bin) return t.skip('redis-server is not installed (Debian package redis-server)');
    const before = await converge([a, b], 'carol', 0);
    assert.deepEqual(before, [0, 0]);
    await a.add('carol', 4);
    assert.deepEqual(await converge([a, b], 'carol', 4), [4, 4]);
    const errorsBefore = (await a.stats()).value.errors;

    await redis.stop();
    // Load while Redis is down: calls answer from the local counts (ioredis
    // refuses at once while disconnected; nothing waits for a reconnection).
    const addA = await a.add('carol', 20);
    const addB = await b.add('carol', 10);
    assert.ok(addA.ms < 1000 && addB.ms < 1000, `slowest call ${Math.max(addA.ms, addB.ms).toFixed(1)} ms`);
    assert.equal(addA.value, 24, 'a: the last total it knew + its own adds');
    assert.equal(addB.value, 14, 'b: the last total it knew + its own adds');
    await sleep(5 * FLUSH_MS);
    const down = await a.stats();
    assert.ok(down.value.errors > errorsBefore, `errors ${errorsBefore} -> ${down.value.errors}`);
    assert.equal(down.value.up, 0);
    assert.ok(down.value.stalenessSeconds >= 0.4, `staleness ${down.value.stalenessSeconds}`);
    assert.match(down.alerts!.join('\n'), /Redis state backend failed/);
    assert.equal(await a.count('carol'), 24, 'still answering from the local counts');

    // Back, empty (no persistence): each node sees the marker gone, raises
    // each window back to the last total it read, and adds what it added since.
    await redis.startAgain();
    const counts = await converge([a, b], 'carol', 34);
    assert.deepEqual(counts, [34, 34], 'the 4 before + the 20 + 10 adds made while Redis was down, each once');
    assert.deepEqual(await converge([a, b], 'alice', 8), [8, 8], 'keys not counted during the outage are restored too');
    const up = await a.stats();
    assert.equal(up.value.up, 1);
    assert.match(up.logs!.join('\n'), /Redis state backend is back/);
    assert.match(up.logs!.join('\n'), /Redis has lost the replicated series/);
    await b.add('carol', 1);
    assert.deepEqual(await converge([a, b], 'carol', 35), [35, 35]);
  });
});

describe('replicate = "cluster" through Redis Sentinel', () => {
  it('finds the master through the sentinel (ioredis) and counts across two nodes', async (t) => {
    const bin = redisServerPath(t as unknown as { skip: (r: string) => void });
    if (!bin) return;
    const redis = await RedisServer.start(bin);
    const sentinel = await startSentinel(bin, redis.port);
    const options = JSON.stringify({ servers: [sentinel.address], mode: 'sentinel', sentinelMaster: 'mymaster' });
    const a = new Node(options);
    const b = new Node(options);
    try {
      await Promise.all([a.ready, b.ready]);
      await a.add('erin', 2);
      await b.add('erin', 3);
      assert.deepEqual(await converge([a, b], 'erin', 5), [5, 5]);
      const s = (await a.stats()).value;
      assert.ok(s.roundTrips > 0 && s.up === 1, JSON.stringify(s));
    } finally {
      await Promise.all([a.close(), b.close()]);
      await sentinel.close();
      await redis.close();
    }
  });
});

describe('replicate = "cluster" on a real Redis Cluster', () => {
  it('spreads the keys over three masters (ioredis follows the slots) and counts across two nodes', async (t) => {
    const bin = redisServerPath(t as unknown as { skip: (r: string) => void });
    if (!bin) return;
    const cluster = await startCluster(bin);
    const options = JSON.stringify({ servers: cluster.addresses, mode: 'cluster' });
    const a = new Node(options);
    const b = new Node(options);
    try {
      await Promise.all([a.ready, b.ready]);
      // Enough keys, unlike each other (CRC16 of near-identical strings can stay in one slot range), that every master holds some.
      const keys = Array.from({ length: 30 }, (_, i) => `${createHash('sha1').update(String(i)).digest('hex').slice(0, 10)}@example.org`);
      for (const [i, key] of keys.entries()) {
        await a.add(key, i + 1);
        await b.add(key, 2);
      }
      for (const [i, key] of keys.entries()) assert.deepEqual(await converge([a, b], key, i + 3), [i + 3, i + 3], key);
      const s = (await a.stats()).value;
      assert.ok(s.roundTrips > 0 && s.up === 1 && s.errors === 0, JSON.stringify(s));
      const cli = path.join(path.dirname(bin), 'redis-cli');
      const held = cluster.addresses.map((addr) => Number(spawnSync(cli, ['-p', addr.split(':')[1]!, 'dbsize'], { encoding: 'utf8' }).stdout.trim()));
      assert.ok(held.every((n) => n > 0), `every master holds some of the windows: ${held.join(', ')}`);
    } finally {
      await Promise.all([a.close(), b.close()]);
      await cluster.close();
    }
  });
});
