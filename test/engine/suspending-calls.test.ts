// msys.sleep and msys.dnsLookup suspend the Lua thread while Node does the
// work (a timer, a real DNS query to a server on loopback), then resume it;
// the rest of the phase runs after. Through runAsync / runBatchAsync.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { openPolicy, type Policy } from '../../src/index.js';
import { startTestDns, type TestDns } from '../helpers/dns-server.js';
import { eml, policyFrom } from '../helpers/lua-policy.js';

const message = eml(['Subject: x']);
let dns: TestDns;
before(async () => (dns = await startTestDns(200)));
after(() => dns.close());

function dataPolicyWith(body: string, dnsServers?: string[]): Policy {
  return policyFrom(
    `msys.registerModule("t", { validate_data = function(self, msg, accept, vctx)
      local M = msys.core.VCTX_MESS
      ${body}
      return msys.core.VALIDATE_CONT end })`,
    dnsServers ? { dnsServers } : {},
  );
}

function lookup(name: string, type: string) {
  return `local r, err = msys.dnsLookup(${JSON.stringify(name)}, ${JSON.stringify(type)})
    vctx:set(M, "r", r and table.concat(r, ",") or ("nil " .. tostring(err)))`;
}

describe('suspending calls', () => {
  it('msys.sleep suspends the call and the callout goes on after it', async () => {
    const p = dataPolicyWith('local t = os.clock() msys.sleep(0.05) vctx:set(M, "after", "yes") vctx:set_code(250, "slept")');
    for (let round = 0; round < 2; round++) {
      const start = performance.now();
      const v = await p.runAsync('data', { message });
      assert.ok(performance.now() - start >= 45, 'it waited');
      assert.equal(v.context.mess.after, 'yes');
      assert.equal(v.disposition?.text, 'slept');
      assert.deepEqual(v.errors, []);
    }
    p.close();
  });

  it('runs the next modules after a module that slept, in order', async () => {
    const p = openPolicy({
      scripts: [
        { name: 'a', source: 'msys.registerModule("a", { validate_data = function(s, m, a, vctx) msys.sleep(0.01) vctx:set(0, "o", "a") return 0 end })' },
        { name: 'b', source: 'msys.registerModule("b", { validate_data = function(s, m, a, vctx) vctx:set(0, "o", vctx:get(0, "o") .. "b") msys.sleep(0) vctx:set(0, "o", vctx:get(0, "o") .. "c") return 0 end })' },
      ],
    });
    const v = await p.runAsync('data', { message, context: { mess: { before: '1' } } });
    assert.deepEqual(v.context.mess, { before: '1', o: 'abc' });
    assert.equal(v.callouts, 2);
    p.close();
  });

  it('holds hundreds of suspended calls at once, waiting side by side', async () => {
    const p = dataPolicyWith('msys.sleep(0.1) vctx:set(M, "id", msg.id)');
    const inputs = Array.from({ length: 500 }, (_, i) => ({ message, id: `m${i}` }));
    const start = performance.now();
    const verdicts = await p.runBatchAsync('data', inputs);
    const took = performance.now() - start;
    assert.deepEqual(verdicts.map((v) => v.context.mess.id), inputs.map((i) => i.id));
    assert.ok(took < 2000, `500 sleeps of 100 ms overlapped (took ${took.toFixed(0)} ms)`);
    p.close();
  });

  it('keeps calls that do not suspend unaffected in a mixed batch', async () => {
    const p = dataPolicyWith('if msg.id == "sleeper" then msys.sleep(0.02) end vctx:set(M, "id", msg.id)');
    const verdicts = await p.runBatchAsync('data', [{ message, id: 'a' }, { message, id: 'sleeper' }, { message, id: 'b' }]);
    assert.deepEqual(verdicts.map((v) => v.context.mess.id), ['a', 'sleeper', 'b']);
    p.close();
  });

  it('refuses to suspend in a synchronous call, with a clear error', () => {
    const p = dataPolicyWith('msys.sleep(0.01)');
    const v = p.run('data', { message });
    assert.match(v.errors[0]?.message ?? '', /msys\.sleep suspends the call, which this caller cannot wait for \(use Policy\.runAsync\)/);
    p.close();
  });

  it('refuses to suspend from inside a coroutine of the script', async () => {
    const p = dataPolicyWith('local ok, e = coroutine.resume(coroutine.create(function() msys.sleep(0) end)) vctx:set(M, "e", tostring(e))');
    const v = await p.runAsync('data', { message });
    assert.match(v.context.mess.e ?? '', /msys\.sleep can only be called by a callout itself/);
    p.close();
  });

  it('sleeps inside pcall on LuaJIT; on Lua 5.1, which cannot yield across pcall, pcall returns the error', async () => {
    const p = dataPolicyWith('local ok, e = pcall(msys.sleep, 0) vctx:set(M, "r", tostring(ok) .. " " .. tostring(e)) local ok2, e2 = pcall(coroutine.yield) vctx:set(M, "y", tostring(ok2))');
    const v = await p.runAsync('data', { message });
    if (p.engine === 'luajit') assert.equal(v.context.mess.r, 'true nil');
    else assert.equal(v.context.mess.r, 'false attempt to yield across metamethod/C-call boundary');
    // A failed sleep is not taken for a suspension by a later plain yield.
    if (p.engine === 'lua51') assert.equal(v.context.mess.y, 'false');
    else assert.match(v.errors[0]?.message ?? '', /attempt to yield from a callout/);
    p.close();
  });

  it('checks msys.sleep and msys.dnsLookup arguments', async () => {
    const p = dataPolicyWith('local ok1, e1 = pcall(msys.sleep, -1) local ok2, e2 = pcall(msys.dnsLookup, "x.test", "SRV") vctx:set(M, "e", e1 .. "|" .. e2)');
    const v = await p.runAsync('data', { message });
    assert.match(v.context.mess.e ?? '', /seconds must be from 0 to 86400.*\|.*type must be A, AAAA, MX, TXT, PTR or NS/);
    p.close();
  });

  it('msys.dnsLookup asks a real DNS server for A, AAAA, MX, TXT, PTR and NS records', async () => {
    const cases: [string, string, string][] = [
      ['a.test', 'A', '192.0.2.1,192.0.2.2'],
      ['v6.test', 'AAAA', '2001:db8::1'],
      ['mx.test', 'MX', 'mx1.test,mx2.test'],
      ['txt.test', 'TXT', 'v=spf1 ip4:192.0.2.0/24 -all'],
      ['192.0.2.1', 'PTR', 'host.test'],
      ['ns.test', 'NS', 'ns1.test'],
    ];
    for (const [name, type, want] of cases) {
      const p = dataPolicyWith(lookup(name, type), [dns.server]);
      const before = dns.queries;
      const v = await p.runAsync('data', { message });
      assert.equal(v.context.mess.r, want, `${type} ${name}`);
      assert.ok(dns.queries > before, 'the server was asked');
      p.close();
    }
  });

  it('msys.dnsLookup returns nil and the error for a name that does not exist', async () => {
    const p = dataPolicyWith(lookup('missing.test', 'A'), [dns.server]);
    const v = await p.runAsync('data', { message });
    assert.equal(v.context.mess.r, 'nil NXDOMAIN');
    p.close();
  });

  it('holds many DNS lookups in flight at once', async () => {
    const p = dataPolicyWith(lookup('slow.test', 'A'), [dns.server]);
    const start = performance.now();
    const verdicts = await p.runBatchAsync('data', Array.from({ length: 200 }, () => ({ message })));
    const took = performance.now() - start;
    assert.ok(verdicts.every((v) => v.context.mess.r === '192.0.2.9'));
    assert.ok(took < 3000, `200 lookups answered after 200 ms each overlapped (took ${took.toFixed(0)} ms)`);
    p.close();
  });

  it('does not reuse the Lua thread of a call whose module errored after resuming', async () => {
    const p = dataPolicyWith('msys.sleep(0) error("after the sleep")');
    for (let round = 0; round < 2; round++) {
      const v = await p.runAsync('data', { message });
      assert.match(v.errors[0]?.message ?? '', /after the sleep/);
      assert.match(v.errors[0]?.traceback ?? '', /stack traceback/);
    }
    assert.equal(p.stats().threadsDiscarded, 2);
    p.close();
  });

  it('ends calls still waiting when the policy is closed', async () => {
    const p = dataPolicyWith('msys.sleep(0.05)');
    const pending = p.runAsync('data', { message });
    p.close();
    await assert.rejects(pending, (e: Error & { code?: string }) => e.code === 'ERR_SCRIPTLET_CLOSED');
  });
});
