// When scriptlet serve greets: at once by default (smtp-server alone waits
// 100 ms before every greeting), after greeting_delay when it is set, and a
// client that talks before the greeting is refused either way.

import * as assert from 'node:assert/strict';
import * as dns from 'node:dns/promises';
import { describe, it } from 'node:test';
import { send, startServer } from './helpers.js';
import { limitsDir, RawSmtp, sleep } from './raw-smtp.js';

/** Milliseconds a reverse lookup of 127.0.0.1 takes here (the fastest of three; a failure counts its time): the greeting waits for one. */
async function reverseLookupMs(): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < 3; i++) {
    const started = performance.now();
    await dns.reverse('127.0.0.1').catch(() => undefined);
    times.push(performance.now() - started);
  }
  return Math.min(...times);
}

/** Milliseconds from the connection to the greeting, and the greeting. */
async function greeting(port: number): Promise<{ ms: number; reply: string; client: RawSmtp }> {
  const started = performance.now();
  const client = await RawSmtp.connect(port);
  const reply = await client.reply();
  return { ms: performance.now() - started, reply, client };
}

describe('scriptlet serve greeting', () => {
  it("greets without smtp-server's fixed 100 ms wait by default", async (t) => {
    const { port } = await startServer(t, limitsDir(t, ''));
    const times: number[] = [];
    // The fastest of five: a wait built into every connection shows in each of them.
    for (let i = 0; i < 5; i++) {
      const g = await greeting(port);
      assert.match(g.reply, /^220 /);
      times.push(g.ms);
      g.client.close();
    }
    // Beyond the reverse lookup smtp-server makes first, which is the resolver's time, not the server's.
    const lookup = await reverseLookupMs();
    assert.ok(Math.min(...times) < 100 + lookup, `greetings after ${times.map((ms) => ms.toFixed(1)).join(', ')} ms, a reverse lookup taking ${lookup.toFixed(1)} ms`);
    assert.equal((await send(port, { from: 'alice@example.org', to: ['bob@example.net'] })).code, 250);
  });

  it('waits greeting_delay seconds before the greeting, then serves the session', async (t) => {
    const { port } = await startServer(t, limitsDir(t, 'greeting_delay = 0.5'));
    const g = await greeting(port);
    assert.match(g.reply, /^220 /);
    assert.ok(g.ms >= 480, `greeted after ${g.ms.toFixed(1)} ms`);
    assert.match(await g.client.command('EHLO client.test'), /^250/);
    assert.match(await g.client.command('QUIT'), /^221/);
  });

  it('refuses a client that talks during greeting_delay with 421 and closes it, and serves the next', async (t) => {
    const { port, server } = await startServer(t, limitsDir(t, 'greeting_delay = 0.5'));
    const client = await RawSmtp.connect(port);
    client.write('EHLO early.example\r\n');
    assert.match(await client.reply(), /^421 .*talk too soon/);
    await client.closed;
    await sleep(600); // the delay's timer still fires for the closed connection: no greeting, no policy phase
    assert.equal(server.counters().connections, 0);
    assert.equal((await send(port, { from: 'alice@example.org', to: ['bob@example.net'] })).code, 250);
  });

  it('hangs up on an early talker that floods without reading, instead of reading on until its socket timeout', { timeout: 30_000 }, async (t) => {
    const { port } = await startServer(t, limitsDir(t, 'greeting_delay = 0.5'));
    const client = await RawSmtp.connect(port);
    client.stopReading(); // not even the 421
    const { closed, took, sentBytes } = await client.flood(Buffer.from('NOOP\r\n'.repeat(10_000)), 20_000);
    const sentMb = sentBytes / 1e6;
    t.diagnostic(`an early talker that never read: closed after ${took} ms, ${sentMb.toFixed(1)} MB onto the wire`);
    assert.ok(closed && took < 3000, `closed after ${took} ms`);
    // What the sockets' buffers hold, not what a server reading on for seconds would have taken in.
    assert.ok(sentMb < 64, `${sentMb.toFixed(1)} MB went in`);
  });

  it('refuses a greeting_delay that is not a number of seconds from 0 to 60, saying where', async (t) => {
    for (const bad of ['-1', '61', '"soon"']) {
      await assert.rejects(startServer(t, limitsDir(t, `greeting_delay = ${bad}`)), (err: Error) => {
        assert.match(err.message, /ecelerity\.conf:\d+:\d+: option 'greeting_delay' expects a number of seconds from 0 to 60, found/);
        return true;
      });
    }
  });
});
