// msg:routing_domain: the recipient's own domain unless a policy routes it
// elsewhere, in validate_rcptto or a per-recipient phase after data_spool;
// the choice goes to the verdict for the host that routes.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { runTransaction } from '../../src/index.js';
import { eml, policyFrom, twice } from '../helpers/lua-policy.js';

// Momentum's smart-host sample, reduced: route one domain elsewhere in each_rcpt.
const SMART_HOST = `require("msys.extended.message_routing")
local mod = {}
function mod:validate_data_spool_each_rcpt(msg, accept, vctx)
  local before = msg:routing_domain()
  if msg:context_get(msys.core.ECMESS_CTX_MESS, "rcptto_domain") == "smarthostdomain.tld" then
    msg:routing_domain("my.smart.host")
  end
  msg:context_set(msys.core.ECMESS_CTX_MESS, "route", before .. ">" .. msg:routing_domain())
  return msys.core.VALIDATE_CONT
end
function mod:validate_data(msg, accept, vctx)
  local ok, err = pcall(msg.routing_domain, msg, "x.example")
  msg:context_set(msys.core.ECMESS_CTX_MESS, "data", err)
  return msys.core.VALIDATE_CONT
end
msys.registerModule("t", mod)`;

describe('msg:routing_domain', () => {
  it('reads the recipient\'s domain, and the domain a per-recipient phase routes it to, which the verdict carries', () => {
    const p = policyFrom(SMART_HOST);
    twice(() => {
      const plain = p.run('data_spool_each_rcpt', { message: eml(['Subject: x']), rcptto: ['a@other.example'], rcpt: 'a@other.example' });
      assert.deepEqual(plain.errors, []);
      assert.equal(plain.context.mess.route, 'other.example>other.example');
      assert.equal(plain.routingDomain, undefined);
      const routed = p.run('data_spool_each_rcpt', { message: eml(['Subject: x']), rcptto: ['b@smarthostdomain.tld'], rcpt: 'b@smarthostdomain.tld' });
      assert.equal(routed.context.mess.route, 'smarthostdomain.tld>my.smart.host');
      assert.equal(routed.routingDomain, 'my.smart.host');
    });
    p.close();
  });

  it('cannot be set outside validate_rcptto and the per-recipient phases, nor to something that is no host', () => {
    const p = policyFrom(SMART_HOST);
    const v = p.run('data', { message: eml(['Subject: x']), rcptto: ['a@x.example'] });
    assert.match(v.context.mess.data!, /msg:routing_domain can be set only in validate_rcptto and the per-recipient phases \(called in validate_data\)/);
    const q = policyFrom(`msys.registerModule("t", { validate_rcptto = function(self, msg, rcpt, accept, vctx)
      msg:routing_domain("bad host") return msys.core.VALIDATE_CONT end })`);
    const bad = q.run('rcptto', { rcptto: ['a@x.example'], rcpt: 'a@x.example' });
    assert.match(bad.errors[0]!.message, /bad argument #1 to 'routing_domain' \(must be a host name or an \[address\] literal/);
    p.close();
    q.close();
  });

  it('is noted by recipient in a transaction: each recipient routed on its own', () => {
    const p = policyFrom(SMART_HOST);
    const r = runTransaction(p, { message: eml(['Subject: x']), mailfrom: 'a@example.org', rcptto: ['b@smarthostdomain.tld', 'c@other.example'], helo: 'h', remoteAddr: '192.0.2.1' });
    assert.deepEqual(r.errors, []);
    assert.deepEqual(r.routingDomains, { 'b@smarthostdomain.tld': 'my.smart.host' });
    p.close();
  });
});
