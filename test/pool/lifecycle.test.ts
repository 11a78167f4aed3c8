// Shutdown and worker death, where a mail engine must lose nothing: close()
// stops taking calls and answers every call it took exactly once (a 451 for
// those still running at the deadline); a worker that dies costs its calls a
// 451, piscina starts another, and later calls run.
//
// A worker that holds calls is made to die with the worker's test hook
// (SCRIPTLET_POOL_TEST_HOOKS=1, set below: a batch holding a call with id
// TEST_EXIT_ID makes the worker call process.exit(1) before running it); an
// idle worker, by terminating its thread from the outside
// (enginePool(engine).threads, the Worker objects piscina keeps). Both take
// the same path in piscina. Neither ends a thread in the middle of a Lua
// call: see docs/threads.md for why.
process.env.SCRIPTLET_POOL_TEST_HOOKS = '1';
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { UsageError } from '../../src/index.js';
import { TEMPFAIL_CODE, TEMPFAIL_TEXT, type Engine, type PoolVerdict } from '../../src/pool/index.js';
import { enginePool } from '../../src/pool/engine.js';
import { TEST_EXIT_ID } from '../../src/pool/worker-host.js';
import { busyFor, engineFrom, module } from './helpers.js';

/** Each data call keeps its worker busy for about 5 ms. */
const BUSY = module({ data: `${busyFor(5)}\nvctx:set(msys.core.VCTX_MESS, "n", msg.id or "")`, connect: '' });

/** Counts answers per call, so that one answered twice (or never) shows. */
function tracked(engine: Engine, n: number, id = (i: number) => String(i)): { answers: number[]; all: Promise<PoolVerdict[]> } {
  const answers = new Array<number>(n).fill(0);
  const calls = Array.from({ length: n }, (_, i) =>
    engine.run('data', { id: id(i), message: Buffer.from('Subject: x\r\n\r\n') }).then((v) => {
      answers[i]!++;
      return v;
    }),
  );
  return { answers, all: Promise.all(calls) };
}

function isTempfail(v: PoolVerdict): boolean {
  return v.tempfailed && v.disposition?.code === TEMPFAIL_CODE && v.disposition.text === TEMPFAIL_TEXT && v.action === 'done';
}

describe('closing the engine', () => {
  it('lets the calls it took finish when the deadline allows', async () => {
    const { engine } = engineFrom(BUSY, { threads: 2, maxBatch: 4 });
    const { answers, all } = tracked(engine, 40);
    await engine.close({ deadline: 10_000 });
    const verdicts = await all;
    assert.ok(answers.every((n) => n === 1));
    verdicts.forEach((v, i) => {
      assert.equal(v.tempfailed, false);
      assert.equal(v.context.mess.n, String(i));
    });
  });

  it('answers every call exactly once under load, with a 451 for those still running at a tiny deadline', async () => {
    for (let round = 0; round < 2; round++) {
      const { engine, logs } = engineFrom(BUSY, { threads: 2, maxBatch: 4 });
      await engine.ready();
      const { answers, all } = tracked(engine, 200);
      // Closed once some calls are answered (a loaded machine may take a while to start them): ~1 s of work is left.
      while (!answers.some((n) => n > 0)) await new Promise((r) => setTimeout(r, 5));
      const closing = engine.close({ deadline: 20 });
      await assert.rejects(engine.run('data', {}), (e: unknown) => e instanceof UsageError && e.code === 'ERR_SCRIPTLET_CLOSED' && e.message === 'this engine is closed');
      await closing;
      const verdicts = await all;
      await new Promise((r) => setTimeout(r, 50));
      assert.deepEqual(new Set(answers), new Set([1]), 'each call answered once');
      const late = verdicts.filter(isTempfail);
      const done = verdicts.filter((v) => !v.tempfailed);
      assert.ok(late.length > 0, 'some calls were still running or waiting at the deadline');
      assert.ok(done.length > 0, 'some finished before it');
      for (const v of done) assert.equal(v.disposition, null);
      const s = await engine.stats();
      assert.equal(s.tempfailed.deadline, late.length);
      assert.equal(s.workers.length, 0, 'the workers are gone');
      assert.deepEqual(logs, []);
    }
  });

  it('refuses calls, configure and ready once closed, and closes once', async () => {
    const { engine } = engineFrom(BUSY, { threads: 1 });
    const first = engine.close();
    assert.equal(engine.close(), first);
    await first;
    assert.equal(engine.closed, true);
    await assert.rejects(engine.run('connect'), { code: 'ERR_SCRIPTLET_CLOSED' });
    await assert.rejects(engine.runBatch('connect', [{}]), { code: 'ERR_SCRIPTLET_CLOSED' });
    await assert.rejects(engine.configure({ gcPause: 100 }), { code: 'ERR_SCRIPTLET_CLOSED' });
    await assert.rejects(engine.ready(), { code: 'ERR_SCRIPTLET_CLOSED' });
  });

  it('refuses a deadline that is not a time', async () => {
    const { engine } = engineFrom(BUSY, { threads: 1 });
    await assert.rejects(engine.close({ deadline: 'soon' as unknown as number }), /^UsageError: options\.deadline must be a number of milliseconds or a Date, got soon$/);
    await engine.close({ deadline: new Date(Date.now() + 1000) });
  });
});

