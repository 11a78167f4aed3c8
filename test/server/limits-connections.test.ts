// scriptlet serve's connection limits from ESMTP_Listener: concurrency,
// peer_concurrency, peer_throttle_connections (each answered 421 4.7.0 at
// the greeting, before any policy phase) and max_receptions_per_connection,
// with raw SMTP clients from several loopback addresses; and the figures.

import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import { serve, type RunningServer } from '../../src/server/serve.js';
import { parseConfig } from '../../src/config/read.js';
import { readServeSettings } from '../../src/server/listener-config.js';
import { DEFAULT_CONNECTION_LIMITS } from '../../src/server/connection-limits.js';
import { send } from './helpers.js';
import { bodyOf, limitsDir, RawSmtp, sleep, spooledFiles, until } from './raw-smtp.js';

async function start(t: TestContext, listenerLines: string): Promise<{ server: RunningServer; port: number; dir: string; logs: string[] }> {
  const dir = limitsDir(t, listenerLines);
  const logs: string[] = [];
  const server = await serve({ conf: path.join(dir, 'ecelerity.conf'), metricsListen: { host: '127.0.0.1', port: 0, origin: 'flag' }, log: (l) => logs.push(l), drainDeadlineMs: 1000 });
  t.after(() => server.shutdown());
  return { server, port: server.addresses[0]!.port, dir, logs };
}

async function greeted(port: number, from?: string): Promise<{ client: RawSmtp; greeting: string }> {
  const client = await RawSmtp.connect(port, from);
  return { client, greeting: await client.reply() };
}

