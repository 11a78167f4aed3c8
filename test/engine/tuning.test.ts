// Policy options: validated with exact messages, applied to the Lua state
// through lua_gc, observable, and changeable while the policy runs.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { openPolicy, UsageError, type PolicyOptions } from '../../src/index.js';
import { eml, policyFrom } from '../helpers/lua-policy.js';

const SCRIPT = 'msys.registerModule("t", { validate_data = function(s, msg, a, vctx) local t = {} for i = 1, 200 do t[i] = msg:header("Subject") end return 0 end })';
const scripts = [{ name: 't', source: SCRIPT }];

function usage(options: Partial<PolicyOptions>, message: string): void {
  assert.throws(
    () => openPolicy({ scripts, ...options } as PolicyOptions).close(),
    (e: unknown) => e instanceof UsageError && e.code === 'ERR_SCRIPTLET_USAGE' && e.message === message,
  );
}

describe('policy options', () => {
  it('refuses bad values with exact messages', () => {
    usage({ gcPause: 0 }, 'options.gcPause must be a positive integer, got 0');
    usage({ gcStepmul: 1.5 }, 'options.gcStepmul must be a positive integer, got 1.5');
    usage({ maxSparePerMaster: -1 }, 'options.maxSparePerMaster must be a non-negative integer, got -1');
    usage({ maxUsesPerThread: '10' as unknown as number }, 'options.maxUsesPerThread must be a positive integer, got "10"');
    usage({ alwaysGc: 'yes' as unknown as boolean }, 'options.alwaysGc must be a boolean, got "yes"');
    usage({ onError: 'panic' as 'tempfail' }, `options.onError must be 'continue' or 'tempfail', got "panic"`);
    usage({ searchPath: 'lib' as unknown as string[] }, 'options.searchPath must be an array of directory paths');
    usage({ gc_pause: 100 } as Partial<PolicyOptions>, `unknown option 'gc_pause'`);
    usage({ engine: 'lua53' as 'lua51' }, `unknown engine 'lua53': expected one of luajit, lua51`);
    usage({ dnsServers: '127.0.0.1' as unknown as string[] }, 'options.dnsServers must be an array of "ip" or "ip:port" strings');
    assert.throws(() => openPolicy({ scripts, dnsServers: ['not an address'] }), (e: unknown) => e instanceof UsageError && e.message.startsWith('options.dnsServers must be an array of "ip" or "ip:port" strings: '));
    assert.throws(() => openPolicy({ scripts: [] }), /options\.scripts must be a non-empty array/);
    assert.throws(() => openPolicy({ scripts: [{ name: '', source: 'x' }] }), /options\.scripts\[0\]\.name must be a non-empty string/);
    assert.throws(() => openPolicy({ scripts: [...scripts, ...scripts] }), /options\.scripts\[1\]\.name 't' is used twice/);
  });

  it('applies gc_pause and gc_stepmul to the collector, readable back from Lua', () => {
    const p = openPolicy({ scripts, gcPause: 150, gcStepmul: 400 });
    assert.deepEqual(p.gcParams(), { pause: 150, stepmul: 400 });
    p.configure({ gcPause: 300 });
    assert.deepEqual(p.gcParams(), { pause: 300, stepmul: 400 });
    assert.throws(() => p.configure({ gcStepmul: 0 }), /tuning\.gcStepmul must be a positive integer, got 0/);
    p.close();
  });

  it('defaults both to 200', () => {
    const p = openPolicy({ scripts });
    assert.deepEqual(p.gcParams(), { pause: 200, stepmul: 200 });
    p.close();
  });

  it('runs a full collection after every call with alwaysGc', () => {
    const p = openPolicy({ scripts, alwaysGc: true });
    const message = eml(['Subject: garbage maker']);
    for (let i = 0; i < 5; i++) p.run('data', { message });
    assert.equal(p.stats().fullCollections, 5);
    const afterCalls = p.memory();
    p.configure({ alwaysGc: false });
    for (let i = 0; i < 5; i++) p.run('data', { message });
    assert.equal(p.stats().fullCollections, 5);
    // What the last collected call left is no more than a fresh collection keeps.
    assert.ok(afterCalls > 0);
    p.close();
  });

  it('reports the engine it runs on', () => {
    const p = policyFrom(SCRIPT);
    assert.equal(p.engine, process.env.SCRIPTLET_ENGINE ?? p.engine);
    assert.match(p.engineVersion, /^(LuaJIT 2\.1|Lua 5\.1\.5)/);
    p.close();
  });
});
