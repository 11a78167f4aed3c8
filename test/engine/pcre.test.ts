// msys.pcre.match/replace/split on PCRE2: the shapes Momentum documents
// (three values from match, a 1-based split), the decisions where it is
// silent (global replace with $1/${name}, unset groups as false, bytes
// unless (*UTF), invalid UTF-8 never an error), the limits that stop a
// catastrophic pattern, and the per-master cache of compiled patterns.
import { describe, it, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import type { Policy } from '../../src/index.js';
import { dataPolicy, eml, twice } from '../helpers/lua-policy.js';

const MESSAGE = eml(['Subject: s'], 'body\r\n');

// A Lua value as text: tables with their keys sorted, strings quoted.
const SHOW = `
local function show(v)
  if type(v) == "string" then return string.format("%q", v) end
  if type(v) ~= "table" then return tostring(v) end
  local keys = {}
  for k in pairs(v) do keys[#keys + 1] = k end
  table.sort(keys, function(a, b)
    if type(a) == type(b) then return a < b end
    return type(a) == "number"
  end)
  local out = {}
  for _, k in ipairs(keys) do out[#out + 1] = tostring(k) .. "=" .. show(v[k]) end
  return "{" .. table.concat(out, ",") .. "}"
end
local function showAll(...)
  local out = {}
  for i = 1, select("#", ...) do out[i] = show((select(i, ...))) end
  return table.concat(out, " ")
end`;

/** A policy that evaluates the Lua expression list expr and returns its values shown. */
function evaluator(t: TestContext): (expr: string) => string {
  const cache = new Map<string, Policy>();
  t.after(() => {
    for (const p of cache.values()) p.close();
  });
  return (expr: string) => {
    let p = cache.get(expr);
    if (!p) {
      p = dataPolicy(`${SHOW}\nvctx:set(msys.core.VCTX_MESS, "out", showAll(${expr}))`);
      cache.set(expr, p);
    }
    let out = '';
    twice(() => {
      const v = p.run('data', { message: MESSAGE });
      assert.deepEqual(v.errors, []);
      out = v.context.mess.out as string;
    });
    return out;
  };
}

/** The error message of running the Lua snippet body. */
function errorOf(t: TestContext, body: string): string {
  const p = dataPolicy(body);
  t.after(() => p.close());
  const v = p.run('data', { message: MESSAGE });
  assert.equal(v.errors.length, 1, 'one error');
  return v.errors[0]!.message;
}

describe('msys.pcre.match(subject, pattern)', () => {
  it('returns [0] the whole match, [1..n] the groups and every named group by name', (t) => {
    const lua = evaluator(t);
    assert.equal(
      lua(`msys.pcre.match("mail alice@example.com now", "(?P<user>[^@ ]+)@(?P<domain>[^ ]+)")`),
      '{0="alice@example.com",1="alice",2="example.com",domain="example.com",user="alice"}',
    );
  });

  it('returns the first match only, and supports (?<name>) and inline flags such as (?i)', (t) => {
    const lua = evaluator(t);
    assert.equal(lua(`msys.pcre.match("a1 b2", "(?i)(?<l>[A-Z])\\\\d")`), '{0="a1",1="a",l="a"}');
  });

  it('gives a group that took no part in the match as false, so the array has no holes', (t) => {
    const lua = evaluator(t);
    assert.equal(lua(`msys.pcre.match("ac", "a(b)?(c)")`), '{0="ac",1=false,2="c"}');
  });

  it('returns a single nil when nothing matches', (t) => {
    const lua = evaluator(t);
    assert.equal(lua(`msys.pcre.match("abc", "x")`), 'nil');
    assert.equal(lua(`select("#", msys.pcre.match("abc", "x"))`), '1');
  });

  it('returns nil, errstr, errnum when the pattern does not compile', (t) => {
    const lua = evaluator(t);
    assert.equal(lua(`msys.pcre.match("abc", "a(b")`), 'nil "at offset 3: missing closing parenthesis" 114');
    assert.equal(lua(`msys.pcre.match("abc", "*")`), 'nil "at offset 0: quantifier does not follow a repeatable item" 109');
  });

  it('raises a Lua error naming the function and the argument for a subject or pattern that is not a string', (t) => {
    assert.match(errorOf(t, 'msys.pcre.match(nil, "a")'), /msys\.pcre\.match: subject must be a string, got nil/);
    assert.match(errorOf(t, 'msys.pcre.match("a", {})'), /msys\.pcre\.match: pattern must be a string, got table/);
  });

  it('matches bytes: an invalid UTF-8 subject is searched, not refused', (t) => {
    const lua = evaluator(t);
    assert.equal(lua(`(function() local m = msys.pcre.match("caf\\233 ok", "\\\\xe9 (ok)") return m[0]:byte(1), m[1] end)()`), '233 "ok"');
    assert.equal(lua(`#msys.pcre.match("\\255\\254", ".")[0]`), '1');
  });

  it('matches characters under (*UTF), where invalid UTF-8 in the subject still does not raise', (t) => {
    const lua = evaluator(t);
    assert.equal(lua(`#msys.pcre.match("\\195\\169", "(*UTF)^.$")[0]`), '2');
    assert.equal(lua(`msys.pcre.match("\\255 caf\\195\\169", "(*UTF)caf.")[0] == "caf\\195\\169"`), 'true');
    assert.equal(lua(`msys.pcre.match("\\255\\254", "(*UTF).")`), 'nil');
  });

  it('is also package.loaded["msys.pcre"], for scripts that require it', (t) => {
    const lua = evaluator(t);
    assert.equal(lua(`require("msys.pcre") == msys.pcre`), 'true');
  });
});

describe('msys.pcre.split(subject, pattern)', () => {
  it('returns the pieces between matches as a 1-based array, empty pieces kept', (t) => {
    const lua = evaluator(t);
    assert.equal(lua(`msys.pcre.split("user@example.com", "@")[2]`), '"example.com"');
    assert.equal(lua(`msys.pcre.split("@a,,b@", "[@,]")`), '{1="",2="a",3="",4="b",5=""}');
    assert.equal(lua(`msys.pcre.split("a, b ,c", "\\\\s*,\\\\s*")`), '{1="a",2="b",3="c"}');
  });

  it('returns the subject as the one piece when nothing matches, and {""} for an empty subject', (t) => {
    const lua = evaluator(t);
    assert.equal(lua(`msys.pcre.split("abc", ";")`), '{1="abc"}');
    assert.equal(lua(`msys.pcre.split("", ";")`), '{1=""}');
  });

  it('splits between characters on an empty match, as JavaScript does, and keeps no groups', (t) => {
    const lua = evaluator(t);
    assert.equal(lua(`msys.pcre.split("abc", "x*")`), '{1="a",2="b",3="c"}');
    assert.equal(lua(`msys.pcre.split("a1b", "(\\\\d)")`), '{1="a",2="b"}');
  });

  it('returns nil, errstr, errnum for a bad pattern', (t) => {
    const lua = evaluator(t);
    assert.equal(lua(`msys.pcre.split("abc", "[")`), 'nil "at offset 1: missing terminating ] for character class" 106');
  });
});

describe('msys.pcre.replace(subject, pattern, replacement)', () => {
  it('replaces every occurrence, not only the first', (t) => {
    const lua = evaluator(t);
    assert.equal(lua(`msys.pcre.replace("a.b.c", "\\\\.", "-")`), '"a-b-c"');
  });

  it('substitutes $1, \${1}, \${name} and $$ in the replacement, an unset group as ""', (t) => {
    const lua = evaluator(t);
    assert.equal(lua(`msys.pcre.replace("alice@example.com", "(?<u>\\\\w+)@(\\\\w+)", "\${2}:$u:$$")`), '"example:alice:$.com"');
    assert.equal(lua(`msys.pcre.replace("ac", "a(b)?", "[$1]")`), '"[]c"');
    assert.equal(lua(`msys.pcre.replace("ab", "(a)", "\${1:+yes:no}")`), '"yesb"');
  });

  it('returns the subject unchanged when nothing matches, so that rep ~= orig tells a change', (t) => {
    const lua = evaluator(t);
    assert.equal(lua(`msys.pcre.replace("abc", "x", "y") == "abc"`), 'true');
  });

  it('returns nil, errstr, errnum for a bad pattern or a replacement naming a group that does not exist', (t) => {
    const lua = evaluator(t);
    assert.equal(lua(`msys.pcre.replace("abc", "(", "x")`), 'nil "at offset 1: missing closing parenthesis" 114');
    assert.equal(lua(`msys.pcre.replace("abc", "(b)", "$2")`), 'nil "replacement at offset 2: unknown substring" -49');
  });

  it('grows its output for a replacement much longer than the subject', (t) => {
    const lua = evaluator(t);
    assert.equal(lua(`#msys.pcre.replace(string.rep("a", 1000), "a", string.rep("b", 100))`), '100000');
  });
});

describe('a catastrophic pattern', () => {
  it('ends with a Lua error about the match limit, within a fraction of a second, instead of stalling the worker', (t) => {
    const started = process.hrtime.bigint();
    const message = errorOf(t, 'msys.pcre.match(string.rep("a", 5000) .. "b", "(a+)+$")');
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    assert.match(message, /msys\.pcre\.match: pattern exceeded the match limit/);
    assert.ok(ms < 2000, `took ${ms} ms`);
  });

  it('is reported by replace, split and msg:body_match alike, and can be caught with pcall', (t) => {
    const lua = evaluator(t);
    const bad = 'string.rep("a", 5000) .. "b", "(a+)+$"';
    assert.match(lua(`pcall(msys.pcre.replace, ${bad}, "x")`), /^false ".*msys\.pcre\.replace: pattern exceeded the match limit"$/);
    assert.match(lua(`pcall(msys.pcre.split, ${bad})`), /msys\.pcre\.split: pattern exceeded the match limit/);
  });
});

describe('the compiled pattern cache of a master', () => {
  it('compiles a pattern once, however many calls use it', (t) => {
    const p = dataPolicy('msys.pcre.match("abc", "b+") msys.pcre.split("a,b", ",") msys.pcre.replace("abc", "b+", "x")');
    t.after(() => p.close());
    for (let i = 0; i < 50; i++) assert.deepEqual(p.run('data', { message: MESSAGE }).errors, []);
    assert.equal(p.stats().pcreCompiles, 2);
  });

  it('does not keep a pattern that failed to compile, and compiles it again when asked', (t) => {
    const p = dataPolicy('assert(msys.pcre.match("abc", "(") == nil)');
    t.after(() => p.close());
    for (let i = 0; i < 3; i++) assert.deepEqual(p.run('data', { message: MESSAGE }).errors, []);
    assert.equal(p.stats().pcreCompiles, 0);
  });

  it('stays bounded: past 256 patterns the least recently used is compiled again on its next use', (t) => {
    const p = dataPolicy(`
      for i = 1, 300 do assert(msys.pcre.match("x" .. i, "^x" .. i .. "$")) end
      assert(msys.pcre.match("x300", "^x300$"))  -- still cached
      assert(msys.pcre.match("x1", "^x1$"))      -- evicted, compiled again`);
    t.after(() => p.close());
    assert.deepEqual(p.run('data', { message: MESSAGE }).errors, []);
    assert.equal(p.stats().pcreCompiles, 301);
  });

  it('costs no Lua allocation for a cached pattern that does not match, call after call', (t) => {
    const p = dataPolicy('if msys.pcre.match("subject line", "(?i)viagra|cialis") then error("matched") end');
    t.after(() => p.close());
    for (let i = 0; i < 2000; i++) p.run('data', { message: MESSAGE });
    const before = p.stats().luaAllocations;
    for (let i = 0; i < 1000; i++) assert.deepEqual(p.run('data', { message: MESSAGE }).errors, []);
    assert.equal(p.stats().luaAllocations - before, 0);
    assert.equal(p.stats().pcreCompiles, 1);
  });
});
