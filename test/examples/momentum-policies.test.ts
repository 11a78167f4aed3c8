// The Momentum-style policies of examples/momentum/, run unedited through the
// real engine: the binding policy, the RBL + whitelist (against a real DNS
// server on loopback), the content filter, the executable stripper; the
// four together under `scriptlet serve` with a real SMTP client; and
// `scriptlet check` on their configuration.

import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it, type TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';
import nodemailer from 'nodemailer';
import { loadScriptletConfig, openPolicy, runTransaction, type Policy, type PolicyOptions } from '../../src/index.js';
import { policyOptionsFromConfig } from '../../src/engine/from-config.js';
import { main } from '../../src/cli/main.js';
import { serve } from '../../src/server/serve.js';
import { tempTree } from '../config/fixtures.js';
import { memoryIo } from '../cli/memory-io.js';
import { startTestDns, ZONE, type TestDns } from '../helpers/dns-server.js';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const DIR = path.join(REPO, 'examples', 'momentum');
const CONF = path.join(DIR, 'ecelerity.conf');

const message = (name: string): Buffer => fs.readFileSync(path.join(DIR, 'messages', name));
const text = (b: Buffer | undefined): string => (b ?? Buffer.alloc(0)).toString('latin1');

/** The example configuration's options, with only the named scripts (all by default) and extra options. */
function exampleOptions(only?: string[], extra: Partial<PolicyOptions> = {}): PolicyOptions {
  const o = policyOptionsFromConfig(loadScriptletConfig(CONF));
  return { ...o, scripts: o.scripts.filter((s) => !only || only.includes(s.name)), ...extra };
}

function examplePolicy(t: TestContext, only?: string[], extra: Partial<PolicyOptions> = {}): Policy {
  const p = openPolicy(exampleOptions(only, extra));
  t.after(() => p.close());
  return p;
}

function transaction(p: Policy, file: string, rcptto: string[], remoteAddr = '127.0.0.1') {
  return runTransaction(p, { message: message(file), mailfrom: 'alice@example.org', rcptto, helo: 'client.test', remoteAddr, id: 'm1' });
}

describe('the commands of examples/momentum/README.md', () => {
  it('passes, listing the four scripts, the bindings and the group', async () => {
    const io = memoryIo(REPO);
    assert.equal(await main(['check', 'examples/momentum/ecelerity.conf'], io), 0, io.err());
    assert.equal(io.err(), '');
    const out = io.out();
    assert.match(out, /^scripts:\n {2}rbl_whitelist +-> +examples\/momentum\/rbl-whitelist\.lua\n {2}content_filter +-> .*\n {2}strip_executables +-> .*\n {2}recipient_binding +-> .*\n/m);
    assert.match(out, /^bindings:\n {2}transactional\n {2}partner\n/m);
    assert.match(out, /^binding groups:\n {2}bulk +\(bulk1 bulk2\)$/m);
  });

  it('scriptlet run gives each sample message its verdict, headers and bindings, with no script error', async () => {
    const io = memoryIo(REPO);
    const files = ['clean', 'spam-qp', 'spam-base64', 'executable', 'transactional'].map((f) => `examples/momentum/messages/${f}.eml`);
    const code = await main(['run', 'examples/momentum/ecelerity.conf', ...files, '--mailfrom', 'alice@example.org', '--rcpt', 'bob@partner.example', '--rcpt', 'carol@bulk.example'], io);
    assert.equal(code, 0, io.err());
    const results = io.out().trimEnd().split('\n').map((l) => JSON.parse(l) as { disposition: { code: number }; headers: [string, string][]; bindings?: Record<string, string> });
    assert.deepEqual(results.map((r) => r.disposition.code), [250, 550, 250, 250, 250]);
    assert.deepEqual(results.map((r) => r.headers.find(([k]) => k === 'X-Spam-Score')?.[1]), ['0.0', '10.5', '4.0', '0.0', '0.0']);
    assert.equal(results[3]!.headers.find(([k]) => k === 'Subject')?.[1], '[attachment removed] Invoice');
    assert.equal(results[0]!.bindings?.['bob@partner.example'], 'partner');
    assert.deepEqual(results[4]!.bindings, { 'bob@partner.example': 'transactional', 'carol@bulk.example': 'transactional' });
  });
});

