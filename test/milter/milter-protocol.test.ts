// The milter side of the protocol without an MTA: what scriptlet negotiates
// and asks for, how verdicts become replies (reply text, header edits by
// rank, envelope changes), and how macros reach the policy.

import * as assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import type { Phase } from '../../src/engine/phases.js';
import type { CallInput } from '../../src/engine/verdict.js';
import { skippingEmptyPhases } from '../../src/milter/empty-phases.js';
import { HeaderModel } from '../../src/milter/header-edits.js';
import type { PoolVerdict } from '../../src/pool/index.js';
import { parseMilterAddress } from '../../src/milter/milter-config.js';
import { SMFIC, SMFIF, SMFIM, SMFIP } from '../../src/milter/protocol.js';
import { smtpReply } from '../../src/milter/replies.js';
import { milterDir, startMilter } from './helpers.js';
import { MtaClient, nul } from './mta-client.js';

/** A request's fields: [code, index?, strings...]. */
function fields(p: { code: string; data: Buffer }): (string | number)[] {
  const indexed = 'im'.includes(p.code);
  const rest = (indexed ? p.data.subarray(4) : p.data).toString('utf8').replace(/\0$/, '').split('\0');
  return indexed ? [p.code, p.data.readUInt32BE(0), ...rest] : [p.code, ...rest];
}

