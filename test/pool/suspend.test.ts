// Calls that wait on Node (msys.sleep, msys.dnsLookup) through the pool: the
// worker's event loop runs while they wait (piscina's atomics are off), so a
// worker takes other batches meanwhile, and a sleeping call comes back with
// everything it did before and after the wait.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { engineFrom, module } from './helpers.js';

const SLEEPY = module({
  connect: `
    vctx:set(msys.core.VCTX_CONN, "before", "1")
    if accept.remote_addr == "192.0.2.99" then msys.sleep(0.3) end
    vctx:set(msys.core.VCTX_CONN, "after", "1")`,
});

describe('a call that waits on Node', () => {
  it('comes back with what it did before and after the wait', async () => {
    const { engine } = engineFrom(SLEEPY, { threads: 1 });
    try {
      const v = await engine.run('connect', { remoteAddr: '192.0.2.99', context: { conn: { given: 'x' } } });
      assert.deepEqual(v.context.conn, { given: 'x', before: '1', after: '1' });
      assert.equal(v.errors.length, 0);
    } finally {
      await engine.close();
    }
  });

  it('comes back right beside calls of its batch that did not wait, whatever context keys each wrote', async () => {
    const MIXED = module({
      connect: `
        local c, m = msys.core.VCTX_CONN, msys.core.VCTX_MESS
        vctx:set(m, "first", accept.remote_addr)
        if accept.remote_addr == "192.0.2.99" then
          vctx:set(c, "before sleep", "é")
          msys.sleep(0.05)
          vctx:set(m, "after sleep", "😀")
          vctx:set_code(450, "4.7.1 slept on it")
        else
          vctx:set(c, "never slept", accept.remote_addr)
        end`,
    });
    const { engine } = engineFrom(MIXED, { threads: 1 });
    try {
      const addrs = ['192.0.2.1', '192.0.2.99', '192.0.2.2', '192.0.2.99', '192.0.2.3'];
      const verdicts = await engine.runBatch('connect', addrs.map((remoteAddr) => ({ remoteAddr, context: { conn: { given: remoteAddr } } })));
      assert.equal((await engine.stats()).tasks, 1, 'one batch');
      verdicts.forEach((v, i) => {
        const addr = addrs[i]!;
        if (addr === '192.0.2.99') {
          assert.deepEqual(v.context, { conn: { given: addr, 'before sleep': 'é' }, mess: { first: addr, 'after sleep': '😀' } });
          assert.equal(v.disposition?.text, '4.7.1 slept on it');
        } else {
          assert.deepEqual(v.context, { conn: { given: addr, 'never slept': addr }, mess: { first: addr } });
          assert.equal(v.disposition, null);
        }
      });
    } finally {
      await engine.close();
    }
  });

  it('leaves its worker free: later batches on the same worker are answered first', async () => {
    const { engine } = engineFrom(SLEEPY, { threads: 1, tasksPerWorker: 4 });
    try {
      await engine.ready();
      const order: string[] = [];
      const slow = engine.run('connect', { remoteAddr: '192.0.2.99' }).then(() => order.push('slow'));
      await new Promise((r) => setTimeout(r, 50));
      const quick = Promise.all(Array.from({ length: 10 }, () => engine.run('connect', { remoteAddr: '192.0.2.1' }))).then(() => order.push('quick'));
      await Promise.all([slow, quick]);
      assert.deepEqual(order, ['quick', 'slow']);
      assert.equal((await engine.stats()).tasks, 2);
    } finally {
      await engine.close();
    }
  });

  it('is answered with a 451 at close when it sleeps past the deadline, and answered once', async () => {
    const { engine } = engineFrom(SLEEPY, { threads: 1 });
    await engine.ready();
    let answers = 0;
    const sleeping = engine.run('connect', { remoteAddr: '192.0.2.99' }).then((v) => (answers++, v));
    await new Promise((r) => setTimeout(r, 50));
    await engine.close({ deadline: 10 });
    const v = await sleeping;
    assert.equal(v.tempfailed, true);
    assert.equal(v.disposition?.code, 451);
    await new Promise((r) => setTimeout(r, 400));
    assert.equal(answers, 1);
  });

  it('holds hundreds of suspended calls in one worker, then keeps spares only up to maxSparePerMaster', async () => {
    const { engine } = engineFrom(SLEEPY, { threads: 1, maxSparePerMaster: 5, tasksPerWorker: 8 });
    try {
      const started = Date.now();
      const verdicts = await Promise.all(Array.from({ length: 400 }, () => engine.run('connect', { remoteAddr: '192.0.2.99' })));
      assert.ok(Date.now() - started < 3000, 'the 0.3 s waits overlapped');
      for (const v of verdicts) assert.equal(v.context.conn.after, '1');
      const p = (await engine.stats()).workers[0]!.policies[0]!.stats;
      assert.ok(p.threadsCreated >= 400, `one Lua thread per suspended call: ${p.threadsCreated}`);
      assert.equal(p.spareThreads, 5, 'spares grow to the bound, no further');
    } finally {
      await engine.close();
    }
  });
});