describe('recipient-binding.lua', () => {
  it('binds a partner domain recipient to its binding, and the others to the bulk group, each its own', (t) => {
    const p = examplePolicy(t);
    for (let round = 0; round < 2; round++) {
      const r = transaction(p, 'clean.eml', ['bob@partner.example', 'carol@bulk.example', 'dan@Mail.Partner.Example']);
      assert.deepEqual(r.errors, []);
      assert.equal(r.bindings['bob@partner.example'], 'partner');
      assert.equal(r.bindings['dan@Mail.Partner.Example'], 'partner');
      assert.ok(['bulk1', 'bulk2'].includes(r.bindings['carol@bulk.example'] ?? ''), JSON.stringify(r.bindings));
    }
  });

  it('binds every recipient of a message marked X-Mail-Class: transactional to "transactional"', (t) => {
    const r = transaction(examplePolicy(t), 'transactional.eml', ['bob@partner.example', 'carol@bulk.example']);
    assert.deepEqual(r.bindings, { 'bob@partner.example': 'transactional', 'carol@bulk.example': 'transactional' });
  });

  it('picks from the group in set_binding with msg:binding_group (the verdict names the group)', (t) => {
    const p = examplePolicy(t, ['recipient_binding']);
    const input = { message: message('clean.eml'), mailfrom: 'alice@example.org', rcptto: ['carol@bulk.example'], rcpt: 'carol@bulk.example' };
    const each = p.run('data_spool_each_rcpt', input);
    assert.deepEqual(each.context.mess, { binding_choice: 'group:bulk' });
    const seen = new Set<string>();
    for (let i = 0; i < 40; i++) {
      const v = p.run('set_binding', { ...input, context: each.context });
      assert.equal(v.bindingGroup, 'bulk');
      seen.add(v.binding ?? '');
    }
    assert.deepEqual([...seen].sort(), ['bulk1', 'bulk2'], 'both bindings of the group are picked');
  });

  it('leaves the default binding, and says so, when the configuration lacks the binding chosen', (t) => {
    const dir = tempTree(t, {
      'ecelerity.conf': `alerting { }
binding "transactional" { }
scriptlet "scriptlet" {
  search_path = ( "${DIR}" )
  script "recipient_binding" { source = "recipient-binding" }
}
`,
    });
    const p = openPolicy(policyOptionsFromConfig(loadScriptletConfig(path.join(dir, 'ecelerity.conf'))));
    t.after(() => p.close());
    const r = transaction(p, 'clean.eml', ['bob@partner.example']);
    assert.deepEqual(r.bindings, {});
    assert.deepEqual(r.errors, []);
    assert.deepEqual(r.logs.map((l) => l.text), ['no binding named partner for bob@partner.example']);
  });
});

