// scriptlet milter behind a real Postfix (Debian's postfix, an instance of
// its own in a temporary directory, loopback only, relaying to an SMTP sink
// of the test's), with swaks as the SMTP client: Postfix's replies, its log
// and the delivered messages show each verdict at each phase. Skipped, with
// the reason, where Postfix or swaks is missing; under CI=true that fails.

import * as assert from 'node:assert/strict';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it, type TestContext } from 'node:test';
import { delivered, MILTER_POLICY, milterDir, notDelivered, startMilter, startSink, swaks, swaksMissing, type Sink, type TestMilter } from './helpers.js';
import { casesOnEveryMta } from './mta-cases.js';
import { freePort, PostfixInstance, postfixMissing } from './postfix-instance.js';

const missing = postfixMissing() ?? swaksMissing();
if (missing && process.env.CI === 'true') throw new Error(`the Postfix milter tests cannot run under CI: ${missing}`);

const FROM = 'alice@example.org';
const DATA_ONLY = `local core = require("msys.core")
local mod = {}
function mod:validate_data(msg, accept, vctx) msg:header("X-Data", "only") return core.VALIDATE_CONT end
msys.registerModule("policy", mod)`;
const TO = ['bob@example.net'];

describe('scriptlet milter behind Postfix', { skip: missing }, () => {
  let m: TestMilter;
  let dataOnly: TestMilter;
  let postfix: PostfixInstance;
  let sink: Sink;
  const ports = { main: 0, rejectConnect: 0, deadTempfail: 0, deadAccept: 0, dataOnly: 0 };
  // before/after hooks get no TestContext for t.after(); a stand-in runs the cleanups at the end.
  const cleanups: (() => unknown)[] = [];
  const ctx = { after: (f: () => unknown) => cleanups.push(f) } as unknown as TestContext;

  before(async () => {
    for (const k of Object.keys(ports) as (keyof typeof ports)[]) ports[k] = await freePort();
    // A milter socket nothing listens on, and nothing else can take (a
    // freed TCP port can be reused by another test before Postfix connects).
    const dead = `unix:${path.join(os.tmpdir(), `scriptlet-no-milter-${process.pid}.sock`)}`;
    sink = await startSink(ctx);
    m = await startMilter(ctx, milterDir(ctx, MILTER_POLICY.replace('REJECT_PORT', String(ports.rejectConnect))));
    dataOnly = await startMilter(ctx, milterDir(ctx, DATA_ONLY));
    postfix = await PostfixInstance.start({
      listeners: [
        { port: ports.main },
        { port: ports.rejectConnect },
        { port: ports.deadTempfail, overrides: { smtpd_milters: dead, milter_default_action: 'tempfail' } },
        { port: ports.deadAccept, overrides: { smtpd_milters: dead, milter_default_action: 'accept' } },
        { port: ports.dataOnly, overrides: { smtpd_milters: `inet:127.0.0.1:${dataOnly.port}` } },
      ],
      settings: { smtpd_milters: `inet:127.0.0.1:${m.port}`, milter_default_action: 'tempfail', milter_command_timeout: '3s', milter_connect_timeout: '3s' },
      deliverTo: sink.port,
    });
  });

  after(async () => {
    await postfix?.stop();
    for (const f of cleanups.reverse()) await f();
  });

  const deliveredWith = (subject: string) => delivered(sink, subject, () => `Postfix's log:\n${postfix.log().split('\n').slice(-20).join('\n')}`);
  const assertNotDelivered = (subject: string, ms?: number) => notDelivered(sink, subject, ms);

  it('accepts a clean message: Postfix delivers it with the header the policy added, from the macros and contexts', async () => {
    for (let round = 0; round < 2; round++) {
      const subject = `accept ${round}`;
      const r = await swaks(ports.main, { from: FROM, to: TO, subject });
      assert.match(r.last, /^250 2\.0\.0 Ok: queued as [0-9A-F]+$/, r.transcript);
      const d = await deliveredWith(subject);
      assert.deepEqual([d.mailfrom, d.rcptto], [FROM, TO]);
      assert.match(d.message, /\r\nX-Policy: checked 127\.0\.0\.1 client\.test\r\n/);
      assert.match(d.message, /\r\nX-Macros: j=mx\.test from=example\.org\r\n/);
    }
  });

  it('refuses at connect: Postfix greets with 554 and logs the policy reply', async () => {
    const r = await swaks(ports.rejectConnect, { from: FROM, to: TO });
    assert.match(r.replies[0] ?? '', /^554 /, r.transcript);
    await postfix.waitForLog(/milter-reject: CONNECT from localhost\[127\.0\.0\.1\]: 554 5\.7\.1 no service for 127\.0\.0\.1/);
  });

  it('refuses at ehlo, mailfrom and rcptto with the policy code and text, and logs milter-reject', async () => {
    const helo = await swaks(ports.main, { from: FROM, to: TO, helo: 'bad.example' });
    assert.ok(helo.replies.includes('550 5.7.1 bad helo bad.example'), helo.transcript);
    const hard = await swaks(ports.main, { from: 'reject@example.org', to: TO });
    assert.equal(hard.last, '550 5.7.1 sender refused', hard.transcript);
    const rcpt = await swaks(ports.main, { from: FROM, to: ['nobody@example.net'] });
    assert.equal(rcpt.last, '550 5.1.1 no such user', rcpt.transcript);
    await postfix.waitForLog(/milter-reject: MAIL from localhost\[127\.0\.0\.1\]: 550 5\.7\.1 sender refused/);
    await postfix.waitForLog(/milter-reject: RCPT from localhost\[127\.0\.0\.1\]: 550 5\.1\.1 no such user/);
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
      await postfix.waitForLog(new RegExp(`milter-reject: END-OF-MESSAGE from localhost\\[127\\.0\\.0\\.1\\]: 5\\.7\\.1 refused at ${phase}`));
      await assertNotDelivered(subject, 0);
    });
  }

  it('refuses at core_final_validation, after set_binding, with a reply msys.expandMacro built from the Postfix macros', async () => {
    const subject = 'refuse final';
    const r = await swaks(ports.main, { from: FROM, to: TO, subject, headers: { 'X-Reject-At': 'core_final_validation' } });
    const match = /^554 5\.7\.1 refused at final validation by mx\.test for example\.org from \[127\.0\.0\.1\] queue ([0-9A-F]+)$/.exec(r.last);
    assert.ok(match, r.transcript);
    await postfix.waitForLog(new RegExp(`${match[1]}: milter-reject: END-OF-MESSAGE from localhost\\[127\\.0\\.0\\.1\\]: 5\\.7\\.1 refused at final validation by mx\\.test`));
    await assertNotDelivered(subject, 0);
  });

  it('discards: the client sees 250, Postfix logs milter-discard and delivers nothing', async () => {
    const subject = 'discard me';
    const r = await swaks(ports.main, { from: FROM, to: TO, subject, headers: { 'X-Discard': 'yes' } });
    assert.match(r.last, /^250 /, r.transcript);
    await postfix.waitForLog(/milter-discard: END-OF-MESSAGE from localhost\[127\.0\.0\.1\]/);
    await assertNotDelivered(subject);
  });

  casesOnEveryMta(() => ({ port: ports.main, deliveredWith, milterLogs: m.logs }));

  it('quarantines: Postfix puts the message on hold and does not deliver it', async () => {
    const subject = 'hold me';
    const r = await swaks(ports.main, { from: FROM, to: TO, subject, headers: { 'X-Quarantine': 'yes' } });
    assert.match(r.last, /^250 /, r.transcript);
    await postfix.waitForLog(/milter-hold: END-OF-MESSAGE from localhost\[127\.0\.0\.1\]/);
    await assertNotDelivered(subject);
  });

  it('with a policy that leaves connect, ehlo, mailfrom and rcptto empty, Postfix need not wait on those events (SMFIP_NR_*)', async () => {
    for (let round = 0; round < 3; round++) {
      const subject = `data only ${round}`;
      const r = await swaks(ports.dataOnly, { from: FROM, to: ['bob@example.net', 'carol@example.net'], subject });
      assert.match(r.last, /^250 /, r.transcript);
      const d = await deliveredWith(subject);
      assert.match(d.message, /\r\nX-Data: only\r\n/);
      assert.deepEqual([...d.rcptto].sort(), ['bob@example.net', 'carol@example.net']);
    }
  });

  it("without the milter, Postfix applies milter_default_action: tempfail answers 451, accept delivers", async () => {
    const t = await swaks(ports.deadTempfail, { from: FROM, to: TO });
    assert.match(t.last, /^451 4\.7\.1 Service unavailable - try again later$/, t.transcript);
    const subject = 'default accept';
    const a = await swaks(ports.deadAccept, { from: FROM, to: TO, subject });
    assert.match(a.last, /^250 /, a.transcript);
    const d = await deliveredWith(subject);
    assert.doesNotMatch(d.message, /X-Policy/);
    await postfix.waitForLog(/warning: connect to Milter service unix:\S*scriptlet-no-milter-\d+\.sock: No such file or directory/);
  });

  it('a policy slower than milter_command_timeout: Postfix gives up and applies milter_default_action (451)', async () => {
    const r = await swaks(ports.main, { from: 'slow@example.org', to: TO });
    assert.match(r.last, /^451 4\.7\.1 Service unavailable - try again later$/, r.transcript);
    await postfix.waitForLog(/warning: milter inet:127\.0\.0\.1:\d+: can't read SMFIC_MAIL reply packet header: Connection timed out/);
    // The milter goes on serving the next connection.
    const ok = await swaks(ports.main, { from: FROM, to: TO, subject: 'after slow' });
    assert.match(ok.last, /^250 /, ok.transcript);
  });
});