async function metric(server: RunningServer, series: string): Promise<number | undefined> {
  const text = await (await fetch(server.metricsUrl!)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('scriptlet serve connection limits', () => {
  it('reads the limits from ESMTP_Listener, with defaults, and names what is wrong with a bad value', () => {
    const settings = (text: string) => readServeSettings(parseConfig(text, '/etc/ecelerity.conf'));
    assert.deepEqual(settings('').limits, DEFAULT_CONNECTION_LIMITS);
    assert.deepEqual(
      settings('ESMTP_Listener {\n concurrency = 10\n peer_concurrency = 2\n peer_throttle_connections = "5/60"\n max_receptions_per_connection = 3\n timeout = 30\n data_timeout = 120.5\n greeting_delay = 1.5\n}').limits,
      { concurrency: 10, peerConcurrency: 2, peerThrottle: { connections: 5, seconds: 60 }, maxReceptionsPerConnection: 3, timeout: 30, dataTimeout: 120.5, greetingDelay: 1.5 },
    );
    assert.deepEqual(settings('ESMTP_Listener { peer_throttle_connections = 7 }').limits.peerThrottle, { connections: 7, seconds: 1 });
    assert.throws(
      () => settings('ESMTP_Listener {\n concurrency = 0\n peer_concurrency = -1\n peer_throttle_connections = "5/0"\n timeout = soon\n}'),
      (err: Error & { problems: { line: number; message: string }[] }) => {
        assert.deepEqual(err.problems.map((p) => `${p.line}: ${p.message}`), [
          "2: option 'concurrency' expects a positive integer, found '0'",
          "3: option 'peer_concurrency' expects an integer >= 0 (0: no limit), found '-1'",
          `4: option 'peer_throttle_connections' expects "N" (connections per second) or "N/S" (N connections per S seconds), N and S > 0, found "5/0"`,
          "5: option 'timeout' expects a number of seconds > 0, found 'soon'",
        ]);
        return true;
      },
    );
  });

  it('answers 421 4.7.0 to a connection over concurrency, and takes one again once another closed', async (t) => {
    const { server, port, logs } = await start(t, 'concurrency = 3');
    const held = await Promise.all([1, 2, 3].map(() => greeted(port)));
    for (const h of held) assert.match(h.greeting, /^220 /);
    const over = await greeted(port);
    assert.match(over.greeting, /^421 4\.7\.0 Too many connections/);
    await over.client.closed; // the server closes it
    assert.equal(server.counters().connections, 3);
    held[0]!.client.close();
    await held[0]!.client.closed;
    await until(() => server.counters().connections === 2, 'the server still counts the closed connection');
    const again = await greeted(port);
    assert.match(again.greeting, /^220 /);
    assert.equal(await metric(server, 'scriptlet_smtp_connections_refused_total{limit="concurrency"}'), 1);
    assert.equal(await metric(server, 'scriptlet_smtp_connections'), 3);
    // No policy phase ran for the refused connection: the connect phase counts only those admitted.
    assert.equal(await metric(server, 'scriptlet_calls_total{phase="connect",result="none"}'), 4);
    for (const h of [...held, again]) h.client.close();
    assert.equal(logs.filter((l) => /error/i.test(l)).length, 0, logs.join('\n'));
  });

  it('answers 421 4.7.0 to a connection over peer_concurrency from one address, while other addresses connect', async (t) => {
    const { server, port } = await start(t, 'peer_concurrency = 2');
    const first = await Promise.all([greeted(port, '127.0.0.1'), greeted(port, '127.0.0.1')]);
    for (const h of first) assert.match(h.greeting, /^220 /);
    const third = await greeted(port, '127.0.0.1');
    assert.match(third.greeting, /^421 4\.7\.0 Too many connections from your address/);
    const other = await greeted(port, '127.0.0.2');
    assert.match(other.greeting, /^220 /);
    // A client over its limit that waits for one of its connections to close is let in.
    first[0]!.client.write('QUIT\r\n');
    await first[0]!.client.closed;
    await until(() => server.counters().connections === 2, 'the server still counts the closed connection');
    const later = await greeted(port, '127.0.0.1');
    assert.match(later.greeting, /^220 /);
    assert.equal(await metric(server, 'scriptlet_smtp_connections_refused_total{limit="peer_concurrency"}'), 1);
    for (const h of [first[1]!, other, later]) h.client.close();
  });

  it('answers 421 4.7.0 to the connections of one address over peer_throttle_connections in its window, refused ones counting', async (t) => {
    const { server, port } = await start(t, 'peer_throttle_connections = "3/2"');
    for (let i = 0; i < 3; i++) {
      const h = await greeted(port, '127.0.0.3');
      assert.match(h.greeting, /^220 /, `connection ${i + 1}`);
      h.client.close();
    }
    const fourth = await greeted(port, '127.0.0.3');
    assert.match(fourth.greeting, /^421 4\.7\.0 Too many new connections from your address/);
    const other = await greeted(port, '127.0.0.4');
    assert.match(other.greeting, /^220 /);
    other.client.close();
    // Hammering keeps it refused; once it waits the whole window it is let in again.
    await sleep(1000);
    assert.match((await greeted(port, '127.0.0.3')).greeting, /^421 4\.7\.0/);
    await sleep(2100);
    const rested = await greeted(port, '127.0.0.3');
    assert.match(rested.greeting, /^220 /);
    rested.client.close();
    assert.equal(await metric(server, 'scriptlet_smtp_connections_refused_total{limit="peer_throttle"}'), 2);
  });

  it('answers 421 4.7.0 to the MAIL FROM after max_receptions_per_connection messages, and closes the connection', async (t) => {
    const { port, dir } = await start(t, 'max_receptions_per_connection = 2');
    const client = await RawSmtp.connect(port);
    assert.match(await client.reply(), /^220 /);
    assert.match(await client.command('EHLO client.test'), /^250/);
    for (let i = 0; i < 2; i++) {
      assert.match(await client.command('MAIL FROM:<alice@example.org>'), /^250/);
      assert.match(await client.command('RCPT TO:<bob@example.net>'), /^250/);
      assert.match(await client.command('DATA'), /^354/);
      assert.match(await client.command(`${bodyOf(200)}.`), /^250 2\.0\.0 OK queued as /);
    }
    assert.match(await client.command('MAIL FROM:<alice@example.org>'), /^421 4\.7\.0 Too many messages on this connection/);
    await client.closed;
    assert.equal(spooledFiles(path.join(dir, 'spool')).length, 2);
    // A new connection may send again.
    assert.equal((await send(port, { from: 'alice@example.org', to: ['bob@example.net'] })).code, 250);
  });
});