describe('rbl-whitelist.lua against a real DNS server', () => {
  let dns: TestDns;
  let settings: string;
  before(async () => {
    dns = await startTestDns();
    // Listed in the test zone: 203.0.113.7, and two whitelisted addresses.
    for (const ip of ['203.0.113.7', '192.0.2.77', '198.51.100.25', '198.51.100.26']) {
      ZONE[`${ip.split('.').reverse().join('.')}.bl.test`] = { A: [{ address: '127.0.0.2' }] };
    }
  });
  after(() => dns.close());

  /** The policy with a settings file of the tests (zone bl.test) found first on the search path. */
  function rblPolicy(t: TestContext, dnsServers = [dns.server]): Policy {
    settings = tempTree(t, { 'rbl-whitelist.json': JSON.stringify({ zone: 'bl.test', whitelist: ['192.0.2.0/24', '198.51.100.25'] }) });
    const o = exampleOptions(['rbl_whitelist']);
    return examplePolicy(t, ['rbl_whitelist'], { dnsServers, searchPath: [settings, ...(o.searchPath ?? [])] });
  }

  const connect = (p: Policy, remoteAddr: string) => p.runAsync('connect', { remoteAddr, remotePort: 40000 });

  it('loads the whitelist from its JSON file when the policy opens', (t) => {
    const p = rblPolicy(t);
    assert.deepEqual(p.loadLogs.map((l) => l.text), ['rbl: zone bl.test, 2 whitelist entries']);
  });

  it('refuses a listed client with 550 5.7.1, naming the zone and the answer', async (t) => {
    const p = rblPolicy(t);
    for (let round = 0; round < 2; round++) {
      const v = await connect(p, '203.0.113.7');
      assert.deepEqual(v.errors, []);
      assert.equal(v.disposition?.code, 550);
      assert.equal(v.disposition?.text, '5.7.1 203.0.113.7 is listed in bl.test (127.0.0.2)');
      assert.equal(v.action, 'done');
      assert.equal(v.context.conn.rbl, 'listed 127.0.0.2');
    }
  });

  it('lets an unlisted client in (the zone answers NXDOMAIN) without logging', async (t) => {
    const p = rblPolicy(t);
    const before = dns.queries;
    const v = await connect(p, '203.0.113.8');
    assert.equal(v.disposition, null);
    assert.equal(v.context.conn.rbl, 'clean');
    assert.deepEqual(v.logs, []);
    assert.equal(dns.queries, before + 1, 'one query, 8.113.0.203.bl.test');
  });

  it('lets a whitelisted client in without asking the DNS, by CIDR block and by single address', async (t) => {
    const p = rblPolicy(t);
    const before = dns.queries;
    const block = await connect(p, '192.0.2.77');
    assert.equal(block.disposition, null);
    assert.equal(block.context.conn.rbl, 'whitelisted 192.0.2.0/24');
    const single = await connect(p, '198.51.100.25');
    assert.equal(single.context.conn.rbl, 'whitelisted 198.51.100.25');
    assert.equal(dns.queries, before, 'no query for a whitelisted client');
    // The next address is outside the /32 entry, and listed.
    assert.equal((await connect(p, '198.51.100.26')).disposition?.code, 550);
  });

  it('lets the client in and logs when the lookup fails', async (t) => {
    const p = rblPolicy(t, ['127.0.0.1:9']); // nothing answers DNS there
    const v = await connect(p, '203.0.113.7');
    assert.equal(v.disposition, null);
    assert.equal(v.logs.length, 1);
    assert.match(v.logs[0]!.text, /^rbl: lookup of 7\.113\.0\.203\.bl\.test failed \(E[A-Z]+\): client let in$/);
  });

  it('does not look up an IPv6 client', async (t) => {
    const p = rblPolicy(t);
    const before = dns.queries;
    const v = await connect(p, '2001:db8::1');
    assert.equal(v.disposition, null);
    assert.equal(dns.queries, before);
  });

  it('is written in Momentum\'s dialect: != and the bitwise operators', () => {
    const source = fs.readFileSync(path.join(DIR, 'rbl-whitelist.lua'), 'utf8');
    for (const op of [' != ', ' & ', ' | ', ' << ', '~0']) assert.ok(source.includes(op), op);
  });
});

describe('content-filter.lua', () => {
  it('scores a clean message 0.0 in X-Spam-Score and lets it through', (t) => {
    const v = examplePolicy(t, ['content_filter']).run('data', { message: message('clean.eml') });
    assert.equal(v.disposition, null);
    assert.match(text(v.message), /\r\nX-Spam-Score: 0\.0\r\n/);
    assert.doesNotMatch(text(v.message), /X-Spam-Rules/);
  });

  it('finds words in quoted-printable text across soft line breaks, reads a sum with named groups, and refuses over the threshold', (t) => {
    const raw = message('spam-qp.eml');
    assert.ok(!raw.includes('viagra'), 'the word is split by a soft line break in the raw body');
    const v = examplePolicy(t, ['content_filter']).run('data', { message: raw, id: 'q1' });
    assert.deepEqual(v.errors, []);
    assert.equal(v.disposition?.code, 550);
    assert.equal(v.disposition?.text, '5.7.1 Message content rejected (score 10.5)');
    assert.match(text(v.message), /\r\nX-Spam-Rules: PHARMA,URGENT_MONEY,CLICK_HERE,LOTTERY,BIG_MONEY\r\n/);
    assert.deepEqual(v.logs.map((l) => l.text), ['content: q1 mentions $4.5 million']);
  });

  it('reads base64 text parts decoded, and lets a score under the threshold through with its header', (t) => {
    const raw = message('spam-base64.eml');
    assert.ok(!/viagra/i.test(raw.toString()), 'only base64 in the raw body');
    const v = examplePolicy(t, ['content_filter']).run('data', { message: raw });
    assert.equal(v.disposition, null);
    assert.equal(v.context.mess.spam_score, '4.0');
    assert.match(text(v.message), /\r\nX-Spam-Score: 4\.0\r\nX-Spam-Rules: PHARMA,CLICK_HERE\r\n/);
  });
});

