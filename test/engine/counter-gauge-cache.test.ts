// msys.counter (named counters, STRICT/RELAXED) and msys.gauge_cache
// (bounded, expiring string-keyed counters), both in the process's store.
import { after, afterEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { dataPolicy, eml, twice } from '../helpers/lua-policy.js';
import { setStateClockForTests } from '../../src/state/index.js';
import type { Policy } from '../../src/index.js';

const opened: Policy[] = [];
after(() => {
  for (const p of opened) p.close();
});
afterEach(() => setStateClockForTests(undefined));

let n = 0;
const unique = (base: string) => `${base}_${process.pid}_${n++}`;

/** validate_data runs body; its return value (tostring) comes back. */
function lua(body: string): () => string {
  const p = dataPolicy(`local ok, r = pcall(function() ${body} end)
    vctx:set(msys.core.VCTX_MESS, "r", ok and tostring(r) or ("error: " .. tostring(r)))`);
  opened.push(p);
  return () => {
    const v = p.run('data', { message: eml(['Subject: x']), remoteAddr: '192.0.2.1' });
    assert.deepEqual(v.errors, []);
    return v.context.mess.r ?? '';
  };
}

describe('msys.counter', () => {
  it('opens a counter by path and adds to it atomically, by handle or by path', () => {
    const path = unique('/counters/a');
    const run = lua(`
      local c = msys.counter.open("${path}", msys.counter.STRICT)
      local a = msys.counter.inc(c)
      local b = msys.counter.add("${path}", 10)
      return a .. "," .. b .. "," .. msys.counter.read(c) .. "," .. tostring(c)`);
    assert.equal(run(), `1,11,11,msys.counter: ${path}`);
    assert.equal(run(), `12,22,22,msys.counter: ${path}`);
  });

  it('makes a counter for add/inc/reset on a new path, reads 0 for one never made, and unlinks', () => {
    const path = unique('/counters/b');
    const run = lua(`
      local before = msys.counter.read("${path}")
      msys.counter.add("${path}", 3)
      local h = msys.counter.open("${path}")
      local gone = msys.counter.unlink("${path}")
      local again = msys.counter.unlink("${path}")
      msys.counter.inc(h)
      local detached = msys.counter.read(h)
      local fresh = msys.counter.read("${path}")
      msys.counter.reset("${path}")
      return table.concat({before, tostring(gone), tostring(again), detached, fresh, msys.counter.read("${path}")}, ",")`);
    assert.equal(run(), '0,true,false,4,0,0');
  });

  it('counts exactly with RELAXED too, and keeps the semantics a counter was made with', () => {
    const path = unique('/counters/r');
    const run = lua(`
      local c = msys.counter.open("${path}", msys.counter.RELAXED)
      for i = 1, 1000 do msys.counter.inc(c) end
      local s = msys.counter.open("${path}", "STRICT")
      return msys.counter.read(s)`);
    twice((round) => assert.equal(run(), String(1000 * (round + 1))));
  });

  it('raises clear errors naming the function', () => {
    const run = lua(`
      local out = {}
      for _, f in ipairs({
        function() msys.counter.open("/x", 7) end,
        function() msys.counter.open("") end,
        function() msys.counter.add("/x", "many") end,
        function() msys.counter.inc({}) end,
      }) do local ok, err = pcall(f) out[#out + 1] = tostring(err) end
      return table.concat(out, "\\n")`);
    const lines = run().split('\n');
    assert.match(lines[0]!, /bad argument #2 to '.*' \(semantics must be msys\.counter\.STRICT or msys\.counter\.RELAXED\)/);
    assert.match(lines[1]!, /the counter path is empty/);
    assert.match(lines[2]!, /msys\.counter\.add: delta must be an integer, got string/);
    assert.match(lines[3]!, /msys\.counter\.inc: expected a counter \(from msys\.counter\.open\) or a path, got table/);
  });
});

describe('msys.gauge_cache', () => {
  it('increments, decrements, reads and forgets string-keyed counters', () => {
    const name = unique('g');
    const run = lua(`
      msys.gauge_cache.define("${name}", 100, 60)
      msys.gauge_cache.inc("${name}", "a")
      msys.gauge_cache.inc("${name}", "a")
      msys.gauge_cache.dec("${name}", "b")
      local r = msys.gauge_cache.get("${name}", "a") .. "," .. msys.gauge_cache.get("${name}", "b") .. "," .. msys.gauge_cache.get("${name}", "never")
      msys.gauge_cache.remove_item("${name}", "a")
      return r .. "," .. msys.gauge_cache.get("${name}", "a")`);
    assert.equal(run(), '2,-1,0,0');
  });

  it('forgets an entry ttl seconds after its last change', () => {
    const name = unique('ttl');
    const run = lua(`
      msys.gauge_cache.define("${name}", 100, 10)
      if msg:header("Subject")[1] == "inc" then msys.gauge_cache.inc("${name}", "k") end
      return msys.gauge_cache.get("${name}", "k")`);
    const p = opened.at(-1)!;
    const at = (t: number, subject: string) => {
      setStateClockForTests(t);
      return p.run('data', { message: eml([`Subject: ${subject}`]) }).context.mess.r;
    };
    assert.equal(at(1000, 'inc'), '1');
    assert.equal(at(1009, 'inc'), '2');
    assert.equal(at(1018, 'read'), '2', 'ttl counts from the last change');
    assert.equal(at(1019, 'read'), '0');
    assert.equal(run(), '0');
  });

  it('drops the least recently changed entry for a new one when maxelems is reached', () => {
    const name = unique('max');
    const run = lua(`
      msys.gauge_cache.define("${name}", 2, 0)
      msys.gauge_cache.inc("${name}", "a")
      msys.gauge_cache.inc("${name}", "b")
      msys.gauge_cache.inc("${name}", "a")
      msys.gauge_cache.inc("${name}", "c")
      local g = function(k) return msys.gauge_cache.get("${name}", k) end
      return g("a") .. g("b") .. g("c")`);
    assert.equal(run(), '201');
  });

  it('logs that replicated = true keeps counts in the process (no Redis configured)', () => {
    const name = unique('rep');
    const p = dataPolicy(`msys.gauge_cache.define("${name}", 10, 10, true) msys.gauge_cache.inc("${name}", "k")
      vctx:set(msys.core.VCTX_MESS, "r", tostring(msys.gauge_cache.get("${name}", "k")))`);
    opened.push(p);
    const v = p.run('data', { message: eml(['Subject: x']) });
    assert.equal(v.context.mess.r, '1');
    assert.match(v.logs.map((l) => l.text).join('\n'), /asks to be replicated, but no Redis is configured/);
  });

  it('raises for a cache never defined and for a key that is not a string', () => {
    const name = unique('e');
    const run = lua(`
      msys.gauge_cache.define("${name}", 10, 10)
      local a = select(2, pcall(msys.gauge_cache.inc, "nope_${name}", "k"))
      local b = select(2, pcall(msys.gauge_cache.inc, "${name}", {}))
      local c = select(2, pcall(msys.gauge_cache.define, "${name}", -1, 10))
      return a .. "\\n" .. b .. "\\n" .. c`);
    const [a, b, c] = run().split('\n');
    assert.match(a!, /msys\.gauge_cache\.inc: no gauge cache named 'nope_.*': define it first/);
    assert.match(b!, /msys\.gauge_cache\.inc: keystring must be a string, got table/);
    assert.match(c!, /msys\.gauge_cache\.define: maxelems must be an integer from 0 to/);
  });
});
