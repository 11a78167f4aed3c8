// scriptlet milter as a process and at shutdown: the command line, SIGTERM
// draining like serve (idle connections closed at once, so that the MTA
// applies its milter_default_action; a transaction in progress finishes;
// at the deadline a call still running answers 451), the console and
// /metrics as for serve.

import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { main } from '../../src/cli/main.js';
import { milter } from '../../src/milter/milter.js';
import { memoryIo } from '../cli/memory-io.js';
import { runScriptlet, startScriptlet } from '../helpers/scriptlet-process.js';
import { MILTER_POLICY, milterDir, startMilter } from './helpers.js';
import { MtaClient } from './mta-client.js';

const MAIL = { from: 'alice@example.org', to: ['bob@example.net'], headers: [['Subject', 'hi']] as [string, string][], body: 'Hello.\r\n' };

async function connected(port: number): Promise<MtaClient> {
  const c = await MtaClient.connect(port);
  await c.negotiate();
  c.connectEvent();
  assert.equal((await c.reply())?.code, 'c');
  return c;
}

describe('scriptlet milter at shutdown', () => {
  it('closes idle connections at once, lets a transaction in progress finish, and refuses new connections', async (t) => {
    const m = await startMilter(t, milterDir(t));
    const idle = await connected(m.port);
    const busy = await connected(m.port);
    busy.send('M', Buffer.from('<alice@example.org>\0'));
    assert.equal((await busy.reply())?.code, 'c');
    const stopping = m.milter.shutdown();
    assert.equal(await idle.reply(), null, 'the idle connection is closed');
    busy.send('R', Buffer.from('<bob@example.net>\0'));
    assert.equal((await busy.reply())?.code, 'c');
    busy.send('L', Buffer.from('Subject\0 late\0'));
    busy.send('N');
    busy.send('B', Buffer.from('body\r\n'));
    busy.send('E');
    assert.deepEqual((await busy.replies()).map((p) => p.code), ['h', 'h', 'h', 'c']);
    await stopping;
    assert.equal(await busy.reply(), null);
    await assert.rejects(MtaClient.connect(m.port));
    assert.equal(m.milter.counters().accepted, 1);
  });

  it('at the deadline a policy call still running answers 451', async (t) => {
    const slow = MILTER_POLICY.replace('function mod:validate_data(msg, accept, vctx)', 'function mod:validate_data(msg, accept, vctx)\n  if msg:header("Subject")[1] == "slow" then msys.sleep(5) end');
    const m = await startMilter(t, milterDir(t, slow), 1000);
    const c = await connected(m.port);
    const answer = c.message({ ...MAIL, headers: [['Subject', 'slow']] });
    await new Promise((r) => setTimeout(r, 300));
    const started = Date.now();
    await m.milter.shutdown();
    assert.ok(Date.now() - started >= 600, 'the transaction was given until the deadline');
    const r = await answer;
    assert.equal(r.eom.at(-1)?.code, 'y');
    assert.match(r.eom.at(-1)!.data.toString(), /^451 4\./);
  });

  it('serves /metrics and the console as serve does', async (t) => {
    const dir = milterDir(t);
    const m = await milter({ conf: path.join(dir, 'ecelerity.conf'), controlSocket: path.join(dir, 'control.sock'), metricsListen: { host: '127.0.0.1', port: 0, origin: 'flag' }, log: () => {}, drainDeadlineMs: 1000 });
    t.after(() => m.shutdown());
    const port = (m.addresses[0] as { port: number }).port;
    const c = await connected(port);
    assert.equal((await c.message(MAIL)).eom.at(-1)?.code, 'c');
    c.destroy();
    const text = await (await fetch(m.metricsUrl!)).text();
    assert.match(text, /^scriptlet_calls_total\{phase="data",result="none"\} 1$/m);
    const io = memoryIo(dir);
    assert.equal(await main(['console', m.controlSocket, 'scriptlet', 'stats'], io), 0, io.err());
    assert.match(io.out(), /^milter: \d+ connections open \(1 SMTP sessions since start\); messages accepted 1, discarded 0, quarantined 0; refusals 0 permanent, 0 temporary; protocol errors 0$/m);
  });

  it('runs from the command line, prints where it listens, and exits 0 on SIGTERM', { timeout: 30_000 }, async (t) => {
    const dir = milterDir(t);
    const p = startScriptlet(t, ['milter', 'ecelerity.conf', '--listen', 'inet:127.0.0.1:0', '--control-socket', 'control.sock'], dir);
    const port = Number((await p.waitFor(/^milter listening on inet:127\.0\.0\.1:(\d+)$/m))[1]);
    await p.waitFor(/^control socket control\.sock$/m);
    const c = await connected(port);
    assert.equal((await c.message(MAIL)).eom.at(-1)?.code, 'c');
    c.destroy();
    p.child.kill('SIGTERM');
    assert.equal(await p.exited, 0, p.stderr());
    assert.match(p.stderr(), /SIGTERM: shutting down/);
  });

  it('names a bad --listen and a bad Milter_Listener plainly', async (t) => {
    const bad = await runScriptlet(['milter', 'x.conf', '--listen', '127.0.0.1:25']);
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /^scriptlet milter: --listen: expected "inet:HOST:PORT" \(or Sendmail's "inet:PORT@HOST"\) or "unix:\/path", found "127\.0\.0\.1:25"\n/);
    const dir = milterDir(t);
    const conf = path.join(dir, 'ecelerity.conf');
    const { writeFileSync, readFileSync } = await import('node:fs');
    writeFileSync(conf, readFileSync(conf, 'utf8').replace('max_message_size = 64K', 'max_mesage_size = 64K'));
    const r = await runScriptlet(['milter', 'ecelerity.conf'], dir);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /ecelerity\.conf:4:3: invalid configuration option 'max_mesage_size' in 'milter_listener' \(scriptlet milter reads Listen, max_message_size\); did you mean 'max_message_size'\?/);
  });
});
