// scriptlet milter behind a real Sendmail (Debian's sendmail-bin, unpacked
// beside Postfix by scripts/install-test-tools.sh, an instance of its own in
// a temporary directory, loopback only, relaying to an SMTP sink of the
// test's), with swaks as the SMTP client: Sendmail's replies, its queue and
// the delivered messages show each verdict at each phase, as the Postfix
// tests do. Skipped, with the reason, where Sendmail or swaks is missing;
// under CI=true that fails.

import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it, type TestContext } from 'node:test';
import { delivered, MILTER_POLICY, milterDir, notDelivered, rawSession, startMilter, startSink, swaks, swaksMissing, type Sink, type TestMilter } from './helpers.js';
import { casesOnEveryMta } from './mta-cases.js';
import { freePort } from './postfix-instance.js';
import { SendmailInstance, sendmailMissing } from './sendmail-instance.js';

const missing = sendmailMissing() ?? swaksMissing();
if (missing && process.env.CI === 'true') throw new Error(`the Sendmail milter tests cannot run under CI: ${missing}`);

const FROM = 'alice@example.org';
const TO = ['bob@example.net'];

describe('scriptlet milter behind Sendmail', { skip: missing }, () => {
  let m: TestMilter;
  let sendmail: SendmailInstance;
  let sink: Sink;
  const ports = { main: 0, rejectConnect: 0, deadTempfail: 0, deadAccept: 0 };
  // before/after hooks get no TestContext for t.after(); a stand-in runs the cleanups at the end.
  const cleanups: (() => unknown)[] = [];
  const ctx = { after: (f: () => unknown) => cleanups.push(f) } as unknown as TestContext;

  before(async () => {
    for (const k of Object.keys(ports) as (keyof typeof ports)[]) ports[k] = await freePort();
    // A milter socket nothing listens on, where Sendmail finds it safe: no directory on its path world-writable, as /tmp is.
    const deadDir = fs.mkdtempSync(path.join('/run', 'scriptlet-no-milter-'));
    cleanups.push(() => fs.rmSync(deadDir, { recursive: true, force: true }));
    const dead = `unix:${path.join(deadDir, 'milter.sock')}`;
    sink = await startSink(ctx);
    m = await startMilter(ctx, milterDir(ctx, MILTER_POLICY.replace('REJECT_PORT', String(ports.rejectConnect))));
    sendmail = await SendmailInstance.start({
      filters: [
        { name: 'scriptlet', socket: `inet:${m.port}@127.0.0.1`, onFailure: 'T', timeouts: { send: 3, read: 3, end: 10 } },
        { name: 'dead_tempfail', socket: dead, onFailure: 'T' },
        { name: 'dead_accept', socket: dead, onFailure: '' },
      ],
      listeners: [
        { port: ports.main, filters: ['scriptlet'] },
        { port: ports.rejectConnect, filters: ['scriptlet'] },
        { port: ports.deadTempfail, filters: ['dead_tempfail'] },
        { port: ports.deadAccept, filters: ['dead_accept'] },
      ],
      deliverTo: sink.port,
    });
  });

  after(async () => {
    await sendmail?.stop();
    for (const f of cleanups.reverse()) await f();
  });

  const queueState = () => `Sendmail's queue: ${sendmail.queueFiles('qf').join(' ') || 'empty'}; the milter's log:\n${m.logs.slice(-10).join('\n')}`;
  const deliveredWith = (subject: string) => delivered(sink, subject, queueState);

  it('accepts a clean message: Sendmail delivers it with the header the policy added, from the macros and contexts', async () => {
    for (let round = 0; round < 2; round++) {
      const subject = `accept ${round}`;
      const r = await swaks(ports.main, { from: FROM, to: TO, subject });
      assert.match(r.last, /^250 2\.0\.0 \w+ Message accepted for delivery$/, r.transcript);
      const d = await deliveredWith(subject);
      assert.deepEqual([d.mailfrom, d.rcptto], [FROM, TO]);
      assert.match(d.message, /\r\nX-Policy: checked 127\.0\.0\.1 client\.test\r\n/);
      assert.match(d.message, /\r\nX-Macros: j=mx\.test from=example\.org\r\n/);
    }
  });

  it("refuses at connect (the {daemon_port} macro): Sendmail greets with its own 554 and refuses what follows", async () => {
    const lines = await rawSession(ports.rejectConnect, ['EHLO client.test', 'MAIL FROM:<alice@example.org>', 'QUIT']);
    assert.equal(lines[0], '554 mx.test ESMTP not accepting messages', lines.join('\n'));
    assert.ok(lines.some((l) => /^550 5\.0\.0 Command rejected$/.test(l)), lines.join('\n'));
  });

  it('refuses at ehlo, mailfrom and rcptto with the policy code and text (Sendmail names the address first)', async () => {
    const helo = await swaks(ports.main, { from: FROM, to: TO, helo: 'bad.example' });
    assert.ok(helo.replies.includes('550 5.7.1 bad helo bad.example'), helo.transcript);
    const hard = await swaks(ports.main, { from: 'reject@example.org', to: TO });
    assert.equal(hard.last, '550 5.7.1 <reject@example.org>... sender refused', hard.transcript);
    const rcpt = await swaks(ports.main, { from: FROM, to: ['nobody@example.net'] });
    assert.equal(rcpt.last, '550 5.1.1 <nobody@example.net>... no such user', rcpt.transcript);
  });

  it('tempfails with a 4xx the policy set', async () => {
    const soft = await swaks(ports.main, { from: 'soft@example.org', to: TO });
    assert.equal(soft.last, '451 4.7.1 sender later', soft.transcript);
  });

  for (const phase of ['data', 'data_spool', 'data_spool_each_rcpt', 'set_binding']) {
    it(`refuses the message at ${phase}, answered at the end of DATA, and nothing is delivered`, async () => {
      const subject = `refuse ${phase}`;
      const r = await swaks(ports.main, { from: FROM, to: TO, subject, headers: { 'X-Reject-At': phase } });
      assert.equal(r.last, `554 5.7.1 refused at ${phase}`, r.transcript);
      await notDelivered(sink, subject);
    });
  }

  it("refuses at core_final_validation with a reply msys.expandMacro built from Sendmail's macros, its queue id included", async () => {
    const subject = 'refuse final';
    const r = await swaks(ports.main, { from: FROM, to: TO, subject, headers: { 'X-Reject-At': 'core_final_validation' } });
    assert.match(r.last, /^554 5\.7\.1 refused at final validation by mx\.test for example\.org from \[127\.0\.0\.1\] queue \w{14}$/, r.transcript);
    await notDelivered(sink, subject, 0);
  });

  it('discards: the client sees 250 and nothing is delivered or queued', async () => {
    const subject = 'discard me';
    const r = await swaks(ports.main, { from: FROM, to: TO, subject, headers: { 'X-Discard': 'yes' } });
    assert.match(r.last, /^250 /, r.transcript);
    await notDelivered(sink, subject);
    assert.deepEqual(sendmail.queueFiles('qf'), []);
  });

  casesOnEveryMta(() => ({ port: ports.main, deliveredWith, milterLogs: m.logs }));

  it('quarantines: Sendmail holds the message in its queue (an hf file) and does not deliver it', async () => {
    const subject = 'hold me';
    const r = await swaks(ports.main, { from: FROM, to: TO, subject, headers: { 'X-Quarantine': 'yes' } });
    assert.match(r.last, /^250 /, r.transcript);
    await notDelivered(sink, subject);
    assert.equal(sendmail.queueFiles('hf').length, 1, queueState());
  });

  it('without the milter, Sendmail applies the filter\'s F= flag: F=T answers 451, no flag delivers', async () => {
    const t = await swaks(ports.deadTempfail, { from: FROM, to: TO });
    assert.match(t.last, /^451 4\.3\.2 /, t.transcript);
    const subject = 'default accept';
    const a = await swaks(ports.deadAccept, { from: FROM, to: TO, subject });
    assert.match(a.last, /^250 /, a.transcript);
    assert.doesNotMatch((await deliveredWith(subject)).message, /X-Policy/);
  });

  it("a policy slower than the filter's read timeout (T=R:3s): Sendmail gives up and tempfails (F=T), and the milter serves the next connection", async () => {
    const r = await swaks(ports.main, { from: 'slow@example.org', to: TO });
    assert.match(r.last, /^451 4\.3\.2 /, r.transcript);
    const ok = await swaks(ports.main, { from: FROM, to: TO, subject: 'after slow' });
    assert.match(ok.last, /^250 /, ok.transcript);
  });
});
