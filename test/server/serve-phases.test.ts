// scriptlet serve answers a real SMTP client (nodemailer) with the policy's
// verdict at every phase, adds the headers the policy set, and spools what it
// accepts before answering 250.

import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { policyDir, queueId, send, spooled, startServer } from './helpers.js';

const FROM = 'alice@example.org';
const TO = ['bob@example.net'];

describe('scriptlet serve, phase by phase', () => {
  it('accepts a clean message and spools it, with the policy headers and a Received header, before answering 250', async (t) => {
    const { port, server } = await startServer(t);
    for (let round = 0; round < 2; round++) {
      const reply = await send(port, { from: FROM, to: TO, helo: 'client.test' });
      assert.equal(reply.code, 250, reply.response);
      const id = queueId(reply);
      assert.ok(id, reply.response);
      const file = path.join(server.spool.dir, 'new', `${id}.eml`);
      const text = fs.readFileSync(file, 'latin1');
      assert.match(text, /^Received: from client\.test \(.*\[127\.0\.0\.1\]\)\r\n\tby mx\.test \(scriptlet\) with ESMTP id /);
      // The connection context carried from connect and ehlo to data; the message context from data to data_spool.
      assert.match(text, /\r\nX-Policy: checked 127\.0\.0\.1 client\.test\r\n/);
      assert.match(text, /\r\nX-Spool: data\r\n/);
      const envelope = JSON.parse(fs.readFileSync(file.replace(/\.eml$/, '.json'), 'utf8'));
      assert.deepEqual([envelope.id, envelope.mailfrom, envelope.rcptto, envelope.helo], [id, FROM, TO, 'client.test']);
      assert.equal(envelope.version, server.engine.version);
    }
    assert.equal(spooled(server.spool.dir).length, 2);
  });

  it('refuses at ehlo (answered at MAIL FROM), mailfrom and rcptto with the code and text the policy set', async (t) => {
    const { port, server } = await startServer(t);
    const ehlo = await send(port, { from: FROM, to: TO, helo: 'bad.example' });
    assert.deepEqual([ehlo.code, ehlo.command], [550, 'MAIL FROM']);
    assert.match(ehlo.response, /^550 5\.7\.1 bad helo bad\.example$/);
    const hard = await send(port, { from: 'reject@example.org', to: TO });
    assert.equal(hard.response, '550 5.7.1 sender refused');
    const soft = await send(port, { from: 'soft@example.org', to: TO });
    assert.equal(soft.response, '451 4.7.1 sender later');
    const rcpt = await send(port, { from: FROM, to: ['nobody@example.net'] });
    assert.deepEqual([rcpt.code, rcpt.command], [550, 'RCPT TO']);
    assert.match(rcpt.response, /5\.1\.1 no such user/);
    assert.equal(spooled(server.spool.dir).length, 0);
  });

  for (const phase of ['data', 'data_spool', 'data_spool_each_rcpt', 'set_binding']) {
    it(`refuses the message at ${phase} and spools nothing`, async (t) => {
      const { port, server } = await startServer(t);
      const reply = await send(port, { from: FROM, to: TO, headers: { 'X-Reject-At': phase } });
      assert.equal(reply.response, `554 5.7.1 refused at ${phase}`);
      assert.equal(spooled(server.spool.dir).length, 0);
    });
  }

  it('answers 451 when a script fails and on_error is tempfail, and logs the error', async (t) => {
    const { port, server, logs } = await startServer(t);
    const reply = await send(port, { from: FROM, to: TO, subject: 'boom' });
    assert.equal(reply.code, 451, reply.response);
    assert.equal(spooled(server.spool.dir).length, 0);
    assert.ok(logs.some((l) => /data: policy: .*boom at data \([^)]*:\d+\)$/.test(l)), logs.join('\n'));
    assert.equal((await send(port, { from: FROM, to: TO })).code, 250);
  });

  it('closes the connection after the reply when the policy disconnects', async (t) => {
    const { port } = await startServer(t);
    const lines = await rawSession(port, ['EHLO client.test', 'MAIL FROM:<bye@example.org>', 'NOOP']);
    // NOOP is never answered: the connection is closed after the 554.
    assert.equal(lines.at(-1), '554 5.7.0 go away', lines.join('\n'));
  });

  it('refuses at connect with the policy code, before the greeting', async (t) => {
    const policy = `local core = require("msys.core")
local mod = {}
function mod:validate_connect(accept, vctx) vctx:set_code(554, "5.7.1 no service for " .. accept.remote_addr) return core.VALIDATE_DONE end
msys.registerModule("policy", mod)`;
    const { port } = await startServer(t, policyDir(t, policy));
    const lines = await rawSession(port, []);
    assert.deepEqual(lines, ['554 5.7.1 no service for 127.0.0.1']);
  });
});

/** A raw SMTP session: the server's lines until it closes (or 3 s). */
function rawSession(port: number, commands: string[]): Promise<string[]> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    let text = '';
    const done = () => resolve(text.split('\r\n').filter((l) => l !== ''));
    const timer = setTimeout(() => socket.destroy(), 3000);
    socket.on('data', (d) => {
      const first = text === '';
      text += d.toString('latin1');
      if (first && commands.length > 0) socket.write(commands.map((c) => c + '\r\n').join(''));
    });
    socket.on('close', () => {
      clearTimeout(timer);
      done();
    });
    socket.on('error', () => undefined);
  });
}
