// The SMTP fuzzer (smtp-fuzz/) against the real `scriptlet serve`: hostile
// sessions several at a time, then a normal client, round after round. The
// server keeps answering every session with well-formed replies that hold
// nothing of another session, spools exactly what it answered 250 for, and
// serves the normal client each round. `npm run fuzz:smtp` runs it longer.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fuzz } from './smtp-fuzz/driver.js';
import { queueId, send, startServer } from './helpers.js';

describe('scriptlet serve under hostile SMTP input', () => {
  // A fixed seed, and a new one each run (its seed in the test's name, to replay it with npm run fuzz:smtp -- --seed N).
  for (const [seed, sessions] of [[20261206, 64], [Date.now() % 1e9, 32]] as const) {
    it(`stays correct through ${sessions} fuzzed sessions, 16 at a time (seed ${seed})`, async (t) => {
      const { port, dir, server } = await startServer(t);
      const normalClient = async () => {
        const reply = await send(port, { from: 'normal@example.org', to: ['someone@example.net'], subject: 'normal' });
        assert.equal(reply.code, 250, `normal client after hostile sessions (seed ${seed}): ${reply.response}`);
        const id = queueId(reply)!;
        const spooled = fs.readFileSync(path.join(dir, 'spool', 'new', `${id}.eml`), 'latin1');
        assert.ok(spooled.includes('\r\nSubject: normal\r\n') && spooled.endsWith('\r\n\r\nHello.\r\n'), `the normal message ${id} is spooled whole`);
        return id;
      };
      const report = await fuzz({ port, spoolDir: path.join(dir, 'spool'), seed, sessions, concurrency: 16, normalClient });
      t.diagnostic(JSON.stringify(report));
      assert.equal(report.sessions, sessions);
      assert.equal(report.normalSends, sessions / 16);
      assert.ok(Object.keys(report.replyCodes).some((c) => c.startsWith('5')), 'the fuzzer provoked refusals');
      assert.ok(report.queued > report.normalSends, 'some fuzzed transactions were accepted too');
      assert.equal(server.addresses.length, 1);
    });
  }
});
