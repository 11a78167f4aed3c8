// The per-call path allocates nothing of its own once warm: handles are
// values, the call context, verdict, header index and decoding buffers are
// reused, so what a call allocates in Lua is what its script makes. Counted
// by the state's allocator (stats().luaAllocations); the C++ side is counted
// by the C driver's own operator new (test/bench/c-driver.test.ts), and
// through the addon by a preloaded one (cxx-allocations.test.ts).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Policy } from '../../src/index.js';
import { dataPolicy, eml } from '../helpers/lua-policy.js';

const MESSAGE = eml([
  'From: =?UTF-8?B?QWxpY2Ugw4l4YW1wbGU=?= <alice@example.net>',
  'Subject: =?UTF-8?Q?Quarterly_report_=E2=80=93_draft?=',
  ' =?UTF-8?Q?_for_review=21?=',
  'Message-ID: <1@example.net>',
]);
const WARM = 3000;
const CALLS = 1000;

// Lua allocations per call over CALLS calls, after WARM calls (the JIT's
// traces and every reused buffer made by then).
function perCall(p: Policy): number {
  const input = { message: MESSAGE, mailfrom: 'alice@example.net', rcptto: ['bob@example.com'] };
  for (let i = 0; i < WARM; i++) p.run('data', input);
  const before = p.stats().luaAllocations;
  for (let i = 0; i < CALLS; i++) assert.deepEqual(p.run('data', input).errors, []);
  return (p.stats().luaAllocations - before) / CALLS;
}

// The header values are strings: made again when the collector has freed the
// previous call's (the script's own doing too), so a few in a thousand calls
// allocate one.
function assertAbout(n: number, expected: number): void {
  assert.ok(Math.abs(n - expected) < 0.05, `${n} allocations per call, expected ${expected}`);
}

describe('allocations per call, after warm-up', () => {
  it('are none for a callout that returns at once', (t) => {
    const p = dataPolicy('');
    t.after(() => p.close());
    assert.equal(perCall(p), 0);
  });

  it('are only the table msg:header returns, with context writes and a long reply', (t) => {
    // The values read are strings Lua still holds from the call before (interned).
    const p = dataPolicy(`
      local s = msg:header("Subject")
      vctx:set(msys.core.VCTX_MESS, "policy", "reference")
      if s[1]:find("FREE", 1, true) then vctx:set_code(550, "5.7.1 Rejected") end
      vctx:set_code(250, "2.0.0 Accepted by policy, with a reply longer than a short string")
      KEEP = s`);
    t.after(() => p.close());
    // The table msg:header returns is the script's: one object per read.
    const baseline = dataPolicy('local s = {nil} KEEP = s');
    t.after(() => baseline.close());
    assertAbout(perCall(p), perCall(baseline));
  });

  it('are the tables msg:header returns, one per read, like a table the script makes', (t) => {
    // Kept in globals, so that LuaJIT cannot sink either side's tables away.
    const p = dataPolicy('A, B, C = msg:header("From"), msg:header("Message-ID"), msg:header("X-Missing")');
    t.after(() => p.close());
    const baseline = dataPolicy('A, B, C = {nil}, {nil}, {nil}');
    t.after(() => baseline.close());
    const n = perCall(p);
    assertAbout(n, perCall(baseline));
    assert.ok(n >= 3, `${n}`);
  });

  it('are none for context writes and reads with long keys, values and reply texts', (t) => {
    // Longer than std::string holds inline: the maps keep them from call to
    // call; Lua keeps the strings read (interned) while KEEP holds them.
    const p = dataPolicy(`
      local core = msys.core
      vctx:set(core.VCTX_MESS, "a-context-key-longer-than-sixteen-bytes", "and a value longer than sixteen bytes too")
      vctx:set(core.VCTX_CONN, "another-long-connection-key", "another value longer than sixteen bytes")
      local v = vctx:get(core.VCTX_MESS, "a-context-key-longer-than-sixteen-bytes")
      msg:context_set(core.VCTX_MESS, "third-long-key-for-the-message", v)
      KEEP = msg:context_get(core.VCTX_MESS, "third-long-key-for-the-message")
      vctx:set_code(250, "2.0.0 Accepted by policy, with a reply text far longer than sixteen bytes")`);
    t.after(() => p.close());
    assertAbout(perCall(p), 0);
  });

  it('raise for a handle kept from an earlier call without making one per call', (t) => {
    const p = dataPolicy(
      `if KEPT then
         local ok = pcall(KEPT.header, KEPT, "Subject")
         if ok then error("a kept msg still worked") end
       end
       KEPT = msg`,
      { sandbox: false },
    );
    t.after(() => p.close());
    // pcall's error message is a string the script's failed call makes.
    assert.ok(perCall(p) <= 2);
  });
});