describe('scriptlet milter, protocol', () => {
  it('negotiates version 6, the actions it uses, no-reply steps, and the macros it reads at each stage', async (t) => {
    const m = await startMilter(t, milterDir(t));
    const c = await MtaClient.connect(m.port);
    const r = await c.negotiate();
    assert.equal(r.data.readUInt32BE(0), 6);
    assert.equal(c.actions, SMFIF.ADDHDRS | SMFIF.CHGHDRS | SMFIF.CHGBODY | SMFIF.ADDRCPT | SMFIF.DELRCPT | SMFIF.CHGFROM | SMFIF.QUARANTINE | SMFIF.SETSYMLIST);
    assert.equal(c.steps, SMFIP.NOUNKNOWN | SMFIP.NODATA | SMFIP.NR_HDR | SMFIP.NR_EOH | SMFIP.NR_BODY | SMFIP.NR_DATA | SMFIP.NR_UNKN | SMFIP.HDR_LEADSPC);
    const lists = new Map<number, string>();
    for (let p = 12; p < r.data.length; ) {
      const stage = r.data.readUInt32BE(p);
      const end = r.data.indexOf(0, p + 4);
      lists.set(stage, r.data.toString('utf8', p + 4, end));
      p = end + 1;
    }
    assert.match(lists.get(SMFIM.CONNECT)!, /\{client_addr\} \{client_port\}/);
    assert.match(lists.get(SMFIM.ENVFROM)!, /^i .*\{auth_authen\}/);
    assert.equal(lists.get(SMFIM.EOM), 'i');
    c.destroy();
  });

  it('with an MTA that offers fewer steps, answers every event it sends', async (t) => {
    const m = await startMilter(t, milterDir(t));
    const c = await MtaClient.connect(m.port);
    await c.negotiate(SMFIF.ADDHDRS, 0);
    assert.deepEqual([c.actions, c.steps], [SMFIF.ADDHDRS, 0]);
    c.connectEvent();
    assert.equal((await c.reply())?.code, 'c');
    const r = await c.message({ from: 'alice@example.org', to: ['bob@example.net'], headers: [['Subject', 'hi']], body: 'Hello.\r\n' });
    // Only ADDHDRS: the policy's headers are added (X-Policy, X-Macros, X-Spool); nothing else is asked.
    assert.deepEqual(r.eom.map((p) => p.code), ['h', 'h', 'h', 'c']);
    // Without SMFIP_HDR_LEADSPC the MTA puts the space after the colon itself.
    assert.match(String(fields(r.eom[0]!)[2]), /^checked 127\.0\.0\.1 /);
    c.destroy();
  });

  it('gives the policy the macros (client address, {daemon_port}, {i} as queue_id, TLS and auth in the contexts), and does not make the MTA wait on events of empty phases', async (t) => {
    const policy = `local core = require("msys.core")
local mod = {}
function mod:validate_data(msg, accept, vctx)
  local C, M = core.VCTX_CONN, core.VCTX_MESS
  msg:header("X-Seen", table.concat({ tostring(accept.remote_addr), tostring(vctx:get(C, "milter.daemon_port")), tostring(vctx:get(M, "queue_id")),
    tostring(vctx:get(C, "tls")), tostring(vctx:get(C, "auth_user")), tostring(vctx:get(C, "ehlo_domain")), tostring(vctx:get(M, "mailfrom_domain")), tostring(vctx:get(M, "rcptto_localpart")) }, ","))
  return core.VALIDATE_CONT
end
msys.registerModule("policy", mod)`;
    const m = await startMilter(t, milterDir(t, policy));
    for (let round = 0; round < 2; round++) {
      const c = await MtaClient.connect(m.port);
      await c.negotiate();
      // The policy defines data only: once the first session showed it, the MTA need not wait for connect, HELO, MAIL and RCPT.
      const noWait = SMFIP.NR_CONN | SMFIP.NR_HELO | SMFIP.NR_MAIL | SMFIP.NR_RCPT;
      assert.equal(c.steps & noWait, round === 0 ? 0 : noWait);
      c.macros(SMFIC.CONNECT, { j: 'mx.test', '{daemon_port}': '25', '{client_addr}': '192.0.2.7' });
      c.connectEvent('client.example', '192.0.2.7', 50000);
      assert.equal((await c.replyTo(SMFIP.NR_CONN))?.code, 'c');
      c.macros(SMFIC.HELO, { '{tls_version}': 'TLSv1.3', '{cipher}': 'TLS_AES_256_GCM_SHA384' });
      c.send(SMFIC.HELO, nul('client.example'));
      assert.equal((await c.replyTo(SMFIP.NR_HELO))?.code, 'c');
      c.macros(SMFIC.MAIL, { '{auth_authen}': 'alice' });
      c.macros(SMFIC.BODYEOB, { i: '4F2A1C' });
      const r = await c.message({ from: 'alice@example.org', to: ['bob@example.net'], headers: [['Subject', 'hi']], body: 'Hello.\r\n' });
      assert.deepEqual(fields(r.eom[0]!), ['h', 'X-Seen', ' 192.0.2.7,25,4F2A1C,1,alice,client.example,example.org,bob']);
      c.destroy();
    }
  });

  it('turns a multi-line refusal into a multi-line reply, with % doubled and the enhanced code of the reply class', () => {
    assert.equal(smtpReply(550, '5.7.1 first line\nsecond 100%'), '550-5.7.1 first line\r\n550 second 100%%');
    assert.equal(smtpReply(451, '5.7.1 wrong class'), '451 4.7.1 wrong class');
    assert.equal(smtpReply(200, 'not a refusal'), '451 not a refusal');
  });

  it('gives each header edit the rank the MTA counts, repeated headers and earlier edits included', () => {
    const model = new HeaderModel(['Received', 'X-A', 'Subject', 'X-A', 'X-A']);
    const requests = [
      ...model.apply({ op: 'delete', name: 'x-a', value: '' }, true),
      ...model.apply({ op: 'prepend', name: 'X-Top', value: 't' }, true),
      ...model.apply({ op: 'append', name: 'X-A', value: 'new' }, true),
      ...model.apply({ op: 'replace', name: 'X-A', value: 'newer' }, false),
    ].map((p) => fields({ code: String.fromCharCode(p[4]!), data: p.subarray(5) }));
    assert.deepEqual(requests, [
      ['m', 3, 'x-a', ''],
      ['m', 2, 'x-a', ''],
      ['m', 1, 'x-a', ''],
      ['i', 0, 'X-Top', ' t'],
      ['h', 'X-A', ' new'],
      ['m', 1, 'X-A', ''],
      ['h', 'X-A', 'newer'],
    ]);
    assert.deepEqual(model.names, ['x-top', 'received', 'subject', 'x-a']);
  });

  it('reads Postfix and Sendmail milter addresses', () => {
    assert.deepEqual(parseMilterAddress('inet:127.0.0.1:8891'), { kind: 'inet', host: '127.0.0.1', port: 8891 });
    assert.deepEqual(parseMilterAddress('inet:[::1]:8891'), { kind: 'inet', host: '::1', port: 8891 });
    assert.deepEqual(parseMilterAddress('inet:8891@localhost'), { kind: 'inet', host: 'localhost', port: 8891 });
    assert.deepEqual(parseMilterAddress('unix:/run/scriptlet/milter.sock'), { kind: 'unix', path: '/run/scriptlet/milter.sock' });
    assert.match(String(parseMilterAddress('127.0.0.1:8891')), /^expected "inet:HOST:PORT"/);
    assert.match(String(parseMilterAddress('inet:127.0.0.1:99999')), /^expected/);
  });
});

describe('phases no module defines', () => {
  it('are sent to the pool once per scripts version, then answered without a call', async () => {
    const calls: string[] = [];
    const engine = {
      version: 'v1',
      async run(phase: Phase, input: CallInput): Promise<PoolVerdict> {
        calls.push(`${this.version}:${phase}`);
        const callouts = phase === 'data' ? 1 : 0;
        return { ...NO_VERDICT, phase, callouts, version: this.version, context: { conn: input.context?.conn ?? {}, mess: input.context?.mess ?? {} } };
      },
    };
    const { run, empty } = skippingEmptyPhases(engine);
    const input = { context: { conn: { a: '1' }, mess: {} } };
    for (let i = 0; i < 3; i++) {
      await run('ehlo', input);
      await run('data', input);
    }
    assert.deepEqual((await run('ehlo', input)).context.conn, { a: '1' });
    assert.deepEqual([...empty()], ['ehlo']);
    engine.version = 'v2';
    await run('ehlo', input);
    await run('ehlo', input);
    assert.deepEqual(calls, ['v1:ehlo', 'v1:data', 'v1:data', 'v1:data', 'v2:ehlo']);
  });
});

