// state_dir: the directory of msys.audit_series snapshots, checked when the
// configuration loads (so `scriptlet check` reports it), resolved against
// the file that sets it, and handed to the engine.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadScriptletConfig } from '../../src/config/scriptlet-config.js';
import { policyOptionsFromConfig } from '../../src/engine/from-config.js';
import { problemsOf, scriptletConf, tempTree } from './fixtures.js';

describe('the state_dir option', () => {
  it('resolves a directory against the configuration file and gives it to the policy', (t) => {
    const dir = tempTree(t, { 'ecelerity.conf': scriptletConf('  state_dir = "state"') });
    fs.mkdirSync(path.join(dir, 'state'));
    const config = loadScriptletConfig(path.join(dir, 'ecelerity.conf'));
    assert.equal(config.options.stateDir, path.join(dir, 'state'));
    assert.equal(policyOptionsFromConfig(config).stateDir, path.join(dir, 'state'));
  });

  it('takes "" as none: series are kept in memory, the policy gets no stateDir', (t) => {
    const dir = tempTree(t, { 'ecelerity.conf': scriptletConf('  state_dir = ""') });
    const config = loadScriptletConfig(path.join(dir, 'ecelerity.conf'));
    assert.equal(config.options.stateDir, '');
    assert.equal(policyOptionsFromConfig(config).stateDir, undefined);
  });

  it('refuses a directory that does not exist, or a file, naming the line', (t) => {
    const dir = tempTree(t, { 'ecelerity.conf': scriptletConf('  state_dir = "missing"'), 'file.conf': scriptletConf('  state_dir = "file.conf"') });
    const expects = `expects an existing, writable directory (or "" for none)`;
    assert.deepEqual(problemsOf(() => loadScriptletConfig(path.join(dir, 'ecelerity.conf')), dir), [`ecelerity.conf:3:15: option 'state_dir' ${expects}, found "missing"`]);
    assert.deepEqual(problemsOf(() => loadScriptletConfig(path.join(dir, 'file.conf')), dir), [`file.conf:3:15: option 'state_dir' ${expects}, found "file.conf"`]);
  });
});
