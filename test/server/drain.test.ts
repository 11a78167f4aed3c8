// How `scriptlet serve` drains: idle connections are answered 421 at once,
// a transaction in progress may finish until the deadline, and at the
// deadline a policy call still running answers 451 (nothing is spooled) and
// whatever is left is answered 421.

import * as assert from 'node:assert/strict';
import * as net from 'node:net';
import { describe, it } from 'node:test';
import { policyDir, send, spooled, startServer, TEST_POLICY } from './helpers.js';

/**
 * A raw SMTP client: send a line, read the next reply. A reply that comes
 * before anyone asks (the 421 a drain sends to a connection once it is
 * idle) waits for the next reply() rather than being lost.
 */
class RawClient {
  readonly socket: net.Socket;
  #buffer = '';
  #waiters: ((line: string) => void)[] = [];
  #unasked: string[] = [];
  readonly closed: Promise<void>;

  constructor(port: number) {
    this.socket = net.connect(port, '127.0.0.1');
    this.socket.on('data', (d) => {
      this.#buffer += d.toString('latin1');
      let i;
      while ((i = this.#buffer.indexOf('\r\n')) >= 0) {
        const line = this.#buffer.slice(0, i);
        this.#buffer = this.#buffer.slice(i + 2);
        if (!/^\d{3} /.test(line)) continue;
        const waiter = this.#waiters.shift();
        if (waiter) waiter(line);
        else this.#unasked.push(line);
      }
    });
    this.closed = new Promise((resolve) => this.socket.on('close', () => resolve()));
    this.socket.on('error', () => undefined);
  }

  reply(): Promise<string> {
    const early = this.#unasked.shift();
    if (early !== undefined) return Promise.resolve(early);
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  async command(line: string): Promise<string> {
    const r = this.reply();
    this.socket.write(`${line}\r\n`);
    return r;
  }
}

async function session(port: number): Promise<RawClient> {
  const c = new RawClient(port);
  assert.match(await c.reply(), /^220 /);
  assert.match(await c.command('EHLO client.test'), /^250 /);
  return c;
}

describe('scriptlet serve drains on shutdown', () => {
  it('answers 421 to an idle connection at once, lets an open transaction finish, then 421 for the next one', async (t) => {
    const { server, port } = await startServer(t);
    const idle = await session(port);
    const busy = await session(port);
    assert.match(await busy.command('MAIL FROM:<alice@example.org>'), /^250 /);
    const idleReply = idle.reply();
    const stopping = server.shutdown();
    assert.equal(await idleReply, '421 4.3.2 Service shutting down, try again later');
    await idle.closed;
    assert.match(await busy.command('RCPT TO:<bob@example.net>'), /^250 /);
    assert.match(await busy.command('DATA'), /^354 /);
    const accepted = await busy.command('Subject: late\r\n\r\nbody\r\n.');
    assert.match(accepted, /^250 2\.0\.0 OK queued as /);
    assert.equal(await busy.command('MAIL FROM:<alice@example.org>'), '421 4.3.2 Service shutting down, try again later');
    await stopping;
    assert.equal(spooled(server.spool.dir).length, 1);
  });

  it('at the deadline answers 421 to a transaction left open, and 451 to a message whose policy call still runs', async (t) => {
    const slow = TEST_POLICY.replace('function mod:validate_data(msg, accept, vctx)', 'function mod:validate_data(msg, accept, vctx)\n  if msg:header("Subject")[1] == "slow" then msys.sleep(5) end');
    const { server, port } = await startServer(t, policyDir(t, slow));
    const open = await session(port);
    assert.match(await open.command('MAIL FROM:<alice@example.org>'), /^250 /);
    const sending = send(port, { from: 'alice@example.org', to: ['bob@example.net'], subject: 'slow' });
    await new Promise((r) => setTimeout(r, 500));
    const openReply = open.reply();
    const started = Date.now();
    await server.shutdown(); // drainDeadlineMs is 2000 in startServer
    assert.ok(Date.now() - started >= 1500, 'the open transaction was given until the deadline');
    assert.equal(await openReply, '421 4.3.2 Service shutting down, try again later');
    const reply = await sending;
    assert.equal(reply.code, 451, reply.response);
    assert.equal(spooled(server.spool.dir).length, 0);
  });
});