describe('strip-executables.lua', () => {
  it('replaces an .exe attachment with a notice part, keeps the others, tags the Subject and lists the file', (t) => {
    const v = examplePolicy(t, ['strip_executables']).run('data', { message: message('executable.eml'), id: 'x1' });
    assert.deepEqual(v.errors, []);
    const out = text(v.replacedMessage);
    assert.ok(out.length > 0, 'the message was replaced');
    assert.ok(!out.includes('TVqQ'), 'the executable is gone');
    assert.ok(out.includes('filename="invoice.pdf"') && out.includes('JVBERi0xLjQK'), 'the PDF is kept');
    assert.match(out, /\r\nSubject: \[attachment removed\] Invoice\r\n/);
    assert.match(out, /\r\nX-Attachments-Removed: invoice\.exe\r\n/);
    assert.match(out, /X-Removed-Filename: invoice\.exe\r\n/);
    assert.match(out, /The attachment "invoice\.exe" was removed by the mail policy/);
    assert.deepEqual(v.logs.map((l) => l.text), ['strip: x1: removed invoice.exe']);
    // The notice stands where the executable was, and the footer comes last.
    const order = ['Please find the invoice', 'invoice.pdf', 'The attachment "invoice.exe"', '1 attachment(s) removed by policy'].map((s) => out.indexOf(s));
    assert.deepEqual(order, [...order].sort((a, b) => a - b));
    assert.ok(order.every((i) => i > 0));
  });

  it('tags the Subject once, however many times the message passes', (t) => {
    const p = examplePolicy(t, ['strip_executables']);
    const tagged = Buffer.from(text(message('executable.eml')).replace('Subject: Invoice', 'Subject: [attachment removed] Invoice'), 'latin1');
    const v = p.run('data', { message: tagged });
    assert.match(text(v.message), /\r\nSubject: \[attachment removed\] Invoice\r\n/);
  });

  it('makes a message that is nothing but an executable a text notice', (t) => {
    const raw = Buffer.from('From: a@example.org\r\nSubject: run me\r\nMIME-Version: 1.0\r\nContent-Type: application/octet-stream; name="setup.SCR"\r\n'
      + 'Content-Disposition: attachment; filename="setup.SCR"\r\nContent-Transfer-Encoding: base64\r\n\r\nTVqQAAMAAAAEAAAA\r\n');
    const v = examplePolicy(t, ['strip_executables']).run('data', { message: raw });
    const out = text(v.message);
    assert.match(out, /\r\nContent-Type: text\/plain; charset="utf-8"\r\n/);
    assert.doesNotMatch(out, /Content-Disposition|TVqQ/);
    assert.match(out, /The attachment "setup\.SCR" was removed/);
    assert.match(out, /\r\nSubject: \[attachment removed\] run me\r\n/);
  });

  it('leaves a message without executables exactly as it came', (t) => {
    const v = examplePolicy(t, ['strip_executables']).run('data', { message: message('spam-base64.eml') });
    assert.equal(v.message, undefined);
    assert.deepEqual(v.headerEdits, []);
  });
});

