// The Haraka plugin in a real Haraka (the npm package, started here on
// loopback with haraka/scriptlet.js copied into its plugins/): the same
// messages get the same verdicts as from `scriptlet serve`, and the headers
// the policy set are in what Haraka queues.

import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { before, describe, it, type TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ensureCompiled } from '../helpers/compiled.js';
import { policyDir, send, startServer, type Mail, type Reply } from '../server/helpers.js';
import { freePort, HARAKA_BIN, startHaraka } from './haraka-process.js';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** Accepts every recipient and queues each message to queued/UUID.eml, so that verdicts are the policy's alone. */
const TEST_QUEUE_PLUGIN = `
const fs = require('fs')
const path = require('path')
exports.hook_rcpt = function (next) { next(OK) }
exports.hook_queue = function (next, connection) {
    const t = connection.transaction
    t.message_stream.get_data((data) => {
        fs.writeFileSync(path.join(process.env.HARAKA, 'queued', t.uuid + '.eml'), data)
        next(OK, '2.0.0 OK queued as ' + t.uuid)
    })
}
`;

/** A Haraka directory in policyDir, with our plugin in; Haraka started on a free port (in `nodes` cluster workers, if any). */
async function startTestHaraka(t: TestContext, dir: string, nodes = 0): Promise<{ port: number; queue: string; output: () => string }> {
  const home = path.join(dir, 'haraka');
  const port = await freePort();
  // Haraka's own defaults first (connection.ini and the rest), as `haraka -i` would copy them; ours over them.
  fs.cpSync(path.join(path.dirname(HARAKA_BIN), '..', 'config'), path.join(home, 'config'), { recursive: true });
  fs.mkdirSync(path.join(home, 'plugins'));
  fs.mkdirSync(path.join(home, 'queued'));
  // As docs/haraka.md has it: the package in the directory's node_modules (here a link to this checkout), its plugin file copied.
  fs.mkdirSync(path.join(home, 'node_modules'));
  fs.symlinkSync(REPO, path.join(home, 'node_modules', 'scriptlet'));
  fs.copyFileSync(path.join(REPO, 'haraka', 'scriptlet.js'), path.join(home, 'plugins', 'scriptlet.js'));
  fs.writeFileSync(path.join(home, 'plugins', 'test_queue.js'), TEST_QUEUE_PLUGIN);
  fs.writeFileSync(path.join(home, 'config', 'plugins'), 'scriptlet\ntest_queue\n');
  fs.writeFileSync(path.join(home, 'config', 'smtp.ini'), `[main]\nlisten=127.0.0.1:${port}\nnodes=${nodes}\n`);
  fs.writeFileSync(path.join(home, 'config', 'scriptlet.ini'), '[main]\nconfig=../../ecelerity.conf\n');
  fs.writeFileSync(path.join(home, 'config', 'me'), 'haraka.test\n');
  fs.writeFileSync(path.join(home, 'config', 'log.ini'), '[main]\nlevel=notice\n');
  const haraka = await startHaraka(t, { command: process.execPath, args: [HARAKA_BIN, '-c', home], cwd: REPO, port, ready: /scriptlet: policy ready/ });
  return { port, queue: path.join(home, 'queued'), output: haraka.output };
}

const CASES: [string, Mail][] = [
  ['a clean message', { from: 'alice@example.org', to: ['bob@example.net'] }],
  ['a refused sender', { from: 'reject@example.org', to: ['bob@example.net'] }],
  ['a sender told to come back later', { from: 'soft@example.org', to: ['bob@example.net'] }],
  ['an unknown recipient', { from: 'alice@example.org', to: ['nobody@example.net'] }],
  ['a message refused at data', { from: 'alice@example.org', to: ['bob@example.net'], headers: { 'X-Reject-At': 'data' } }],
  ['a message refused at data_spool', { from: 'alice@example.org', to: ['bob@example.net'], headers: { 'X-Reject-At': 'data_spool' } }],
  ['a message refused at data_spool_each_rcpt', { from: 'alice@example.org', to: ['bob@example.net'], headers: { 'X-Reject-At': 'data_spool_each_rcpt' } }],
  ['a message refused at set_binding', { from: 'alice@example.org', to: ['bob@example.net'], headers: { 'X-Reject-At': 'set_binding' } }],
  ['a message whose script fails (on_error = tempfail)', { from: 'alice@example.org', to: ['bob@example.net'], subject: 'boom' }],
  ['a refused HELO name', { from: 'alice@example.org', to: ['bob@example.net'], helo: 'bad.example' }],
];

/** Code and text; queue ids are left out (Haraka also appends its transaction's id to a 250). */
function verdict(r: Reply): string {
  return `${r.code} ${r.response.replace(/^\d{3}[ -]/, '').replace(/queued as \S+( \([0-9A-F.-]+\))?$/, 'queued as ID')}`;
}

describe('the Haraka plugin in a real Haraka', () => {
  before(ensureCompiled);

  it('gives the same verdicts as scriptlet serve on the same messages', { timeout: 60_000 }, async (t) => {
    const dir = policyDir(t);
    const haraka = await startTestHaraka(t, dir);
    const { port } = await startServer(t, dir);
    for (const [what, mail] of CASES) {
      const fromServe = await send(port, mail);
      const fromHaraka = await send(haraka.port, mail);
      assert.equal(verdict(fromHaraka), verdict(fromServe), `${what}\n${haraka.output()}`);
    }
    // The failing script's error, logged as scriptlet serve logs it: module, message, where in the script.
    assert.match(haraka.output(), /data: policy: .*boom at data \([^)]*:\d+\)/);
    // Haraka logs each refusal with the policy's text (the reply's toString), never "[object Object]".
    assert.match(haraka.output(), /\[core\] sender <reject@example\.org> code=DENY msg="5\.7\.1 sender refused"/);
    assert.match(haraka.output(), /\[core\] recipient <nobody@example\.net> code=DENY msg="5\.1\.1 no such user"/);
    assert.match(haraka.output(), /\[core\] message .* code=DENY msg="5\.7\.1 refused at data"/);
    assert.doesNotMatch(haraka.output(), /\[object Object\]/);
  });

  it('applies the headers the policy set to the message Haraka queues, with the contexts kept per connection', { timeout: 60_000 }, async (t) => {
    const dir = policyDir(t);
    const haraka = await startTestHaraka(t, dir);
    for (let round = 0; round < 2; round++) {
      const reply = await send(haraka.port, { from: 'alice@example.org', to: ['bob@example.net'], helo: 'client.test' });
      assert.equal(reply.code, 250, `${reply.response}\n${haraka.output()}`);
      const uuid = /queued as (\S+)/.exec(reply.response)![1]!;
      const queued = fs.readFileSync(path.join(haraka.queue, `${uuid}.eml`), 'latin1');
      assert.match(queued, /\r\nX-Policy: checked 127\.0\.0\.1 client\.test\r\n/);
      assert.match(queued, /\r\nX-Spool: data\r\n/);
    }
  });

  it("starts the policy in Haraka's cluster worker, not in the master that serves nothing", { timeout: 60_000 }, async (t) => {
    const haraka = await startTestHaraka(t, policyDir(t), 1);
    const reply = await send(haraka.port, { from: 'reject@example.org', to: ['bob@example.net'] });
    assert.equal(verdict(reply), '550 5.7.1 sender refused', haraka.output());
    assert.equal(haraka.output().match(/scriptlet: policy ready/g)?.length, 1, haraka.output());
    assert.equal(haraka.output().match(/scriptlet: \S+ecelerity\.conf is loaded by each cluster worker/g)?.length, 1, haraka.output());
  });
});
