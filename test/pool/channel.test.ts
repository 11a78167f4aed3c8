// The call channel (src/pool/call-channel.ts): a task crosses in a slot of
// shared memory when it fits, else through the worker's port, and its answer
// comes back in the slot unless it has rare parts (logs, header edits,
// errors). Whichever way, every call gets its own verdict, in order; text
// outside Latin-1 crosses intact; a call that waits on Node holds its slot
// only; an idle worker, asleep on the channel, still answers the engine.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { engineFrom, module } from './helpers.js';

const ECHO = module({
  mailfrom: `
    local c = msys.core.VCTX_MESS
    vctx:set(c, "from", str or "")
    local given = vctx:get(c, "given")
    if given then vctx:set(c, "given_length", tostring(#given)) end
    if accept.remote_addr == "192.0.2.9" then print("noted " .. (str or "")) end
    vctx:set_code(250, "2.1.0 Ok für " .. (str or "") .. " ✓")`,
});

describe('the call channel', () => {
  it('answers every call of a batch in order, whether the batch and its answer cross in a slot or through the port', async () => {
    const { engine } = engineFrom(ECHO, { threads: 1 });
    try {
      const big = 'x'.repeat(40_000);
      for (let round = 0; round < 2; round++) {
        const inputs = Array.from({ length: 12 }, (_, i) => ({
          mailfrom: `user${i}@example.org`,
          // Call 9 prints (a log: the answer goes through the port); the batch with 40 000 units does not fit a slot.
          remoteAddr: i === 9 ? '192.0.2.9' : '192.0.2.1',
          context: { mess: { given: i === 4 ? big : `v${i}` } },
        }));
        const small = await engine.runBatch('mailfrom', inputs.filter((_, i) => i !== 4));
        const withBig = await engine.runBatch('mailfrom', inputs);
        const singles = await Promise.all(inputs.map((input) => engine.run('mailfrom', input)));
        for (const verdicts of [withBig, singles]) {
          verdicts.forEach((v, i) => {
            assert.equal(v.context.mess.from, `user${i}@example.org`);
            assert.equal(v.context.mess.given_length, String(i === 4 ? 40_000 : `v${i}`.length));
            assert.equal(v.disposition?.text, `2.1.0 Ok für user${i}@example.org ✓`);
            assert.deepEqual(v.logs.map((l) => l.text), i === 9 ? [`noted user9@example.org`] : []);
          });
        }
        assert.deepEqual(small.map((v) => v.context.mess.from), inputs.filter((_, i) => i !== 4).map((x) => x.mailfrom));
      }
    } finally {
      await engine.close();
    }
  });

  it('carries text outside Latin-1 both ways', async () => {
    const { engine } = engineFrom(ECHO, { threads: 1 });
    try {
      for (const mailfrom of ['jörg@exämple.org', '用户@例子.中国', 'smile😀@example.org', '']) {
        for (let round = 0; round < 2; round++) {
          const v = await engine.run('mailfrom', { mailfrom, context: { mess: { given: `ü${mailfrom}✓` } } });
          assert.equal(v.context.mess.from, mailfrom);
          assert.equal(v.context.mess.given, `ü${mailfrom}✓`);
          assert.equal(v.disposition?.text, `2.1.0 Ok für ${mailfrom} ✓`);
        }
      }
    } finally {
      await engine.close();
    }
  });

  it('lets calls go on while one waits on Node: the waiting call holds its own slot, not the channel', async () => {
    const SLEEPY = module({
      connect: `
        if accept.remote_addr == "192.0.2.99" then msys.sleep(0.4) end
        vctx:set(msys.core.VCTX_CONN, "addr", accept.remote_addr)`,
    });
    const { engine } = engineFrom(SLEEPY, { threads: 1, tasksPerWorker: 2 });
    try {
      await engine.ready();
      let slowDone = false;
      const slow = engine.run('connect', { remoteAddr: '192.0.2.99' }).then((v) => ((slowDone = true), v));
      await new Promise((r) => setTimeout(r, 20));
      // One call at a time, each awaited, as an SMTP server makes them: all through the slot left.
      for (let i = 0; i < 30; i++) {
        const v = await engine.run('connect', { remoteAddr: `192.0.2.${i + 1}` });
        assert.equal(v.context.conn.addr, `192.0.2.${i + 1}`);
      }
      assert.equal(slowDone, false, 'answered while the other call still waited');
      assert.equal((await slow).context.conn.addr, '192.0.2.99');
    } finally {
      await engine.close();
    }
  });

  it('is answered by an idle worker asleep on the channel: control requests, then calls', async () => {
    const { engine } = engineFrom(ECHO, { threads: 2 });
    try {
      await engine.ready();
      for (let round = 0; round < 2; round++) {
        // Long enough for both workers to sleep a few times over (20 ms at a time).
        await new Promise((r) => setTimeout(r, 120));
        await engine.configure({ gcPause: 150 + round });
        const stats = await engine.stats();
        assert.equal(stats.workers.length, 2);
        assert.ok(stats.workers.every((w) => w.settingsVersion === round + 1));
        await new Promise((r) => setTimeout(r, 120));
        const v = await engine.run('mailfrom', { mailfrom: 'a@example.org' });
        assert.equal(v.context.mess.from, 'a@example.org');
      }
    } finally {
      await engine.close();
    }
  });
});
