// Odd ways for a callout to fail: error values that are not strings, a
// __tostring that errors or never returns, an error in the error handler,
// recursion deep enough to run a stack out (also through coroutines), and
// huge or deeply nested return values. Each is one error in the verdict,
// with the exact message, and the same policy then serves the next message.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { dataPolicy, eml } from '../helpers/lua-policy.js';

const LUAJIT = (process.env.SCRIPTLET_ENGINE ?? 'luajit') === 'luajit';
const MESSAGE = eml(['Subject: x']);
const BAD_RETURN = (what: string) => `validate_data returned ${what}; expected msys.core.VALIDATE_CONT or msys.core.VALIDATE_DONE`;

/** Runs body twice (X-Run set) on one policy: each time the one error it gives, then a clean call. */
function failure(body: string): { message: string; location: string } {
  const p = dataPolicy(`if msg:header("X-Run")[1] then\n${body}\nend\nvctx:set(msys.core.VCTX_MESS, "ok", "1")`);
  let out = { message: '', location: '' };
  try {
    for (let round = 0; round < 2; round++) {
      const v = p.run('data', { message: eml(['Subject: x', 'X-Run: 1']) });
      assert.equal(v.errors.length, 1);
      assert.equal(v.errors[0]!.kind, undefined, 'a script error, not a limit');
      assert.equal(v.disposition, null, 'on_error = continue: no tempfail');
      out = { message: v.errors[0]!.message, location: v.errors[0]!.location };
      const normal = p.run('data', { message: MESSAGE });
      assert.deepEqual([normal.errors, normal.context.mess], [[], { ok: '1' }]);
    }
  } finally {
    p.close();
  }
  return out;
}

describe('odd error values', () => {
  it('error(nil)', () => assert.deepEqual(failure('error(nil)'), { message: '(error object is a nil value)', location: '=t:4' }));

  it('error({})', () => assert.deepEqual(failure('error({})'), { message: '(error object is a table value)', location: '=t:4' }));

  it('an error object whose __tostring gives its text', () => {
    assert.equal(failure('error(setmetatable({}, { __tostring = function() return "custom" end }))').message, 'custom');
  });

  it('an error object whose __tostring errors', () => {
    assert.equal(failure('error(setmetatable({}, { __tostring = function() error("inner") end }))').message, '(error object is a table value) (its __tostring failed)');
  });

  it('an error object whose __tostring never returns (the instruction limit ends it)', () => {
    assert.equal(failure('error(setmetatable({}, { __tostring = function() while true do end end }))').message, '(error object is a table value) (its __tostring failed)');
  });

  it('an error inside the error handler', () => {
    const body = 'local ok, e = xpcall(function() error("a") end, function() error("b") end)\nerror("xpcall gave " .. tostring(ok) .. ", " .. tostring(e))';
    assert.equal(failure(body).message, '=t:5: xpcall gave false, error in error handling');
  });

  it('a 1 MB error message, whole', () => {
    const { message } = failure('error(string.rep("y", 1e6))');
    assert.equal(message, '=t:4: ' + 'y'.repeat(1e6));
  });
});

describe('deep recursion', () => {
  it('of a Lua function', () => {
    assert.deepEqual(failure('local function f() return 1 + f() end f()'), { message: '=t:4: stack overflow', location: '=t:4' });
  });

  it('through coroutines, each resuming the next (a C stack overflow on LuaJIT without the guard)', () => {
    assert.equal(failure('local function f() coroutine.wrap(f)() end f()').message, '=t:4: C stack overflow (coroutines nested more than 100 deep)');
    assert.equal(failure('local function f() assert(coroutine.resume(coroutine.create(f))) end f()').message.includes('C stack overflow (coroutines nested more than 100 deep)'), true);
  });

  it('of an error table nested 100 000 deep', () => {
    assert.equal(failure('local t = {} for i = 1, 1e5 do t = { t } end error(t)').message, '(error object is a table value)');
  });
});

describe('huge or deeply nested return values', () => {
  it('unpacking a million values', () => {
    assert.equal(failure('do local t = {} for i = 1, 1e6 do t[i] = i end return unpack(t) end').message, LUAJIT ? 'too many results to unpack' : '=t:4: too many results to unpack');
  });

  it('a table nested 100 000 deep', () => {
    assert.deepEqual(failure('do local t = {} for i = 1, 1e5 do t = { t } end return t end'), { message: BAD_RETURN('a table'), location: '=t' });
  });

  it('a 10 MB string', () => {
    assert.equal(failure('do return string.rep("x", 1e7) end').message, BAD_RETURN('a string'));
  });

  it('VALIDATE_CONT followed by 7 000 more values is a clean return', () => {
    const p = dataPolicy('do local t = {} for i = 1, 7000 do t[i] = i end return msys.core.VALIDATE_CONT, unpack(t) end');
    const v = p.run('data', { message: MESSAGE });
    assert.deepEqual([v.errors, v.disposition], [[], null]);
    p.close();
  });
});
