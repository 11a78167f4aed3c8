// The shared-memory channel between the engine and a worker (src/pool/channel.ts):
// its rings go round, answers are read back as written, and through an
// engine, calls awaited one at a time get the verdicts a call in this thread
// gets, whether the answer fits the channel or takes the port.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { openPolicy, type CallInput } from '../../src/index.js';
import { performance } from 'node:perf_hooks';
import { CallBatcher, STREAK_MS } from '../../src/pool/batcher.js';
import type { PoolVerdict } from '../../src/pool/pool-verdict.js';
import { EngineChannel, newChannel, readAnswer, RING, SpinBudget, WorkerChannel, writeAnswer } from '../../src/pool/channel.js';
import { TASK_ANSWER, TASK_ANSWER_ROOM } from '../../src/pool/protocol.js';
import { engineFrom, message, module } from './helpers.js';

function answerRoom(ints: number, room: number): { ints: Int32Array; bytes: Buffer } {
  const memory = new SharedArrayBuffer(ints * 4);
  const view = new Int32Array(memory);
  view[TASK_ANSWER] = 16;
  view[TASK_ANSWER_ROOM] = room;
  return { ints: view, bytes: Buffer.from(memory) };
}

describe('the channel', () => {
  it('reads an answer back as written, beyond Latin-1 too', () => {
    const { ints, bytes } = answerRoom(256, 200);
    assert.equal(writeAnswer(ints, bytes, 'reply \u00e9t\u00e9 \u{1f600} \u4e2d'), true);
    assert.equal(readAnswer(ints, bytes), 'reply \u00e9t\u00e9 \u{1f600} \u4e2d');
    assert.equal(writeAnswer(ints, bytes, ''), true);
    assert.equal(readAnswer(ints, bytes), '');
  });

  it('refuses an answer larger than its room (it then goes through the port)', () => {
    // Ten ints: one for the length, nine for eighteen units.
    const { ints, bytes } = answerRoom(256, 10);
    assert.equal(writeAnswer(ints, bytes, 'x'.repeat(19)), false);
    assert.equal(writeAnswer(ints, bytes, 'x'.repeat(18)), true);
    assert.equal(readAnswer(ints, bytes), 'x'.repeat(18));
  });

  it('carries batches and their answers in order, round and round its rings', async () => {
    const memory = newChannel();
    const answered: number[] = [];
    let wake: () => void = () => {};
    const engineSide = new EngineChannel(memory, (id) => {
      engineSide.outstanding--;
      answered.push(id);
      wake();
    });
    const ran: [number, number][] = [];
    const workerSide = new WorkerChannel(memory, (id, writer) => {
      ran.push([id, writer]);
      // Answered later, as a batch that waits on Node is.
      setImmediate(() => workerSide.complete(id));
      return 1;
    });
    void workerSide.serve();
    const total = RING * 2 + 7;
    for (let id = 1; id <= total; id++) {
      engineSide.submit(id, id % 5);
      const done = new Promise<void>((resolve) => (wake = resolve));
      engineSide.arm();
      await done;
    }
    assert.deepEqual(answered, Array.from({ length: total }, (_, i) => i + 1));
    assert.deepEqual(ran, Array.from({ length: total }, (_, i) => [i + 1, (i + 1) % 5]));
  });
});

const POLICY = module({
  data: `
    local subject = msg:header("Subject")[1] or ""
    vctx:set(msys.core.VCTX_MESS, "subject", subject)
    vctx:set(msys.core.VCTX_CONN, "n", tostring((tonumber(vctx:get(msys.core.VCTX_CONN, "n")) or 0) + 1))
    if subject == "long" then vctx:set(msys.core.VCTX_MESS, "long", string.rep("\u00e9", 5000)) end
    if subject == "edit" then msg:header("X-Edited", "yes") end
    if subject == "sleep" then msys.sleep(0.01) end
    if subject == "reject" then vctx:set_code(550, "5.7.1 no \u00e9") return msys.core.VALIDATE_DONE end`,
});

function input(subject: string, n: number): CallInput {
  return { message: message([`Subject: ${subject}`, 'From: a@example.net']), mailfrom: 'a@example.net', rcptto: ['b@example.com'], context: { conn: { n: String(n) } } };
}

