// msys.cidr: named IP lookup tables from rbldnsd files (or empty), defined
// in init, shared by every worker of the process, queried by address or by
// the connected peer, reloaded in the background.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { LoadError, openPolicy, type Policy, type PolicyOptions } from '../../src/index.js';
import { dataPolicy, eml, initAndResultPolicy, twice } from '../helpers/lua-policy.js';
import { engineFrom } from '../pool/helpers.js';

let dir: string;
let outside: string;

const LIST = `# an rbldnsd ip4set/ip6tset file
; another comment
$TTL 3600
:127.0.0.2:Listed, see $
1.2.3.4
10.0.0.0/8 :127.0.0.4:ten
10.1.0.0/16 :127.0.0.5:ten-one
10.1.2.0/24:127.0.0.6:ten-one-two
!10.1.2.3
192.168.1.10-192.168.1.20 :3:range
192.168.2.5-9 :127.0.0.8:short range
172.16 :9
203.0.113.7 plain text value
2001:db8::/32 :127.0.0.10:doc $
2001:db8:1::/48 :127.0.0.11:doc-one
!2001:db8:1::1
::1 :127.0.0.12
`;

before(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cidr-'));
  fs.writeFileSync(path.join(dir, 'list.txt'), LIST);
  outside = fs.mkdtempSync(path.join(os.tmpdir(), 'cidr-outside-'));
  fs.writeFileSync(path.join(outside, 'list.txt'), '1.2.3.4\n');
});
after(() => {
  fs.rmSync(dir, { recursive: true, force: true });
  fs.rmSync(outside, { recursive: true, force: true });
});

/** A policy whose init runs defines and whose validate_data sets mess "r" to what body returns. */
function cidrPolicy(defines: string, body: string, opts: Partial<PolicyOptions> = {}): Policy {
  return initAndResultPolicy(defines, body, { searchPath: [dir], ...opts });
}

function run(p: Policy, remoteAddr = '192.0.2.1'): string {
  const v = p.run('data', { message: eml(['Subject: x']), remoteAddr });
  assert.deepEqual(v.errors, []);
  return v.context.mess.r!;
}

const DEFINE_BOTH = `msys.cidr.define("a", { type = "rbldnsd", source = "list.txt" })
msys.cidr.define("txt", { type = "rbldnsd", source = "list.txt", value = "txt", interpolate = true, default_value = "miss" })`;

/** A policy answering, for mess "ips" (comma separated), "a|txt" per address, one per line. */
function answers(defines = DEFINE_BOTH, opts: Partial<PolicyOptions> = {}): (ips: string[]) => string[] {
  const p = cidrPolicy(
    defines,
    `local out = {}
     for ip in vctx:get(msys.core.VCTX_MESS, "ips"):gmatch("[^,]+") do
       out[#out + 1] = tostring(msys.cidr.query("a", ip)) .. "|" .. tostring(msys.cidr.query("txt", ip))
     end
     return table.concat(out, "\\n")`,
    opts,
  );
  opened.push(p);
  return (ips) => {
    const v = p.run('data', { message: eml(['Subject: x']), remoteAddr: '192.0.2.1', context: { mess: { ips: ips.join(',') } } });
    assert.deepEqual(v.errors, []);
    return v.context.mess.r!.split('\n');
  };
}
const opened: Policy[] = [];
after(() => opened.forEach((p) => p.close()));

