// msys.policyeditor: the Policy Editor's deprecated helpers, f(ctx, vars,
// params) with ctx = { ec_message = msg }, written over msg:*. The helpers
// over methods other parts bring (msg:binding, msys.pcre.match, ...) are
// checked here with stand-ins for those methods.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { evaluator } from '../helpers/lua-eval.js';
import { dataPolicy, eml, twice } from '../helpers/lua-policy.js';

const lua = evaluator({}, ['Subject: =?UTF-8?B?w6k=?= hello', 'X-Two: first', 'X-Two: second']);
after(() => lua.close());

const PE = 'local msg = ... local pe = require("msys.policyeditor") local ctx = { ec_message = msg } ';

describe('msys.policyeditor over msg:*', () => {
  it('reads the envelope', () => {
    assert.equal(lua.value(PE + 'return pe.get_mailfrom(ctx, {}, {}) .. " " .. pe.get_rcptto(ctx, {}, {})'), 'sender@example.org rcpt@example.net');
  });

  it('reads the first value of a header, decoded, or nil', () => {
    assert.equal(lua.value(PE + 'return pe.get_header(ctx, {}, { header = "Subject" })'), 'é hello');
    assert.equal(lua.value(PE + 'return pe.get_header(ctx, {}, { header = "x-two" })'), 'first');
    assert.equal(lua.value(PE + 'return tostring(pe.get_header(ctx, {}, { header = "X-None" }))'), 'nil');
  });

  it('deletes a header and returns its name', () => {
    const p = dataPolicy(`local pe = msys.policyeditor
      vctx:set(msys.core.VCTX_MESS, "r", pe.del_header({ ec_message = msg }, {}, { header = "X-Two" }) .. #msg:header("X-Two"))`);
    try {
      twice(() => {
        const v = p.run('data', { message: eml(['Subject: s', 'X-Two: a', 'X-Two: b']) });
        assert.equal(v.context.mess.r, 'X-Two0');
        assert.deepEqual(v.headerEdits.map((e) => [e.op, e.name]), [['delete', 'X-Two']]);
      });
    } finally {
      p.close();
    }
  });

  it('gets and sets message and connection context, nil for a missing key', () => {
    assert.equal(
      lua.value(PE + `local a = pe.vctx_mess_set(ctx, {}, { key = "k", value = "v1" })
        local b = pe.vctx_conn_set(ctx, {}, { key = "k", value = "v2" })
        return a .. b .. pe.vctx_mess_get(ctx, {}, { key = "k" }) .. pe.vctx_conn_get(ctx, {}, { key = "k" })
          .. tostring(pe.vctx_mess_get(ctx, {}, { key = "none" })) .. msg:context_get(msys.core.ECMESS_CTX_MESS, "k")`),
      'v1v2v1v2nilv1',
    );
  });

  it('sets and gets script variables in vars', () => {
    assert.equal(lua.value(PE + 'local vars = {} local r = pe.set_variable(ctx, vars, { name = "x", value = 5 }) return r .. vars.x .. pe.get_variable(ctx, vars, { name = "x" })'), '555');
  });

  it('raises, naming the helper, for a bad ctx, vars or a missing param', () => {
    assert.match(lua.error(PE + 'pe.get_mailfrom({}, {}, {})'), /^snippet:1: msys\.policyeditor\.get_mailfrom: bad argument #1 \(ctx = \{ ec_message = msg \} expected\)/);
    assert.match(lua.error(PE + 'pe.get_header(ctx, {}, {})'), /msys\.policyeditor\.get_header: params\.header is required/);
    assert.match(lua.error(PE + 'pe.get_header(ctx, {}, nil)'), /msys\.policyeditor\.get_header: bad argument #3 \(params table expected\)/);
    assert.match(lua.error(PE + 'pe.set_variable(ctx, nil, { name = "x" })'), /msys\.policyeditor\.set_variable: bad argument #2 \(vars table expected\)/);
  });

  it('leaves the SNMP trap and the failure rate to the host', () => {
    assert.match(lua.error(PE + 'pe.send_trap(ctx, {}, {})'), /msys\.policyeditor\.send_trap: not available in scriptlet: SNMP traps/);
    assert.match(lua.error(PE + 'pe.get_binding_domain_failure_rate(ctx, {}, {})'), /not available in scriptlet: delivery statistics/);
  });
});

// sandbox = false lets a snippet stand in for msys.pcre.match; the message
// object is a stand-in table with binding/binding_group/reception_peer.
describe('msys.policyeditor over the methods other parts bring (stand-ins)', () => {
  const open = evaluator({ sandbox: false });
  after(() => open.close());
  const FAKE = `local pe = require("msys.policyeditor")
    local calls = {}
    local m = {
      binding = function(self, b) calls[#calls + 1] = b return (b == "gmail" or b == "default") and b or nil end,
      binding_group = function(self, g) return g == "pool" and "pool" or nil end,
      reception_peer = function(self, how) return how == "ip" and "192.0.2.1" or "192.0.2.1:2025" end,
      listener_addr = function(self, how) return how == "ip" and "198.51.100.5" or "198.51.100.5:587" end,
    }
    local ctx = { ec_message = m }
    msys.pcre = { match = function(s, p)
      if p == "(" then return nil, "missing )", 14 end
      local user, domain = s:match("^(.-)@(.*)$")
      if not user then return nil end
      return { [0] = s, user, domain, user = user, domain = domain }
    end }
  `;

  it('pcre_match writes $0 (the subject), $1.. and $name into vars, and returns whether it matched', () => {
    assert.equal(
      open.value(FAKE + `local vars = {}
        local ok = pe.pcre_match(ctx, vars, { subject = "me@foo.com", pattern = "^(?P<user>\\\\w+)@(?P<domain>.+)$" })
        local no = pe.pcre_match(ctx, {}, { subject = "nothing", pattern = "x" })
        return tostring(ok) .. tostring(no) .. vars["$0"] .. vars["$1"] .. vars["$2"] .. vars["$user"] .. vars["$domain"]`),
      'truefalseme@foo.commefoo.commefoo.com',
    );
    assert.match(open.error(FAKE + 'pe.pcre_match(ctx, {}, { subject = "a", pattern = "(" })'), /msys\.policyeditor\.pcre_match: missing \)/);
  });

  it('set_binding binds one name of a comma list and says whether the binding exists', () => {
    assert.equal(open.value(FAKE + 'return tostring(pe.set_binding(ctx, {}, { binding = "gmail" })) .. tostring(pe.set_binding(ctx, {}, { binding = "nope" }))'), 'truefalse');
    assert.equal(open.value(FAKE + 'for i = 1, 20 do pe.set_binding(ctx, {}, { binding = "a, b,c" }) end local seen = {} for _, b in ipairs(calls) do seen[b] = true end return tostring(seen.a and seen.b and seen.c)'), 'true');
  });

  it('set_binding_group and the address getters go through msg:binding_group, reception_peer and listener_addr', () => {
    assert.equal(open.value(FAKE + 'return tostring(pe.set_binding_group(ctx, {}, { binding_group = "pool" })) .. tostring(pe.set_binding_group(ctx, {}, { binding_group = "x" }))'), 'truefalse');
    assert.equal(open.value(FAKE + 'return pe.get_mess_recv_from(ctx, {}, {}) .. " " .. pe.get_mess_recv_from(ctx, {}, { ip_only = 1 }) .. " " .. pe.get_mess_recv_via(ctx, {}, {})'), '192.0.2.1:2025 192.0.2.1 198.51.100.5:587');
  });

  it("runs the reference's sender-domain example (5.2.5) unedited", () => {
    assert.equal(
      open.value(FAKE + `local vars = {}
        pe.pcre_match(ctx, vars, { subject = "user@gmail", pattern = "(?P<user>.+)@(?P<domain>.+)" })
        if vars["$domain"] then pe.set_binding(ctx, {}, { binding = vars["$domain"] }) end
        return calls[1]`),
      'gmail',
    );
  });
});
