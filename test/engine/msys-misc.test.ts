// The small msys functions: parseRFC2822Addresses, msys.type,
// msys.core.get_now_ts, msys.asyncOk, and the single-threaded msys.lock /
// unlock, msys.runInPool and thread.mutex.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { evaluator } from '../helpers/lua-eval.js';
import { dataPolicy, eml, policyFrom, twice } from '../helpers/lua-policy.js';

const lua = evaluator();
after(() => lua.close());

const parse = (list: string, component?: string) =>
  lua.value(`return table.concat(msys.parseRFC2822Addresses(${JSON.stringify(list)}${component ? `, ${JSON.stringify(component)}` : ''}), "|")`);

describe('msys.parseRFC2822Addresses', () => {
  const LIST = '"Doe, Jane" <jane+news@Example.org>, bob@example.net (Bob), Team: ann+x+y@a.example, c@b.example;, plain@host';

  it('returns local@domain of every address by default ("all"), groups flattened', () => {
    twice(() => assert.equal(parse(LIST), 'jane+news@Example.org|bob@example.net|ann+x+y@a.example|c@b.example|plain@host'));
    assert.equal(parse(LIST, 'all'), parse(LIST));
  });

  it('returns the local part, its user and detail (split at the first +), or the domain', () => {
    assert.equal(parse(LIST, 'localpart'), 'jane+news|bob|ann+x+y|c|plain');
    assert.equal(parse(LIST, 'user'), 'jane|bob|ann|c|plain');
    assert.equal(parse(LIST, 'detail'), 'news||x+y||');
    assert.equal(parse(LIST, 'domain'), 'Example.org|example.net|a.example|b.example|host');
  });

  it('returns an empty table for text without addresses', () => {
    assert.equal(lua.value('return #msys.parseRFC2822Addresses("") .. #msys.parseRFC2822Addresses(",,;")'), '00');
  });

  it('raises for an unknown component or a missing list', () => {
    assert.match(lua.error('local v = msys.parseRFC2822Addresses("a@b", "host") return v'), /bad argument #2 .*component must be 'all', 'localpart', 'user', 'detail' or 'domain'/);
    assert.match(lua.error('local v = msys.parseRFC2822Addresses() return v'), /bad argument #1/);
  });
});

describe('msys.type', () => {
  it('names the call handles as Momentum names its classes', () => {
    assert.equal(lua.value('local msg, vctx, accept = ... return msys.type(msg) .. " " .. msys.type(vctx) .. " " .. msys.type(accept)'), 'ec_message validate_context accept_construct');
  });

  it('is type() for everything else, and names json.null', () => {
    assert.equal(lua.value('return msys.type(1) .. msys.type("s") .. msys.type({}) .. msys.type(nil) .. msys.type(print) .. msys.type(json.null) .. msys.type(json.new())'), 'numberstringtablenilfunctionjson.nulltable');
  });
});

describe('msys.core.get_now_ts', () => {
  it('gives whole seconds since the epoch', () => {
    // time() reads the coarse clock, which may still show the second Date.now() has just left.
    const before = Math.floor(Date.now() / 1000);
    const now = Number(lua.value('return msys.core.get_now_ts()'));
    assert.ok(Number.isInteger(now) && now >= before - 1 && now <= before + 2, `${now} against ${before}`);
  });
});

describe('msys.asyncOk', () => {
  const ASK = `vctx:set(msys.core.VCTX_MESS, "direct", tostring(msys.asyncOk()))
    local co = coroutine.create(function() return msys.asyncOk() end)
    vctx:set(msys.core.VCTX_MESS, "coroutine", tostring(select(2, coroutine.resume(co))))`;

  it('is true in a callout run by runAsync, false inside a coroutine of its own', async () => {
    const p = dataPolicy(ASK);
    try {
      const v = await p.runAsync('data', { message: eml(['Subject: x']) });
      assert.deepEqual([v.context.mess.direct, v.context.mess.coroutine], ['true', 'false']);
    } finally {
      p.close();
    }
  });

  it('is false in a synchronous run', () => {
    const p = dataPolicy(ASK);
    try {
      const v = p.run('data', { message: eml(['Subject: x']) });
      assert.deepEqual([v.context.mess.direct, v.context.mess.coroutine], ['false', 'false']);
    } finally {
      p.close();
    }
  });

  it('is false while the script loads', () => {
    const p = policyFrom(`print(tostring(msys.asyncOk()))
      local mod = {} function mod:validate_data() return msys.core.VALIDATE_CONT end
      msys.registerModule("t", mod)`);
    try {
      assert.deepEqual(p.loadLogs.map((l) => l.text), ['false']);
    } finally {
      p.close();
    }
  });
});

describe('msys.lock, msys.unlock, msys.runInPool, thread.mutex', () => {
  it('takes and releases named locks (nothing to exclude in one thread), checking the name', () => {
    assert.equal(lua.value('msys.lock("a") msys.lock("a") msys.unlock("a") return "done"'), 'done');
    assert.match(lua.error('msys.lock(1)'), /msys\.lock: bad argument #1 \(mutex name expected, got number\)/);
  });

  it('runs a closure at once and returns pcall\'s results', () => {
    assert.equal(lua.value('local ok, a, b = msys.runInPool("pool", function(x, y) return x + y, "b" end, 1, 2) return tostring(ok) .. a .. b'), 'true3b');
    assert.match(lua.value('local ok, err = msys.runInPool("pool", function() error("boom") end) return tostring(ok) .. " " .. err'), /^false .*boom$/);
    assert.match(lua.error('msys.runInPool("pool", 1)'), /msys\.runInPool: bad argument #2 \(function expected, got number\)/);
  });

  it('makes mutexes: a second lock of a normal one raises instead of deadlocking, a recursive one counts', () => {
    const thread = 'local thread = require("thread") ';
    assert.equal(lua.value(thread + 'local m = thread.mutex() m:lock() local t = m:trylock() m:unlock() return tostring(t) .. tostring(m:trylock())'), 'falsetrue');
    assert.match(lua.error(thread + 'local m = thread.mutex(thread.MUTEX_ERRORCHECK) m:lock() m:lock()'), /thread\.mutex: lock of a mutex already held would deadlock/);
    assert.equal(lua.value(thread + 'local m = thread.mutex(thread.MUTEX_RECURSIVE) m:lock() m:lock() m:unlock() m:unlock() return "ok"'), 'ok');
    assert.match(lua.error(thread + 'thread.mutex():unlock()'), /thread\.mutex: unlock of a mutex that is not held/);
    assert.match(lua.error(thread + 'thread.mutex(7)'), /thread\.mutex: bad argument #1/);
  });
});
