// The Haraka plugin carries out what a policy asks of the host besides the
// reply, in a real Haraka: capability changes in the EHLO reply (through
// hook_capabilities), the recipient list the policy left, and msg:discard
// as transaction.notes.discard.

import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ensureCompiled } from '../helpers/compiled.js';
import { policyDir, send } from '../server/helpers.js';
import { freePort, HARAKA_BIN, startHaraka } from './haraka-process.js';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

const POLICY = `
local core = require("msys.core")
local mod = {}
function mod:validate_connect(accept, vctx)
  accept:esmtp_capability_add("XSCRIPTLET on")
  accept:esmtp_capability_remove("pipelining")
  return core.VALIDATE_CONT
end
function mod:validate_rcptto(msg, str, accept, vctx)
  if str == "team@example.net" then vctx:remove_recipient(str) vctx:add_recipient("alice@example.net") end
  return core.VALIDATE_CONT
end
function mod:validate_data(msg, accept, vctx)
  vctx:add_recipient("archive@example.net")
  if msg:header("X-Discard")[1] then msg:discard() end
  return core.VALIDATE_CONT
end
msys.registerModule("policy", mod)
`;

/** Queues each message's envelope (recipients and discard note) to queued/UUID.json. */
const QUEUE_PLUGIN = `
const fs = require('fs')
const path = require('path')
exports.hook_rcpt = function (next) { next(OK) }
exports.hook_queue = function (next, connection) {
    const t = connection.transaction
    const rcpt = t.rcpt_to.map((a) => typeof a.address === 'function' ? a.address() : a.address)
    fs.writeFileSync(path.join(process.env.HARAKA, 'queued', t.uuid + '.json'), JSON.stringify({ rcpt, discard: !!t.notes.discard }))
    next(OK, '2.0.0 OK queued as ' + t.uuid)
}
`;

/** The lines of a raw session that says EHLO and QUIT. */
function ehloLines(port: number): Promise<string[]> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    let text = '';
    let sent = false;
    socket.on('data', (d) => {
      text += d.toString('latin1');
      if (!sent && /^220 /m.test(text)) {
        sent = true;
        socket.write('EHLO client.test\r\n');
      }
      if (/^250 /m.test(text.split(/^220 .*\r\n/m)[1] ?? '')) socket.end('QUIT\r\n');
    });
    socket.on('close', () => resolve(text.split('\r\n')));
    socket.on('error', () => undefined);
  });
}

describe('the Haraka plugin, what the policy asks of the host', () => {
  before(ensureCompiled);

  it('changes the EHLO reply, delivers to the recipients the policy left, and marks discarded messages', { timeout: 60_000 }, async (t) => {
    const dir = policyDir(t, POLICY);
    const home = path.join(dir, 'haraka');
    const port = await freePort();
    fs.cpSync(path.join(path.dirname(HARAKA_BIN), '..', 'config'), path.join(home, 'config'), { recursive: true });
    fs.mkdirSync(path.join(home, 'plugins'));
    fs.mkdirSync(path.join(home, 'queued'));
    fs.mkdirSync(path.join(home, 'node_modules'));
    fs.symlinkSync(REPO, path.join(home, 'node_modules', 'scriptlet'));
    fs.copyFileSync(path.join(REPO, 'haraka', 'scriptlet.js'), path.join(home, 'plugins', 'scriptlet.js'));
    fs.writeFileSync(path.join(home, 'plugins', 'test_queue.js'), QUEUE_PLUGIN);
    fs.writeFileSync(path.join(home, 'config', 'plugins'), 'scriptlet\ntest_queue\n');
    fs.writeFileSync(path.join(home, 'config', 'smtp.ini'), `[main]\nlisten=127.0.0.1:${port}\nnodes=0\n`);
    fs.writeFileSync(path.join(home, 'config', 'scriptlet.ini'), '[main]\nconfig=../../ecelerity.conf\n');
    fs.writeFileSync(path.join(home, 'config', 'me'), 'haraka.test\n');
    fs.writeFileSync(path.join(home, 'config', 'log.ini'), '[main]\nlevel=notice\n');
    await startHaraka(t, { command: process.execPath, args: [HARAKA_BIN, '-c', home], cwd: REPO, port, ready: /scriptlet: policy ready/ });

    const lines = await ehloLines(port);
    assert.ok(lines.includes('250 XSCRIPTLET on') || lines.includes('250-XSCRIPTLET on'), lines.join('\n'));
    assert.ok(!lines.some((l) => /^250[ -]PIPELINING$/.test(l)), lines.join('\n'));

    const queued = () => fs.readdirSync(path.join(home, 'queued')).map((f) => JSON.parse(fs.readFileSync(path.join(home, 'queued', f), 'utf8')));
    const kept = await send(port, { from: 'x@example.org', to: ['team@example.net', 'carol@example.net'] });
    assert.equal(kept.code, 250, kept.response);
    assert.deepEqual(queued(), [{ rcpt: ['alice@example.net', 'carol@example.net', 'archive@example.net'], discard: false }]);
    const dropped = await send(port, { from: 'x@example.org', to: ['carol@example.net'], headers: { 'X-Discard': '1' } });
    assert.equal(dropped.code, 250, dropped.response);
    assert.ok(queued().some((q) => q.discard === true), JSON.stringify(queued()));
  });
});
