// End to end: `scriptlet serve` with an Admin_Listener. Rules saved through
// the HTTP API reach the running engine (the configuration gains the
// policyeditor stanza and the engine reloads), a real SMTP client sees the
// 550, an edit to an OTHERWISE branch is live at once, and a rollback brings
// the first policy back.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { serve } from '../../src/server/serve.js';
import { send, spooled } from '../server/helpers.js';
import { api, confDir, spamRule } from './helpers.js';

describe('the policy editor in scriptlet serve', () => {
  it('saves, reloads the engine, refuses the spam with 550 over SMTP, takes an OTHERWISE edit, and rolls back', async (t) => {
    const dir = confDir(t);
    const logs: string[] = [];
    const server = await serve({ conf: path.join(dir, 'ecelerity.conf'), log: (l) => logs.push(l), drainDeadlineMs: 2000 });
    t.after(() => server.shutdown());
    assert.ok(server.adminUrl, 'the Admin_Listener serves');
    const a = api(server.adminUrl);
    const port = server.addresses[0]!.port;
    const mail = (subject: string) => send(port, { from: 'alice@example.org', to: ['bob@example.net'], subject });

    assert.equal((await mail('[SPAM] before any rule')).code, 250);
    const versionBefore = server.engine.version;

    const saved = await a.post('/api/save', { rules: spamRule(), baseRevision: 0, author: 'ann' });
    assert.equal(saved.status, 200, JSON.stringify(saved.body));
    assert.notEqual(server.engine.version, versionBefore, 'the engine reloaded');
    assert.ok(logs.some((l) => /policy editor: revision 1 saved by ann \(admin\) \(script "policyeditor" added to the configuration\)/.test(l)), logs.join('\n'));
    const refused = await mail('[SPAM] cheap pills');
    assert.deepEqual([refused.code, refused.response], [550, '550 5.7.1 spam refused']);
    assert.equal((await mail('hello')).code, 250);

    const edited = await a.post('/api/save', { rules: spamRule(true), baseRevision: 1, author: 'bob' });
    assert.equal(edited.body.revision, 2);
    assert.equal((await mail('hello again')).code, 250);
    const newest = spooled(server.spool.dir).map((f) => fs.readFileSync(path.join(server.spool.dir, 'new', f), 'utf8')).filter((m) => m.includes('hello again'));
    assert.match(newest[0] ?? '', /\r\nX-Checked: clean\r\n/);

    const back = await a.post('/api/rollback', { revision: 1, baseRevision: 2, author: 'ann' });
    assert.equal(back.body.revision, 3);
    assert.equal((await mail('[SPAM] again')).code, 550);
    assert.equal((await mail('plain')).code, 250);
    assert.equal((await a.get('/api/history')).body.length, 3);
  });

  it('keeps serving the old policy when the reload fails (a script it needs is gone), and says why', async (t) => {
    const dir = confDir(t);
    const server = await serve({ conf: path.join(dir, 'ecelerity.conf'), log: () => undefined, drainDeadlineMs: 2000 });
    t.after(() => server.shutdown());
    const a = api(server.adminUrl!);
    assert.equal((await a.post('/api/save', { rules: spamRule(), baseRevision: 0 })).status, 200);
    // An rbldnsd list that is there when the rules are checked, gone when the engine reloads.
    const list = path.join(dir, 'lists.txt');
    fs.writeFileSync(list, '192.0.2.0/24\n');
    const rules = spamRule();
    rules.phases.connect = [{ id: 'c1', type: 'if', match: 'all', conditions: [{ fn: 'ip_in_list', args: { list: 'blocked', file: 'lists.txt' }, operator: 'is_true', value: '' }], then: [{ id: 'c2', type: 'action', action: 'reject', params: {} }], otherwise: [] }];
    const original = server.engine.reload.bind(server.engine);
    server.engine.reload = (o) => {
      fs.rmSync(list);
      return original(o);
    };
    const r = await a.post('/api/save', { rules, baseRevision: 1 });
    assert.equal(r.status, 500);
    assert.match(r.body.error, /^the engine did not take the new policy, so the old one keeps serving: /);
    assert.deepEqual((await a.get('/api/policy')).body.rules, spamRule());
    assert.equal((await send(server.addresses[0]!.port, { from: 'a@example.org', to: ['b@example.net'], subject: '[SPAM] x' })).code, 550);
  });
});
