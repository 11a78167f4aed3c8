// scriptlet serve carries out what a policy asks of the host besides the
// reply: capability changes in its EHLO reply, tarpits, recipient changes,
// and the messages msg:inject / msg:forward make, spooled. A real SMTP
// client (nodemailer) or a raw socket talks to it.

import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { policyDir, queueId, send, spooled, startServer } from './helpers.js';

const POLICY = `
local core = require("msys.core")
require("msys.extended.ac")
require("msys.extended.vctx")
local mod = {}

function mod:validate_connect(accept, vctx)
  accept:esmtp_capability_add("XSCRIPTLET on")
  accept:esmtp_capability_remove("dsn")
  return core.VALIDATE_CONT
end

function mod:validate_ehlo(str, accept, vctx)
  if str == "slow.test" then vctx:tarpit(1) end
  if str == "nosize.test" then accept:esmtp_capability_remove("SIZE") end
  if str == "bad.example" then vctx:set_code(550, "5.7.1 bad helo") return core.VALIDATE_DONE end
  return core.VALIDATE_CONT
end

function mod:validate_rcptto(msg, str, accept, vctx)
  if str == "team@example.net" then vctx:remove_recipient(str) vctx:add_recipient("alice@example.net, bob@example.net") end
  return core.VALIDATE_CONT
end

function mod:validate_data(msg, accept, vctx)
  if msg:header("X-Notify")[1] then
    local m = msys.core.ec_message_new()
    m:build({ From = "<policy@mx.test>", To = "<ops@example.net>", Subject = "notice" }, { ["text/plain"] = "saw " .. msg:header("Subject")[1] })
    m:inject("policy@mx.test", "ops@example.net")
  end
  if msg:header("X-Forward")[1] then msg:forward("abuse@mx.test", "abuse-desk@example.net", "Forwarded by policy.") end
  if msg:header("X-Archive")[1] then vctx:add_recipient("archive@example.net") end
  return core.VALIDATE_CONT
end

msys.registerModule("policy", mod)
`;

const FROM = 'sender@example.org';

/** A raw SMTP session: sends each command after the previous reply, returns every reply line and the time each reply took. */
async function dialogue(port: number, commands: string[]): Promise<{ lines: string[]; ms: number[] }> {
  const socket = net.connect(port, '127.0.0.1');
  let buffer = '';
  const lines: string[] = [];
  const ms: number[] = [];
  let waiter: (() => void) | undefined;
  socket.on('data', (d) => {
    buffer += d.toString('latin1');
    let i;
    while ((i = buffer.indexOf('\r\n')) !== -1) {
      const line = buffer.slice(0, i);
      buffer = buffer.slice(i + 2);
      lines.push(line);
      if (/^\d{3} /.test(line)) waiter?.();
    }
  });
  const reply = () => new Promise<void>((resolve) => (waiter = resolve));
  let t0 = Date.now();
  await reply();
  ms.push(Date.now() - t0);
  for (const c of commands) {
    t0 = Date.now();
    const next = reply();
    socket.write(c + '\r\n');
    await next;
    ms.push(Date.now() - t0);
  }
  socket.destroy();
  return { lines, ms };
}