const NO_VERDICT: PoolVerdict = {
  phase: 'connect',
  disposition: null,
  action: 'continue',
  tempfailed: false,
  headerEdits: [],
  message: undefined,
  replacedMessage: undefined,
  mailfrom: undefined,
  rcptto: undefined,
  envelopeChanged: { mailfrom: false, rcptto: false },
  context: { conn: {}, mess: {} },
  errors: [],
  logs: [],
  injected: [],
  esmtpCapabilities: [],
  tarpit: 0,
  callouts: 0,
  version: '',
};

describe('events the MTA does not wait on', () => {
  const DATA_ONLY = `local core = require("msys.core")
local mod = {}
function mod:validate_data(msg, accept, vctx) return core.VALIDATE_CONT end
msys.registerModule("policy", mod)`;
  const REFUSING = DATA_ONLY.replace(
    'msys.registerModule',
    `function mod:validate_mailfrom(str, accept, vctx)
  if str == "reject@example.org" then vctx:set_code(550, "5.7.1 sender refused") return core.VALIDATE_DONE end
  return core.VALIDATE_CONT
end
function mod:validate_rcptto(msg, str, accept, vctx)
  if str == "nobody@example.net" then vctx:set_code(550, "5.1.1 no such user") return core.VALIDATE_DONE end
  return core.VALIDATE_CONT
end
msys.registerModule`,
  );
  const MAIL = { headers: [['Subject', 'hi']] as [string, string][], body: 'Hello.\r\n' };

  it('turns recipients added and removed by vctx at RCPT TO and DATA into SMFIR_ADDRCPT and SMFIR_DELRCPT, and logs injected messages as not sent', async (t) => {
    const policy = `local core = require("msys.core")
local mod = {}
function mod:validate_rcptto(msg, str, accept, vctx)
  if str == "team@example.net" then vctx:remove_recipient(str) vctx:add_recipient("alice@example.net") end
  return core.VALIDATE_CONT
end
function mod:validate_data(msg, accept, vctx)
  vctx:add_recipient("archive@example.net")
  vctx:remove_recipient("carol@example.net")
  msg:inject("", "ops@example.net")
  return core.VALIDATE_CONT
end
msys.registerModule("policy", mod)`;
    const m = await startMilter(t, milterDir(t, policy));
    const c = await MtaClient.connect(m.port);
    await c.negotiate();
    c.connectEvent();
    await c.reply();
    const r = await c.message({ from: 'x@example.org', to: ['team@example.net', 'carol@example.net'], headers: [['Subject', 'hi']], body: 'Hello.\r\n' });
    assert.deepEqual(r.eom.map(fields), [
      ['-', '<team@example.net>'],
      ['-', '<carol@example.net>'],
      ['+', '<alice@example.net>'],
      ['+', '<archive@example.net>'],
      ['c', ''],
    ]);
    c.destroy();
    assert.ok(m.logs.some((l) => /data: \[scriptlet\] msg:inject: message to ops@example\.net not sent: this host cannot send new mail$/.test(l)), m.logs.join('\n'));
  });

  it('after a reload gives their phase a callout: a refusal answers the next event waited on, a refused recipient is deleted', async (t) => {
    const dir = milterDir(t, DATA_ONLY);
    const m = await startMilter(t, dir);
    const learn = await MtaClient.connect(m.port);
    await learn.negotiate();
    learn.connectEvent();
    await learn.reply();
    await learn.message({ ...MAIL, from: 'alice@example.org', to: ['bob@example.net'] });
    learn.destroy();
    const clients = [await MtaClient.connect(m.port), await MtaClient.connect(m.port)];
    for (const c of clients) {
      await c.negotiate();
      assert.ok(c.steps & SMFIP.NR_MAIL && c.steps & SMFIP.NR_RCPT);
      c.connectEvent();
    }
    writeFileSync(path.join(dir, 'policy.lua'), REFUSING);
    assert.equal((await m.milter.engine.reload()).ok, true);
    const [sender, recipient] = clients as [MtaClient, MtaClient];
    const refused = await sender.message({ ...MAIL, from: 'reject@example.org', to: ['bob@example.net'] });
    assert.deepEqual(fields(refused.eom.at(-1)!), ['y', '550 5.7.1 sender refused']);
    const partly = await recipient.message({ ...MAIL, from: 'alice@example.org', to: ['bob@example.net', 'nobody@example.net'] });
    assert.deepEqual(partly.eom.map(fields), [['-', '<nobody@example.net>'], ['c', '']]);
    for (const c of clients) c.destroy();
  });
});
