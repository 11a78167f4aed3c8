// The admin HTTP API on its own (scriptlet editor): credentials on every
// route, JSON only, the catalog, generation errors naming the statement, the
// engine's PCRE for regexes, the test pane, and saving: the files written,
// the stanza added with the rest of the configuration byte for byte,
// history with diffs, rollback, "changed since you opened it", refusing
// hand-written and hand-edited scripts, and a failed reload undone.

import { describe, it, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { credentialsFor } from '../../src/editor/admin-auth.js';
import { startAdminServer } from '../../src/editor/admin-server.js';
import type { Reloader } from '../../src/editor/policy-store.js';
import { check } from '../../src/cli/check.js';
import { api, AUTH, CONF, confDir, MESSAGE, PASSWORD, spamRule } from './helpers.js';

async function start(t: TestContext, o: { dir?: string; reload?: Reloader; uiDir?: string } = {}) {
  const dir = o.dir ?? confDir(t);
  const conf = path.join(dir, 'ecelerity.conf');
  const server = await startAdminServer({
    conf, host: '127.0.0.1', port: 0, log: () => undefined,
    credentials: credentialsFor({ credentials: new Map([['admin', PASSWORD]]), token: 'a-bearer-token' }, conf),
    ...(o.reload ? { reload: o.reload } : {}), ...(o.uiDir ? { uiDir: o.uiDir } : {}),
  });
  t.after(() => server.close());
  return { dir, conf, url: server.url, a: api(server.url) };
}

describe('the admin API', () => {
  it('asks for credentials on every route, takes basic auth or the bearer token, and only JSON posts', async (t) => {
    const { url, a } = await start(t);
    for (const route of ['/', '/api/catalog', '/api/policy', '/assets/editor.js']) {
      const res = await fetch(new URL(route, url));
      assert.equal(res.status, 401, route);
      assert.match(res.headers.get('www-authenticate') ?? '', /^Basic realm=/);
    }
    assert.equal((await api(url, `Basic ${Buffer.from('admin:wrong-password').toString('base64')}`).get('/api/catalog')).status, 401);
    assert.equal((await api(url, 'Bearer a-bearer-token').get('/api/catalog')).status, 200);
    const form = await fetch(new URL('/api/generate', url), { method: 'POST', headers: { authorization: AUTH, 'content-type': 'application/x-www-form-urlencoded' }, body: 'rules=1' });
    assert.equal(form.status, 415);
    assert.equal((await a.get('/api/catalog')).body.phases.length, 7);
  });

  it('serves the UI: index.html at / and dist/editor files under /assets/, nothing outside', async (t) => {
    const ui = confDir(t, CONF, { 'ui/index.html': '<title>editor</title>', 'ui/editor.js': 'console.log(1)' });
    const { url } = await start(t, { uiDir: path.join(ui, 'ui') });
    const get = (p: string) => fetch(new URL(p, url), { headers: { authorization: AUTH } });
    const index = await get('/');
    assert.equal(index.status, 200);
    assert.match(index.headers.get('content-type') ?? '', /^text\/html/);
    assert.equal(await index.text(), '<title>editor</title>');
    assert.match((await get('/assets/editor.js')).headers.get('content-type') ?? '', /^text\/javascript/);
    assert.equal((await get('/assets/..%2fecelerity.conf')).status, 404);
  });

  it('generates, or answers 400 with the statement at fault', async (t) => {
    const { a } = await start(t);
    const ok = await a.post('/api/generate', { rules: spamRule() });
    assert.equal(ok.status, 200);
    assert.match(ok.body.lua, /local function data_r1\(msg, accept, vctx\)/);
    const bad = await a.post('/api/generate', { rules: { version: 1, phases: { data: [{ id: 'q7', type: 'if', match: 'all', conditions: [{ fn: 'get_header', args: { header: 'Subject' }, operator: 'matches', value: '([a-z' }], then: [], otherwise: [] }] } } });
    assert.equal(bad.status, 400);
    assert.equal(bad.body.path, 'q7');
    assert.match(bad.body.error, /^statement q7, condition 1: bad pattern "\(\[a-z": missing terminating \] for character class at offset 5$/);
  });

  it("checks a regex with the engine's PCRE, with the offset of the problem", async (t) => {
    const { a } = await start(t);
    assert.deepEqual((await a.post('/api/validate-regex', { pattern: '^(?<user>\\w+)@' })).body, { ok: true });
    assert.deepEqual((await a.post('/api/validate-regex', { pattern: 'a(b' })).body, { ok: false, error: 'missing closing parenthesis', offset: 3 });
  });

  it('tests unsaved rules on a message: verdict per phase, the rules that fired, header edits, logs', async (t) => {
    const { a, dir } = await start(t);
    const rules = spamRule(true);
    rules.phases.data!.push({ id: 'r4', type: 'action', action: 'log', params: { text: 'seen $$1' } });
    const spam = await a.post('/api/test', { rules, message: MESSAGE('[SPAM] cheap'), envelope: { mailfrom: 'a@b.example', rcptto: ['c@d.example'], clientIp: '192.0.2.1', ehlo: 'x' } });
    assert.equal(spam.status, 200);
    assert.deepEqual(spam.body.phases, [{ phase: 'data', verdict: { code: 550, text: '5.7.1 spam refused', disposition: 'reject' }, fired: ['r1'] }]);
    assert.deepEqual(spam.body.disposition, { code: 550, text: '5.7.1 spam refused', phase: 'data' });
    const clean = await a.post('/api/test', { rules, message: MESSAGE('hello'), envelope: { mailfrom: 'a@b.example', rcptto: ['c@d.example'] } });
    assert.deepEqual(clean.body.phases, [{ phase: 'data', verdict: { disposition: 'continue' }, fired: [] }]);
    assert.deepEqual(clean.body.headers, { added: [['X-Checked', 'clean']], removed: [] });
    assert.deepEqual(clean.body.logs, ['data policyeditor: seen $1']);
    assert.equal(fs.existsSync(path.join(dir, 'policy')), false, 'testing writes nothing');
  });

  it('tests rules whose calls wait (msys.sleep here; a DNSBL lookup, msys.db) as serve runs them, not as a script error', async (t) => {
    const { a } = await start(t);
    const rules = { version: 1, phases: { data: [{ id: 'w1', type: 'custom', code: 'msys.sleep(0.01)\nmsg:header("X-Waited", "yes")' }] } };
    const r = await a.post('/api/test', { rules, message: MESSAGE('hello'), envelope: { mailfrom: 'a@b.example', rcptto: ['c@d.example'] } });
    assert.equal(r.status, 200);
    assert.deepEqual(r.body.errors, []);
    assert.deepEqual(r.body.headers, { added: [['X-Waited', 'yes']], removed: [] });
  });

  it('tests across phases: a rule per recipient, a binding, and the phases after a rejection marked not run', async (t) => {
    const { a } = await start(t);
    const rules = {
      version: 1,
      phases: {
        rcptto: [{ id: 't1', type: 'if', match: 'all', conditions: [{ fn: 'get_rcptto', args: {}, operator: 'matches', value: '^nobody@' }], then: [{ id: 't2', type: 'action', action: 'reject', params: { code: '550', text: '5.1.1 no such user' } }], otherwise: [] }],
        each_rcpt: [{ id: 't3', type: 'if', match: 'all', conditions: [{ fn: 'get_rcptto', args: {}, operator: 'contains', value: '@gmail.com' }], then: [{ id: 't4', type: 'action', action: 'set_context', params: { scope: 'message', key: 'dest', value: 'gmail' } }], otherwise: [] }],
        set_binding: [{ id: 't5', type: 'if', match: 'all', conditions: [{ fn: 'vctx_mess_get', args: { key: 'dest' }, operator: 'is', value: 'gmail' }], then: [{ id: 't6', type: 'action', action: 'set_binding', params: { binding: 'gmail' } }], otherwise: [] }],
      },
    };
    const ok = await a.post('/api/test', { rules, message: MESSAGE('hi'), envelope: { mailfrom: 'a@b.example', rcptto: ['x@gmail.com', 'y@example.net'] } });
    assert.deepEqual(ok.body.phases, [
      { phase: 'rcptto', verdict: { disposition: 'continue' }, fired: [] },
      { phase: 'each_rcpt', verdict: { disposition: 'continue' }, fired: ['t3'] },
      { phase: 'set_binding', verdict: { disposition: 'continue' }, fired: ['t5'] },
    ]);
    assert.deepEqual(ok.body.errors, []);
    const refused = await a.post('/api/test', { rules, message: MESSAGE('hi'), envelope: { mailfrom: 'a@b.example', rcptto: ['nobody@example.net'] } });
    assert.deepEqual(refused.body.phases.map((p: { verdict: { disposition: string } }) => p.verdict.disposition), ['reject', 'not run', 'not run']);
    assert.deepEqual(refused.body.disposition, { code: 550, text: '5.1.1 no such user', phase: 'rcptto' });
  });

  it('saves: the Lua and rules beside it, the stanza added with every other byte kept, revision 1 in the history', async (t) => {
    const { a, dir, conf } = await start(t);
    assert.deepEqual((await a.get('/api/policy')).body.revision, 0);
    const saved = await a.post('/api/save', { rules: spamRule(), baseRevision: 0, author: 'ann' });
    assert.equal(saved.status, 200, JSON.stringify(saved.body));
    assert.equal(saved.body.revision, 1);
    assert.equal(fs.readFileSync(path.join(dir, 'policy', 'policyeditor.lua'), 'utf8'), saved.body.lua);
    assert.deepEqual(JSON.parse(fs.readFileSync(path.join(dir, 'policy', 'policyeditor.json'), 'utf8')), spamRule());
    assert.equal(fs.readFileSync(conf, 'utf8'), CONF.replace('   /* braces } in a comment */\n}', '   /* braces } in a comment */\n  script "policyeditor" { source = "policy.policyeditor" }\n}'));
    const opened = await a.get('/api/policy');
    assert.deepEqual([opened.body.revision, opened.body.rules, opened.body.lua], [1, spamRule(), saved.body.lua]);
    const history = await a.get('/api/history');
    assert.equal(history.body.length, 1);
    assert.match(history.body[0].author, /^ann \(admin\)$/);
    assert.equal(history.body[0].summary, 'save (rules: 1 in data)');
    assert.deepEqual((await check(conf)).problems, []);
  });

  it('refuses a save from a stale revision with "changed since you opened it", and keeps the first', async (t) => {
    const { a } = await start(t);
    assert.equal((await a.post('/api/save', { rules: spamRule(), baseRevision: 0, author: 'ann' })).status, 200);
    const second = await a.post('/api/save', { rules: spamRule(true), baseRevision: 0, author: 'bob' });
    assert.equal(second.status, 409);
    assert.match(second.body.error, /^changed since you opened it: you opened revision 0, revision 1 was saved by ann \(admin\) at /);
    assert.deepEqual((await a.get('/api/policy')).body.rules, spamRule());
  });

  it('keeps a history with diffs of the rules and the Lua, and rolls back as a new revision', async (t) => {
    const { a } = await start(t);
    await a.post('/api/save', { rules: spamRule(), baseRevision: 0 });
    await a.post('/api/save', { rules: spamRule(true), baseRevision: 1 });
    const two = await a.get('/api/history/2');
    assert.match(two.body.rulesDiff, /^--- policyeditor\.json@1\n\+\+\+ policyeditor\.json@2\n@@ /);
    assert.match(two.body.rulesDiff, /\n\+ {12}"id": "r3",\n/);
    assert.match(two.body.luaDiff, /\n\+  else\n\+    msg:header\("X-Checked", "clean", "append"\)\n/);
    assert.equal((await a.get('/api/history/9')).status, 404);
    const back = await a.post('/api/rollback', { revision: 1, baseRevision: 2 });
    assert.equal(back.body.revision, 3);
    const now = await a.get('/api/policy');
    assert.deepEqual([now.body.revision, now.body.rules], [3, spamRule()]);
    assert.equal(now.body.lua, (await a.get('/api/history/1')).body.lua);
    assert.deepEqual((await a.get('/api/history')).body.map((h: { revision: number; summary: string }) => [h.revision, h.summary]), [
      [3, 'rollback to revision 1 (rules: 1 in data)'], [2, 'save (rules: 1 in data)'], [1, 'save (rules: 1 in data)'],
    ]);
  });

  it('will not open a hand-written policyeditor.lua, nor save over it', async (t) => {
    const dir = confDir(t, CONF, { 'policy/policyeditor.lua': 'local mod = {}\nfunction mod:init() return true end\nmsys.registerModule("policyeditor", mod)\n' });
    const { a } = await start(t, { dir });
    const opened = await a.get('/api/policy');
    assert.equal(opened.status, 409);
    assert.match(opened.body.error, /policyeditor\.lua was written by hand: the policy editor only opens scripts it generated/);
    assert.equal((await a.post('/api/save', { rules: spamRule(), baseRevision: 0 })).status, 409);
  });

  it('refuses a generated file edited by hand, which scriptlet check reports too', async (t) => {
    const { a, dir, conf } = await start(t);
    await a.post('/api/save', { rules: spamRule(), baseRevision: 0 });
    const file = path.join(dir, 'policy', 'policyeditor.lua');
    fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace('550', '554'));
    const opened = await a.get('/api/policy');
    assert.equal(opened.status, 409);
    assert.match(opened.body.error, /was generated by the policy editor, but its Lua was edited by hand/);
    const { problems } = await check(conf);
    assert.deepEqual(problems.map((p) => [p.file, p.line]), [[file, 1]]);
    assert.match(problems[0]!.message, /^generated by the policy editor, but its Lua was edited by hand \(the lua-sha256 of its first line does not match\)/);
  });

  it('answers 400 and writes nothing when the generated script does not load', async (t) => {
    const { a, dir } = await start(t);
    const r = await a.post('/api/save', { rules: { version: 1, phases: { data: [{ id: 'c1', type: 'custom', code: 'if then' }] } }, baseRevision: 0 });
    assert.equal(r.status, 400);
    assert.match(r.body.error, /^the generated script does not load: /);
    assert.equal(fs.existsSync(path.join(dir, 'policy')), false);
    assert.doesNotMatch(fs.readFileSync(path.join(dir, 'ecelerity.conf'), 'utf8'), /policyeditor/);
  });

  it('puts back the old policy, rules and configuration when the reload fails, and answers 500', async (t) => {
    let fail = false;
    const { a, dir, conf } = await start(t, { reload: async () => (fail ? 'a worker could not build it' : undefined) });
    await a.post('/api/save', { rules: spamRule(), baseRevision: 0 });
    const before = ['policy/policyeditor.lua', 'policy/policyeditor.json', 'ecelerity.conf'].map((f) => fs.readFileSync(path.join(dir, f), 'utf8'));
    fail = true;
    const r = await a.post('/api/save', { rules: spamRule(true), baseRevision: 1 });
    assert.equal(r.status, 500);
    assert.equal(r.body.error, 'the engine did not take the new policy, so the old one keeps serving: a worker could not build it');
    assert.deepEqual(['policy/policyeditor.lua', 'policy/policyeditor.json', 'ecelerity.conf'].map((f) => fs.readFileSync(path.join(dir, f), 'utf8')), before);
    assert.equal((await a.get('/api/policy')).body.revision, 1);
    assert.ok(fs.existsSync(conf));
  });
});