describe('msys.cidr rbldnsd files', () => {
  it('reads each line form: an address, a.b.c, a prefix, a range, a short range', () => {
    const q = answers();
    assert.deepEqual(q(['1.2.3.4', '1.2.3.5']), ['127.0.0.2|Listed, see 1.2.3.4', 'nil|miss']);
    assert.deepEqual(q(['10.200.0.1', '192.168.1.10', '192.168.1.20', '192.168.1.21', '192.168.1.9']), [
      '127.0.0.4|ten',
      '127.0.0.3|range',
      '127.0.0.3|range',
      'nil|miss',
      'nil|miss',
    ]);
    assert.deepEqual(q(['192.168.2.5', '192.168.2.9', '192.168.2.10', '172.16.200.1', '172.17.0.1']), [
      '127.0.0.8|short range',
      '127.0.0.8|short range',
      'nil|miss',
      '127.0.0.9|Listed, see 172.16.200.1',
      'nil|miss',
    ]);
  });

  it('takes the value column as :A:TXT, :A (the default text), A shorthand, or bare text (the default A)', () => {
    const q = answers();
    assert.deepEqual(q(['10.1.2.1', '172.16.0.1', '203.0.113.7']), [
      '127.0.0.6|ten-one-two',
      '127.0.0.9|Listed, see 172.16.0.1',
      '127.0.0.2|plain text value',
    ]);
  });

  it('gives the most specific entry: the longest prefix wins, and an exclusion cuts a hole', () => {
    const q = answers();
    assert.deepEqual(q(['10.9.9.9', '10.1.9.9', '10.1.2.9', '10.1.2.3']), ['127.0.0.4|ten', '127.0.0.5|ten-one', '127.0.0.6|ten-one-two', 'nil|miss']);
  });

  it('looks up IPv6 entries, with their exclusions, and an IPv4-mapped address as IPv4', () => {
    const q = answers();
    assert.deepEqual(q(['2001:db8:ffff::1', '[2001:db8:1::2]', '2001:db8:1::1', '2001:db9::1%eth0', '::1', '::ffff:10.1.2.9']), [
      '127.0.0.10|doc 2001:db8:ffff::1',
      '127.0.0.11|doc-one',
      'nil|miss',
      'nil|miss',
      '127.0.0.12|Listed, see ::1',
      '127.0.0.6|ten-one-two',
    ]);
  });

  it('replaces $ with the address only when interpolate is set', () => {
    const q = answers(`msys.cidr.define("a", { type = "rbldnsd", source = "list.txt", value = "TXT" })
      msys.cidr.define("txt", { type = "rbldnsd", source = "list.txt", value = "txt", interpolate = true })`);
    assert.deepEqual(q(['1.2.3.4', '2001:0db8:0:0::0:7']), ['Listed, see $|Listed, see 1.2.3.4', 'doc $|doc 2001:db8::7']);
  });

  it('returns default_value on a miss, of any type, and nil without one', () => {
    const p = cidrPolicy(
      `msys.cidr.define("s", { type = "rbldnsd", source = "list.txt", default_value = "" })
       msys.cidr.define("f", { type = "rbldnsd", source = "list.txt", default_value = false })
       msys.cidr.define("n", { type = "rbldnsd", source = "list.txt" })`,
      `local s, f, n = msys.cidr.query("s", "9.9.9.9"), msys.cidr.query("f", "9.9.9.9"), msys.cidr.query("n", "9.9.9.9")
       return string.format("%q %s %s", s, tostring(f), tostring(n))`,
    );
    opened.push(p);
    twice(() => assert.equal(run(p), '"" false nil'));
  });

  it('queries the connected peer when no address is given, the default_value when there is none', () => {
    const p = cidrPolicy(DEFINE_BOTH, 'return msys.cidr.query("txt")');
    opened.push(p);
    twice(() => {
      assert.equal(run(p, '10.1.9.9'), 'ten-one');
      assert.equal(run(p, '::ffff:1.2.3.4'), 'Listed, see 1.2.3.4');
      assert.equal(run(p, '198.51.100.1'), 'miss');
      assert.equal(run(p, ''), 'miss');
    });
  });

  it('runs the vendor training policy\'s define as written (record_type, optimize_hosts) with the sandbox off', async () => {
    const file = path.join(outside, 'list.txt');
    const p = cidrPolicy(
      `msys.cidr.define("good", { type = "rbldnsd", refresh = 3600, source = "${file}", record_type = "TXT", optimize_hosts = true, default_value = "" })`,
      'return msys.cidr.query("good") ~= ""',
      { sandbox: false },
    );
    opened.push(p);
    assert.deepEqual(p.loadLogs, []);
    assert.equal(run(p, '1.2.3.4'), 'true');
    assert.equal(run(p, '1.2.3.5'), 'false');
  });
});

