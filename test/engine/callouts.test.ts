// Running a phase: each module's callout in config order, with Momentum's
// arguments; VALIDATE_DONE ends the phase; a failing callout is reported with
// its traceback and costs nothing else, and the state keeps working.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { calloutOf, openPolicy, PHASES, UsageError, type Phase } from '../../src/index.js';
import { eml, policyFrom, twice } from '../helpers/lua-policy.js';

// The SMTP phases: 'auth' runs a msys.registerAuth scheme, no module callout (test/server/auth-lua-scheme.test.ts).
const SMTP_PHASES = PHASES.filter((p) => p !== 'auth');

const ARGS: Record<Exclude<Phase, 'auth'>, string> = {
  connect: 'userdata,userdata',
  ehlo: 'string,userdata,userdata',
  mailfrom: 'string,userdata,userdata',
  rcptto: 'userdata,string,userdata,userdata',
  data: 'userdata,userdata,userdata',
  data_spool: 'userdata,userdata,userdata',
  data_spool_each_rcpt: 'userdata,userdata,userdata',
  set_binding: 'userdata',
  core_final_validation: 'userdata,userdata,userdata',
  core_pre_msg_each_rcpt: 'userdata,userdata,userdata',
  core_post_msg_each_rcpt: 'userdata,userdata,userdata',
  core_log_delivery_v1: 'userdata,userdata',
  core_log_permanent_failure_v1: 'userdata,userdata',
  core_log_transient_failure_v1: 'userdata,userdata',
};

// A module whose every callout records its phase and argument types in the
// message context (through vctx, its last argument, or msg in set_binding).
const RECORDER = `
local m = {}
for _, pc in ipairs({ ${SMTP_PHASES.map((p) => `{ "${p}", "${calloutOf(p)}" }`).join(', ')} }) do
  local phase, callout = pc[1], pc[2]
  m[callout] = function(self, ...)
    assert(self == m, "callouts are methods")
    local n = select("#", ...)
    local types = {}
    for i = 1, n do types[i] = type((select(i, ...))) end
    local record = phase .. ":" .. table.concat(types, ",") .. ":" .. tostring((select(1, ...)))
    if phase == "set_binding" then
      (...):context_set(msys.core.ECMESS_CTX_MESS, "seen", record)
    else
      (select(n, ...)):set(msys.core.VCTX_MESS, "seen", record)
    end
    return msys.core.VALIDATE_CONT
  end
end
msys.registerModule("t", m)`;

