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
import { SMTPServer } from 'smtp-server';
import { tempTree } from '../config/fixtures.js';
import { policyDir, send, startServer, testConf, type Mail, type Reply } from '../server/helpers.js';
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
        fs.writeFileSync(path.join(process.env.HARAKA, 'queued', t.uuid + '.notes.json'), JSON.stringify(t.notes.scriptlet_bindings || null))
        next(OK, '2.0.0 OK queued as ' + t.uuid)
    })
}
`;

/** A Haraka directory in policyDir, with our plugin in; Haraka started on a free port (in `nodes` cluster workers, if any). */
async function startTestHaraka(t: TestContext, dir: string, nodes = 0, queuePlugin = TEST_QUEUE_PLUGIN): Promise<{ port: number; queue: string; output: () => string }> {
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
  fs.writeFileSync(path.join(home, 'plugins', 'test_queue.js'), queuePlugin);
  fs.writeFileSync(path.join(home, 'config', 'plugins'), 'scriptlet\ntest_queue\n');
  fs.writeFileSync(path.join(home, 'config', 'smtp.ini'), `[main]\nlisten=127.0.0.1:${port}\nnodes=${nodes}\n`);
  fs.writeFileSync(path.join(home, 'config', 'scriptlet.ini'), '[main]\nconfig=../../ecelerity.conf\n');
  fs.writeFileSync(path.join(home, 'config', 'me'), 'haraka.test\n');
  fs.writeFileSync(path.join(home, 'config', 'log.ini'), '[main]\nlevel=notice\n');
  const haraka = await startHaraka(t, { command: process.execPath, args: [HARAKA_BIN, '-c', home], cwd: REPO, port, ready: /scriptlet: policy ready/ });
  return { port, queue: path.join(home, 'queued'), output: haraka.output };
}

const BINDINGS = 'binding "mta1" { }\nbinding_group "pool" { binding "mta2" { } binding "mta3" { } }\n';

/** Binds by recipient, refuses at core_final_validation on X-Final: no, and prints what the delivery-log phases see. */
const BINDING_POLICY = `
local core = require("msys.core")
local mod = {}
function mod:validate_set_binding(msg)
  local rcpt = msg:rcptto()
  if rcpt:match("^pool") then msg:binding_group("pool") elseif not rcpt:match("^plain") then msg:binding("mta1") end
  return core.VALIDATE_CONT
end
function mod:core_final_validation(msg, accept, vctx)
  if msg:header("X-Final")[1] == "no" then vctx:set_code(550, msys.expandMacro("5.7.1 final no for %{vctx_mess:mailfrom_domain} tls=%{vctx_conn:tls} relay=%{vctx_conn:can_relay}")) return core.VALIDATE_DONE end
  return core.VALIDATE_CONT
end
function mod:core_log_delivery_v1(msg, vctx)
  print(msys.expandMacro("delivered %{vctx_mess:mailfrom_string} -> %{vctx_mess:rcptto_string} code %{vctx_mess:delivery_code} via %{vctx_mess:binding}"))
end
function mod:core_log_permanent_failure_v1(msg, vctx)
  print(msys.expandMacro("failed %{s} -> %{vctx_mess:rcptto_string} code %{vctx_mess:delivery_code} text %{vctx_mess:delivery_text}"))
end
msys.registerModule("policy", mod)
`;

/** Sets a header and rewrites the body: Haraka must queue the new message whole. */
const REWRITE_POLICY = `
local core = require("msys.core")
local mod = {}
function mod:validate_data(msg, accept, vctx)
  msg:header("X-Rewritten", "yes")
  msg:body_replace("Hello", "Rewritten by the policy.\\r\\n.A line that starts with a dot")
  return core.VALIDATE_CONT
