// msys.audit_series: sliding windows per key (cidr, cidr_ipv6, string), in
// the process's shared store. The store's clock is set by the test, so
// windows turn without waiting. Series names are unique per test: the
// store outlives each policy, by design.
import { after, afterEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { policyFrom, eml, twice } from '../helpers/lua-policy.js';
import { setStateClockForTests } from '../../src/state/index.js';
import type { Policy } from '../../src/index.js';

const T0 = 1_800_000_000; // a multiple of 300: window boundaries are easy to reason about
const opened: Policy[] = [];
after(() => {
  for (const p of opened) p.close();
  setStateClockForTests(undefined);
});
afterEach(() => setStateClockForTests(undefined));

/** A policy whose init runs initLua and whose validate_data runs body, returning vctx mess key "r". */
function series(initLua: string, body: string): Policy {
  const p = policyFrom(`local mod = {}
function mod:init() ${initLua} return true end
function mod:validate_data(msg, accept, vctx)
  local ok, r = pcall(function() ${body} end)
  vctx:set(msys.core.VCTX_MESS, "r", ok and tostring(r) or ("error: " .. tostring(r)))
  return msys.core.VALIDATE_CONT
end
msys.registerModule("t", mod)`);
  opened.push(p);
  return p;
}

function run(p: Policy, remoteAddr = '192.0.2.7'): string {
  const v = p.run('data', { message: eml(['Subject: x']), remoteAddr });
  assert.deepEqual(v.errors, []);
  return v.context.mess.r ?? '';
}

let n = 0;
const unique = (base: string) => `${base}_${process.pid}_${n++}`;

describe('msys.audit_series', () => {
  it('counts adds to the current window for the accept construct, as the training policy does', () => {
    const name = unique('rcpt_invalid');
    const p = series(`msys.audit_series.define("${name}", "cidr", 300, 12)`, `
      msys.audit_series.add("${name}", {key = accept})
      return msys.audit_series.count("${name}", {key = accept, startv = 0, endv = 11})`);
    setStateClockForTests(T0);
    twice((round) => assert.equal(run(p), String(round + 1)));
  });

  it('adds options.count (negative too) and takes a non-table options as the key', () => {
    const name = unique('c');
    const p = series(`msys.audit_series.define("${name}", "cidr", 60, 5)`, `
      msys.audit_series.add("${name}", {key = "10.0.0.1", count = 5})
      msys.audit_series.add("${name}", {key = "10.0.0.1", count = -2})
      msys.audit_series.add("${name}", "10.0.0.1")
      return msys.audit_series.count("${name}", "10.0.0.1")`);
    setStateClockForTests(T0);
    assert.equal(run(p), '4');
  });

  it('moves counts to window 1, 2, ... as intervals pass, and forgets them after num_windows', () => {
    const name = unique('w');
    const p = series(`msys.audit_series.define("${name}", "string", 300, 3)`, `
      local c = function(s, e) return msys.audit_series.count("${name}", {key = "k", startv = s, endv = e}) end
      if msg:header("X-Add")[1] then msys.audit_series.add("${name}", {key = "k", count = tonumber(msg:header("X-Add")[1])}) end
      return table.concat({c(0, 0), c(1, 1), c(2, 2), c(0, 2), c(0, 99)}, ",")`);
    const at = (t: number, add?: number) => {
      setStateClockForTests(t);
      const v = p.run('data', { message: eml(add ? ['X-Add: ' + add] : ['Subject: x']), remoteAddr: '192.0.2.1' });
      return v.context.mess.r;
    };
    assert.equal(at(T0, 1), '1,0,0,1,1');
    assert.equal(at(T0 + 299, 2), '3,0,0,3,3');
    assert.equal(at(T0 + 300, 10), '10,3,0,13,13');
    assert.equal(at(T0 + 600), '0,10,3,13,13');
    assert.equal(at(T0 + 900), '0,0,10,10,10');
    assert.equal(at(T0 + 1200), '0,0,0,0,0');
  });

  it('counts a prefix ("IP/mask", a bare "/mask" for the peer\'s), including adds before the first such count', () => {
    const name = unique('p');
    const p = series(`msys.audit_series.define("${name}", "cidr", 300, 12)`, `
      msys.audit_series.add("${name}", {key = accept})
      msys.audit_series.add("${name}", {key = "10.9.9.9"})
      return table.concat({msys.audit_series.count("${name}", {key = "/24"}), msys.audit_series.count("${name}", "192.0.2.0/24"),
        msys.audit_series.count("${name}", "192.0.0.0/8"), msys.audit_series.count("${name}", "0.0.0.0/0"),
        msys.audit_series.count("${name}", "192.0.2.99"), msys.audit_series.count("${name}")}, ",")`);
    setStateClockForTests(T0);
    assert.equal(run(p, '192.0.2.7'), '1,1,1,2,0,1');
    assert.equal(run(p, '192.0.2.8'), '2,2,2,4,0,1');
    assert.equal(run(p, '192.0.2.7'), '3,3,3,6,0,2');
  });

  it('treats ::ffff:a.b.c.d as IPv4 and lets an IPv6 peer count nothing in a cidr (IPv4) series', () => {
    const name = unique('v4');
    const p = series(`msys.audit_series.define("${name}", "cidr", 300, 12)`, `
      msys.audit_series.add("${name}", {key = accept})
      return msys.audit_series.count("${name}", {key = accept}) .. "," .. msys.audit_series.count("${name}", "203.0.113.5")`);
    setStateClockForTests(T0);
    assert.equal(run(p, '::ffff:203.0.113.5'), '1,1');
    assert.equal(run(p, '2001:db8::1'), '0,1');
  });

  it('keeps cidr_ipv6 series by IPv6 address and prefix, IPv4 mapped into ::ffff:0:0/96', () => {
    const name = unique('v6');
    const p = series(`msys.audit_series.define("${name}", "cidr_ipv6", 300, 12)`, `
      msys.audit_series.add("${name}", {key = accept})
      return table.concat({msys.audit_series.count("${name}", {key = accept}), msys.audit_series.count("${name}", "2001:db8:1::/48"),
        msys.audit_series.count("${name}", "/64"), msys.audit_series.count("${name}", "198.51.100.0/24")}, ",")`);
    setStateClockForTests(T0);
    assert.equal(run(p, '2001:db8:1:2::1'), '1,1,1,0');
    assert.equal(run(p, '2001:db8:1:3::1'), '1,2,1,0');
    assert.equal(run(p, '198.51.100.4'), '1,2,1,1');
  });

  it('keeps string series by their key, and requires one', () => {
    const name = unique('s');
    const p = series(`msys.audit_series.define("${name}", "string", 300, 12)`, `
      msys.audit_series.add("${name}", {key = msg:mailfrom()})
      local n = msys.audit_series.count("${name}", {key = msg:mailfrom()})
      local ok, err = pcall(msys.audit_series.add, "${name}", {})
      return n .. " " .. tostring(err)`);
    setStateClockForTests(T0);
    const v = p.run('data', { message: eml(['Subject: x']), mailfrom: 'a@example.com' });
    assert.match(v.context.mess.r ?? '', /^1 .*msys\.audit_series\.add: a string series needs a string key \(options\.key\), got nil/);
  });

  it('forgets one address with remove_item, and every address of a prefix with IP/mask, prefix counts included', () => {
    const name = unique('r');
    const p = series(`msys.audit_series.define("${name}", "cidr", 300, 12)`, `
      for _, ip in ipairs({"10.0.0.1", "10.0.0.2", "10.0.1.1"}) do msys.audit_series.add("${name}", {key = ip, count = 2}) end
      local c = function(k) return msys.audit_series.count("${name}", k) end
      local before = c("10.0.0.0/16")
      msys.audit_series.remove_item("${name}", "10.0.0.1")
      local one = c("10.0.0.0/16") .. "/" .. c("10.0.0.1")
      msys.audit_series.remove_item("${name}", "10.0.0.0/24")
      return before .. " " .. one .. " " .. c("10.0.0.0/16") .. "/" .. c("10.0.0.2")`);
    setStateClockForTests(T0);
    assert.equal(run(p), '6 4/0 2/0');
  });

  it('keeps the data of a series defined again with the same parameters (a reload, another worker)', () => {
    const name = unique('same');
    const init = `msys.audit_series.define("${name}", "string", 300, 12)`;
    const body = `msys.audit_series.add("${name}", "k") return msys.audit_series.count("${name}", "k")`;
    setStateClockForTests(T0);
    const a = series(init, body);
    assert.equal(run(a), '1');
    const b = series(init, body);
    assert.equal(run(b), '2');
    assert.equal(run(a), '3');
  });

  it('starts a series defined with other parameters again, and says so in the log', () => {
    const name = unique('other');
    setStateClockForTests(T0);
    const a = series(`msys.audit_series.define("${name}", "string", 300, 12)`, `msys.audit_series.add("${name}", "k") return msys.audit_series.count("${name}", "k")`);
    assert.equal(run(a), '1');
    const b = series(`msys.audit_series.define("${name}", "string", 60, 5)`, `return msys.audit_series.count("${name}", "k")`);
    assert.equal(run(b), '0');
    assert.match(b.loadLogs.map((l) => l.text).join('\n'), new RegExp(`series '${name}' redefined from string 300s x 12 to string 60s x 5: its counts start again`));
    assert.equal(run(a), '1', 'the first policy finds the new series');
  });

  it('accepts replicate = "cluster", counts locally, and logs that no Redis is configured', () => {
    const name = unique('cl');
    setStateClockForTests(T0);
    const p = series(`msys.audit_series.define("${name}", "cidr", 300, 12, {replicate = "cluster"})`, `msys.audit_series.add("${name}") return msys.audit_series.count("${name}")`);
    assert.equal(run(p), '1');
    assert.match(p.loadLogs.map((l) => l.text).join('\n'), /asks replicate = "cluster", but no Redis is configured/);
  });

  it('logs that persist = true keeps counts in memory when no state_dir is configured', () => {
    const name = unique('np');
    const p = series(`msys.audit_series.define("${name}", "cidr", 300, 12, {persist = true})`, 'return 1');
    assert.match(p.loadLogs.map((l) => l.text).join('\n'), /asks persist = true, but no state_dir is configured/);
  });

  it('raises clear errors naming the function and the argument', () => {
    const name = unique('e');
    const p = series(`msys.audit_series.define("${name}", "cidr", 300, 12)`, `
      local out = {}
      for _, f in ipairs({
        function() msys.audit_series.add("nope_${name}", "1.2.3.4") end,
        function() msys.audit_series.define("x", "ipv4", 300, 12) end,
        function() msys.audit_series.define("x", "cidr", 0, 12) end,
        function() msys.audit_series.define("x", "cidr", 300, 1.5) end,
        function() msys.audit_series.define("x", "cidr", 300, 12, {replicate = "all"}) end,
        function() msys.audit_series.add("${name}", "1.2.3.400") end,
        function() msys.audit_series.count("${name}", "1.2.3.4/33") end,
        function() msys.audit_series.count("${name}", {key = "1.2.3.4", startv = 3, endv = 1}) end,
        function() msys.audit_series.count("${name}", {key = "1.2.3.4", startv = -1}) end,
        function() msys.audit_series.add("${name}", {key = "1.2.3.4", count = "x"}) end,
        function() msys.audit_series.add("${name}", {key = {}}) end,
        function() msys.audit_series.add(nil) end,
      }) do local ok, err = pcall(f) out[#out + 1] = tostring(err) end
      return table.concat(out, "\\n")`);
    const lines = run(p).split('\n');
    const expected = [
      /msys\.audit_series\.add: no series named 'nope_.*': define it first/,
      /msys\.audit_series\.define: type must be "cidr", "cidr_ipv6" or "string", got ipv4/,
      /msys\.audit_series\.define: interval \(seconds\) must be an integer from 1 to/,
      /msys\.audit_series\.define: num_windows must be an integer from 1 to 10000, got 1\.5/,
      /msys\.audit_series\.define: options\.replicate must be "none", "cluster" or "manager"/,
      /msys\.audit_series\.add: key is not an IP address, IP\/mask or \/mask: '1\.2\.3\.400'/,
      /msys\.audit_series\.count: key has a mask over \/32: '1\.2\.3\.4\/33'/,
      /msys\.audit_series\.count: options\.startv \(3\) is greater than options\.endv \(1\)/,
      /msys\.audit_series\.count: startv must be an integer from 0 to/,
      /msys\.audit_series\.add: options\.count must be an integer, got string/,
      /msys\.audit_series\.add: key must be an address string or the accept construct, got table/,
      /msys\.audit_series\.add: the series name must be a string, got nil/,
    ];
    assert.equal(lines.length, expected.length);
    expected.forEach((re, i) => assert.match(lines[i]!, re));
  });

  it('raises for the peer outside a callout: init has no connected peer', () => {
    const name = unique('i');
    assert.throws(
      () => series(`msys.audit_series.define("${name}", "cidr", 300, 12) msys.audit_series.add("${name}")`, 'return 1'),
      /msys\.audit_series\.add: no connected peer outside a callout: give a key/,
    );
  });
});