describe('callouts', () => {
  it('calls every phase callout with the arguments Momentum passes', () => {
    const p = policyFrom(RECORDER);
    const input = { message: eml(['Subject: hi']), helo: 'client.example', mailfrom: 'a@example.net', rcptto: ['b@example.com'], rcpt: 'b@example.com' };
    for (const phase of SMTP_PHASES) {
      twice(() => {
        const v = p.run(phase, input);
        assert.deepEqual(v.errors, []);
        assert.equal(v.callouts, 1);
        const [name, types, first] = (v.context.mess.seen ?? '').split(':');
        assert.equal(name, phase);
        assert.equal(types, ARGS[phase]);
        if (phase === 'ehlo') assert.equal(first, 'client.example');
        if (phase === 'mailfrom') assert.equal(first, 'a@example.net');
      });
    }
    p.close();
  });

  it('runs modules in config order and stops at VALIDATE_DONE', () => {
    const mod = (name: string, ret: string) =>
      `msys.registerModule("${name}", { validate_data = function(self, msg, accept, vctx)
         vctx:set(msys.core.VCTX_MESS, "order", (vctx:get(msys.core.VCTX_MESS, "order") or "") .. "${name}")
         return msys.core.${ret} end })`;
    const p = openPolicy({
      scripts: [
        { name: 'a', source: mod('a', 'VALIDATE_CONT') },
        { name: 'b', source: mod('b', 'VALIDATE_DONE') },
        { name: 'c', source: mod('c', 'VALIDATE_CONT') },
      ],
    });
    twice(() => {
      const v = p.run('data', { message: eml(['Subject: x']) });
      assert.equal(v.context.mess.order, 'ab');
      assert.equal(v.action, 'done');
      assert.equal(v.callouts, 2);
    });
    p.close();
  });

  it('skips modules without the phase callout', () => {
    const p = openPolicy({
      scripts: [
        { name: 'only_connect', source: 'msys.registerModule("only_connect", { validate_connect = function() return msys.core.VALIDATE_CONT end })' },
        { name: 'only_data', source: 'msys.registerModule("only_data", { validate_data = function(s, m, a, vctx) vctx:set_code(250, "data") return msys.core.VALIDATE_CONT end })' },
      ],
    });
    const v = p.run('data', { message: eml(['Subject: x']) });
    assert.equal(v.callouts, 1);
    assert.equal(v.disposition?.text, 'data');
    assert.equal(p.run('ehlo', { helo: 'x' }).callouts, 0);
    p.close();
  });

  it('reports an error with module, callout, message, source:line and traceback, then goes on', () => {
    const bad = 'local m = {}\nlocal function deeper() error("kaput") end\nfunction m:validate_data(msg, accept, vctx)\n  deeper()\nend\nmsys.registerModule("bad", m)';
    const good = 'msys.registerModule("good", { validate_data = function(s, msg, a, vctx) vctx:set_code(250, "still here") return msys.core.VALIDATE_CONT end })';
    const p = openPolicy({ scripts: [{ name: 'bad', source: bad, path: '/policies/bad.lua' }, { name: 'good', source: good }] });
    twice(() => {
      const v = p.run('data', { message: eml(['Subject: x']) });
      assert.equal(v.errors.length, 1);
      const e = v.errors[0]!;
      assert.equal(e.code, 'ERR_SCRIPTLET_SCRIPT');
      assert.equal(e.module, 'bad');
      assert.equal(e.callout, 'validate_data');
      assert.equal(e.location, '/policies/bad.lua:2');
      assert.equal(e.message, '/policies/bad.lua:2: kaput');
      assert.match(e.traceback, /stack traceback:[\s\S]*bad\.lua:4/);
      assert.equal(v.disposition?.text, 'still here');
      assert.equal(v.tempfailed, false);
    });
    const stats = p.stats();
    assert.equal(stats.threadsDiscarded, 2, 'the errored thread is never reused');
    p.close();
  });

  it('reports a callout that returns nothing, or not a VALIDATE_* code', () => {
    for (const [ret, got] of [['', 'nothing'], ['return "yes"', 'a string'], ['return 42', 'the number 42']]) {
      const p = policyFrom(`msys.registerModule("t", { validate_ehlo = function(self, helo, accept, vctx) ${ret} end })`);
      twice(() => {
        const v = p.run('ehlo', { helo: 'x' });
        assert.equal(v.errors[0]?.message, `validate_ehlo returned ${got}; expected msys.core.VALIDATE_CONT or msys.core.VALIDATE_DONE`);
      });
      p.close();
    }
  });

  it('turns a failing callout into a 451 with onError tempfail, and stops the phase', () => {
    const p = openPolicy({
      onError: 'tempfail',
      scripts: [
        { name: 'bad', source: 'msys.registerModule("bad", { validate_data = function() error("x") end })' },
        { name: 'never', source: 'msys.registerModule("never", { validate_data = function(s, m, a, vctx) vctx:set_code(250, "ran") return 0 end })' },
      ],
    });
    twice(() => {
      const v = p.run('data', { message: eml(['Subject: x']) });
      assert.equal(v.tempfailed, true);
      assert.deepEqual(v.disposition, { code: 451, text: '4.3.0 Temporary failure in policy, try again later', phase: 'data', disconnect: false, discard: false });
      assert.equal(v.callouts, 1);
    });
    p.close();
  });

  it('reports odd error values without failing', () => {
    const cases: [string, RegExp][] = [
      ['error(nil)', /^nil$|error object is a nil value/],
      ['error({})', /\(error object is a table value\)/],
      ['error(setmetatable({}, { __tostring = function() return "custom" end }))', /^custom$/],
      ['error(setmetatable({}, { __tostring = function() error("again") end }))', /its __tostring failed/],
    ];
    for (const [raise, want] of cases) {
      const p = policyFrom(`msys.registerModule("t", { validate_connect = function() ${raise} end })`);
      twice(() => assert.match(p.run('connect').errors[0]?.message ?? '', want));
      p.close();
    }
  });

  it('refuses a yield from a callout and goes on', () => {
    const p = policyFrom('msys.registerModule("t", { validate_connect = function() coroutine.yield(1) end })');
    twice(() => assert.match(p.run('connect').errors[0]?.message ?? '', /attempt to yield from a callout/));
    p.close();
  });

  it('lets a script use its own coroutines', () => {
    const p = policyFrom(`msys.registerModule("t", { validate_connect = function(self, a, vctx)
      local co = coroutine.wrap(function() coroutine.yield("a"); return "b" end)
      vctx:set_code(250, co() .. co()) return msys.core.VALIDATE_CONT end })`);
    twice(() => assert.equal(p.run('connect').disposition?.text, 'ab'));
    p.close();
  });

  it('collects print output per module in the verdict logs', () => {
    const p = policyFrom('msys.registerModule("t", { validate_connect = function() print("a", 1, nil) print("b") return 0 end })');
    twice(() => assert.deepEqual(p.run('connect').logs, [{ module: 't', text: 'a\t1\tnil' }, { module: 't', text: 'b' }]));
    p.close();
  });

  it('refuses an unknown phase and a closed policy with usage errors', () => {
    const p = policyFrom('msys.registerModule("t", { validate_connect = function() return 0 end })');
    assert.throws(() => p.run('helo' as Phase), (e: unknown) => e instanceof UsageError && e.message === `unknown phase 'helo': expected one of ${PHASES.join(', ')}`);
    p.close();
    assert.throws(() => p.run('connect'), (e: unknown) => e instanceof UsageError && e.code === 'ERR_SCRIPTLET_CLOSED' && e.message === 'this policy is closed');
  });
});
