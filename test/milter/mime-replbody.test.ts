// scriptlet milter and MIME edits: a body the policy replaced reaches the
// MTA as SMFIR_REPLBODY, its header changes as header edits.

import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { milterDir, startMilter } from './helpers.js';
import { SMFIP } from '../../src/milter/protocol.js';
import { MtaClient } from './mta-client.js';

const POLICY = `local core = require("msys.core")
local mod = {}
function mod:validate_data(msg, accept, vctx)
  msg:text("Replaced by the policy.")
  return core.VALIDATE_CONT
end
msys.registerModule("policy", mod)`;

describe('scriptlet milter and MIME edits', () => {
  it('replaces the body with SMFIR_REPLBODY and changes Content-Type with header edits', async (t) => {
    const m = await startMilter(t, milterDir(t, POLICY));
    for (let round = 0; round < 2; round++) {
      const c = await MtaClient.connect(m.port);
      await c.negotiate();
      c.connectEvent('client.example', '192.0.2.7', 50000);
      await c.replyTo(SMFIP.NR_CONN);
      const r = await c.message({ from: 'alice@example.org', to: ['bob@example.net'], headers: [['Subject', 'hi']], body: 'Hello.\r\n' });
      const body = Buffer.concat(r.eom.filter((p) => p.code === 'b').map((p) => p.data)).toString('latin1');
      assert.equal(body, 'Replaced by the policy.\r\n');
      const headers = r.eom.filter((p) => p.code === 'h' || p.code === 'm').map((p) => p.data.toString('latin1'));
      assert.ok(headers.some((h) => h.includes('Content-Type\0 text/plain; charset="utf-8"')), JSON.stringify(headers));
      c.destroy();
    }
  });
});
