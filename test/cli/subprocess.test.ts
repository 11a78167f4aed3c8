// The CLI as a real process: exit codes and output streams.

import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { tempTree } from '../config/fixtures.js';
import { runScriptlet as scriptlet } from '../helpers/scriptlet-process.js';

describe('scriptlet as a subprocess', { concurrency: true }, () => {
  it('check exits 0 on the example configuration and prints the report on stdout', async () => {
    const r = await scriptlet(['check', 'examples/ecelerity.conf']);
    assert.equal(r.stderr, '');
    assert.equal(r.status, 0);
    assert.match(r.stdout, /^examples\/ecelerity\.conf: ok/);
    assert.match(r.stdout, /^ {2}policy +-> +examples\/policy\.lua$/m);
  });

  it('check exits 1 with file:line:col: message lines on stderr for a broken configuration', async (t) => {
    const dir = tempTree(t, { 'ecelerity.conf': 'alerting { }\nscriptlet "scriptlet" {\n  always_gc = maybe\n  nope = 1\n}\n' });
    const r = await scriptlet(['check', 'ecelerity.conf'], dir);
    assert.equal(r.status, 1);
    assert.equal(r.stdout, '');
    assert.equal(r.stderr, [
      `ecelerity.conf:3:15: option 'always_gc' expects a boolean (true/false, yes/no, on/off, 1/0), found 'maybe'`,
      `ecelerity.conf:4:3: invalid configuration option 'nope'`,
      '',
    ].join('\n'));
  });

  it('run exits 3 and prints each script error on stderr when a callout raises; the JSON on stdout is as without', async (t) => {
    const dir = tempTree(t, {
      'ecelerity.conf': 'alerting { }\nscriptlet "scriptlet" {\n  script "policy" { source = "policy" }\n}\n',
      'policy.lua': 'local m = {}\nfunction m:validate_data(msg, accept, vctx)\n  error("no lunch today")\nend\nmsys.registerModule("policy", m)\n',
      'lunch.eml': 'Subject: lunch\r\n\r\nThursday?\r\n',
    });
    const r = await scriptlet(['run', 'ecelerity.conf', 'lunch.eml'], dir);
    assert.equal(r.stderr, "policy.lua:3: no lunch today (module 'policy', callout 'validate_data', message lunch.eml)\n");
    assert.equal(r.status, 3);
    const out = JSON.parse(r.stdout);
    assert.deepEqual(out.disposition, { code: 250, text: '2.0.0 OK', phase: null });
    assert.deepEqual(out.errors, [{ module: 'policy', callout: 'validate_data', message: `${dir}/policy.lua:3: no lunch today`, location: `${dir}/policy.lua:3` }]);
  });
});
