// The guard-rail options of the scriptlet stanza reach the master state, in
// an in-thread Policy and in the worker pool, and a limit hit is counted in
// scriptlet_limit_hits_total under its kind.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { engineFromConfig, loadScriptletConfig, policyFromConfig } from '../../src/index.js';
import { scriptletConf } from '../config/fixtures.js';
import { samples, value } from '../metrics/helpers.js';
import { eml } from '../helpers/lua-policy.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'scriptlet-limits-conf-'));
after(() => fs.rmSync(dir, { recursive: true, force: true }));
fs.mkdirSync(path.join(dir, 'default'));
fs.writeFileSync(
  path.join(dir, 'default', 't.lua'),
  `local t = {}
function t:validate_data(msg, accept, vctx)
  vctx:set(msys.core.VCTX_MESS, "io", type(io))
  if msg:header("X-Run")[1] then while true do end end
  return msys.core.VALIDATE_CONT
end
msys.registerModule("t", t)
`,
);
const conf = path.join(dir, 'ecelerity.conf');
fs.writeFileSync(conf, scriptletConf('  instruction_limit = 100000\n  call_timeout = 2\n  memory_limit = 64M\n  sandbox = false\n  script "t" { source = "t" }'));

const HOSTILE = eml(['Subject: x', 'X-Run: 1']);

describe('the guard-rail options of the scriptlet stanza', () => {
  it('limit an in-thread policy, sandbox = false included', () => {
    const p = policyFromConfig(loadScriptletConfig(conf));
    const v = p.run('data', { message: HOSTILE });
    assert.deepEqual(v.errors.map((e) => [e.kind, e.message]), [['instructions', 'instruction limit exceeded (100000 instructions)']]);
    assert.deepEqual(p.run('data', { message: eml(['Subject: x']) }).context.mess, { io: 'table' });
    p.close();
  });

  it('limit the worker pool, and each hit counts in scriptlet_limit_hits_total by kind', async () => {
    const engine = engineFromConfig(loadScriptletConfig(conf), { log: () => {} });
    try {
      const verdicts = await Promise.all([engine.run('data', { message: HOSTILE }), engine.run('data', { message: HOSTILE })]);
      assert.deepEqual(verdicts.map((v) => v.errors[0]?.kind), ['instructions', 'instructions']);
      const all = await samples(engine.metrics!.registry);
      assert.equal(value(all, 'scriptlet_limit_hits_total', { phase: 'data', module: 't', kind: 'instructions' }), 2);
      assert.equal(value(all, 'scriptlet_script_errors_total', { phase: 'data', module: 't', kind: 'error' }), 0);
    } finally {
      await engine.close();
    }
  });
});
