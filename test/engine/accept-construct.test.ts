// accept (the accept construct, "ac" in Momentum's pages): its fields and
// ac:esmtp_capability_add / _remove, which the verdict hands to the host.
import { describe, it, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import type { Policy } from '../../src/index.js';
import { eml, policyFrom, twice } from '../helpers/lua-policy.js';

function connect(t: TestContext, body: string, phase: 'connect' | 'ehlo' | 'mailfrom' = 'connect'): Policy {
  const args = phase === 'connect' ? 'accept, vctx' : 'str, accept, vctx';
  const p = policyFrom(`require("msys.extended.ac")
msys.registerModule("t", { validate_${phase} = function(self, ${args})
${body}
return msys.core.VALIDATE_CONT end })`);
  t.after(() => p.close());
  return p;
}

describe('accept fields', () => {
  it('ac.remote_addr is the client\'s address, as the training policy reads it', (t) => {
    const p = connect(t, 'local ac = accept vctx:set(msys.core.VCTX_CONN, "ip", ac.remote_addr .. ":" .. ac.remote_port)');
    twice(() => assert.equal(p.run('connect', { remoteAddr: '198.51.100.4', remotePort: 5000 }).context.conn.ip, '198.51.100.4:5000'));
  });
});

describe('ac:esmtp_capability_add and ac:esmtp_capability_remove', () => {
  it('record the changes to the EHLO reply in order, in connect and in ehlo', (t) => {
    const p = connect(t, 'accept:esmtp_capability_add("XFOO") accept:esmtp_capability_add("SIZE 1000") accept:esmtp_capability_remove("8BITMIME")');
    twice(() => {
      const v = p.run('connect', {});
      assert.deepEqual(v.errors, []);
      assert.deepEqual(v.esmtpCapabilities, [
        { op: 'add', capability: 'XFOO' },
        { op: 'add', capability: 'SIZE 1000' },
        { op: 'remove', capability: '8BITMIME' },
      ]);
    });
    const q = connect(t, 'accept:esmtp_capability_remove("PIPELINING")', 'ehlo');
    assert.deepEqual(q.run('ehlo', { helo: 'client.example' }).esmtpCapabilities, [{ op: 'remove', capability: 'PIPELINING' }]);
  });

  it('are refused after ehlo, when the reply has been sent', (t) => {
    const p = connect(t, 'accept:esmtp_capability_add("XFOO")', 'mailfrom');
    assert.match(p.run('mailfrom', {}).errors[0]?.message ?? '', /ac:esmtp_capability_add is not available in validate_mailfrom \(only in validate_connect and validate_ehlo\)/);
    const q = policyFrom(`msys.registerModule("t", { validate_data = function(self, msg, accept, vctx) accept:esmtp_capability_remove("X") return msys.core.VALIDATE_CONT end })`);
    t.after(() => q.close());
    assert.match(q.run('data', { message: eml(['Subject: s']) }).errors[0]?.message ?? '', /ac:esmtp_capability_remove is not available in validate_data/);
  });

  for (const [call, message] of [
    ['accept:esmtp_capability_add("")', /capability must start with an ESMTP keyword/],
    ['accept:esmtp_capability_add("-X")', /capability must start with an ESMTP keyword/],
    ['accept:esmtp_capability_add("X\\r\\n250 INJECTED")', /capability parameters must follow the keyword after one space/],
    ['accept:esmtp_capability_add("X \\1")', /capability parameters must be printable ASCII/],
    ['accept:esmtp_capability_remove("SIZE 10")', /capability to remove must be a keyword alone/],
    ['accept:esmtp_capability_add(nil)', /bad argument #1 to 'esmtp_capability_add' \(string expected, got nil\)/],
  ] as const) {
    it(`refuses ${call}`, (t) => {
      const p = connect(t, call);
      const v = p.run('connect', {});
      assert.match(v.errors[0]?.message ?? '', message);
      assert.deepEqual(v.esmtpCapabilities, []);
    });
  }

  it('raise "used after the call" on an accept kept from an earlier call', (t) => {
    const p = policyFrom(`msys.registerModule("t", { validate_connect = function(self, accept, vctx)
      if KEPT then local ok, err = pcall(KEPT.esmtp_capability_add, KEPT, "X") vctx:set(msys.core.VCTX_CONN, "err", err) end
      KEPT = accept
      return msys.core.VALIDATE_CONT end })`, { sandbox: false });
    t.after(() => p.close());
    p.run('connect', {});
    assert.match(p.run('connect', {}).context.conn.err ?? '', /accept used after the call it was given to has ended/);
  });
});

describe('msys.core.accept_construct_get_message_construct', () => {
  it('gives the call\'s msg as .message, as Momentum\'s policies reach it from validate_mailfrom', (t) => {
    const p = connect(t, 'local msg = msys.core.accept_construct_get_message_construct(accept).message vctx:set(msys.core.VCTX_MESS, "from", msg:mailfrom())', 'mailfrom');
    twice(() => assert.equal(p.run('mailfrom', { mailfrom: 'a@example.org' }).context.mess.from, 'a@example.org'));
  });

  it('takes only an accept construct', (t) => {
    const p = connect(t, 'msys.core.accept_construct_get_message_construct(vctx)');
    const v = p.run('connect', {});
    assert.match(v.errors[0]!.message, /bad argument #1 .*scriptlet.accept expected/);
  });
});
