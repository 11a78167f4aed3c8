// The per-call instruction and wall-time budgets: a runaway callout costs one
// temporary failure, whatever it hides behind (pcall, xpcall, coroutines, a
// JIT-compiled loop, a suspension), and the same policy then handles the next
// message normally.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { LoadError, openPolicy, type Policy, type Verdict } from '../../src/index.js';
import { failureKind } from '../../src/metrics/worker-recorder.js';
import { engineFrom } from '../pool/helpers.js';
import { eml, policyFrom, twice } from '../helpers/lua-policy.js';

const TEMPFAIL = { code: 451, text: '4.3.0 Temporary failure in policy, try again later', phase: 'data', disconnect: false, discard: false };
const INSTRUCTIONS = 'instruction limit exceeded (100000 instructions)';
const HOSTILE = eml(['Subject: x', 'X-Run: 1']);
const NORMAL = eml(['Subject: x']);

/** Module "t" runs body when the message has X-Run, then marks the message context; module "after" marks it too. */
function guarded(body: string, opts: Parameters<typeof policyFrom>[1] = {}): Policy {
  return policyFrom(
    `local t = {}
function t:validate_data(msg, accept, vctx)
  if msg:header("X-Run")[1] then
${body}
  end
  vctx:set(msys.core.VCTX_MESS, "t", "ran")
  return msys.core.VALIDATE_CONT
end
msys.registerModule("t", t)`,
    { instructionLimit: 100_000, ...opts },
  );
}

/** The verdict of a call a limit ended: one error of that kind, a 451, the phase ended. */
function assertEnded(v: Verdict, kind: string, message: string): void {
  assert.deepEqual(v.disposition, TEMPFAIL);
  assert.equal(v.tempfailed, true);
  assert.equal(v.errors.length, 1);
  const e = v.errors[0]!;
  assert.deepEqual({ module: e.module, callout: e.callout, message: e.message, kind: e.kind, code: e.code }, { module: 't', callout: 'validate_data', message, kind, code: 'ERR_SCRIPTLET_LIMIT' });
  assert.equal(failureKind(e), kind, 'the metrics count it under its kind');
  assert.match(e.traceback, /^.*exceeded.*\nstack traceback:/);
  assert.deepEqual(v.context.mess, {}, 'nothing after the limit ran');
}

function assertNormal(v: Verdict): void {
  assert.deepEqual(v.errors, []);
  assert.equal(v.disposition, null);
  assert.deepEqual(v.context.mess, { t: 'ran' });
}

/** A hostile call ended by the instruction limit, then a normal one; twice on one policy. */
function endsThenServes(body: string): void {
  const p = guarded(body);
  try {
    twice(() => {
      assertEnded(p.run('data', { message: HOSTILE }), 'instructions', INSTRUCTIONS);
      assertNormal(p.run('data', { message: NORMAL }));
    });
  } finally {
    p.close();
  }
}

describe('the instruction limit', () => {
  it('ends while true do end with a temporary failure', () => endsThenServes('while true do end'));

  it('ends a JIT-hot numeric loop', () => endsThenServes('local x = 0 for i = 1, 1e12 do x = x + i * 0.5 end'));

  it('ends a loop that pcall catches the limit in, again and again', () => {
    endsThenServes('while true do pcall(function() while true do end end) end');
  });

  it('ends a loop in xpcall whose handler loops too', () => {
    endsThenServes('while true do xpcall(function() while true do end end, function() while true do end end) end');
  });

  it('ends a loop inside coroutine.wrap', () => endsThenServes('coroutine.wrap(function() while true do end end)()'));

  it('ends a loop that resumes looping coroutines and ignores their errors', () => {
    endsThenServes('while true do coroutine.resume(coroutine.create(function() while true do end end)) end');
  });

  it('gives the location of the loop', () => {
    const p = guarded('    local n = 0\n    while true do n = n + 1 end');
    const v = p.run('data', { message: HOSTILE });
    assert.equal(v.errors[0]!.location, '=t:5');
    p.close();
  });

  it('ends the phase: the modules after it do not run', () => {
    const loop = `local m = {} function m:validate_data() while true do end end msys.registerModule("loop", m)`;
    const mark = `local m = {} function m:validate_data(msg, a, vctx) vctx:set(msys.core.VCTX_MESS, "after", "1") return msys.core.VALIDATE_CONT end msys.registerModule("mark", m)`;
    const p = openPolicy({ scripts: [{ name: 'loop', source: loop }, { name: 'mark', source: mark }], instructionLimit: 100_000 });
    const v = p.run('data', { message: NORMAL });
    assert.equal(v.callouts, 1);
    assert.deepEqual(v.context.mess, {});
    assert.equal(v.errors[0]!.kind, 'instructions');
    p.close();
  });

  it('lets a call that stays under it finish', () => {
    const p = guarded('    local n = 0 for i = 1, 10000 do n = n + i end', { instructionLimit: 1_000_000 });
    assertNormal(p.run('data', { message: HOSTILE }));
    p.close();
  });

  it('is off at 0, and can be changed at run time', () => {
    const p = guarded('    local n = 0 for i = 1, 200000 do n = n + i end if n < 0 then while true do end end', { instructionLimit: 0 });
    assertNormal(p.run('data', { message: HOSTILE }));
    p.close();
    const q = guarded('    local n = 0 for i = 1, 200000 do n = n + i end if n > 0 then while true do end end', { instructionLimit: 0, callTimeout: 0.2 });
    assertEnded(q.run('data', { message: HOSTILE }), 'wall_time', 'call timeout exceeded (0.2 s)');
    q.configure({ instructionLimit: 100_000 });
    assertEnded(q.run('data', { message: HOSTILE }), 'instructions', INSTRUCTIONS);
    assertNormal(q.run('data', { message: NORMAL }));
    q.close();
  });

  it('ends a script that loops while loading, or in init(), with a load error', () => {
    assert.throws(
      () => openPolicy({ scripts: [{ name: 't', source: 'while true do end' }], instructionLimit: 100_000 }),
      (err: unknown) => err instanceof LoadError && err.message === `cannot load script 't': =t:1: ${INSTRUCTIONS}`,
    );
    const init = 'local m = {} function m:init() while true do end end msys.registerModule("t", m)';
    assert.throws(
      () => openPolicy({ scripts: [{ name: 't', source: init }], instructionLimit: 100_000 }),
      (err: unknown) => err instanceof LoadError && err.message.endsWith(`init() of module 't' failed: ${INSTRUCTIONS}`),
    );
  });

  it('is checked in the options with an exact message', () => {
    assert.throws(() => guarded('', { instructionLimit: -1 }), { message: 'options.instructionLimit must be a non-negative integer (0: no limit), got -1' });
    assert.throws(() => guarded('', { callTimeout: Number.NaN }), { message: 'options.callTimeout must be a non-negative number of seconds (0: no limit), got NaN' });
  });
});