describe('msys.cidr.define', () => {
  it('makes an empty table from type "empty", given alone or in a table', () => {
    const p = cidrPolicy(
      'msys.cidr.define("e1", "empty") msys.cidr.define("e2", { type = "empty", default_value = "no" })',
      'return tostring(msys.cidr.query("e1", "1.2.3.4")) .. " " .. msys.cidr.query("e2", "::1")',
    );
    opened.push(p);
    assert.equal(run(p), 'nil no');
  });

  it('logs and ignores an option it does not know', () => {
    const p = cidrPolicy('msys.cidr.define("e", { type = "empty", colour = "blue" })', 'return 1');
    opened.push(p);
    assert.deepEqual(p.loadLogs.map((l) => l.text), ["msys.cidr.define: option 'colour' is not known; ignored"]);
  });

  /** What define raises for these options (pcall in the callout). */
  function defineError(options: string, opts: Partial<PolicyOptions> = {}): string {
    const p = dataPolicy(
      `local ok, err = pcall(msys.cidr.define, "x", ${options})
       vctx:set(msys.core.VCTX_MESS, "r", ok and "ok" or err)`,
      { searchPath: [dir], ...opts },
    );
    try {
      const v = p.run('data', { message: eml(['Subject: x']) });
      assert.deepEqual(v.errors, []);
      return v.context.mess.r!;
    } finally {
      p.close();
    }
  }

  it('raises a clear error for bad options, naming the option', () => {
    const cases: Array<[string, string]> = [
      ['nil', 'options must be a table or a type, got nil'],
      ['"rbl"', 'option \'type\' must be "empty", "rbldnsd" or "datasource", got \'rbl\''],
      ['"rbldnsd"', "type 'rbldnsd' needs an options table with its 'source'"],
      ['{ source = "list.txt" }', 'option \'type\' must be "empty", "rbldnsd" or "datasource", got \'\''],
      ['{ type = "rbldnsd" }', "option 'source' (the rbldnsd file) is required"],
      ['{ type = "rbldnsd", source = "list.txt", value = "mx" }', 'option \'value\' (or \'record_type\') must be "a" or "txt"'],
      ['{ type = "rbldnsd", source = "list.txt", refresh = -1 }', "option 'refresh' must be a number of seconds, 0 or more"],
      ['{ type = "empty", interpolate = "yes" }', "option 'interpolate' must be a boolean"],
      ['"datasource"', "type 'datasource' needs an options table with its 'cachename' and 'query'"],
      ['{ type = "datasource", query = "select ip from allow" }', "option 'cachename' (a string) is required for type 'datasource'"],
      ['{ type = "datasource", cachename = "db" }', "option 'query' (a string) is required for type 'datasource'"],
      ['{ type = "datasource", cachename = "db", query = "q", cidr_column = 0 }', "option 'cidr_column' must be a column name or a 1-based column number"],
    ];
    for (const [options, message] of cases) assert.match(defineError(options), new RegExp(`^(=t:\\d+: )?msys.cidr.define: ${escape(message)}$`), options);
  });

  it('refuses a missing file, a URI, and with the sandbox a file outside the search path', () => {
    assert.match(defineError('{ type = "rbldnsd", source = "none.txt" }'), /msys.cidr.define: cannot open none.txt: no such file$/);
    assert.match(defineError('{ type = "rbldnsd", source = "http://example.com/l" }'), /cannot open http:\/\/example.com\/l: only files can be read/);
    const file = path.join(outside, 'list.txt');
    assert.match(defineError(`{ type = "rbldnsd", source = "${file}" }`), /cannot open .*: outside the script search path and data_dirs \(sandbox\)$/);
    assert.equal(defineError(`{ type = "rbldnsd", source = "${file}" }`, { sandbox: false }), 'ok');
  });

  it('names the file and line of a bad line', () => {
    const bad: Array<[string, string]> = [
      ['1.2.3.4\n1.2.3.256\n', ":2: bad IPv4 address '1.2.3.256'"],
      ['1.2.3.0/33\n', ":1: bad prefix length in '1.2.3.0/33' (0 to 32)"],
      ['\n\n1.2.3.9-1.2.3.4\n', ":3: IPv4 range '1.2.3.9-1.2.3.4' ends before it starts"],
      ['2001:db8::1-2001:db8::9\n', ":1: IPv6 ranges are not supported ('2001:db8::1-2001:db8::9'): use prefixes"],
      ['2001:db8::1:127.0.0.2:x\n', ":1: bad IPv6 address '2001:db8::1:127.0.0.2:x' (an IPv6 line needs whitespace before the ':' of its value)"],
      ['1.2.3.4 :127.0.0.300:x\n', ":1: bad A value '127.0.0.300' (an IPv4 address or 0-255)"],
      ['# ok\nnot-an-address\n', ":2: bad address 'not-an-address'"],
    ];
    for (const [text, why] of bad) {
      fs.writeFileSync(path.join(dir, 'bad.txt'), text);
      const err = defineError('{ type = "rbldnsd", source = "bad.txt" }');
      assert.ok(err.endsWith(`msys.cidr.define: ${fs.realpathSync(dir)}/bad.txt${why}`), err);
    }
  });

  it('fails the load when init defines from a bad file or with a bad option', () => {
    fs.writeFileSync(path.join(dir, 'bad-init.txt'), '1.2.3.4\n1.2.3.4/40\n');
    assert.throws(
      () => cidrPolicy('msys.cidr.define("x", { type = "rbldnsd", source = "bad-init.txt" })', 'return 1'),
      (err: unknown) => err instanceof LoadError && /bad-init.txt:2: bad prefix length in '1.2.3.4\/40'/.test(err.message),
    );
    // An option error names the script line that called define.
    assert.throws(
      () => cidrPolicy('msys.cidr.define("x", { type = "rbldnsd", source = "list.txt", value = 1 })', 'return 1'),
      (err: unknown) => err instanceof LoadError && /=t:3: msys.cidr.define: option 'value' \(or 'record_type'\) must be "a" or "txt"/.test(err.message),
    );
  });
});

