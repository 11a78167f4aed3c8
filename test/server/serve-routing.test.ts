// scriptlet serve writes the routing domains msg:routing_domain set, by
// recipient, in the spool envelope, for the delivering side; a real SMTP
// client (nodemailer) speaks to it.

import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { tempTree } from '../config/fixtures.js';
import { queueId, send, startServer, testConf } from './helpers.js';

const POLICY = `
require("msys.extended.message_routing")
local mod = {}
function mod:validate_rcptto(msg, rcpt, accept, vctx)
  if msg:rcptto():match("@early%.example$") then msg:routing_domain("[192.0.2.25]") end
  return msys.core.VALIDATE_CONT
end
function mod:validate_data_spool_each_rcpt(msg, accept, vctx)
  if msg:routing_domain() == "smarthostdomain.tld" then msg:routing_domain("my.smart.host") end
  return msys.core.VALIDATE_CONT
end
msys.registerModule("policy", mod)
`;

describe('scriptlet serve: routing domains', () => {
  it('writes the routing domain chosen for each recipient in the spool envelope, and none for the others', async (t) => {
    const dir = tempTree(t, { 'ecelerity.conf': testConf(), 'policy.lua': POLICY });
    const { port, server } = await startServer(t, dir);
    const reply = await send(port, { from: 'a@sender.example', to: ['b@smarthostdomain.tld', 'c@early.example', 'd@plain.example'] });
    assert.equal(reply.code, 250, reply.response);
    const file = path.join(server.spool.dir, 'new', `${queueId(reply)}.json`);
    const envelope = JSON.parse(fs.readFileSync(file, 'utf8'));
    assert.deepEqual(envelope.routingDomains, { 'b@smarthostdomain.tld': 'my.smart.host', 'c@early.example': '[192.0.2.25]' });
  });
});