end
msys.registerModule("policy", mod)
`;

/** Relays every recipient through Haraka's outbound to the test's sink (as the MX of every domain). */
const OUTBOUND_PLUGIN = `
exports.hook_rcpt = function (next, connection) { connection.relaying = true; next(OK) }
exports.hook_get_mx = function (next, hmail, domain) { next(OK, 'smtp://127.0.0.1:SINK_PORT') }
`;

/** An SMTP sink that refuses refused@... with 550 and keeps the rest. */
async function refusingSink(t: TestContext): Promise<{ port: number; delivered: string[] }> {
  const delivered: string[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['AUTH', 'STARTTLS'],
    logger: false,
    onRcptTo(address, _session, cb) {
      cb(address.address.startsWith('refused@') ? Object.assign(new Error('5.1.1 no such mailbox'), { responseCode: 550 }) : undefined);
    },
    onData(stream, _session, cb) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        delivered.push(Buffer.concat(chunks).toString('utf8'));
        cb();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return { port: (server.server.address() as { port: number }).port, delivered };
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

  it('queues the message whole when the policy rewrote its body, with its header edits', { timeout: 60_000 }, async (t) => {
    const haraka = await startTestHaraka(t, policyDir(t, REWRITE_POLICY));
    const reply = await send(haraka.port, { from: 'alice@example.org', to: ['bob@example.net'], headers: { 'X-Kept': 'yes' } });
    assert.equal(reply.code, 250, `${reply.response}\n${haraka.output()}`);
    const uuid = /queued as (\S+)/.exec(reply.response)![1]!;
    const queued = fs.readFileSync(path.join(haraka.queue, `${uuid}.eml`), 'latin1');
    const [header, body] = queued.split('\r\n\r\n');
    assert.match(header!, /\r\nX-Kept: yes(\r\n|$)/);
    assert.match(header!, /\r\nX-Rewritten: yes(\r\n|$)/);
    // Stored dot-stuffed, as Haraka keeps DATA's lines, and given back as the policy wrote it.
    assert.equal(body, 'Rewritten by the policy.\r\n.A line that starts with a dot.\r\n');
  });

  it('notes the bindings set_binding chose in the transaction, and stops at core_final_validation', { timeout: 60_000 }, async (t) => {
    const dir = tempTree(t, { 'ecelerity.conf': testConf() + BINDINGS, 'policy.lua': BINDING_POLICY });
    const haraka = await startTestHaraka(t, dir);
    const reply = await send(haraka.port, { from: 'alice@example.org', to: ['one@example.net', 'pool@example.net', 'plain@example.net'] });
    assert.equal(reply.code, 250, `${reply.response}\n${haraka.output()}`);
    const uuid = /queued as (\S+)/.exec(reply.response)![1]!;
    const notes = JSON.parse(fs.readFileSync(path.join(haraka.queue, `${uuid}.notes.json`), 'utf8'));
    assert.equal(notes['one@example.net'], 'mta1');
    assert.ok(['mta2', 'mta3'].includes(notes['pool@example.net']), JSON.stringify(notes));
    assert.equal('plain@example.net' in notes, false);
    const refused = await send(haraka.port, { from: 'alice@example.org', to: ['one@example.net'], headers: { 'X-Final': 'no' } });
    assert.equal(verdict(refused), '550 5.7.1 final no for example.org tls=0 relay=0', haraka.output());
  });

  it("runs the delivery-log phases from Haraka's outbound: delivered and bounced, with the binding", { timeout: 60_000 }, async (t) => {
    const sink = await refusingSink(t);
    const dir = tempTree(t, { 'ecelerity.conf': testConf() + BINDINGS, 'policy.lua': BINDING_POLICY });
    const haraka = await startTestHaraka(t, dir, 0, OUTBOUND_PLUGIN.replace('SINK_PORT', String(sink.port)));
    const ok = await send(haraka.port, { from: 'alice@example.org', to: ['one@example.net'], subject: 'outbound' });
    assert.equal(ok.code, 250, `${ok.response}\n${haraka.output()}`);
    const bad = await send(haraka.port, { from: 'alice@example.org', to: ['refused@example.net'] });
    assert.equal(bad.code, 250, `${bad.response}\n${haraka.output()}`);
    const until = Date.now() + 30_000;
    const wanted = [
      /core_log_delivery_v1: \[policy\] delivered alice@example\.org -> one@example\.net code 250 via mta1/,
      /core_log_permanent_failure_v1: \[policy\] failed alice@example\.org -> refused@example\.net code 550 text .*no such mailbox/,
    ];
    while (!wanted.every((re) => re.test(haraka.output())) && Date.now() < until) await new Promise((r) => setTimeout(r, 100));
    for (const re of wanted) assert.match(haraka.output(), re);
    assert.equal(sink.delivered.filter((m) => m.includes('Subject: outbound')).length, 1);
  });

  it("starts the policy in Haraka's cluster worker, not in the master that serves nothing", { timeout: 60_000 }, async (t) => {
    const haraka = await startTestHaraka(t, policyDir(t), 1);
    const reply = await send(haraka.port, { from: 'reject@example.org', to: ['bob@example.net'] });
    assert.equal(verdict(reply), '550 5.7.1 sender refused', haraka.output());
    assert.equal(haraka.output().match(/scriptlet: policy ready/g)?.length, 1, haraka.output());
    assert.equal(haraka.output().match(/scriptlet: \S+ecelerity\.conf is loaded by each cluster worker/g)?.length, 1, haraka.output());
  });
});
