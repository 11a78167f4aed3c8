// The msg: methods of Momentum's library beyond the core, as real policies
// use them: context_exists_and_get, get_envelope2 with msys.core.string_new,
// listener_addr, reception_peer, conn_id/batch_id, get_code/set_code,
// discard, inject/build/ec_message_new and forward; on both engines, in a
// thread and through the pool.
import { after, describe, it, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import type { CallInput, Policy } from '../../src/index.js';
import { dataPolicy, eml, policyFrom, twice } from '../helpers/lua-policy.js';
import { engineFrom, module } from '../pool/helpers.js';

const MESS = 'msys.core.ECMESS_CTX_MESS';
const MESSAGE = eml(['Subject: hello', 'From: <a@example.net>'], 'Body line\r\n');

function data(t: TestContext, body: string): Policy {
  const p = dataPolicy(body);
  t.after(() => p.close());
  return p;
}

/** Runs p's data phase twice on input: the message context (no errors). */
function mess(p: Policy, input: CallInput = { message: MESSAGE }): Record<string, string> {
  let out: Record<string, string> = {};
  twice(() => {
    const v = p.run('data', input);
    assert.deepEqual(v.errors, []);
    out = v.context.mess;
  });
  return out;
}

/** The error message of one data call. */
function errorOf(p: Policy, input: CallInput = { message: MESSAGE }): string {
  const v = p.run('data', input);
  assert.equal(v.errors.length, 1, 'one error');
  return v.errors[0]!.message;
}

describe('msg:context_exists_and_get and the context constants', () => {
  it('returns 1 and the value for a key, 0 and nil for a missing one (the "if e == 1" idiom)', (t) => {
    const p = data(
      t,
      `local e, v = msg:context_exists_and_get(${MESS}, "k")
       local e2, v2 = msg:context_exists_and_get(msys.core.ECMESS_CTX_CONN, "none")
       local out = (e == 1) and ("yes " .. v) or "no"
       msg:context_set(${MESS}, "out", out .. "|" .. e2 .. "|" .. tostring(v2) .. "|" .. select("#", msg:context_exists_and_get(${MESS}, "none")))`,
    );
    assert.deepEqual(mess(p, { message: MESSAGE, context: { mess: { k: 'v1' } } }), { k: 'v1', out: 'yes v1|0|nil|2' });
  });

  it('takes either constant family in either API: VCTX_* in msg:context_*, ECMESS_CTX_* in vctx:*', (t) => {
    const p = data(
      t,
      `msg:context_set(msys.core.VCTX_MESS, "a", "1")
       vctx:set(msys.core.ECMESS_CTX_CONN, "b", "2")
       msg:context_set(msys.core.VCTX_MESS, "seen", vctx:get(msys.core.ECMESS_CTX_MESS, "a") .. msg:context_get(msys.core.VCTX_CONN, "b")
         .. vctx:exists(msys.core.ECMESS_CTX_CONN, "b") .. msg:context_exists(msys.core.VCTX_MESS, "zz"))`,
    );
    twice(() => {
      const v = p.run('data', { message: MESSAGE });
      assert.deepEqual(v.errors, []);
      assert.deepEqual(v.context, { conn: { b: '2' }, mess: { a: '1', seen: '1210' } });
    });
  });
});

describe('msg:get_envelope2 and msys.core.string_new', () => {
  it('fills two ec_strings with the sender\'s local part and domain, read with tostring', (t) => {
    const p = data(
      t,
      `local l, d = msys.core.string_new(), msys.core.string_new()
       msg:get_envelope2(msys.core.EC_MSG_ENV_FROM, l, d)
       msg:context_set(${MESS}, "from", tostring(l) .. " at " .. tostring(d))
       msg:context_set(${MESS}, "concat", l .. "@" .. d)
       msg:context_set(${MESS}, "len", #d)`,
    );
    assert.deepEqual(mess(p, { message: MESSAGE, mailfrom: 'alice@example.org' }), { from: 'alice at example.org', concat: 'alice@example.org', len: '11' });
  });

  it('reads the recipient of the call with EC_MSG_ENV_TO, and the whole address with EC_MSG_ENV_COMPLETE added', (t) => {
    const p = policyFrom(`msys.registerModule("t", { validate_data_spool_each_rcpt = function(self, msg, accept, vctx)
      local l, d, all = msys.core.string_new(), msys.core.string_new(), msys.core.string_new()
      msg:get_envelope2(msys.core.EC_MSG_ENV_TO, l, d)
      msg:get_envelope2(msys.core.EC_MSG_ENV_TO + msys.core.EC_MSG_ENV_COMPLETE, all)
      vctx:set(msys.core.VCTX_MESS, "to", tostring(l) .. "|" .. tostring(d) .. "|" .. tostring(all))
      return msys.core.VALIDATE_CONT end })`);
    t.after(() => p.close());
    twice(() => {
      const v = p.run('data_spool_each_rcpt', { message: MESSAGE, rcptto: ['x@one.example', 'y@two.example'], rcpt: 'y@two.example' });
      assert.deepEqual(v.errors, []);
      assert.equal(v.context.mess.to, 'y|two.example|y@two.example');
    });
  });

  it('gives two empty strings for the null sender, and a new ec_string is empty', (t) => {
    const p = data(
      t,
      `local l, d = msys.core.string_new(), msys.core.string_new()
       msg:context_set(${MESS}, "fresh", "[" .. tostring(l) .. "]")
       msg:get_envelope2(msys.core.EC_MSG_ENV_FROM, l, d)
       msg:context_set(${MESS}, "null", "[" .. tostring(l) .. "|" .. tostring(d) .. "]")`,
    );
    assert.deepEqual(mess(p, { message: MESSAGE, mailfrom: '' }), { fresh: '[]', null: '[|]' });
  });

  it('refuses bad flags and arguments that are not ec_strings, naming them', (t) => {
    assert.match(errorOf(data(t, 'msg:get_envelope2(8, msys.core.string_new(), msys.core.string_new())')), /bad argument #1 to 'get_envelope2' \(flags must be msys\.core\.EC_MSG_ENV_FROM or EC_MSG_ENV_TO/);
    assert.match(errorOf(data(t, 'msg:get_envelope2(msys.core.EC_MSG_ENV_FROM, "l", msys.core.string_new())')), /bad argument #2 to 'get_envelope2' \(ec_string \(from msys\.core\.string_new\(\)\) expected, got string\)/);
    assert.match(errorOf(data(t, 'msg:get_envelope2(msys.core.EC_MSG_ENV_FROM, msys.core.string_new())')), /bad argument #3 to 'get_envelope2'/);
  });
});

describe('msg:listener_addr, msg:reception_peer, msg.conn_id and msg.batch_id', () => {
  const input: CallInput = { message: MESSAGE, localAddr: '192.0.2.1', localPort: 25, remoteAddr: '2001:db8::7', remotePort: 41000, connId: 'conn-42', id: 'msg-7' };

  it('give "ip:port" by default ([ip]:port for IPv6), or "ip" or "port"', (t) => {
    const p = data(
      t,
      `msg:context_set(${MESS}, "l", msg:listener_addr() .. " " .. msg:listener_addr("ip") .. " " .. msg:listener_addr("port"))
       msg:context_set(${MESS}, "r", msg:reception_peer("all") .. " " .. msg:reception_peer("ip") .. " " .. msg:reception_peer("port"))`,
    );
    assert.deepEqual(mess(p, input), { l: '192.0.2.1:25 192.0.2.1 25', r: '[2001:db8::7]:41000 2001:db8::7 41000' });
  });

  it('give "" for what the host did not say, and refuse an unknown flag', (t) => {
    const p = data(t, `msg:context_set(${MESS}, "l", "[" .. msg:listener_addr() .. "|" .. msg:listener_addr("port") .. "|" .. msg:reception_peer() .. "]")`);
    assert.deepEqual(mess(p, { message: MESSAGE, remoteAddr: '10.0.0.1' }), { l: '[||10.0.0.1]' });
    assert.match(errorOf(data(t, 'msg:listener_addr("host")')), /bad argument #1 to 'listener_addr' \(flag must be 'ip', 'port' or 'all'\)/);
  });

  it('msg.conn_id is the host\'s connection id and msg.batch_id the message id; both stringify', (t) => {
    const p = data(t, `msg:context_set(${MESS}, "ids", tostring(msg.conn_id) .. "|" .. tostring(msg.batch_id) .. "|" .. tostring(msg.id))`);
    assert.deepEqual(mess(p, input), { ids: 'conn-42|msg-7|msg-7' });
    assert.deepEqual(mess(p, { message: MESSAGE }), { ids: '||' });
  });
});

describe('msg:code, msg:get_code, msg:set_code', () => {
  it('set_code sets the disposition as vctx:set_code does; get_code and code read it back', (t) => {
    const p = data(
      t,
      `msg:context_set(${MESS}, "before", select("#", msg:get_code()))
       msg:set_code(451, "4.7.1 later")
       local c, text = msg:get_code()
       local c2 = msg:code()
       msg:context_set(${MESS}, "after", c .. " " .. text .. " " .. c2)`,
    );
    twice(() => {
      const v = p.run('data', { message: MESSAGE });
      assert.deepEqual(v.context.mess, { before: '0', after: '451 4.7.1 later 451' });
      assert.deepEqual(v.disposition, { code: 451, text: '4.7.1 later', phase: 'data', disconnect: false, discard: false });
    });
  });

  it('set_code refuses a code out of range', (t) => {
    assert.match(errorOf(data(t, 'msg:set_code(99, "x")')), /bad argument #1 to 'set_code' \(SMTP reply code must be from 200 to 599\)/);
  });
});

describe('msg:discard', () => {
  it('lets the script go on after it, and the verdict says 250 and discard (the "discard then VALIDATE_DONE" idiom)', (t) => {
    const p = policyFrom(`msys.registerModule("t", { validate_data = function(self, msg, accept, vctx)
      msg:discard("550 5.7.1 spam")
      vctx:set(msys.core.VCTX_MESS, "after", "ran")
      return msys.core.VALIDATE_DONE end })`);
    t.after(() => p.close());
    twice(() => {
      const v = p.run('data', { message: MESSAGE });
      assert.deepEqual(v.disposition, { code: 250, text: '2.0.0 OK', phase: 'data', disconnect: false, discard: true });
      assert.equal(v.action, 'done');
      assert.deepEqual(v.context.mess, { after: 'ran' });
      assert.deepEqual(v.logs, [{ module: 'msg:discard', text: '550 5.7.1 spam' }]);
    });
  });

  for (const [reason, logged] of [
    ['nil', '550 5.7.0 discarded by policy'],
    ['"421 4.3.0 later"', '421 4.3.0 later'],
    ['"no code here"', '550 5.7.1 [internal] discarded by policy'],
    ['"55 short"', '550 5.7.1 [internal] discarded by policy'],
  ] as const) {
    it(`logs ${logged} for the reason ${reason}`, (t) => {
      const p = data(t, `msg:discard(${reason})`);
      assert.deepEqual(p.run('data', { message: MESSAGE }).logs, [{ module: 'msg:discard', text: logged }]);
    });
  }
});

describe('msg:inject, msys.core.ec_message_new and msg:build', () => {
  it('msg:inject sends the message in transit, with its edits, to a comma-separated list or a table', (t) => {
    const p = data(t, 'msg:header("X-Tag", "1") msg:inject("<bounce@example.org>", "a@x.example, <b@y.example>") msg:inject("", { "c@z.example" })');
    twice(() => {
      const v = p.run('data', { message: MESSAGE });
      assert.deepEqual(v.errors, []);
      assert.deepEqual(v.injected.map((m) => [m.mailfrom, m.rcptto, m.forward]), [
        ['bounce@example.org', ['a@x.example', 'b@y.example'], undefined],
        ['', ['c@z.example'], undefined],
      ]);
      for (const m of v.injected) assert.equal(m.message.toString(), v.message!.toString());
      assert.match(v.injected[0]!.message.toString(), /^Subject: hello\r\n.*X-Tag: 1\r\n/s);
    });
  });

  it('builds a message from headers, alternative parts and attachments, and injects it', (t) => {
    const p = data(
      t,
      `local m = msys.core.ec_message_new(0)
       m:build({ { "From", "<alerts@example.org>" }, "To: ops@example.org", Subject = "Alert" },
               { ["text/html"] = "<p>hi</p>", ["text/plain"] = "hi" },
               { { name = "data.bin", type = "application/octet-stream", content = "\\0\\1\\2abc" } })
       m:inject("alerts@example.org", "ops@example.org")
       msg:context_set(${MESS}, "same", tostring(m:raw() == m:raw()))`,
    );
    twice(() => {
      const v = p.run('data', { message: MESSAGE });
      assert.deepEqual(v.errors, []);
      assert.equal(v.injected.length, 1);
      const text = v.injected[0]!.message.toString('latin1');
      assert.match(text, /^From: <alerts@example\.org>\r\nTo: ops@example\.org\r\nSubject: Alert\r\nDate: Thu, 01 Jan 1970 00:00:00 \+0000\r\nMIME-Version: 1\.0\r\nContent-Type: multipart\/mixed; boundary="(=_scriptlet_1_0)"\r\n/);
      const plain = text.indexOf('Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 7bit\r\n\r\nhi\r\n');
      const html = text.indexOf('Content-Type: text/html; charset=utf-8');
      assert.ok(plain > 0 && html > plain, 'text/plain first, then text/html, in multipart/alternative');
      assert.match(text, /Content-Type: multipart\/alternative; boundary="=_scriptlet_2_0"/);
      assert.match(text, /Content-Disposition: attachment; filename="data\.bin"\r\nContent-Transfer-Encoding: base64\r\n\r\nAAECYWJj\r\n--=_scriptlet_1_0--\r\n$/);
    });
  });

  it('builds a one-part message from parts given as an array, base64 (of CRLF lines) when not 7-bit', (t) => {
    const p = data(t, 'local m = msys.core.ec_message_new() m:build({ Subject = "é" }, { { type = "text/plain", content = "café\\n", charset = "utf-8" } }) m:inject("a@b.example", "c@d.example")');
    const text = p.run('data', { message: MESSAGE }).injected[0]!.message.toString('utf8');
    assert.match(text, /^Subject: é\r\nDate: [^\r]+\r\nMIME-Version: 1\.0\r\nContent-Type: text\/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\nY2Fmw6kNCg==\r\n$/);
  });

  it('takes a parts key with a charset, as the vendor\'s msg:build sample writes it ("text/plain; charset=utf8")', (t) => {
    const p = data(t, 'local m = msys.core.ec_message_new(now) m:build({ Subject = "s" }, { ["text/plain; charset=utf8"] = "Momentum 3.1 rocks.", ["text/html"] = "<b>hi</b>" }) m:inject("a@b.example", "c@d.example")');
    twice(() => {
      const v = p.run('data', { message: MESSAGE });
      assert.deepEqual(v.errors, []);
      const text = v.injected[0]!.message.toString('latin1');
      assert.match(text, /Content-Type: text\/plain; charset=utf8\r\nContent-Transfer-Encoding: 7bit\r\n\r\nMomentum 3\.1 rocks\.\r\n/);
      assert.match(text, /Content-Type: text\/html; charset=utf-8\r\n/);
    });
    assert.match(errorOf(data(t, 'msys.core.ec_message_new():build({}, { ["text/plain; format=flowed"] = "x" })')), /bad argument #2 to 'build' \(parts\[mimetype\] must be a string/);
  });

  it('refuses msg:build on the message in transit, inject before build, and bad tables, naming the argument', (t) => {
    assert.match(errorOf(data(t, 'msg:build({})')), /msg:build fills a new message from msys\.core\.ec_message_new\(\), not the message in transit/);
    assert.match(errorOf(data(t, 'msys.core.ec_message_new():inject("a@b.example", "c@d.example")')), /msg:inject: the message is empty \(call msg:build first\)/);
    assert.match(errorOf(data(t, 'msys.core.ec_message_new():build({ "no colon" })')), /bad argument #1 to 'build' \(header entries must be/);
    assert.match(errorOf(data(t, 'msys.core.ec_message_new():build({ X = "a\\r\\nInjected: yes" })')), /bad argument #1 to 'build' \(a header field must be/);
    assert.match(errorOf(data(t, 'msys.core.ec_message_new():build({}, { { content = "x" } })')), /bad argument #2 to 'build' \(part entries must be/);
    assert.match(errorOf(data(t, 'msys.core.ec_message_new():build({}, nil, { { name = "x" } })')), /bad argument #3 to 'build' \(attachment entries must be/);
  });

  it('refuses bad envelope addresses, and more than 100 messages in one call', (t) => {
    assert.match(errorOf(data(t, 'msg:inject("a b@x.example", "c@d.example")')), /bad argument #1 to 'inject' \(sender must be an envelope address/);
    assert.match(errorOf(data(t, 'msg:inject("a@x.example", "c@d.example,,e@f.example")')), /bad argument #2 to 'inject' \(an empty address\)/);
    assert.match(errorOf(data(t, 'msg:inject("a@x.example", { "ok@x.example", 7 })')), /bad argument #2 to 'inject' \(entry 2 is not an address string\)/);
    const p = data(t, 'for i = 1, 101 do msg:inject("a@x.example", "c@d.example") end');
    const v = p.run('data', { message: MESSAGE });
    assert.match(v.errors[0]?.message ?? '', /msg:inject: more than 100 messages sent in one call/);
    // As with contexts and headers, what the callout did before it failed stays: Momentum injects at once.
    assert.equal(v.injected.length, 100);
  });

  it('refuses msg:inject of the message in transit before DATA, but sends a built one', (t) => {
    const p = policyFrom(`msys.registerModule("t", { validate_rcptto = function(self, msg, rcpt, accept, vctx)
      local ok, err = pcall(msg.inject, msg, "a@x.example", "b@y.example")
      vctx:set(msys.core.VCTX_MESS, "err", err)
      local m = msys.core.ec_message_new() m:build({ Subject = "note" }, { ["text/plain"] = "new rcpt " .. rcpt }) m:inject("", "postmaster@x.example")
      return msys.core.VALIDATE_CONT end })`);
    t.after(() => p.close());
    const v = p.run('rcptto', { rcptto: ['r@x.example'], rcpt: 'r@x.example' });
    assert.match(v.context.mess.err ?? '', /msg:inject: no message in validate_rcptto \(before DATA\)/);
    assert.equal(v.injected.length, 1);
    assert.match(v.injected[0]!.message.toString(), /\r\n\r\nnew rcpt r@x\.example\r\n$/);
  });

  it('refuses msg:inject of a built message outside a call (in init)', (t) => {
    const p = policyFrom(`local mod = {}
      function mod:init() local m = msys.core.ec_message_new() m:build({ Subject = "x" }) local ok, err = pcall(m.inject, m, "a@x.example", "b@y.example") INIT_ERR = err return true end
      function mod:validate_data(msg, accept, vctx) vctx:set(msys.core.VCTX_MESS, "e", tostring(INIT_ERR)) return msys.core.VALIDATE_CONT end
      msys.registerModule("t", mod)`, { sandbox: false });
    t.after(() => p.close());
    assert.match(p.run('data', { message: MESSAGE }).context.mess.e ?? '', /msg:inject needs a running call \(not in init\)/);
  });
});

describe('msg:forward', () => {
  it('sends a new message: the text, then the message in transit attached as message/rfc822', (t) => {
    const p = data(t, 'msg:forward("abuse@example.org", "team@example.org, <lead@example.org>", "Please look.", "Fwd: report", "us-ascii")');
    twice(() => {
      const v = p.run('data', { message: MESSAGE });
      assert.deepEqual(v.errors, []);
      const [m] = v.injected;
      assert.deepEqual([m!.mailfrom, m!.rcptto, m!.forward], ['abuse@example.org', ['team@example.org', 'lead@example.org'], true]);
      const text = m!.message.toString();
      assert.match(text, /^From: <abuse@example\.org>\r\nTo: <team@example\.org>, <lead@example\.org>\r\nSubject: Fwd: report\r\n/);
      assert.match(text, /Content-Type: text\/plain; charset=us-ascii\r\nContent-Transfer-Encoding: 7bit\r\n\r\nPlease look\.\r\n/);
      assert.ok(text.includes('Content-Type: message/rfc822\r\nContent-Disposition: attachment\r\n\r\n' + MESSAGE.toString()), text);
    });
  });

  it('encodes a non-ASCII subject, and defaults it', (t) => {
    const p = data(t, 'msg:forward("a@x.example", "b@y.example", "t", "Größe") msg:forward("a@x.example", "b@y.example", "t")');
    const [a, b] = p.run('data', { message: MESSAGE }).injected;
    assert.match(a!.message.toString(), /\r\nSubject: =\?UTF-8\?B\?R3LDtsOfZQ==\?=\r\n/);
    assert.match(b!.message.toString(), /\r\nSubject: Forwarded message\r\n/);
  });
});

describe('what a call that uses none of these leaves in its verdict', () => {
  it('no injected message, no capability change, no tarpit', (t) => {
    const p = data(t, 'msg:header("X-A", "1")');
    const v = p.run('data', { message: MESSAGE });
    assert.deepEqual([v.injected, v.esmtpCapabilities, v.tarpit], [[], [], 0]);
  });
});

describe('through the pool', () => {
  const { engine } = engineFrom(module({ data: 'msg:inject("a@x.example", "b@y.example") vctx:set(msys.core.VCTX_MESS, "conn", msg.conn_id) vctx:tarpit(1.5)' }));
  after(() => engine.close());

  it('injected messages come back as Buffers, and connId reaches msg.conn_id', async () => {
    await engine.ready();
    for (let round = 0; round < 2; round++) {
      const v = await engine.run('data', { message: MESSAGE, connId: 'c-9' });
      assert.deepEqual(v.errors, []);
      assert.ok(Buffer.isBuffer(v.injected[0]!.message));
      assert.equal(v.injected[0]!.message.toString(), MESSAGE.toString());
      assert.equal(v.context.mess.conn, 'c-9');
      assert.equal(v.tarpit, 1.5);
    }
  });
});
