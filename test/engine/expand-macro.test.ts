// msys.expandMacro(str): %{vctx_conn:KEY} / %{vctx_mess:KEY} read the
// contexts, the standard variables derived from the call's facts when the
// context does not hold them; %{i}, %{spfv1:i} and the other SPF letters read
// the session; unknown macros expand to nothing; other text stays as it is.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { eml, policyFrom, twice } from '../helpers/lua-policy.js';

/** Expands each template in validate_data; the results, joined by "|", go to the message context. */
function expand(templates: string[], input: object, phase: 'data' | 'connect' = 'data'): string {
  const list = templates.map((t) => JSON.stringify(t)).join(', ');
  const callout = phase === 'data' ? 'validate_data = function(self, msg, accept, vctx)' : 'validate_connect = function(self, accept, vctx)';
  const p = policyFrom(`msys.registerModule("t", { ${callout}
    local out = {}
    for i, t in ipairs({ ${list} }) do out[i] = msys.expandMacro(t) end
    vctx:set(msys.core.VCTX_MESS, "out", table.concat(out, "|"))
    return msys.core.VALIDATE_CONT end })`);
  let result = '';
  twice(() => {
    const v = p.run(phase, input);
    assert.deepEqual(v.errors, []);
    result = v.context.mess.out!;
  });
  p.close();
  return result;
}

const FACTS = {
  message: eml(['Subject: hi']),
  helo: 'mx.client.example',
  mailfrom: 'alice@sender.example',
  rcptto: ['bob@rcpt.example', 'carol@rcpt.example'],
  rcpt: 'carol@rcpt.example',
  remoteAddr: '192.0.2.25',
};

describe('msys.expandMacro', () => {
  it('reads context variables set by the host or a script', () => {
    const out = expand(['user %{vctx_conn:auth_user} tls=%{vctx_conn:tls}', '%{vctx_mess:campaign}'], { ...FACTS, context: { conn: { auth_user: 'bob', tls: '1' }, mess: { campaign: 'c42' } } });
    assert.equal(out, 'user bob tls=1|c42');
  });

  it('derives the standard connection and message variables from the call', () => {
    const keys = ['vctx_conn:ehlo_string', 'vctx_conn:ehlo_domain', 'vctx_mess:mailfrom_string', 'vctx_mess:mailfrom_localpart', 'vctx_mess:mailfrom_domain', 'vctx_mess:rcptto_string', 'vctx_mess:rcptto_localpart', 'vctx_mess:rcptto_domain', 'vctx_mess:message_rcpt_count'];
    assert.equal(expand(keys.map((k) => `%{${k}}`), FACTS), 'mx.client.example|mx.client.example|alice@sender.example|alice|sender.example|carol@rcpt.example|carol|rcpt.example|2');
  });

  it('prefers what the context holds over the derived value', () => {
    assert.equal(expand(['%{vctx_mess:mailfrom_domain}'], { ...FACTS, context: { mess: { mailfrom_domain: 'given.example' } } }), 'given.example');
  });

  it('expands the client IP as %{i} and %{spfv1:i}, and the other SPF letters', () => {
    const out = expand(['%{i}', '%{spfv1:i}', '%{s}', '%{l}', '%{o}', '%{d}', '%{h}', '%{v}', '%{c}', '%{p}', '%{r}'], FACTS);
    assert.equal(out, '192.0.2.25|192.0.2.25|alice@sender.example|alice|sender.example|sender.example|mx.client.example|in-addr|192.0.2.25|unknown|unknown');
    assert.equal(expand(['%{v} %{i}'], { ...FACTS, remoteAddr: '2001:db8::1' }), 'ip6 2001:db8::1');
    assert.match(expand(['%{t}'], FACTS), /^[0-9]{10,}$/);
  });

  it('uses postmaster@HELO for the null sender, as SPF does', () => {
    assert.equal(expand(['%{s} %{l} %{o}'], { ...FACTS, mailfrom: '' }), 'postmaster@mx.client.example postmaster mx.client.example');
  });

  it('expands unknown macros and unset keys to nothing, and keeps text that is not a macro', () => {
    const out = expand(['a%{nope}b', 'x%{vctx_conn:unset}y', '100% sure', '%{unclosed', '%%{i} %_ %-', ''], FACTS);
    assert.equal(out, 'ab|xy|100% sure|%{unclosed|%{i}   %20|');
  });

  it('reads the milter macros the host put in the connection context', () => {
    assert.equal(expand(['%{vctx_conn:milter.j}'], { ...FACTS, context: { conn: { 'milter.j': 'mx.local' } } }), 'mx.local');
  });

  it('makes vctx:get and msg:context_get see the derived variables too', () => {
    const p = policyFrom(`msys.registerModule("t", { validate_data = function(self, msg, accept, vctx)
      vctx:set(msys.core.VCTX_MESS, "out", vctx:get(msys.core.VCTX_CONN, "ehlo_domain") .. " " .. msg:context_get(msys.core.VCTX_MESS, "rcptto_domain"))
      return msys.core.VALIDATE_CONT end })`);
    assert.equal(p.run('data', FACTS).context.mess.out, 'mx.client.example rcpt.example');
    p.close();
  });

  it('expands against no session outside a call, and checks its argument', () => {
    const p = policyFrom(`local at_load = msys.expandMacro("[%{i}%{vctx_conn:x}]")
      msys.registerModule("t", { validate_connect = function(self, accept, vctx)
        vctx:set(msys.core.VCTX_MESS, "out", at_load .. tostring(pcall(msys.expandMacro, {})))
        return msys.core.VALIDATE_CONT end })`);
    const v = p.run('connect', FACTS);
    assert.equal(v.context.mess.out, '[]false');
    p.close();
    const q = policyFrom(`msys.registerModule("t", { validate_connect = function(self, accept, vctx) msys.expandMacro(nil) return 0 end })`);
    assert.match(q.run('connect', FACTS).errors[0]!.message, /bad argument #1 to 'expandMacro' \(string expected, got nil\)/);
    q.close();
  });
});
