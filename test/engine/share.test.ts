// msys.shareGet/shareSet/shareUnset: Momentum's (deprecated) global shared
// values, one table for the whole process: what one Lua state sets, every
// other state (another policy, every worker of the pool) reads.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { dataPolicy, eml } from '../helpers/lua-policy.js';
import { engineFrom, module } from '../pool/helpers.js';

// Runs body in validate_data and returns what it stored in the message context's "out".
function run(body: string): string | undefined {
  const p = dataPolicy(`${body}\nvctx:set(msys.core.VCTX_MESS, "out", tostring(out))`);
  try {
    const v = p.run('data', { message: eml(['Subject: x']) });
    assert.deepEqual(v.errors, []);
    return v.context.mess.out;
  } finally {
    p.close();
  }
}

describe('msys.shareGet / shareSet / shareUnset', () => {
  it('keeps strings, numbers and booleans, each as its own type, across Lua states', () => {
    assert.equal(run('out = msys.shareSet("share-s", "text") and msys.shareSet("share-n", 42.5) and msys.shareSet("share-b", false)'), 'true');
    assert.equal(run('local s, n, b = msys.shareGet("share-s"), msys.shareGet("share-n"), msys.shareGet("share-b") out = type(s) .. ":" .. s .. "," .. type(n) .. ":" .. n .. "," .. type(b) .. ":" .. tostring(b)'), 'string:text,number:42.5,boolean:false');
  });

  it('gives nil for a key never set, and forgets a key unset or set to nil', () => {
    assert.equal(run('out = msys.shareGet("share-never")'), 'nil');
    run('msys.shareSet("share-gone", 1) msys.shareSet("share-nil", 2)');
    assert.equal(run('msys.shareUnset("share-gone") msys.shareSet("share-nil", nil) out = tostring(msys.shareGet("share-gone")) .. tostring(msys.shareGet("share-nil"))'), 'nilnil');
  });

  it('refuses (false, nothing stored) a table or a function as a value', () => {
    assert.equal(run('out = tostring(msys.shareSet("share-t", {})) .. tostring(msys.shareSet("share-f", print)) .. tostring(msys.shareGet("share-t"))'), 'falsefalsenil');
  });

  it('raises for a key that is not a string', () => {
    const p = dataPolicy('msys.shareGet({})');
    try {
      assert.match(p.run('data', { message: eml(['Subject: x']) }).errors[0]!.message, /bad argument #1 to 'shareGet' \(string expected, got table\)/);
    } finally {
      p.close();
    }
  });

  it('is one table for every worker of the pool', async () => {
    const { engine } = engineFrom(module({ data: 'if vctx:get(msys.core.VCTX_MESS, "set") then msys.shareSet("share-pool", vctx:get(msys.core.VCTX_MESS, "set")) end vctx:set(msys.core.VCTX_MESS, "seen", tostring(msys.shareGet("share-pool")))' }), { threads: 2, maxBatch: 1 });
    try {
      await engine.ready(); // both workers joined, so that calls go to both
      await engine.run('data', { message: eml(['Subject: x']), context: { mess: { set: 'from-one-worker' } } });
      const seen = await Promise.all(Array.from({ length: 64 }, () => engine.run('data', { message: eml(['Subject: x']) })));
      const stats = await engine.stats();
      assert.equal(stats.workers.filter((w) => w.calls > 0).length, 2, 'both workers ran calls');
      assert.deepEqual(new Set(seen.map((v) => v.context.mess.seen)), new Set(['from-one-worker']));
    } finally {
      await engine.close();
    }
  });
});