describe('the wall-time limit', () => {
  it('ends a loop past the call timeout, even with no instruction limit', () => {
    const p = guarded('while true do end', { instructionLimit: 0, callTimeout: 0.05 });
    twice(() => {
      const start = performance.now();
      assertEnded(p.run('data', { message: HOSTILE }), 'wall_time', 'call timeout exceeded (0.05 s)');
      assert.ok(performance.now() - start < 1000);
      assertNormal(p.run('data', { message: NORMAL }));
    });
    p.close();
  });

  it('ends a call that sleeps past its deadline, at the deadline', async () => {
    const p = guarded('msys.sleep(30)', { callTimeout: 0.2 });
    for (let round = 0; round < 2; round++) {
      const start = performance.now();
      const v = await p.runAsync('data', { message: HOSTILE });
      const ms = performance.now() - start;
      assertEnded(v, 'wall_time', 'call timeout exceeded (0.2 s)');
      assert.equal(v.errors[0]!.location, '=t:4');
      // The deadline counts from the coarse clock, up to a tick (4 ms) behind, and the timer that ends
      // the wait is set in whole milliseconds and may fire one early: up to about 6 ms before 200.
      assert.ok(ms >= 190 && ms < 1500, `took ${ms.toFixed(0)} ms`);
      assertNormal(await p.runAsync('data', { message: NORMAL }));
    }
    p.close();
  });

  it('counts the time asleep: a call that sleeps, then loops, ends at the deadline', async () => {
    const p = guarded('msys.sleep(0.15) while true do end', { instructionLimit: 0, callTimeout: 0.2 });
    const start = performance.now();
    assertEnded(await p.runAsync('data', { message: HOSTILE }), 'wall_time', 'call timeout exceeded (0.2 s)');
    assert.ok(performance.now() - start < 1000);
    p.close();
  });
});

describe('the limits in the worker pool', () => {
  it('end a runaway call with its kind across the thread boundary, and the worker serves on', async () => {
    const source = `local t = {} function t:validate_data(msg, a, vctx)
      if msg:header("X-Run")[1] then while true do end end
      vctx:set(msys.core.VCTX_MESS, "t", "ran") return msys.core.VALIDATE_CONT end msys.registerModule("t", t)`;
    const { engine } = engineFrom(source, { threads: 1, instructionLimit: 100_000 });
    try {
      const v = await engine.run('data', { message: HOSTILE });
      assert.deepEqual(v.disposition, TEMPFAIL);
      assert.deepEqual(v.errors.map((e) => [e.kind, e.message]), [['instructions', INSTRUCTIONS]]);
      assert.deepEqual((await engine.run('data', { message: NORMAL })).context.mess, { t: 'ran' });
      await engine.configure({ instructionLimit: 0, callTimeout: 0.05 });
      const w = await engine.run('data', { message: HOSTILE });
      assert.deepEqual(w.errors.map((e) => [e.kind, e.message]), [['wall_time', 'call timeout exceeded (0.05 s)']]);
    } finally {
      await engine.close();
    }
  });
});
