// msys.config: a script runs the console's `config get` and `config set`
// on the engine it runs in (made from a configuration), through the pool's
// workers to the engine and back; a set changes every worker.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadScriptletConfig, openPolicy } from '../../src/index.js';
import { engineFromConfig, type Engine } from '../../src/pool/index.js';

// validate_connect runs msys.config with the connection context's action and
// parameters, and answers 451 "value|text" (or "nil|error"), line breaks as ";".
const SCRIPT = `
msys.registerModule("cfg", {
  validate_connect = function(self, ac, vctx)
    local value, text = msys.config(vctx:get(msys.core.VCTX_CONN, "action"), vctx:get(msys.core.VCTX_CONN, "params"))
    local reply = (tostring(value) .. "|" .. tostring(text)):gsub("\\n", ";")
    vctx:set_code(451, reply)
    return msys.core.VALIDATE_DONE
  end,
})`;

describe('msys.config', () => {
  let dir: string;
  let engine: Engine;
  const ask = async (action: string, params: string) => {
    const v = await engine.run('connect', { context: { conn: { action, params } } });
    return v.disposition?.text;
  };

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'scriptlet-msys-config-'));
    fs.writeFileSync(path.join(dir, 'cfg.lua'), SCRIPT);
    fs.writeFileSync(path.join(dir, 'ecelerity.conf'), 'alerting { }\nscriptlet "scriptlet" {\n  threads = 2\n  gc_pause = 120\n  script "cfg" { source = "cfg" }\n}\n');
    engine = engineFromConfig(loadScriptletConfig(path.join(dir, 'ecelerity.conf')), { log: () => {} });
    await engine.ready();
  });
  after(async () => {
    await engine.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('gets one option: its value, then the console text', async () => {
    assert.equal(await ask('get', 'scriptlet scriptlet gc_pause'), '120|gc_pause = 120');
  });

  it('gets every option as the console text when no option is named', async () => {
    const text = await ask('get', 'scriptlet scriptlet');
    assert.match(text!, /^always_gc = false;gc_pause = 120;gc_stepmul = 200;.*\|always_gc = false;gc_pause = 120;/);
  });

  it('sets a run-time option on every worker, as the console does', async () => {
    assert.equal(await ask('set', 'scriptlet scriptlet gc_stepmul 300'), '300|gc_stepmul = 300 (until restart)');
    assert.equal(engine.tuning.gcStepmul, 300);
    const stats = await engine.stats();
    assert.equal(stats.workers.length, 2);
    for (const w of stats.workers) for (const p of w.policies) assert.equal(p.gc.stepmul, 300);
    assert.equal(await ask('get', 'scriptlet scriptlet gc_stepmul'), '300|gc_stepmul = 300');
  });

  it('answers nil and the console error for a bad option, value or instance', async () => {
    assert.match((await ask('get', 'scriptlet scriptlet gc_paws'))!, /^nil\|msys\.config: invalid configuration option 'gc_paws'; did you mean 'gc_pause'\?$/);
    assert.match((await ask('set', 'scriptlet scriptlet gc_pause -4'))!, /^nil\|msys\.config: .*gc_pause.*positive integer/);
    assert.equal(await ask('get', 'scriptlet other gc_pause'), "nil|msys.config: unknown instance 'other' of module scriptlet: the instance is 'scriptlet'");
    assert.match((await ask('set', 'scriptlet scriptlet sandbox false'))!, /^nil\|msys\.config: option 'sandbox' cannot be changed at run time/);
  });

  it('refuses actions other than get and set as a script error', async () => {
    const v = await engine.run('connect', { context: { conn: { action: 'reload', params: '' } } });
    assert.equal(v.tempfailed || v.errors.length > 0, true);
    assert.match(v.errors[0]!.message, /msys\.config: the action must be 'get' or 'set'/);
  });
});

describe('msys.config without a configuration', () => {
  it('answers nil and why in a Policy of its own (no console to run the line)', async () => {
    const policy = openPolicy({ scripts: [{ name: 'cfg', source: SCRIPT }] });
    try {
      const v = await policy.runAsync('connect', { context: { conn: { action: 'get', params: 'scriptlet scriptlet gc_pause' } } });
      assert.match(v.disposition!.text, /^nil\|msys\.config: no console here/);
    } finally {
      policy.close();
    }
  });

  it('raises in a call that cannot suspend (Policy.run)', () => {
    const policy = openPolicy({ scripts: [{ name: 'cfg', source: SCRIPT }] });
    try {
      const v = policy.run('connect', { context: { conn: { action: 'get', params: 'scriptlet scriptlet gc_pause' } } });
      assert.match(v.errors[0]!.message, /msys\.config suspends the call, which this caller cannot wait for/);
    } finally {
      policy.close();
    }
  });
});
