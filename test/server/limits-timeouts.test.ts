// scriptlet serve against slow and silent clients: `timeout` bounds each
// command however the bytes trickle in (slowloris), `data_timeout` the whole
// message, time the server spends deciding never counts against the client,
// and a client that never reads its replies is closed with the server's
// memory bounded (a real `scriptlet serve` process, its RSS read from /proc).

import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { startScriptlet } from '../helpers/scriptlet-process.js';
import { send, startServer, TEST_POLICY } from './helpers.js';
import { bodyOf, limitsDir, RawSmtp, sleep, spooledFiles, until } from './raw-smtp.js';

/** The test policy, and a 2 s tarpit on MAIL FROM from slow@. */
const SLOW_POLICY = TEST_POLICY.replace(
  'function mod:validate_mailfrom(str, accept, vctx)\n',
  'function mod:validate_mailfrom(str, accept, vctx)\n  if string.find(str, "slow@", 1, true) then vctx:tarpit(2) end\n',
);

/** Sends text one byte every `everyMs` until the connection closes or the text ends. */
async function trickle(client: RawSmtp, text: string, everyMs: number): Promise<void> {
  let closed = false;
  void client.closed.then(() => (closed = true));
  for (const ch of text) {
    if (closed) return;
    client.write(ch);
    await sleep(everyMs);
  }
}

function rssKb(pid: number): number {
  return Number(/VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))![1]);
}

describe('scriptlet serve timeouts', () => {
  it('cuts a client that sends a command one byte at a time at timeout, though each byte comes before the socket is idle that long', async (t) => {
    const { port } = await startServer(t, limitsDir(t, 'timeout = 1\ndata_timeout = 2'));
    const client = await RawSmtp.connect(port);
    assert.match(await client.reply(), /^220 /);
    const started = Date.now();
    void trickle(client, 'EHLO slowloris.example\r\n', 250);
    assert.match(await client.reply(), /^421 4\.4\.2 Timeout waiting for the command/);
    await client.closed;
    const took = Date.now() - started;
    assert.ok(took >= 900 && took < 3000, `cut after ${took} ms`);
    // Others are served meanwhile and after.
    assert.equal((await send(port, { from: 'alice@example.org', to: ['bob@example.net'] })).code, 250);
  });

  it('cuts a client that sends its message one byte at a time at data_timeout, and spools none of it', async (t) => {
    const { port, dir } = await startServer(t, limitsDir(t, 'timeout = 1\ndata_timeout = 2'));
    const client = await RawSmtp.connect(port);
    await client.openTransaction();
    const started = Date.now();
    void trickle(client, bodyOf(2000), 250);
    assert.match(await client.reply(), /^421 4\.4\.2 Timeout waiting for the message/);
    await client.closed;
    const took = Date.now() - started;
    assert.ok(took >= 1900 && took < 4000, `cut after ${took} ms`);
    assert.deepEqual(spooledFiles(path.join(dir, 'spool')), []);
  });

  it('closes a connection that says nothing after the greeting at timeout', async (t) => {
    const { port, server } = await startServer(t, limitsDir(t, 'timeout = 1'));
    const client = await RawSmtp.connect(port);
    assert.match(await client.reply(), /^220 /);
    const started = Date.now();
    assert.match(await client.reply(), /^421 /);
    await client.closed;
    assert.ok(Date.now() - started < 3000);
    // The server sees the close a moment after the client does (later on a loaded machine).
    await until(() => server.counters().connections === 0, 'the server still counts the connection');
  });

  it('does not count the time the policy takes (a 2 s tarpit) against a client with a 1 s timeout', async (t) => {
    const { port } = await startServer(t, limitsDir(t, 'timeout = 1', SLOW_POLICY));
    const client = await RawSmtp.connect(port);
    assert.match(await client.reply(), /^220 /);
    assert.match(await client.command('EHLO client.test'), /^250/);
    const started = Date.now();
    assert.match(await client.command('MAIL FROM:<slow@example.org>'), /^250/);
    assert.ok(Date.now() - started >= 1900, 'the tarpit held the reply');
    assert.match(await client.command('RCPT TO:<bob@example.net>'), /^250/);
    assert.match(await client.command('QUIT'), /^221/);
  });

  it('closes a client that pipelines commands and never reads the replies, with the server process memory bounded', { timeout: 90_000 }, async (t) => {
    const dir = limitsDir(t, 'timeout = 2');
    const serve = startScriptlet(t, ['serve', path.join(dir, 'ecelerity.conf'), '--listen', '127.0.0.1:0']);
    const port = Number((await serve.waitFor(/listening on 127\.0\.0\.1:(\d+)/))[1]);
    assert.equal((await send(port, { from: 'alice@example.org', to: ['bob@example.net'] })).code, 250);
    const before = rssKb(serve.child.pid!);
    let peak = before;
    const sampler = setInterval(() => (peak = Math.max(peak, rssKb(serve.child.pid!))), 50);
    t.after(() => clearInterval(sampler));

    const client = await RawSmtp.connect(port);
    // Waits for the greeting (a client that talks before it is cut at once as an early talker, and the
    // discarded rest would measure nothing), then never reads again: not one reply.
    assert.match(await client.reply(), /^220 /);
    client.stopReading();
    // HELP: 6 bytes in, 58 out, so that the replies fill the socket buffers (megabytes on loopback) soon.
    const { closed, took, sentBytes: sent } = await client.flood(Buffer.from('EHLO greedy.example\r\n' + 'HELP\r\n'.repeat(10_000)), 60_000);
    clearInterval(sampler);
    assert.ok(closed, 'the server closed the connection');
    // Once the socket's buffers are full of replies nobody reads, the clock no longer restarts: cut 2 s after the last reply it took.
    assert.ok(took < 30_000, `closed after ${took} ms`);
    const growthMb = (peak - before) / 1024;
    t.diagnostic(`a client that never read: closed after ${took} ms; it got ${(sent / 1e6).toFixed(1)} MB of commands onto the wire; server RSS ${(before / 1024).toFixed(0)} MB before, peak ${(peak / 1024).toFixed(0)} MB (+${growthMb.toFixed(1)} MB)`);
    assert.ok(growthMb < 32, `server RSS grew ${growthMb.toFixed(1)} MB`);
    // The server still serves a normal client.
    assert.equal((await send(port, { from: 'alice@example.org', to: ['bob@example.net'] })).code, 250);
    serve.child.kill('SIGTERM');
    assert.equal(await serve.exited, 0);
  });
});
