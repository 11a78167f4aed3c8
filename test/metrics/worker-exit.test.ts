// A worker that dies takes its gauges with it but not its counts: counters
// never go down, the worker the pool starts in its place adds to them, and
// the pool's own figures (exits, 451s it answered) are counted.
//
// The worker is made to die with the pool's test hook
// (SCRIPTLET_POOL_TEST_HOOKS=1: a batch holding a call with id TEST_EXIT_ID
// ends the worker before it runs), as in test/pool/lifecycle.test.ts.
process.env.SCRIPTLET_POOL_TEST_HOOKS = '1';
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { CallInput } from '../../src/index.js';
import { openEngine } from '../../src/pool/index.js';
import { TEST_EXIT_ID } from '../../src/pool/worker-host.js';
import { message } from '../pool/helpers.js';
import { OUTCOMES_MODULE, samples, series, value } from './helpers.js';

const accepted = (n: number): CallInput[] => Array.from({ length: n }, () => ({ message: message(['Subject: accept']) }));

describe('metrics when a worker dies', () => {
  it('keeps the dead worker\'s counts, drops its gauges, and counts the exit and the 451s', async () => {
    const engine = openEngine({ threads: 2, maxBatch: 5, log: () => {}, scripts: [{ name: 't', source: OUTCOMES_MODULE }] });
    try {
      await engine.ready();
      await engine.runBatch('data', accepted(10));
      const before = await engine.stats();
      assert.ok(before.workers.every((w) => w.calls > 0), 'both workers ran calls before one dies');

      const fatal = await engine.runBatch('data', [{ id: TEST_EXIT_ID }, { id: 'with-it' }]);
      assert.ok(fatal.every((v) => v.disposition?.code === 451));
      // Until the pool's replacement has started and opened the policy (the
      // dead worker's port may still be counted for a moment).
      for (const end = Date.now() + 10_000; ; ) {
        await engine.ready();
        const s = await engine.stats();
        if (s.workers.length === 2 && s.workers.every((w) => w.policies.length > 0)) break;
        assert.ok(Date.now() < end, `no second worker with an open policy: ${JSON.stringify(s.workers.map((w) => w.threadId))}`);
        await new Promise((r) => setTimeout(r, 20));
      }
      await engine.runBatch('data', accepted(20));
      await new Promise((r) => setTimeout(r, 250));

      const all = await samples(engine.metrics!.registry);
      assert.equal(value(all, 'scriptlet_calls_total', { phase: 'data', result: 'accept' }), 30);
      assert.equal(value(all, 'scriptlet_call_duration_seconds_count', { phase: 'data' }), 30);
      assert.equal(value(all, 'scriptlet_pool_worker_exits_total'), 1);
      assert.equal(value(all, 'scriptlet_pool_tempfailed_calls_total', { reason: 'worker' }), 2);
      assert.equal(series(all, 'scriptlet_lua_memory_bytes').length, 2, 'one memory gauge per live worker');
    } finally {
      await engine.close();
    }
  });
});
