// Momentum's core hooks as phases: core_final_validation(msg, accept, vctx)
// is the last word on a message, after data_spool_each_rcpt and
// set_binding; core_pre/post_msg_each_rcpt wrap data_spool_each_rcpt per
// recipient; all three follow the validate_* verdict rules. The
// delivery-log hooks get (msg, vctx), read the outcome from the message
// context, and may return anything.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { deliveryLogInput, deliveryLogPhase, openPolicy, runTransaction } from '../../src/index.js';
import { eml, policyFrom, twice } from '../helpers/lua-policy.js';

const TRACE = `
local m = {}
-- In the connection context: after data_spool each recipient has its own message context.
local function trace(vctx, what)
  vctx:set(msys.core.VCTX_CONN, "trace", (vctx:get(msys.core.VCTX_CONN, "trace") or "") .. what .. ";")
end
for _, c in ipairs({ "validate_data", "validate_data_spool", "validate_data_spool_each_rcpt",
                     "core_pre_msg_each_rcpt", "core_post_msg_each_rcpt" }) do
  m[c] = function(self, msg, accept, vctx)
    trace(vctx, c .. (c:find("rcpt") and ("(" .. msg:rcptto() .. ")") or ""))
    return msys.core.VALIDATE_CONT
  end
end
function m:validate_set_binding(msg)
  msg:context_set(msys.core.VCTX_CONN, "trace", msg:context_get(msys.core.VCTX_CONN, "trace") .. "set_binding(" .. msg:rcptto() .. ");")
  return msys.core.VALIDATE_CONT
end
function m:core_final_validation(msg, accept, vctx)
  trace(vctx, "core_final_validation")
  if #msg:header("X-Final-Reject") > 0 then
    vctx:set_code(554, "5.7.1 refused at final validation for " .. accept.remote_addr)
    return msys.core.VALIDATE_DONE
  end
  msg:header("X-Final", "seen")
  return msys.core.VALIDATE_CONT
end
msys.registerModule("t", m)`;

const T = { mailfrom: 'a@example.net', rcptto: ['b@example.com', 'c@example.com'], helo: 'client.example', remoteAddr: '192.0.2.7' };

describe('core_final_validation and the each-rcpt hooks', () => {
  it('run in Momentum order: each_rcpt wrapped by pre/post per recipient, set_binding, then final validation', () => {
    const p = policyFrom(TRACE);
    twice(() => {
      const r = runTransaction(p, { ...T, message: eml(['Subject: hi']) });
      assert.deepEqual(r.errors, []);
      assert.equal(r.disposition.code, 250);
      assert.deepEqual(r.context.conn.trace!.split(';').filter(Boolean), [
        'validate_data',
        'validate_data_spool',
        'core_pre_msg_each_rcpt(b@example.com)',
        'validate_data_spool_each_rcpt(b@example.com)',
        'core_post_msg_each_rcpt(b@example.com)',
        'core_pre_msg_each_rcpt(c@example.com)',
        'validate_data_spool_each_rcpt(c@example.com)',
        'core_post_msg_each_rcpt(c@example.com)',
        'set_binding(b@example.com)',
        'set_binding(c@example.com)',
        'core_final_validation',
      ]);
      assert.match(r.message.toString(), /^X-Final: seen\r\n/m);
    });
    p.close();
  });

  it('rejects the message with the code core_final_validation sets, given (msg, accept, vctx)', () => {
    const p = policyFrom(TRACE);
    twice(() => {
      const r = runTransaction(p, { ...T, message: eml(['Subject: hi', 'X-Final-Reject: yes']) });
      assert.deepEqual(r.disposition, { code: 554, text: '5.7.1 refused at final validation for 192.0.2.7', phase: 'core_final_validation' });
    });
    p.close();
  });

  it('stops the phase at VALIDATE_DONE; a hook that returns nothing goes on, one that returns a wrong value is reported', () => {
    const p = openPolicy({
      scripts: [
        { name: 'a', source: 'msys.registerModule("a", { core_final_validation = function() return msys.core.VALIDATE_DONE end })' },
        { name: 'b', source: 'msys.registerModule("b", { core_final_validation = function() end })' },
      ],
    });
    twice(() => {
      const v = p.run('core_final_validation', { message: eml(['Subject: x']) });
      assert.equal(v.action, 'done');
      assert.equal(v.callouts, 1);
    });
    p.close();
    // Momentum's samples end core_pre_msg_each_rcpt without a return: that is VALIDATE_CONT.
    const q = policyFrom('msys.registerModule("t", { core_post_msg_each_rcpt = function() end, core_pre_msg_each_rcpt = function() return "yes" end })');
    const quiet = q.run('core_post_msg_each_rcpt', { message: eml(['Subject: x']), rcpt: 'b@example.com' });
    assert.deepEqual(quiet.errors, []);
    assert.equal(quiet.action, 'continue');
    const v = q.run('core_pre_msg_each_rcpt', { message: eml(['Subject: x']), rcpt: 'b@example.com' });
    assert.equal(v.errors.length, 1);
    assert.equal(v.errors[0]!.callout, 'core_pre_msg_each_rcpt');
    assert.match(v.errors[0]!.message, /returned a string; expected msys.core.VALIDATE_CONT/);
    q.close();
  });

  it('loads a module that defines only a core hook', () => {
    const p = policyFrom('msys.registerModule("t", { core_log_delivery_v1 = function() end })');
    assert.deepEqual(p.calloutModules('core_log_delivery_v1'), ['t']);
    assert.deepEqual(p.calloutModules('data'), []);
    p.close();
  });
});

describe('delivery-log hooks', () => {
  const LOGGER = `
local m = {}
for _, c in ipairs({ "core_log_delivery_v1", "core_log_permanent_failure_v1", "core_log_transient_failure_v1" }) do
  m[c] = function(self, ...)
    local msg, vctx = ...
    print(c, select("#", ...) == 2, msg:mailfrom(), msg:rcptto(),
      vctx:get(msys.core.VCTX_MESS, "delivery_code"), msys.expandMacro("%{vctx_mess:delivery_text} via %{vctx_mess:binding}"))
  end
end
msys.registerModule("t", m)`;

  it('get (msg, vctx) with the outcome in the message context, and may return nothing', () => {
    const p = policyFrom(LOGGER);
    for (const [outcome, code] of [['delivered', 250], ['bounced', 550], ['deferred', 451]] as const) {
      twice(() => {
        const phase = deliveryLogPhase(outcome);
        const v = p.run(phase, deliveryLogInput({ id: 'M1', mailfrom: 'a@example.net', rcptto: ['b@example.com'], code, text: `${code} reply`, binding: 'mta1' }));
        assert.deepEqual(v.errors, []);
        assert.deepEqual(v.logs.map((l) => l.text), [`${phase}\ttrue\ta@example.net\tb@example.com\t${code}\t${code} reply via mta1`]);
      });
    }
    p.close();
  });

  it('maps delivered, bounced and deferred to their phases', () => {
    assert.equal(deliveryLogPhase('delivered'), 'core_log_delivery_v1');
    assert.equal(deliveryLogPhase('bounced'), 'core_log_permanent_failure_v1');
    assert.equal(deliveryLogPhase('deferred'), 'core_log_transient_failure_v1');
  });
});
