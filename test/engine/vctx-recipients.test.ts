// vctx's recipient list (recipient_list, add_recipient, remove_recipient),
// vctx:tarpit, vctx:exists and vctx.disconnect = 1: what each leaves in the
// verdict, and in which phases each works.
import { describe, it, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import type { Phase, Policy } from '../../src/index.js';
import { eml, policyFrom, twice } from '../helpers/lua-policy.js';

const MESSAGE = eml(['Subject: s']);
const ARGS: Record<string, string> = {
  connect: 'accept, vctx',
  ehlo: 'str, accept, vctx',
  mailfrom: 'str, accept, vctx',
  rcptto: 'msg, str, accept, vctx',
};

/** A policy whose callout for phase runs body, then continues. */
function at(t: TestContext, phase: Phase, body: string): Policy {
  const p = policyFrom(`msys.registerModule("t", { validate_${phase} = function(self, ${ARGS[phase] ?? 'msg, accept, vctx'})
${body}
return msys.core.VALIDATE_CONT end })`);
  t.after(() => p.close());
  return p;
}

const RCPTS = ['one@example.com', 'two@example.com'];

describe('vctx:recipient_list', () => {
  it('returns the envelope recipients as an array', (t) => {
    const p = at(t, 'data', 'local l = vctx:recipient_list() vctx:set(msys.core.VCTX_MESS, "list", #l .. " " .. table.concat(l, ","))');
    twice(() => {
      const v = p.run('data', { message: MESSAGE, rcptto: RCPTS });
      assert.equal(v.context.mess.list, '2 one@example.com,two@example.com');
      assert.deepEqual(v.envelopeChanged, { mailfrom: false, rcptto: false });
    });
  });

  it('replaces the list with a table or a comma-separated string, without duplicates', (t) => {
    const p = at(t, 'data', 'vctx:recipient_list({ "<new@example.org>", "x@example.org", "NEW@example.org" })');
    twice(() => {
      const v = p.run('data', { message: MESSAGE, rcptto: RCPTS });
      assert.deepEqual(v.errors, []);
      assert.deepEqual(v.rcptto, ['new@example.org', 'x@example.org']);
      assert.deepEqual(v.envelopeChanged, { mailfrom: false, rcptto: true });
    });
    const q = at(t, 'data_spool', 'vctx:recipient_list("a@example.org, b@example.org")');
    assert.deepEqual(q.run('data_spool', { message: MESSAGE, rcptto: RCPTS }).rcptto, ['a@example.org', 'b@example.org']);
  });

  it('can be replaced only in the message phases', (t) => {
    const p = at(t, 'rcptto', 'vctx:recipient_list("a@example.org")');
    const v = p.run('rcptto', { rcptto: RCPTS, rcpt: 'two@example.com' });
    assert.match(v.errors[0]?.message ?? '', /vctx:recipient_list is not available in validate_rcptto \(only in validate_data, validate_data_spool and validate_data_spool_each_rcpt\)/);
    assert.deepEqual(v.envelopeChanged, { mailfrom: false, rcptto: false });
  });
});

describe('vctx:add_recipient and vctx:remove_recipient', () => {
  it('add_recipient in rcptto adds recipients beside the one being validated', (t) => {
    const p = at(t, 'rcptto', 'vctx:add_recipient("archive@example.org") vctx:add_recipient({ "two@example.com", "TWO@EXAMPLE.COM" })');
    twice(() => {
      const v = p.run('rcptto', { rcptto: RCPTS, rcpt: 'two@example.com' });
      assert.deepEqual(v.errors, []);
      assert.deepEqual(v.rcptto, ['one@example.com', 'two@example.com', 'archive@example.org']);
    });
  });

  it('remove_recipient drops every match, ignoring case, and an absent address is no error', (t) => {
    const p = at(t, 'data', 'vctx:remove_recipient("ONE@example.com") vctx:remove_recipient("nobody@example.com")');
    twice(() => {
      const v = p.run('data', { message: MESSAGE, rcptto: RCPTS });
      assert.deepEqual(v.errors, []);
      assert.deepEqual(v.rcptto, ['two@example.com']);
    });
  });

  it('msg:rcptto() still names the recipient of the call after the list changes around it', (t) => {
    const p = at(t, 'data_spool_each_rcpt', 'vctx:remove_recipient("one@example.com") vctx:add_recipient("z@example.com") vctx:set(msys.core.VCTX_MESS, "me", msg:rcptto())');
    const v = p.run('data_spool_each_rcpt', { message: MESSAGE, rcptto: RCPTS, rcpt: 'two@example.com' });
    assert.deepEqual([v.rcptto, v.context.mess.me], [['two@example.com', 'z@example.com'], 'two@example.com']);
  });

  it('removing the recipient being validated in rcptto takes it off the list', (t) => {
    const p = at(t, 'rcptto', 'vctx:remove_recipient(str)');
    assert.deepEqual(p.run('rcptto', { rcptto: RCPTS, rcpt: 'two@example.com' }).rcptto, ['one@example.com']);
  });

  for (const [method, phase, where] of [
    ['add_recipient', 'mailfrom', 'validate_rcptto, validate_data'],
    ['add_recipient', 'connect', 'validate_rcptto, validate_data'],
    ['remove_recipient', 'ehlo', 'validate_mailfrom, validate_rcptto'],
  ] as const) {
    it(`vctx:${method} raises in ${phase}, naming the phases it works in`, (t) => {
      const p = at(t, phase, `vctx:${method}("a@example.org")`);
      const v = p.run(phase, { rcptto: [] });
      assert.match(v.errors[0]?.message ?? '', new RegExp(`vctx:${method} is not available in validate_${phase} \\(only in ${where}`));
    });
  }

  it('refuses bad addresses before changing anything, and lists past 1000 recipients', (t) => {
    const p = at(t, 'data', 'vctx:add_recipient({ "ok@example.org", "bad address@example.org" })');
    const v = p.run('data', { message: MESSAGE, rcptto: RCPTS });
    assert.match(v.errors[0]?.message ?? '', /bad argument #1 to 'add_recipient' \(entry 2 has an address with white space/);
    assert.deepEqual(v.envelopeChanged.rcptto, false);
    const q = at(t, 'data', 'local l = {} for i = 1, 1000 do l[i] = "r" .. i .. "@example.org" end vctx:add_recipient(l)');
    assert.match(q.run('data', { message: MESSAGE, rcptto: RCPTS }).errors[0]?.message ?? '', /the list would have more than 1000 recipients/);
    const r = at(t, 'data', 'vctx:add_recipient(42)');
    assert.match(r.run('data', { message: MESSAGE }).errors[0]?.message ?? '', /bad argument #1 to 'add_recipient' \(address string or table of addresses expected, got number\)/);
  });
});

describe('vctx:tarpit', () => {
  it('asks the host to wait before its reply: the last value of the call, in seconds', (t) => {
    const p = at(t, 'connect', 'vctx:tarpit(10) vctx:tarpit(2.5)');
    twice(() => assert.equal(p.run('connect', {}).tarpit, 2.5));
    const q = at(t, 'connect', 'vctx:set(msys.core.VCTX_CONN, "x", "1")');
    assert.equal(q.run('connect', {}).tarpit, 0);
  });

  it('refuses an interval below 0 or above 300 seconds', (t) => {
    for (const s of ['-1', '301', '0/0']) {
      const p = at(t, 'connect', `vctx:tarpit(${s})`);
      assert.match(p.run('connect', {}).errors[0]?.message ?? '', /bad argument #1 to 'tarpit' \(interval must be from 0 to 300 seconds\)/, s);
    }
  });
});

describe('vctx:exists and vctx.disconnect', () => {
  it('vctx:exists returns 1 or 0, numbers (compare with == 1)', (t) => {
    const p = at(t, 'connect', 'vctx:set(msys.core.VCTX_CONN, "k", "") vctx:set(msys.core.VCTX_CONN, "r", type(vctx:exists(msys.core.VCTX_CONN, "k")) .. vctx:exists(msys.core.VCTX_CONN, "k") .. vctx:exists(msys.core.VCTX_MESS, "k"))');
    twice(() => assert.equal(p.run('connect', {}).context.conn.r, 'number10'));
  });

  it('vctx.disconnect = 1 after set_code closes the connection after that reply', (t) => {
    const p = at(t, 'mailfrom', 'vctx:set_code(554, "5.7.1 go away") vctx.disconnect = 1');
    twice(() => assert.deepEqual(p.run('mailfrom', {}).disposition, { code: 554, text: '5.7.1 go away', phase: 'mailfrom', disconnect: true, discard: false }));
  });

  it('vctx.disconnect = 1 alone answers 421, and = 0 takes it back', (t) => {
    const p = at(t, 'connect', 'vctx.disconnect = 1');
    assert.deepEqual(p.run('connect', {}).disposition, { code: 421, text: '4.7.0 Closing connection', phase: 'connect', disconnect: true, discard: false });
    const q = at(t, 'connect', 'vctx:set_code(250, "ok") vctx.disconnect = true vctx.disconnect = 0');
    assert.deepEqual(q.run('connect', {}).disposition, { code: 250, text: 'ok', phase: 'connect', disconnect: false, discard: false });
  });

  it('refuses any other field of vctx, and fields of msg and accept', (t) => {
    for (const [code, message] of [
      ['vctx.foo = 1', /vctx has no field 'foo' to set \(only vctx\.disconnect\)/],
      ['accept.remote_addr = "x"', /cannot set field 'remote_addr' of accept/],
    ] as const) {
      const p = at(t, 'connect', code);
      assert.match(p.run('connect', {}).errors[0]?.message ?? '', message);
    }
    const q = at(t, 'data', 'msg.id = "x"');
    assert.match(q.run('data', { message: MESSAGE }).errors[0]?.message ?? '', /cannot set field 'id' of msg/);
  });
});