/** Sends a saved message over SMTP; the final reply or the refusal. */
async function sendRaw(port: number, raw: Buffer, to: string[]): Promise<{ code: number; response: string }> {
  const transport = nodemailer.createTransport({ host: '127.0.0.1', port, secure: false, ignoreTLS: true, name: 'client.test' });
  try {
    const info = await transport.sendMail({ envelope: { from: 'alice@example.org', to }, raw });
    return { code: Number(info.response.slice(0, 3)), response: info.response };
  } catch (err) {
    const e = err as { responseCode?: number; response?: string; message: string };
    return { code: e.responseCode ?? 0, response: e.response ?? e.message };
  } finally {
    transport.close();
  }
}

describe('the four policies under scriptlet serve, with a real SMTP client', () => {
  it('spools the rewritten message with the bindings in its envelope, and refuses the spam', async (t) => {
    // A copy of examples/momentum listening on a free port, spooling in the copy.
    const dir = tempTree(t);
    fs.cpSync(DIR, dir, { recursive: true });
    const conf = path.join(dir, 'ecelerity.conf');
    fs.writeFileSync(conf, fs.readFileSync(conf, 'utf8').replace('Listen "127.0.0.1:2526"', 'Listen "127.0.0.1:0"'));
    const logs: string[] = [];
    const server = await serve({ conf, log: (l) => logs.push(l), drainDeadlineMs: 2000 });
    t.after(() => server.shutdown());
    const port = server.addresses[0]!.port;

    const reply = await sendRaw(port, message('executable.eml'), ['bob@partner.example', 'carol@bulk.example']);
    assert.equal(reply.code, 250, reply.response);
    const id = /queued as ([A-Z0-9-]+)/.exec(reply.response)?.[1];
    const envelope = JSON.parse(fs.readFileSync(path.join(server.spool.dir, 'new', `${id}.json`), 'utf8'));
    assert.equal(envelope.bindings['bob@partner.example'], 'partner');
    assert.ok(['bulk1', 'bulk2'].includes(envelope.bindings['carol@bulk.example']), JSON.stringify(envelope));
    const spooled = fs.readFileSync(path.join(server.spool.dir, 'new', `${id}.eml`), 'latin1');
    assert.match(spooled, /\r\nSubject: \[attachment removed\] Invoice\r\n/);
    assert.match(spooled, /\r\nX-Spam-Score: 0\.0\r\n/);
    assert.ok(!spooled.includes('TVqQ') && spooled.includes('JVBERi0xLjQK'), 'the .exe is gone, the PDF stays');

    const spam = await sendRaw(port, message('spam-qp.eml'), ['bob@partner.example']);
    assert.equal(spam.code, 550);
    assert.match(spam.response, /5\.7\.1 Message content rejected \(score 10\.5\)/);
    assert.equal(fs.readdirSync(path.join(server.spool.dir, 'new')).filter((f) => f.endsWith('.eml')).length, 1);
  });
});

// Momentum's idiom keeps one fixed key ("binding") in the message context from
// each_rcpt to set_binding: each recipient's copy carries its own.
describe('the message context from each_rcpt to set_binding', () => {
  it('is the recipient\'s own, as on Momentum', () => {
    const p = openPolicy({
      bindings: ['a', 'b'],
      scripts: [{ name: 't', source: `local core = require("msys.core")
local mod = {}
function mod:validate_data_spool_each_rcpt(msg, accept, vctx)
  msg:context_set(core.VCTX_MESS, "binding", string.match(msg:rcptto(), "@(%w+)"))
  return core.VALIDATE_CONT
end
function mod:validate_set_binding(msg)
  local e, v = msg:context_exists_and_get(core.VCTX_MESS, "binding")
  if e == 1 then msg:binding(v) end
  return core.VALIDATE_CONT
end
msys.registerModule("t", mod)` }],
    });
    const r = runTransaction(p, { message: message('clean.eml'), mailfrom: 'x@example.org', rcptto: ['one@a', 'two@b'], helo: 'h', remoteAddr: '192.0.2.1' });
    p.close();
    assert.deepEqual(r.bindings, { 'one@a': 'a', 'two@b': 'b' });
  });
});
