// Verdicts cross the boundary encoded (an Int32Array, one batch string, key
// ids; see native/napi/verdict_js.hpp). Whatever a script writes must come
// back exactly, whichever path the encoding takes.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { eml, policyFrom, twice } from '../helpers/lua-policy.js';

const message = eml(['Subject: x']);

function echo(lua: string) {
  return policyFrom(`msys.registerModule("t", { validate_data = function(self, msg, accept, vctx)
    local M, C = msys.core.VCTX_MESS, msys.core.VCTX_CONN
    ${lua}
    return msys.core.VALIDATE_CONT end })`);
}

describe('verdict encoding', () => {
  it('returns ASCII, Latin-1, CJK and astral-plane strings exactly', () => {
    const values = ['plain', 'café', '日本語', 'mail 📬 ok', ''];
    const lua = values.map((v, i) => `vctx:set(M, ${JSON.stringify(`k${i}`)}, ${JSON.stringify(v)})`).join('\n') + '\nvctx:set_code(250, "2.0.0 reçu 📬")';
    const p = echo(lua);
    twice(() => {
      const v = p.run('data', { message });
      assert.deepEqual(v.context.mess, Object.fromEntries(values.map((x, i) => [`k${i}`, x])));
      assert.equal(v.disposition?.text, '2.0.0 reçu 📬');
    });
    p.close();
  });

  it('returns keys that are not ASCII, and both contexts at once', () => {
    const p = echo('vctx:set(C, "clé", "1") vctx:set(M, "ключ", "2") vctx:set(M, "b", "3")');
    twice(() => assert.deepEqual(p.run('data', { message }).context, { conn: { 'clé': '1' }, mess: { 'ключ': '2', b: '3' } }));
    p.close();
  });

  it('returns values holding NUL bytes exactly', () => {
    const p = echo('vctx:set(M, "bin", "a\\0b") vctx:set(M, "k\\0", "v") vctx:set_code(250, "ok")');
    twice(() => {
      const v = p.run('data', { message });
      assert.deepEqual(v.context.mess, { bin: 'a\0b', 'k\0': 'v' });
      assert.equal(v.disposition?.text, 'ok');
    });
    p.close();
  });

  it('returns bytes that are not UTF-8 as replacement characters', () => {
    const p = echo('vctx:set(M, "raw", "a\\255b")');
    twice(() => assert.equal(p.run('data', { message }).context.mess.raw, 'a\uFFFDb'));
    p.close();
  });

  it('keeps every key right when a policy uses hundreds of them', () => {
    const p = echo('for i = 1, 300 do vctx:set(M, "key" .. i, tostring(i * 2)) end');
    const want = Object.fromEntries(Array.from({ length: 300 }, (_, i) => [`key${i + 1}`, String((i + 1) * 2)]));
    twice(() => {
      const batch = p.runBatch('data', [{ message }, { message }, { message }]);
      for (const v of batch) assert.deepEqual(v.context.mess, want);
    });
    p.close();
  });

  it('keeps each verdict of a batch apart when their strings differ in kind', () => {
    const p = echo('local s = msg:header("Subject")[1] vctx:set(M, "s", s) vctx:set_code(250, s)');
    const subjects = ['ascii', 'é', '📬', 'a\0b', 'plain again'];
    twice(() => {
      const batch = p.runBatch('data', subjects.map((s) => ({ message: Buffer.concat([Buffer.from('Subject: '), Buffer.from(s), Buffer.from('\r\n\r\nbody')]) })));
      assert.deepEqual(batch.map((v) => v.context.mess.s), subjects);
      assert.deepEqual(batch.map((v) => v.disposition?.text), subjects);
    });
    p.close();
  });
});
