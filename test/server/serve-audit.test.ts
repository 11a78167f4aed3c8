// scriptlet serve reports its sessions and their outcomes to the inbound
// audit, so a policy's msys.audit.* and accept:inbound_session_count see the
// traffic: sessions open (its own included, at connect), connections,
// receptions and refusals from the client's address.

import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { inboundAudit } from '../../src/state/index.js';
import { policyDir, send, spooled, startServer } from './helpers.js';

const AUDIT_POLICY = `
local core = msys.core
local mod = {}
function mod:validate_connect(accept, vctx)
  vctx:set(core.VCTX_CONN, "open", tostring(accept:inbound_session_count()))
  return core.VALIDATE_CONT
end
function mod:validate_rcptto(msg, str, accept, vctx)
  if string.find(str, "nobody@", 1, true) then vctx:set_code(550, "5.1.1 no such user") return core.VALIDATE_DONE end
  return core.VALIDATE_CONT
end
function mod:validate_data(msg, accept, vctx)
  local a = function(f) return msys.audit[f]("inbound_audit", {key = accept, startv = 0, endv = 11}) end
  msg:header("X-Audit", table.concat({vctx:get(core.VCTX_CONN, "open"), a("connections"), a("receptions"), a("rejections")}, " "))
  return core.VALIDATE_CONT
end
msys.registerModule("policy", mod)
`;

describe('scriptlet serve and the inbound audit', () => {
  it('counts sessions, connections, receptions and refusals for msys.audit.*', async (t) => {
    const { port, server } = await startServer(t, policyDir(t, AUDIT_POLICY));
    assert.equal((await send(port, { from: 'a@example.org', to: ['nobody@example.net'] })).code, 550);
    assert.equal((await send(port, { from: 'a@example.org', to: ['b@example.net'] })).code, 250);
    assert.equal((await send(port, { from: 'a@example.org', to: ['b@example.net'] })).code, 250);
    const audits = spooled(server.spool.dir)
      .map((f) => /\r\nX-Audit: ([^\r]*)\r\n/.exec(fs.readFileSync(path.join(server.spool.dir, 'new', f), 'latin1'))?.[1])
      .sort();
    // open: this session at least (the one before may not have closed yet); connections 2 then 3; receptions 0 then 1; one refusal.
    assert.equal(audits.length, 2);
    assert.match(audits[0]!, /^[12] 2 0 1$/);
    assert.match(audits[1]!, /^[12] 3 1 1$/);
    const audit = inboundAudit();
    for (let i = 0; i < 100 && audit.count('sessions', '127.0.0.1') > 0; i++) await new Promise((r) => setTimeout(r, 20));
    assert.equal(audit.count('sessions', '127.0.0.1'), 0, 'every session closed is counted closed');
    assert.equal(audit.count('receptions', '127.0.0.1', { startv: 0, endv: 11 }), 2);
  });
});
