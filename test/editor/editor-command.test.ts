// `scriptlet editor <conf>` as a real process: it serves the editor on the
// address asked, with a generated password when the configuration has no
// Admin_Listener, saves into the configuration, and stops cleanly on SIGTERM.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { runScriptlet, startScriptlet } from '../helpers/scriptlet-process.js';
import { api, confDir, spamRule } from './helpers.js';

const BARE = 'alerting { }\nscriptlet "scriptlet" {\n  script "boot" { source = "msys.boot" }\n}\n';

describe('scriptlet editor', () => {
  it('serves the editor with a generated password on loopback, saves, and stops on SIGTERM', async (t) => {
    const dir = confDir(t, BARE);
    const p = startScriptlet(t, ['editor', 'ecelerity.conf', '--listen', '127.0.0.1:0'], dir);
    const [, url] = await p.waitFor(/^editor (http:\/\/127\.0\.0\.1:[0-9]+\/)$/m);
    assert.match(p.stderr(), /policy editor: user "admin", password in .*admin-password/);
    const password = fs.readFileSync(path.join(dir, 'admin-password'), 'utf8').trim();
    const a = api(url!, `Basic ${Buffer.from(`admin:${password}`).toString('base64')}`);
    assert.equal((await fetch(new URL('/api/catalog', url))).status, 401);
    const saved = await a.post('/api/save', { rules: spamRule(), baseRevision: 0, author: 'cli' });
    assert.equal(saved.status, 200, JSON.stringify(saved.body));
    assert.match(fs.readFileSync(path.join(dir, 'ecelerity.conf'), 'utf8'), /\n  script "policyeditor" \{ source = "policy\.policyeditor" \}\n\}\n$/);
    const checked = await runScriptlet(['check', 'ecelerity.conf'], dir);
    assert.equal(checked.status, 0, checked.stderr);
    p.child.kill('SIGTERM');
    assert.equal(await p.exited, 0);
  });

  it('refuses a usage error and a configuration that does not load', async (t) => {
    const usage = await runScriptlet(['editor']);
    assert.equal(usage.status, 2);
    assert.match(usage.stderr, /expected one configuration file, got 0/);
    const dir = confDir(t, 'scriptlet "scriptlet" { }\n');
    const broken = await runScriptlet(['editor', 'ecelerity.conf', '--listen', '127.0.0.1:0'], dir);
    assert.equal(broken.status, 1);
    assert.match(broken.stderr, /requires the 'alerting' module/);
  });
});
