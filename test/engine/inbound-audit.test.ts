// msys.audit.* and ac:inbound_session_count read what the host reports
// through the inbound audit API (src/state): sessions opened and closed,
// receptions, rejections. Each test uses its own addresses: the store is
// the process's.
import { afterEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { dataPolicy, eml, twice } from '../helpers/lua-policy.js';
import { inboundAudit, setStateClockForTests } from '../../src/state/index.js';

const audit = inboundAudit();
afterEach(() => setStateClockForTests(undefined));

/** Each Lua expression's value (or "error: ...") in validate_data, from that peer. */
function read(remoteAddr: string, exprs: string[]): string[] {
  const fns = exprs.map((e) => `function() return ${e} end`).join(',\n');
  const p = dataPolicy(`local out = {}
    for _, f in ipairs({${fns}}) do
      local ok, r = pcall(f)
      out[#out + 1] = ok and tostring(r) or ("error: " .. tostring(r))
    end
    vctx:set(msys.core.VCTX_MESS, "r", table.concat(out, "\\n"))`);
  try {
    const v = p.run('data', { message: eml(['Subject: x']), remoteAddr });
    assert.deepEqual(v.errors, []);
    return (v.context.mess.r ?? '').split('\n');
  } finally {
    p.close();
  }
}

describe('the inbound audit', () => {
  it('counts the sessions a host has open, per address, prefix and service', () => {
    audit.sessionOpened('198.18.1.1');
    audit.sessionOpened('198.18.1.1');
    audit.sessionOpened('198.18.1.2', 'smtp');
    audit.sessionOpened('198.18.1.1', 'ECStream');
    twice(() => {
      assert.deepEqual(read('198.18.1.1', [
        'msys.audit.inbound_session_count("198.18.1.1", "SMTP")',
        'msys.audit.inbound_session_count("/24", "SMTP")',
        'msys.audit.inbound_session_count()',
        'accept:inbound_session_count()',
        'accept:inbound_session_count("/24")',
        'accept:inbound_session_count("/24", "ecstream")',
        'accept:inbound_session_count("198.18.0.0/16", "SMTP")',
      ]), ['2', '3', '2', '2', '3', '1', '3']);
    });
    audit.sessionClosed('198.18.1.1');
    audit.sessionClosed('198.18.1.2');
    assert.deepEqual(read('198.18.1.1', ['msys.audit.inbound_session_count("/24", "SMTP")', 'accept:inbound_session_count()']), ['1', '1']);
    assert.equal(audit.count('sessions', '198.18.1.0/24'), 1);
    audit.sessionClosed('198.18.1.1');
    audit.sessionClosed('198.18.1.1', 'ECStream');
    assert.equal(audit.count('sessions', '198.18.0.0/16'), 0);
    assert.equal(audit.count('sessions', '198.18.0.0/16', { service: 'ECStream' }), 0);
  });

  it('counts connections, receptions and rejections in windows of the monitor', () => {
    setStateClockForTests(1_800_000_000);
    audit.sessionOpened('198.18.2.1');
    audit.reception('198.18.2.1');
    audit.reception('198.18.2.1');
    audit.rejection('198.18.2.9');
    audit.sessionClosed('198.18.2.1');
    const exprs = [
      'msys.audit.connections("inbound_audit", "/24")',
      'msys.audit.receptions("inbound_audit", {key = accept})',
      'msys.audit.rejections("inbound_audit", {cidr = "198.18.2.0/24", startv = 0, endv = 11})',
      'msys.audit.receptions("inbound_audit", {key = accept, startv = 1, endv = 1})',
    ];
    assert.deepEqual(read('198.18.2.1', exprs), ['1', '2', '1', '0']);
    setStateClockForTests(1_800_000_000 + 300);
    assert.deepEqual(read('198.18.2.1', exprs), ['0', '0', '1', '2']);
    assert.equal(audit.count('receptions', '198.18.2.1', { startv: 0, endv: 11 }), 2);
  });

  it('ignores an address that is not an IP (a unix socket), counting nothing', () => {
    assert.equal(audit.sessionOpened(''), false);
    assert.equal(audit.reception('not-an-ip'), false);
    assert.equal(audit.sessionOpened('::ffff:198.18.3.3'), true);
    assert.equal(audit.count('sessions', '198.18.3.3'), 1);
    audit.sessionClosed('::ffff:198.18.3.3');
  });

  it('raises clear errors for a monitor or service that is not a string and a bad cidr', () => {
    const r = read('198.18.4.1', ['msys.audit.connections(nil)', 'msys.audit.inbound_session_count("/40")', 'accept:inbound_session_count("/24", {})']);
    assert.match(r[0]!, /msys\.audit\.connections: monitor must be a string, got nil/);
    assert.match(r[1]!, /msys\.audit\.inbound_session_count: cidr has a mask over \/32: '\/40'/);
    assert.match(r[2]!, /ac:inbound_session_count: the service name must be a string of 1 to 32 bytes/);
  });
});
