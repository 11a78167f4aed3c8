// scriptlet serve runs core_final_validation after set_binding and before
// the 250 (a refusal there spools nothing), and writes the bindings
// validate_set_binding chose into the spool envelope; a real SMTP client
// (nodemailer) speaks to it.

import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { tempTree } from '../config/fixtures.js';
import { queueId, send, spooled, startServer, testConf } from './helpers.js';

const POLICY = `
local core = require("msys.core")
local mod = {}
function mod:validate_set_binding(msg)
  local rcpt = msg:rcptto()
  if rcpt:match("^pool") then msg:binding_group("pool") elseif rcpt:match("^one") then msg:binding("mta1") end
  return core.VALIDATE_CONT
end
function mod:core_post_msg_each_rcpt(msg, accept, vctx)
  -- The connection context: after data_spool each recipient has its own message context.
  vctx:set(core.VCTX_CONN, "rcpts", (vctx:get(core.VCTX_CONN, "rcpts") or "") .. msg:rcptto() .. " ")
  return core.VALIDATE_CONT
end
function mod:core_final_validation(msg, accept, vctx)
  if msg:header("X-Final")[1] == "no" then
    vctx:set_code(550, msys.expandMacro("5.7.1 final no from %{vctx_mess:mailfrom_domain} via %{vctx_conn:ehlo_domain} [%{i}]"))
    return core.VALIDATE_DONE
  end
  msg:header("X-Final", "ok " .. vctx:get(core.VCTX_CONN, "rcpts"))
  return core.VALIDATE_CONT
end
msys.registerModule("policy", mod)
`;

const BINDINGS = 'binding "mta1" { }\nbinding_group "pool" { binding "mta2" { } binding "mta3" { } }\n';

describe('scriptlet serve: core_final_validation and bindings', () => {
  it('refuses at core_final_validation with the policy code, and spools nothing', async (t) => {
    const dir = tempTree(t, { 'ecelerity.conf': testConf() + BINDINGS, 'policy.lua': POLICY });
    const { port, server } = await startServer(t, dir);
    for (let round = 0; round < 2; round++) {
      const reply = await send(port, { from: 'a@sender.example', to: ['one@example.net'], helo: 'client.test', headers: { 'X-Final': 'no' } });
      assert.equal(reply.response, '550 5.7.1 final no from sender.example via client.test [127.0.0.1]');
    }
    assert.equal(spooled(server.spool.dir).length, 0);
  });

  it('spools after core_final_validation, with the bindings chosen per recipient in the envelope', async (t) => {
    const dir = tempTree(t, { 'ecelerity.conf': testConf() + BINDINGS, 'policy.lua': POLICY });
    const { port, server } = await startServer(t, dir);
    const to = ['one@example.net', 'pool@example.net', 'plain@example.net'];
    const reply = await send(port, { from: 'a@sender.example', to });
    assert.equal(reply.code, 250, reply.response);
    const file = path.join(server.spool.dir, 'new', `${queueId(reply)}.eml`);
    assert.match(fs.readFileSync(file, 'latin1'), /\r\nX-Final: ok one@example\.net pool@example\.net plain@example\.net \r\n/);
    const envelope = JSON.parse(fs.readFileSync(file.replace(/\.eml$/, '.json'), 'utf8'));
    assert.equal(envelope.bindings['one@example.net'], 'mta1');
    assert.ok(['mta2', 'mta3'].includes(envelope.bindings['pool@example.net']), JSON.stringify(envelope));
    assert.equal('plain@example.net' in envelope.bindings, false);
  });
});
