// Every worker owns its own master Lua state. configure reaches all of them
// at once and is remembered for a worker that starts later; each worker
// sweeps its idle spare Lua threads every reap interval.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Engine, EngineStats, WorkerStats } from '../../src/pool/index.js';
import { enginePool } from '../../src/pool/engine.js';
import { engineFrom, module } from './helpers.js';

const POLICY = module({ connect: 'vctx:set(msys.core.VCTX_CONN, "ok", "1")' });

/** Polls stats until ok(stats) holds, or fails after ms. */
async function until(engine: Engine, ok: (s: EngineStats) => boolean, what: string, ms = 5000): Promise<EngineStats> {
  const end = Date.now() + ms;
  for (;;) {
    const s = await engine.stats();
    if (ok(s)) return s;
    if (Date.now() > end) assert.fail(`${what}: ${JSON.stringify(s.workers.map(brief))}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

function brief(w: WorkerStats): object {
  const p = w.policies[0];
  return { threadId: w.threadId, calls: w.calls, sweeps: w.sweeps, gc: p?.gc, spares: p?.stats.spareThreads, reaped: p?.stats.threadsReaped };
}

/** Enough calls at once that every worker gets a batch. */
function loadEveryWorker(engine: Engine, threads: number) {
  return engine.runBatch('connect', Array.from({ length: 64 * threads }, () => ({ remoteAddr: '192.0.2.1' })));
}

describe('worker threads', () => {
  it('each opens its own Lua state: every worker reports its own figures', async () => {
    const { engine } = engineFrom(POLICY, { threads: 2 });
    try {
      await engine.ready();
      await loadEveryWorker(engine, 2);
      const s = await engine.stats();
      assert.equal(s.workers.length, 2);
      assert.notEqual(s.workers[0]!.threadId, s.workers[1]!.threadId);
      for (const w of s.workers) {
        assert.equal(w.policies.length, 1);
        assert.equal(w.policies[0]!.stats.calls, w.calls, 'the master state counts the calls its worker ran');
        assert.equal(w.policies[0]!.stats.version, engine.version);
      }
      assert.equal(s.workers[0]!.calls + s.workers[1]!.calls, 128);
      assert.ok(s.workers.every((w) => w.calls > 0), 'both served calls');
    } finally {
      await engine.close();
    }
  });

  it('takes configure in every worker at once, and gives it to a worker that starts later', async () => {
    const { engine, logs } = engineFrom(POLICY, { threads: 2 });
    try {
      await engine.ready();
      await engine.configure({ gcPause: 150, gcStepmul: 300 });
      let s = await engine.stats();
      assert.equal(s.workers.length, 2);
      for (const w of s.workers) {
        assert.deepEqual(w.policies[0]!.gc, { pause: 150, stepmul: 300 }, `worker ${w.threadId}`);
        assert.equal(w.settingsVersion, 1);
      }
      await engine.configure({ gcPause: 170 });
      // A worker ends; piscina starts another, which must run with the settings in force.
      const before = s.workers.map((w) => w.threadId);
      await enginePool(engine).threads[0]!.terminate();
      s = await until(engine, (x) => x.workers.length === 2 && x.workers.some((w) => !before.includes(w.threadId)), 'a new worker');
      await engine.ready();
      s = await engine.stats();
      for (const w of s.workers) assert.deepEqual(w.policies[0]!.gc, { pause: 170, stepmul: 300 }, `worker ${w.threadId}`);
      assert.equal(s.workerExits, 1);
      assert.ok(logs.some((l) => /worker \d+ exited; the pool starts another/.test(l)));
      const v = await engine.run('connect', { remoteAddr: '192.0.2.1' });
      assert.equal(v.context.conn.ok, '1');
    } finally {
      await engine.close();
    }
  });

  it('forgets configure with the engine: a new engine starts from its options', async () => {
    const first = engineFrom(POLICY, { threads: 1, gcPause: 120 }).engine;
    await first.configure({ gcPause: 300 });
    await first.close();
    const { engine } = engineFrom(POLICY, { threads: 1, gcPause: 120 });
    try {
      await engine.ready();
      assert.deepEqual((await engine.stats()).workers[0]!.policies[0]!.gc, { pause: 120, stepmul: 200 });
    } finally {
      await engine.close();
    }
  });

  it('keeps a spare Lua thread after calls, and releases it once a whole interval passes unused', async () => {
    const { engine } = engineFrom(POLICY, { threads: 2, reapInterval: 0.1 });
    try {
      await engine.ready();
      await loadEveryWorker(engine, 2);
      let s = await engine.stats();
      const spares = (x: EngineStats) => x.workers.map((w) => w.policies[0]!.stats.spareThreads);
      assert.ok(spares(s).every((n) => n >= 1), `spares after calls: ${spares(s)}`);
      s = await until(engine, (x) => spares(x).every((n) => n === 0), 'spares released');
      for (const w of s.workers) {
        assert.ok(w.sweeps >= 2, 'used in the first sweep, released by a later one');
        assert.ok(w.reaped >= 1);
        assert.equal(w.policies[0]!.stats.threadsReaped, w.reaped);
      }
      await loadEveryWorker(engine, 2);
      s = await engine.stats();
      assert.ok(s.workers.every((w) => w.policies[0]!.stats.threadsCreated >= 2), 'new threads after the sweep');
      await engine.configure({ reapInterval: 3600 });
      assert.ok((await engine.stats()).workers.every((w) => w.reapInterval === 3600));
    } finally {
      await engine.close();
    }
  });

  it('keeps no spare in any worker with maxSparePerMaster = 0, set at start or at run time', async () => {
    const { engine } = engineFrom(POLICY, { threads: 2, maxSparePerMaster: 0 });
    try {
      await engine.ready();
      await loadEveryWorker(engine, 2);
      for (const w of (await engine.stats()).workers) {
        const p = w.policies[0]!.stats;
        assert.equal(p.spareThreads, 0);
        assert.equal(p.threadsReused, 0);
        assert.equal(p.threadsCreated, w.calls);
      }
      await engine.configure({ maxSparePerMaster: 10 });
      await loadEveryWorker(engine, 2);
      assert.ok((await engine.stats()).workers.every((w) => w.policies[0]!.stats.spareThreads === 1));
      await engine.configure({ maxSparePerMaster: 0 });
      assert.ok((await engine.stats()).workers.every((w) => w.policies[0]!.stats.spareThreads === 0), 'trimmed at once');
    } finally {
      await engine.close();
    }
  });
});