describe('msys.cidr.query', () => {
  it('raises for a name never defined and for an address that is not an IP', () => {
    const p = dataPolicy(
      `msys.cidr.define("e", "empty")
       local _, e1 = pcall(msys.cidr.query, "nope", "1.2.3.4")
       local _, e2 = pcall(msys.cidr.query, "e", "1.2.3")
       local _, e3 = pcall(msys.cidr.query, "e", 5)
       local _, e4 = pcall(msys.cidr.reload, "nope")
       vctx:set(msys.core.VCTX_MESS, "r", table.concat({e1, e2, e3, e4}, "\\n"))`,
    );
    opened.push(p);
    const v = p.run('data', { message: eml(['Subject: x']) });
    assert.deepEqual(v.context.mess.r!.split('\n').map((l) => l.replace(/^=t:\d+: /, '')), [
      "msys.cidr.query: no CIDR named 'nope' (define it in init)",
      "msys.cidr.query: address must be an IPv4 or IPv6 address, got '1.2.3'",
      'msys.cidr.query: address must be an IPv4 or IPv6 address, got number',
      "msys.cidr.reload: no CIDR named 'nope' (define it in init)",
    ]);
  });

  it('allocates nothing in Lua for a hit, a miss or the peer, once warm: the same as a loop without queries', () => {
    const perCall = (body: string): number => {
      const p = cidrPolicy(DEFINE_BOTH, body);
      opened.push(p);
      const input = { message: eml(['Subject: x']), remoteAddr: '2001:db8::5' };
      for (let i = 0; i < 2000; i++) p.run('data', input);
      const before = p.stats().luaAllocations;
      for (let i = 0; i < 500; i++) p.run('data', input);
      return (p.stats().luaAllocations - before) / 500;
    };
    const queries = perCall('for i = 1, 100 do R1 = msys.cidr.query("a", "10.1.2.9") R2 = msys.cidr.query("txt", "9.9.9.9") R3 = msys.cidr.query("a") end return 1');
    const baseline = perCall('for i = 1, 100 do R1 = "127.0.0.6" R2 = "miss" R3 = "127.0.0.10" end return 1');
    // One allocation a query would add 300 a call; a fraction of one comes and
    // goes with the machine's load (LuaJIT's trace recording), queries or not.
    assert.ok(Math.abs(queries - baseline) < 0.5, `${queries} allocations per call of 300 queries, ${baseline} without them`);
  });
});

