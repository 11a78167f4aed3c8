// msys.policyeditor on the real engine (test/engine/policyeditor.test.ts has
// the argument checks): the library comes from msys/policyeditor.lua on the
// script search path, set_binding picks one binding of a comma list and
// says whether it could, pcre_match fills $0, $1.. and $name with the
// engine's PCRE, send_email goes out through msg:inject (the verdict's
// injected messages), and send_trap raises "not available in scriptlet".

import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { dataPolicy, eml, twice } from '../helpers/lua-policy.js';
import { openPolicy } from '../../src/engine/policy.js';
import { tempTree } from '../config/fixtures.js';

const run = (p: ReturnType<typeof dataPolicy>, code = '') => p.run('data', { message: eml(['Subject: hi', 'From: a@example.org']), mailfrom: 'sender@example.org', rcptto: ['rcpt@example.net'], ...(code ? {} : {}) });

describe('msys.policyeditor helpers on the real engine', () => {
  const p = dataPolicy(`local pe, M = msys.policyeditor, msys.core.VCTX_MESS
    local ctx = { ec_message = msg }
    local vars = {}
    local matched = pe.pcre_match(ctx, vars, { subject = "me@foo.com", pattern = "^(?<user>\\\\w+)@(?P<domain>[\\\\w.]+)$" })
    vctx:set(M, "match", tostring(matched) .. " " .. vars["$0"] .. " " .. vars["$1"] .. " " .. vars["$2"] .. " " .. vars["$user"] .. " " .. vars["$domain"])
    vctx:set(M, "nomatch", tostring(pe.pcre_match(ctx, {}, { subject = "nothing", pattern = "^x" })))
    pe.send_email(ctx, vars, { from = "policy@example.org", to = "admin@example.org, ops@example.org", subject = "alert", body = "line one\\nline two", throttle = 0 })
    local ok, err = pcall(pe.send_trap, ctx, vars, { type = "string", payload = "x" })
    vctx:set(M, "trap", tostring(err))
    vctx:set(M, "header", pe.get_header(ctx, vars, { header = "Subject" }))`, { bindings: ['gmail', 'yahoo'] });
  after(() => p.close());

  it('fills $0 (the subject), $1.. and named captures from a real PCRE match, and returns false without one', () => {
    twice(() => {
      const v = run(p);
      assert.deepEqual(v.errors, []);
      assert.equal(v.context.mess.match, 'true me@foo.com me foo.com me foo.com');
      assert.equal(v.context.mess.nomatch, 'false');
    });
  });

  it('set_binding picks one binding of a comma list, true for a configured one or "default", false otherwise', () => {
    const b = openPolicy({
      bindings: ['gmail', 'yahoo'],
      scripts: [{ name: 'b', source: `local mod = {}
        function mod:validate_set_binding(msg)
          local pe, C = msys.policyeditor, msys.core.ECMESS_CTX_MESS
          local ctx, vars, seen = { ec_message = msg }, {}, {}
          for i = 1, 40 do
            pe.set_binding(ctx, vars, { binding = "gmail, yahoo" })
            seen[msg:binding()] = true
          end
          msg:context_set(C, "both", tostring(seen.gmail and seen.yahoo))
          msg:context_set(C, "unknown", tostring(pe.set_binding(ctx, vars, { binding = "nope" })))
          msg:context_set(C, "default", tostring(pe.set_binding(ctx, vars, { binding = "default" })))
          return msys.core.VALIDATE_CONT
        end
        msys.registerModule("b", mod)` }],
    });
    try {
      const v = b.run('set_binding', { message: eml(['Subject: s']), mailfrom: 'a@example.org', rcptto: ['r@example.net'] });
      assert.deepEqual(v.errors, []);
      assert.deepEqual([v.context.mess.both, v.context.mess.unknown, v.context.mess.default], ['true', 'false', 'true']);
    } finally {
      b.close();
    }
  });

  it('send_email builds a plain message and injects it for the host to send, to every address listed', () => {
    const v = run(p);
    assert.equal(v.injected.length, 1);
    const m = v.injected[0]!;
    assert.deepEqual([m.mailfrom, m.rcptto], ['policy@example.org', ['admin@example.org', 'ops@example.org']]);
    assert.match(m.message.toString(), /^(.*\r\n)*Subject: alert\r\n/);
    assert.match(m.message.toString(), /\r\n\r\nline one\r\nline two/);
  });

  it('send_trap raises "not available in scriptlet", naming itself', () => {
    assert.match(run(p).context.mess.trap ?? '', /msys\.policyeditor\.send_trap: not available in scriptlet: SNMP traps are sent by the host's monitoring/);
    assert.equal(run(p).context.mess.header, 'hi');
  });
});

describe('where msys.policyeditor comes from', () => {
  it('is msys/policyeditor.lua on the script search path: the package\'s, unless a configuration directory has its own', (t) => {
    const dir = tempTree(t, { 'msys/policyeditor.lua': 'return { get_mailfrom = function() return "from the local copy" end }\n' });
    const script = `local mod = {}
      function mod:validate_data(msg, accept, vctx)
        vctx:set(msys.core.VCTX_MESS, "r", msys.policyeditor.get_mailfrom({ ec_message = msg }, {}, {}))
        local ok, err = pcall(msys.policyeditor.get_rcptto, { ec_message = msg }, {}, {})
        vctx:set(msys.core.VCTX_MESS, "e", tostring(err))
        return msys.core.VALIDATE_CONT
      end
      msys.registerModule("t", mod)`;
    const local = openPolicy({ scripts: [{ name: 't', source: script }], searchPath: [dir] });
    const shipped = openPolicy({ scripts: [{ name: 't', source: script }] });
    try {
      const input = { message: eml(['Subject: s']), mailfrom: 'sender@example.org', rcptto: ['r@example.net'] };
      assert.equal(local.run('data', input).context.mess.r, 'from the local copy');
      assert.equal(local.run('data', input).context.mess.e, 'msys.policyeditor.get_rcptto: its library does not define it');
      assert.equal(shipped.run('data', input).context.mess.r, 'sender@example.org');
      assert.ok(path.isAbsolute(dir));
    } finally {
      local.close();
      shipped.close();
    }
  });
});
