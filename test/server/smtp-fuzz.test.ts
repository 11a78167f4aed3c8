// A short run of the SMTP fuzzer (smtp-fuzz.ts) against `scriptlet serve`:
// hostile sessions four at a time, and after each round a normal client
// whose message must still be accepted and spooled whole, with no reply or
// message carrying another session's data. `npm run fuzz:smtp` runs it
// longer against a serve process. SCRIPTLET_FUZZ_SEED replays a seed.

import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { tempTree } from '../config/fixtures.js';
import { startServer, TEST_POLICY, testConf } from './helpers.js';
import { runSmtpFuzz } from './smtp-fuzz.js';

const MAX_MESSAGE_SIZE = 64 * 1024;
const ITERATIONS = 10;

describe('scriptlet serve under hostile SMTP input', () => {
  it('keeps answering a normal client correctly and leaks nothing between sessions', async (t) => {
    const conf = testConf().replace('hostname = "mx.test"', `hostname = "mx.test"\n  max_message_size = ${MAX_MESSAGE_SIZE}`);
    const dir = tempTree(t, { 'ecelerity.conf': conf, 'policy.lua': TEST_POLICY });
    const { port, server } = await startServer(t, dir);
    const seed = Number(process.env.SCRIPTLET_FUZZ_SEED ?? 20261206);
    const report = await runSmtpFuzz({ port, spoolDir: server.spool.dir, iterations: ITERATIONS, seed, maxMessageSize: MAX_MESSAGE_SIZE });
    assert.deepEqual(report.failures, [], `seed ${seed}`);
    assert.equal(report.iterations, ITERATIONS);
    assert.equal(report.normalMessages, ITERATIONS);
    // The sessions really talked to the server: many more replies than greetings.
    assert.ok(report.replies > report.sessions * 3, `${report.replies} replies for ${report.sessions} sessions`);
    assert.equal(path.basename(server.spool.dir), 'spool');
  });
});