describe('single calls through the channel', () => {
  it('answer each call awaited in turn as this thread does, whatever way the answer takes', async () => {
    const { engine } = engineFrom(POLICY);
    const here = openPolicy({ scripts: [{ name: 't', source: POLICY }] });
    try {
      await engine.ready();
      const subjects = ['plain', 'reject', 'long', 'plain', 'edit', 'sleep', 'plain', 'reject'];
      for (let i = 0; i < 200; i++) {
        const subject = subjects[i % subjects.length]!;
        const got = await engine.run('data', input(subject, i));
        const want = here.run('data', input(subject, i));
        assert.deepEqual(got.disposition, want.disposition, subject);
        assert.deepEqual(got.context, want.context, subject);
        assert.deepEqual(got.headerEdits, want.headerEdits, subject);
        assert.equal(got.message?.toString(), want.message?.toString(), subject);
      }
    } finally {
      here.close();
      await engine.close();
    }
  });

  it('answer fifty callers at once, each its own verdict', async () => {
    const { engine } = engineFrom(POLICY);
    try {
      await engine.ready();
      const caller = async (c: number) => {
        for (let i = 0; i < 40; i++) {
          const v = await engine.run('data', input(c % 7 === 0 ? 'reject' : `s${c}`, c * 1000 + i));
          assert.equal(v.context.conn.n, String(c * 1000 + i + 1));
          assert.equal(v.context.mess.subject, c % 7 === 0 ? 'reject' : `s${c}`);
        }
      };
      await Promise.all(Array.from({ length: 50 }, (_, c) => caller(c)));
    } finally {
      await engine.close();
    }
  });
});

describe('the spin budget', () => {
  function chances(budget: SpinBudget, n: number): string {
    let out = '';
    for (let i = 0; i < n; i++) out += budget.spin ? 's' : '-';
    return out;
  }

  it('spins every time while spins find what they wait for', () => {
    const budget = new SpinBudget();
    for (let i = 0; i < 10; i++) {
      assert.equal(budget.spin, true);
      budget.spun(true);
    }
  });

  it('keeps spinning through an odd spin in vain among many that pay', () => {
    const budget = new SpinBudget();
    for (let i = 0; i < 40; i++) budget.spun(i % 8 !== 0);
    assert.equal(chances(budget, 16), 's'.repeat(16));
  });

  it('stops spinning once spins mostly miss, but for one chance in sixteen', () => {
    const budget = new SpinBudget();
    budget.spun(false);
    budget.spun(false);
    assert.equal(chances(budget, 1), 's', 'two misses in a row are not enough');
    budget.spun(false);
    assert.equal(chances(budget, 32), ('-'.repeat(15) + 's').repeat(2));
  });

  it('stops spinning when calls come at random and only some spins find one', () => {
    const budget = new SpinBudget();
    let spins = 0;
    for (let i = 0; i < 1600; i++) {
      if (!budget.spin) continue;
      spins++;
      budget.spun(i % 4 === 0); // one spin in four pays: each costs more than it saves
    }
    assert.ok(spins < 1600 / 8, `spun ${spins} times in 1600 chances`);
  });

  it('spins every time again once its probes find what they wait for', () => {
    const budget = new SpinBudget();
    for (let i = 0; i < 50; i++) budget.spun(false);
    let chance = 0;
    while (chance < 1000 && !(chances(budget, 16) === 's'.repeat(16))) {
      chance += 16;
      budget.spun(true); // the probe found
    }
    assert.ok(chance < 1000, 'never spun every time again');
  });
});

describe('the batcher, when no batch is out', () => {
  function instantBatcher(): { batcher: CallBatcher; sent: number[] } {
    const sent: number[] = [];
    const batcher = new CallBatcher({
      maxBatch: 64,
      delayMs: 0,
      // Answered at once, as a spin that catches the worker's answer does.
      dispatch: (batch) => {
        sent.push(batch.size);
        batch.settle(Array.from({ length: batch.size }, () => ({}) as PoolVerdict));
        batch.ended();
      },
      hasCapacity: () => true,
      idle: () => true,
    });
    return { batcher, sent };
  }

  function call(batcher: CallBatcher): Promise<PoolVerdict> {
    const batch = batcher.batchFor('data');
    const answer = new Promise<PoolVerdict>((resolve, reject) => batch.add({}, { resolve, reject }));
    batcher.added(batch);
    return answer;
  }

  it('sends a call with those made alongside it, without waiting for a turn of the event loop', async () => {
    const { batcher, sent } = instantBatcher();
    let turned = false;
    setImmediate(() => (turned = true));
    await Promise.all([call(batcher), call(batcher), call(batcher)]);
    assert.equal(turned, false);
    assert.deepEqual(sent, [3]);
  });

  it('lets the event loop turn within STREAK_MS while a caller awaits call after call', async () => {
    const { batcher } = instantBatcher();
    let turned = false;
    setImmediate(() => (turned = true));
    let calls = 0;
    const start = performance.now();
    while (!turned && calls < 1_000_000) {
      await call(batcher);
      calls++;
    }
    const waited = performance.now() - start;
    assert.equal(turned, true, `no turn in ${calls} calls`);
    // The bound is 1 ms, read every 16 calls; the slack is for a loaded machine, not for the bound.
    assert.ok(waited < STREAK_MS + 50, `${waited} ms (${calls} calls) before the event loop turned`);
  });
});
