// The embedded store is one per process: every worker thread's Lua state
// adds to the same series, counter and gauge cache, with no message between
// threads, and the host's thread reads what the workers counted.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { engineFrom, module } from './helpers.js';
import { inboundAudit } from '../../src/state/index.js';

const name = `shared_${process.pid}`;
const POLICY = `local mod = {}
function mod:init()
  msys.audit_series.define("${name}", "cidr", 300, 12)
  msys.gauge_cache.define("${name}", 100, 600)
  return true
end
${module({ connect: `
  msys.audit_series.add("${name}", {key = accept})
  local c = msys.counter.inc("/${name}")
  msys.gauge_cache.inc("${name}", "k")
  vctx:set(msys.core.VCTX_CONN, "n", tostring(msys.audit_series.count("${name}", {key = "/16"})))
  vctx:set(msys.core.VCTX_CONN, "c", tostring(c))
  vctx:set(msys.core.VCTX_CONN, "g", tostring(msys.gauge_cache.get("${name}", "k")))
  vctx:set(msys.core.VCTX_CONN, "s", tostring(accept:inbound_session_count("198.19.7.0/24")))` }).replace('local mod = {}\n', '')}`;

describe('shared state across worker threads', () => {
  it('gives two workers one count: every call sees every earlier add, whichever worker made it', async () => {
    const { engine } = engineFrom(POLICY, { threads: 2 });
    const audit = inboundAudit();
    try {
      await engine.ready();
      audit.sessionOpened('198.19.7.1');
      const total = 512;
      const verdicts = await engine.runBatch('connect', Array.from({ length: total }, (_, i) => ({ remoteAddr: `198.19.${i % 4}.${i % 200}` })));
      const stats = await engine.stats();
      assert.equal(stats.workers.length, 2);
      assert.ok(stats.workers.every((w) => w.calls > 0), 'both workers served calls');
      // msys.counter.inc returns the new value atomically: every call got its own.
      assert.equal(new Set(verdicts.map((v) => v.context.conn.c)).size, total, 'one shared counter');
      for (const key of ['n', 'c', 'g']) {
        // add then count is two steps: two workers may both count after both added, but nothing is lost.
        assert.equal(Math.max(...verdicts.map((v) => Number(v.context.conn[key]))), total, `${key}: the last add makes ${total}`);
      }
      assert.ok(verdicts.every((v) => v.context.conn.s === '1'), 'the host thread\'s session is seen by the workers');
      const after = await engine.run('connect', { remoteAddr: '198.19.9.9' });
      assert.equal(after.context.conn.n, String(total + 1));
    } finally {
      audit.sessionClosed('198.19.7.1');
      await engine.close();
    }
  });
});