describe('a worker that dies', () => {
  it('costs the calls it held a 451; piscina starts another; later calls run', async () => {
    for (let round = 0; round < 2; round++) {
      const { engine, logs } = engineFrom(BUSY, { threads: 2, maxBatch: 8 });
      try {
        await engine.ready();
        // Two batches of 8 calls (~40 ms each), one on each worker; the first holds the fatal call.
        const { answers, all } = tracked(engine, 16, (i) => (i === 3 ? TEST_EXIT_ID : String(i)));
        const verdicts = await all;
        assert.ok(answers.every((n) => n === 1), 'each call answered once');
        verdicts.slice(0, 8).forEach((v) => assert.ok(isTempfail(v), "the dead worker's batch"));
        verdicts.slice(8).forEach((v, i) => assert.equal(v.context.mess.n, String(8 + i), "the other worker's batch"));
        const s = await engine.stats();
        assert.equal(s.tempfailed.worker, 8);
        assert.ok(logs.some((l) => /a worker failed a batch of 8 data calls \(worker \d+ exited\); they are answered with 451/.test(l)), logs.join('\n'));
        const later = await Promise.all(Array.from({ length: 20 }, (_, i) => engine.run('data', { id: `later${i}` })));
        later.forEach((v, i) => assert.equal(v.context.mess.n, `later${i}`));
        await engine.ready();
        const after = await engine.stats();
        assert.equal(after.workers.length, 2, 'piscina started another');
        assert.equal(after.workerExits, 1);
      } finally {
        await engine.close();
      }
    }
  });

  it('loses nothing when it dies idle', async () => {
    const { engine } = engineFrom(BUSY, { threads: 1 });
    try {
      await engine.ready();
      await enginePool(engine).threads[0]!.terminate();
      const v = await engine.run('data', { id: 'after' });
      assert.equal(v.context.mess.n, 'after');
      assert.equal((await engine.stats()).tempfailed.worker, 0);
    } finally {
      await engine.close();
    }
  });
});

describe('workers that cannot start', () => {
  it('cost every call a 451 once piscina gives up on them, not a wait for ever; a closed engine stays closed', { timeout: 30_000 }, async () => {
    process.env.SCRIPTLET_POOL_TEST_NO_START = '1';
    const { engine, logs } = engineFrom(BUSY, { threads: 1 });
    try {
      const waiting = engine.run('data', { id: 'early' });
      const first = await waiting;
      assert.ok(isTempfail(first), 'the call made before any worker ran');
      assert.ok(logs.some((l) => /no worker is running and none could start; calls are answered with 451/.test(l)), logs.join('\n'));
      const later = await Promise.all([engine.run('data', { id: 'later' }), engine.runBatch('data', [{ id: 'a' }, { id: 'b' }])]);
      assert.ok(isTempfail(later[0]), 'a call made after');
      assert.ok(later[1].every(isTempfail), 'a batch made after');
      assert.equal((await engine.stats()).tempfailed.worker, 4);
      await assert.rejects(engine.ready(), { code: 'ERR_SCRIPTLET_WORKER_EXIT', message: 'no worker is running and none could start' });
    } finally {
      delete process.env.SCRIPTLET_POOL_TEST_NO_START;
      await engine.close();
    }
    await assert.rejects(engine.run('data'), { code: 'ERR_SCRIPTLET_CLOSED' });
  });
});
