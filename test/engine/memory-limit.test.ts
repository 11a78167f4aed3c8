// The memory cap of a master state: a call that runs out surfaces as a memory
// error inside its protected call, gets a temporary failure, and the master
// is rebuilt from the same scripts, back to the memory it had after loading.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { LoadError, openPolicy, type Policy, type Verdict } from '../../src/index.js';
import { engineFrom } from '../pool/helpers.js';
import { failureKind } from '../../src/metrics/worker-recorder.js';
import { samples, value } from '../metrics/helpers.js';
import { eml, policyFrom } from '../helpers/lua-policy.js';

const LIMIT = 16 << 20;
const TEMPFAIL = { code: 451, text: '4.3.0 Temporary failure in policy, try again later', phase: 'data', disconnect: false, discard: false };
const MESSAGE = `memory limit exceeded (${LIMIT} bytes)`;
const HOSTILE = eml(['Subject: x', 'X-Run: 1']);
const NORMAL = eml(['Subject: x']);

/** Module "t": body when the message has X-Run; then counts its calls in a module field and reports it. */
function guarded(body: string): Policy {
  return policyFrom(
    `local t = { calls = 0 }
function t:validate_data(msg, accept, vctx)
  if msg:header("X-Run")[1] then
${body}
  end
  t.calls = t.calls + 1
  vctx:set(msys.core.VCTX_MESS, "calls", t.calls)
  return msys.core.VALIDATE_CONT
end
msys.registerModule("t", t)`,
    { memoryLimit: LIMIT, instructionLimit: 0, callTimeout: 20 },
  );
}

function assertOutOfMemory(v: Verdict): void {
  assert.deepEqual(v.disposition, TEMPFAIL);
  assert.equal(v.tempfailed, true);
  assert.deepEqual(v.errors.map((e) => [e.module, e.callout, e.kind, e.message, e.code]), [['t', 'validate_data', 'memory', MESSAGE, 'ERR_SCRIPTLET_LIMIT']]);
  assert.equal(failureKind(v.errors[0]!), 'memory');
  assert.deepEqual(v.context.mess, {});
}

/**
 * Runs a hostile call twice, each followed by a normal one, and checks that
 * the master was rebuilt each time (its module state starts over: calls = 1)
 * and holds no more memory than after loading.
 */
function killsAndRebuilds(body: string): void {
  const p = guarded(body);
  try {
    const baseline = p.memory();
    for (let round = 1; round <= 2; round++) {
      assertOutOfMemory(p.run('data', { message: HOSTILE }));
      assert.equal(p.stats().masterRebuilds, round);
      assert.ok(p.memory() <= baseline + (64 << 10), `memory ${p.memory()} after the rebuild, ${baseline} before`);
      const v = p.run('data', { message: NORMAL });
      assert.deepEqual(v.errors, []);
      assert.deepEqual(v.context.mess, { calls: '1' });
    }
  } finally {
    p.close();
  }
}

describe('the memory cap', () => {
  it('ends s = s .. s with a temporary failure, and the rebuilt master serves on', () => {
    killsAndRebuilds('    local s = "x" while true do s = s .. s end');
  });

  it('ends a flood of tables kept in a global, which the rebuild drops', () => {
    killsAndRebuilds('    flood = {} while true do flood[#flood + 1] = { 1, 2, 3 } end');
  });

  it('ends a flood of strings in a table', () => {
    killsAndRebuilds('    local t = {} local i = 0 while true do i = i + 1 t[i] = string.rep("y", 100) .. i end');
  });

  it('ends a call that catches the memory error with pcall and goes on', () => {
    killsAndRebuilds('    pcall(function() local t = {} while true do t[#t + 1] = {} end end) while true do local x = {} end');
  });

  it('ends string.rep asked for more than the cap', () => {
    killsAndRebuilds(`    local s = string.rep("z", ${LIMIT * 2})`);
  });

  it('rebuilds the master after each of many kills, with no growth', () => {
    const p = guarded('    local s = "x" while true do s = s .. s end');
    const baseline = p.memory();
    for (let i = 0; i < 20; i++) assertOutOfMemory(p.run('data', { message: HOSTILE }));
    assert.equal(p.stats().masterRebuilds, 20);
    assert.ok(p.memory() <= baseline + (64 << 10));
    assert.deepEqual(p.run('data', { message: NORMAL }).context.mess, { calls: '1' });
    p.close();
  });

  it('keeps a master whose calls stay under the cap', () => {
    const p = guarded('    local t = {} for i = 1, 1000 do t[i] = i end');
    for (let i = 1; i <= 3; i++) assert.deepEqual(p.run('data', { message: HOSTILE }).context.mess, { calls: String(i) });
    assert.equal(p.stats().masterRebuilds, 0);
    p.close();
  });

  it('refuses a script that cannot even load under the cap, with a load error (never a panic)', () => {
    const source = 'local big = string.rep("x", 1e6) local m = {} function m:validate_data() return msys.core.VALIDATE_CONT end msys.registerModule("t", m)';
    assert.throws(
      () => openPolicy({ scripts: [{ name: 't', source }], memoryLimit: 256 << 10 }),
      (err: unknown) => err instanceof LoadError && err.message === "cannot load script 't': memory limit exceeded (262144 bytes)",
    );
  });

  it('ends a runaway call in the worker pool, whose worker rebuilds its master and serves on', async () => {
    const source = `local t = { calls = 0 } function t:validate_data(msg, a, vctx)
      if msg:header("X-Run")[1] then local s = "x" while true do s = s .. s end end
      t.calls = t.calls + 1 vctx:set(msys.core.VCTX_MESS, "calls", t.calls) return msys.core.VALIDATE_CONT end
      msys.registerModule("t", t)`;
    const { engine } = engineFrom(source, { threads: 1, memoryLimit: LIMIT });
    try {
      assert.deepEqual((await engine.run('data', { message: NORMAL })).context.mess, { calls: '1' });
      const v = await engine.run('data', { message: HOSTILE });
      assert.deepEqual([v.disposition, v.errors.map((e) => [e.kind, e.message])], [TEMPFAIL, [['memory', MESSAGE]]]);
      assert.deepEqual((await engine.run('data', { message: NORMAL })).context.mess, { calls: '1' }, 'a fresh master');
      // The worker writes its Lua states' counters at most every 100 ms: wait for them.
      let all = await samples(engine.metrics!.registry);
      for (let i = 0; i < 50 && value(all, 'scriptlet_master_rebuilds_total') === 0; i++) {
        await new Promise((r) => setTimeout(r, 20));
        all = await samples(engine.metrics!.registry);
      }
      assert.equal(value(all, 'scriptlet_master_rebuilds_total'), 1);
      assert.equal(value(all, 'scriptlet_limit_hits_total', { phase: 'data', module: 't', kind: 'memory' }), 1);
    } finally {
      await engine.close();
    }
  });

  it('is checked in the options with an exact message', () => {
    assert.throws(() => policyFrom('', { memoryLimit: 1.5 }), { message: 'options.memoryLimit must be a non-negative integer of bytes (0: no limit), got 1.5' });
  });
});
