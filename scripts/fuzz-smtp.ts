// npm run fuzz:smtp [-- --sessions 5000 --concurrency 16 --seed N --engine lua51]
// The SMTP fuzzer of test/server/smtp-fuzz/ for longer: `scriptlet serve`
// in this process with the server tests' policy, hostile sessions in rounds
// of --concurrency, a normal client after each round. Prints the report
// (sessions, bytes, reply codes, messages queued); on a broken invariant it
// stops with the seed and the session's steps, to replay with --seed.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { serve } from '../src/server/serve.js';
import { fuzz } from '../test/server/smtp-fuzz/driver.js';
import { queueId, send, TEST_POLICY, testConf } from '../test/server/helpers.js';

const { values } = parseArgs({
  options: { sessions: { type: 'string', default: '2000' }, concurrency: { type: 'string', default: '16' }, seed: { type: 'string' }, engine: { type: 'string' } },
});
const seed = values.seed !== undefined ? Number(values.seed) : Date.now() % 1e9;
if (values.engine) process.env.SCRIPTLET_ENGINE = values.engine;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'scriptlet-fuzz-smtp-'));
fs.writeFileSync(path.join(dir, 'ecelerity.conf'), testConf());
fs.writeFileSync(path.join(dir, 'policy.lua'), TEST_POLICY);
const server = await serve({ conf: path.join(dir, 'ecelerity.conf'), log: () => undefined, drainDeadlineMs: 2000 });
const port = server.addresses[0]!.port;
console.log(`fuzzing scriptlet serve on 127.0.0.1:${port}, seed ${seed}, ${values.sessions} sessions, ${values.concurrency} at a time`);
const rssBefore = process.memoryUsage().rss;
try {
  const report = await fuzz({
    port,
    spoolDir: path.join(dir, 'spool'),
    seed,
    sessions: Number(values.sessions),
    concurrency: Number(values.concurrency),
    normalClient: async () => {
      const reply = await send(port, { from: 'normal@example.org', to: ['someone@example.net'], subject: 'normal' });
      if (reply.code !== 250) throw new Error(`seed ${seed}: a normal client got ${reply.response}`);
      return queueId(reply)!;
    },
  });
  console.log(JSON.stringify({ seed, ...report, rssMbBefore: Math.round(rssBefore / 2 ** 20), rssMbAfter: Math.round(process.memoryUsage().rss / 2 ** 20) }, null, 1));
} finally {
  await server.shutdown();
  fs.rmSync(dir, { recursive: true, force: true });
}