describe('scriptlet serve, what the policy asks of the host', () => {
  it('shows the capability changes of connect and ehlo in its EHLO reply', async (t) => {
    const { port } = await startServer(t, policyDir(t, POLICY));
    for (let round = 0; round < 2; round++) {
      const { lines } = await dialogue(port, ['EHLO client.test', 'EHLO nosize.test', 'QUIT']);
      const first = lines.slice(1, lines.indexOf(lines.find((l) => l.startsWith('250 '))!) + 1).map((l) => l.slice(4));
      assert.match(first[0]!, /^mx\.test Nice to meet you, /);
      assert.ok(first.includes('XSCRIPTLET on'), first.join('\n'));
      assert.ok(!first.some((l) => l.toUpperCase() === 'DSN'), 'connect removed DSN');
      assert.ok(first.some((l) => l.startsWith('SIZE ')), 'SIZE still there');
      const second = lines.slice(lines.indexOf(lines.find((l) => l.startsWith('250 '))!) + 1).map((l) => l.slice(4));
      assert.ok(!second.some((l) => l.startsWith('SIZE')), `ehlo removed SIZE: ${second.join('|')}`);
      assert.ok(second.includes('XSCRIPTLET on'), 'the connect change holds for every EHLO');
    }
  });

  it('still answers an ehlo refusal at the next MAIL FROM', async (t) => {
    const { port } = await startServer(t, policyDir(t, POLICY));
    const reply = await send(port, { from: FROM, to: ['x@example.net'], helo: 'bad.example' });
    assert.deepEqual([reply.code, reply.command], [550, 'MAIL FROM']);
  });

  it('waits the tarpit the ehlo phase asked for before its EHLO reply', async (t) => {
    const { port } = await startServer(t, policyDir(t, POLICY));
    const { ms } = await dialogue(port, ['EHLO slow.test', 'EHLO client.test', 'QUIT']);
    assert.ok(ms[1]! >= 950, `EHLO slow.test answered after ${ms[1]} ms`);
    assert.ok(ms[2]! < 900, `EHLO client.test answered after ${ms[2]} ms`);
  });

  it('spools the message a policy built and injected, beside the one accepted', async (t) => {
    const { port, server } = await startServer(t, policyDir(t, POLICY));
    const reply = await send(port, { from: FROM, to: ['bob@example.net'], subject: 'quarterly', headers: { 'X-Notify': 'yes' } });
    assert.equal(reply.code, 250, reply.response);
    const id = queueId(reply)!;
    const names = spooled(server.spool.dir);
    assert.equal(names.length, 2);
    const other = names.find((n) => n !== `${id}.eml`)!;
    const envelope = JSON.parse(fs.readFileSync(path.join(server.spool.dir, 'new', other.replace(/\.eml$/, '.json')), 'utf8'));
    assert.deepEqual([envelope.mailfrom, envelope.rcptto, envelope.injectedBy], ['policy@mx.test', ['ops@example.net'], id]);
    const text = fs.readFileSync(path.join(server.spool.dir, 'new', other), 'utf8');
    assert.match(text, /^From: <policy@mx\.test>\r\nSubject: notice\r\nTo: <ops@example\.net>\r\n/);
    assert.match(text, /\r\n\r\nsaw quarterly\r\n$/);
  });

  it('spools what msg:forward made: the text and the message attached', async (t) => {
    const { port, server } = await startServer(t, policyDir(t, POLICY));
    const reply = await send(port, { from: FROM, to: ['bob@example.net'], subject: 'suspicious', headers: { 'X-Forward': '1' } });
    const id = queueId(reply)!;
    const other = spooled(server.spool.dir).find((n) => n !== `${id}.eml`)!;
    const text = fs.readFileSync(path.join(server.spool.dir, 'new', other), 'utf8');
    assert.match(text, /Forwarded by policy\./);
    assert.match(text, /Content-Type: message\/rfc822\r\nContent-Disposition: attachment\r\n\r\nFrom: <sender@example\.org>\r\n/);
  });

  it('delivers to the recipients the policy left: replaced at RCPT TO, added at DATA', async (t) => {
    const { port, server } = await startServer(t, policyDir(t, POLICY));
    const reply = await send(port, { from: FROM, to: ['team@example.net', 'carol@example.net'], headers: { 'X-Archive': '1' } });
    assert.equal(reply.code, 250, reply.response);
    const envelope = JSON.parse(fs.readFileSync(path.join(server.spool.dir, 'new', `${queueId(reply)}.json`), 'utf8'));
    assert.deepEqual(envelope.rcptto, ['alice@example.net', 'bob@example.net', 'carol@example.net', 'archive@example.net']);
  });
});
