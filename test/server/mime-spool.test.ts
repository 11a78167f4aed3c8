// scriptlet serve spools the message a MIME edit replaced (through the
// worker pool): the new body, with the header edits of every phase.

import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { policyDir, queueId, send, startServer } from './helpers.js';

const POLICY = `
local core = require("msys.core")
local mod = {}
function mod:validate_data(msg, accept, vctx)
  local root = msg:mime(false)
  root:text("Rewritten by the policy: café")
  return core.VALIDATE_CONT
end
function mod:validate_data_spool(msg, accept, vctx)
  msg:header("X-Seen-Text", (msg:text():gsub("%s+$", "")))
  return core.VALIDATE_CONT
end
msys.registerModule("policy", mod)
`;

describe('scriptlet serve and MIME edits', () => {
  it('spools the message with the body a policy replaced and the headers it set after', async (t) => {
    const { port, server } = await startServer(t, policyDir(t, POLICY));
    for (let round = 0; round < 2; round++) {
      const reply = await send(port, { from: 'alice@example.org', to: ['bob@example.net'] });
      assert.equal(reply.code, 250, reply.response);
      const text = fs.readFileSync(path.join(server.spool.dir, 'new', `${queueId(reply)}.eml`), 'latin1');
      assert.match(text, /\r\nContent-Type: text\/plain; charset="utf-8"\r\nContent-Transfer-Encoding: quoted-printable\r\n/);
      assert.match(text, /\r\nX-Seen-Text: Rewritten by the policy: caf\xc3\xa9\r\n/);
      assert.ok(text.endsWith('\r\n\r\nRewritten by the policy: caf=C3=A9\r\n'), text);
      assert.ok(!text.includes('Hello.'), 'the old body is gone');
    }
  });
});
