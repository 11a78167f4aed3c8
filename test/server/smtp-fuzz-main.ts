// npm run fuzz:smtp [-- --iterations N --seed S --engine luajit|lua51]
// Starts a real `scriptlet serve` process (the test policy, a 64 KB
// max_message_size) and runs test/server/smtp-fuzz.ts against it: N
// iterations of 4 hostile sessions at once, each followed by a normal client
// whose message must be accepted and spooled whole. Exits 1 on any failure
// (printed with the seed and iteration that reproduce it), or if serve died.

import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { runSmtpFuzz } from './smtp-fuzz.js';
import { TEST_POLICY } from './helpers.js';

const MAX_MESSAGE_SIZE = 64 * 1024;
const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

const { values } = parseArgs({ options: { iterations: { type: 'string', default: '300' }, seed: { type: 'string' }, engine: { type: 'string', default: 'luajit' } } });
const iterations = Number(values.iterations);
const seed = values.seed !== undefined ? Number(values.seed) : Date.now() % 1_000_000;

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'scriptlet-fuzz-smtp-'));
fs.writeFileSync(path.join(dir, 'policy.lua'), TEST_POLICY);
fs.writeFileSync(
  path.join(dir, 'ecelerity.conf'),
  `alerting { }
ESMTP_Listener {
  Listen "127.0.0.1:0" { }
  spool_dir = "spool"
  hostname = "mx.test"
  max_message_size = ${MAX_MESSAGE_SIZE}
}
scriptlet "scriptlet" {
  threads = 2
  on_error = tempfail
  script "policy" { source = "policy" }
}
`,
);
const child = spawn(process.execPath, ['--import', 'tsx', path.join(REPO, 'src/cli/main.ts'), 'serve', path.join(dir, 'ecelerity.conf'), '--engine', values.engine!], { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] });
let alive = true;
let stderr = '';
child.on('exit', () => (alive = false));
child.stderr.on('data', (d) => (stderr += d));
const port = await new Promise<number>((resolve, reject) => {
  let out = '';
  child.stdout.on('data', (d) => {
    out += d;
    const m = /listening on 127\.0\.0\.1:(\d+)/.exec(out);
    if (m) resolve(Number(m[1]));
  });
  child.on('exit', (code) => reject(new Error(`serve exited (${code}) before listening: ${stderr}`)));
});
const started = Date.now();
console.log(`fuzzing scriptlet serve (${values.engine}) on port ${port}: ${iterations} iterations, seed ${seed}`);
const report = await runSmtpFuzz({ port, spoolDir: path.join(dir, 'spool'), iterations, seed, maxMessageSize: MAX_MESSAGE_SIZE, alive: () => alive, log: (l) => console.log(l) });
const rss = alive ? fs.readFileSync(`/proc/${child.pid}/status`, 'utf8').match(/VmRSS:\s+(\d+) kB/)?.[1] : undefined;
console.log(
  `${report.iterations} iterations, ${report.sessions} hostile sessions, ${report.replies} replies, ${report.normalMessages} normal messages accepted and checked, ` +
    `${((Date.now() - started) / 1000).toFixed(1)} s; serve ${alive ? `alive, RSS ${rss} kB` : 'DEAD'}`,
);
for (const f of report.failures) console.log(`FAIL ${f}`);
child.kill('SIGTERM');
await new Promise((r) => child.once('exit', r));
fs.rmSync(dir, { recursive: true, force: true });
process.exit(report.failures.length > 0 || !alive ? 1 : 0);