describe('msys.cidr reloads', () => {
  it('reads the file again on reload(), in the background, queries answering from the old table meanwhile', async () => {
    fs.writeFileSync(path.join(dir, 'reload.txt'), '1.2.3.4 :127.0.0.2:first\n');
    const p = cidrPolicy(
      'msys.cidr.define("r", { type = "rbldnsd", source = "reload.txt", value = "txt", refresh = 0 })',
      'if vctx:get(msys.core.VCTX_MESS, "reload") then msys.cidr.reload("r") end return msys.cidr.query("r", "1.2.3.4")',
    );
    opened.push(p);
    assert.equal(run(p), 'first');
    fs.writeFileSync(path.join(dir, 'reload.txt'), '1.2.3.4 :127.0.0.2:second\n');
    assert.equal(run(p), 'first', 'refresh = 0: only reload() reads it again');
    const v = p.run('data', { message: eml(['Subject: x']), context: { mess: { reload: '1' } } });
    assert.deepEqual(v.errors, []);
    assert.equal(await poll(() => run(p), 'second'), 'second');
  });

  it('keeps the old table, and logs why, when the file became bad', async () => {
    fs.writeFileSync(path.join(dir, 'keep.txt'), '1.2.3.4 :127.0.0.2:good\n');
    const p = cidrPolicy(
      'msys.cidr.define("k", { type = "rbldnsd", source = "keep.txt", value = "txt", refresh = 0 })',
      'msys.cidr.reload("k") return msys.cidr.query("k", "1.2.3.4")',
    );
    opened.push(p);
    fs.writeFileSync(path.join(dir, 'keep.txt'), '1.2.3.4 :127.0.0.2:good\n1.2.3.999\n');
    const end = Date.now() + 5000;
    for (;;) {
      const v = p.run('data', { message: eml(['Subject: x']) });
      assert.equal(v.context.mess.r, 'good');
      const log = v.logs.find((l) => l.text.startsWith('msys.cidr: reload failed'));
      if (log) {
        assert.match(log.text, /keep.txt:2: bad IPv4 address '1.2.3.999'$/);
        break;
      }
      assert.ok(Date.now() < end, 'no reload failure logged');
      await new Promise((r) => setTimeout(r, 20));
    }
  });

  it('checks the file every refresh seconds and reads it again when it changed', async () => {
    fs.writeFileSync(path.join(dir, 'refresh.txt'), '1.2.3.4 :127.0.0.2:before\n');
    const p = cidrPolicy(
      'msys.cidr.define("f", { type = "rbldnsd", source = "refresh.txt", value = "txt", refresh = 0.3 })',
      'return msys.cidr.query("f", "1.2.3.4")',
    );
    opened.push(p);
    assert.equal(run(p), 'before');
    fs.writeFileSync(path.join(dir, 'refresh.txt'), '1.2.3.4 :127.0.0.2:after\n');
    assert.equal(await poll(() => run(p), 'after'), 'after');
  });

  it('is one table for two policies defining it alike; a define after the file changed reads it again, for both', () => {
    fs.writeFileSync(path.join(dir, 'two.txt'), '1.2.3.4 :127.0.0.2:old\n');
    const define = 'msys.cidr.define("t2", { type = "rbldnsd", source = "two.txt", value = "txt", refresh = 0 })';
    const first = cidrPolicy(define, 'return msys.cidr.query("t2", "1.2.3.4")');
    opened.push(first);
    assert.equal(run(first), 'old');
    fs.writeFileSync(path.join(dir, 'two.txt'), '1.2.3.4 :127.0.0.2:new, longer\n');
    const second = cidrPolicy(define, 'return msys.cidr.query("t2", "1.2.3.4")');
    opened.push(second);
    assert.equal(run(second), 'new, longer');
    assert.equal(run(first), 'new, longer', 'the first policy holds the same table');
  });

  it('is one table for two pool workers: a reload in one is seen by the other', async () => {
    fs.writeFileSync(path.join(dir, 'shared.txt'), '192.0.2.1 :127.0.0.2:v1\n');
    const source = `local mod = {}
function mod:init() msys.cidr.define("s", { type = "rbldnsd", source = "shared.txt", value = "txt", refresh = 0 }) return true end
function mod:validate_connect(accept, vctx)
  if vctx:get(msys.core.VCTX_CONN, "reload") then msys.cidr.reload("s") end
  vctx:set(msys.core.VCTX_CONN, "v", msys.cidr.query("s"))
  return msys.core.VALIDATE_CONT
end
msys.registerModule("t", mod)`;
    const { engine } = engineFrom(source, { threads: 2, searchPath: [dir] });
    try {
      await engine.ready();
      const batch = () => engine.runBatch('connect', Array.from({ length: 128 }, () => ({ remoteAddr: '192.0.2.1' })));
      const values = async () => new Set((await batch()).map((v) => v.context.conn.v));
      assert.deepEqual(await values(), new Set(['v1']));
      fs.writeFileSync(path.join(dir, 'shared.txt'), '192.0.2.1 :127.0.0.2:v2\n');
      await engine.run('connect', { remoteAddr: '192.0.2.1', context: { conn: { reload: '1' } } });
      await poll(async () => [...(await values())].join(), 'v2');
      const calls0 = (await engine.stats()).workers.map((w) => w.calls);
      assert.deepEqual(await values(), new Set(['v2']));
      const calls = (await engine.stats()).workers.map((w, i) => w.calls - calls0[i]!);
      assert.equal(calls.length, 2);
      assert.ok(calls.every((c) => c > 0), `both workers answered v2 (calls ${calls}), only one having reloaded`);
    } finally {
      await engine.close();
    }
  });
});

/** Calls fn until it returns want (or 5 s pass), then returns its last answer. */
async function poll<T>(fn: () => T | Promise<T>, want: T): Promise<T> {
  const end = Date.now() + 5000;
  let got = await fn();
  while (got !== want && Date.now() < end) {
    await new Promise((r) => setTimeout(r, 20));
    got = await fn();
  }
  return got;
}

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
