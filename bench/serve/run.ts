// `scriptlet serve` against Postfix itself, in one run on one machine: the
// same load (Postfix's smtp-source: SESSIONS parallel sessions of one
// SIZE-byte message each, per round) alternately into a Postfix smtpd that
// delivers to its discard transport and into `scriptlet serve` running the
// example policy (examples/), which spools each message (fsync) before its
// 250. Reported: each side's rate, serve's over Postfix's (issue 19's
// target: >= 1), and the CPU per accepted message of serve (all its
// threads, and its main thread alone; target <= 0.5 ms) and of Postfix.
//
//   npm run bench:serve                  20 rounds a side of 50 sessions x 1 message of 2 KB, after 60 of warm-up (WARMUP_ROUNDS)
//   npm run bench:serve -- --rounds 10 --sessions 50 --size 2048
//   SERVE_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" npm run bench:serve   profile serve
//
// Needs Debian's postfix (smtp-source comes with it) and root, as the
// end-to-end tests do. serve runs from dist/ (built first). Loopback only;
// every round is bounded in messages and in time.

import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { writeResults } from '../results-file.js';
import { postfixCpuMs, processCpuMs, SMTP_SOURCE, smtpSource, startScriptlet, threadCpuMs, WARMUP_ROUNDS } from '../postfix-load.js';
import { freePort, PostfixInstance, postfixMissing } from '../../test/milter/postfix-instance.js';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

const { values } = parseArgs({ options: { warmup: { type: 'string', default: String(WARMUP_ROUNDS) }, rounds: { type: 'string', default: '20' }, sessions: { type: 'string', default: '50' }, size: { type: 'string', default: '2048' } } });
const rounds = Number(values.rounds);
const warmupRounds = Number(values.warmup);
const sessions = Number(values.sessions);
const size = Number(values.size);

interface Round {
  side: 'postfix' | 'serve';
  seconds: number;
  rate: number;
  serveCpuMs: number;
  serveMainCpuMs: number;
  postfixCpuMs: number;
}

/** Messages in serve's spool (each is a .eml beside its envelope). */
const spooled = (dir: string) => fs.readdirSync(path.join(dir, 'spool', 'new')).filter((n) => n.endsWith('.eml')).length;

async function main(): Promise<void> {
  execFileSync('npm', ['run', 'build:ts'], { cwd: REPO, stdio: 'ignore' });
  const missing = postfixMissing() ?? (fs.existsSync(SMTP_SOURCE) ? undefined : 'smtp-source is missing (Debian package postfix)');
  if (missing) throw new Error(missing);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'scriptlet-bench-serve-'));
  const [postfixPort, servePort] = [await freePort(), await freePort()];
  const serve = await startScriptlet(REPO, ['serve', path.join(REPO, 'examples/ecelerity.conf'), '--listen', `127.0.0.1:${servePort}`, '--spool-dir', path.join(dir, 'spool'), '--control-socket', path.join(dir, 'control.sock')], 'listening on', process.env.SERVE_NODE_ARGS);
  const postfix = await PostfixInstance.start({ listeners: [{ port: postfixPort }], settings: {}, deliverTo: 'discard' });
  const masterPid = Number(fs.readFileSync(path.join(postfix.dir, 'queue', 'pid', 'master.pid'), 'utf8').trim());
  const results: Round[] = [];
  let spooledInRounds = 0;
  try {
    // Warm-up: the smtpd processes, the Lua states, V8's and LuaJIT's compilers.
    for (let i = 0; i < warmupRounds; i++) {
      await smtpSource(postfixPort, sessions, size);
      await smtpSource(servePort, sessions, size);
    }
    const spooledBefore = spooled(dir);
    for (let i = 0; i < rounds * 2; i++) {
      const side = i % 2 === 0 ? 'postfix' : 'serve';
      const before = { serve: processCpuMs(serve.pid, true), main: threadCpuMs(serve.pid, serve.pid), postfix: postfixCpuMs(masterPid) };
      const seconds = await smtpSource(side === 'postfix' ? postfixPort : servePort, sessions, size);
      // Postfix's deliveries to discard run after the clients are answered; let them finish inside the round's figures.
      await new Promise((r) => setTimeout(r, 300));
      results.push({ side, seconds, rate: sessions / seconds, serveCpuMs: processCpuMs(serve.pid, true) - before.serve, serveMainCpuMs: threadCpuMs(serve.pid, serve.pid) - before.main, postfixCpuMs: postfixCpuMs(masterPid) - before.postfix });
    }
    spooledInRounds = spooled(dir) - spooledBefore;
  } finally {
    await serve.stop();
    await postfix.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
  const summary = (side: Round['side']) => {
    const rs = results.filter((r) => r.side === side);
    const messages = rs.length * sessions;
    const seconds = rs.reduce((s, r) => s + r.seconds, 0);
    const perMessage = (pick: (r: Round) => number) => rs.reduce((s, r) => s + pick(r), 0) / messages;
    return { rounds: rs.length, messages, rate: messages / seconds, serveCpuMsPerMessage: perMessage((r) => r.serveCpuMs), serveMainThreadCpuMsPerMessage: perMessage((r) => r.serveMainCpuMs), postfixCpuMsPerMessage: perMessage((r) => r.postfixCpuMs) };
  };
  const alone = summary('postfix');
  const served = summary('serve');
  if (spooledInRounds !== served.messages) throw new Error(`serve spooled ${spooledInRounds} messages in the measured rounds, smtp-source sent ${served.messages}`);
  const out = {
    load: { sessions, messagesPerSession: 1, size, rounds, warmupRounds },
    loadAverage: os.loadavg(),
    postfix: alone,
    serve: served,
    rateRatio: served.rate / alone.rate,
    targets: { rateRatio: 1, serveCpuMsPerMessage: 0.5 },
    roundsDetail: results,
  };
  const f = (n: number) => n.toFixed(2);
  console.log(`load: ${rounds} rounds a side of ${sessions} sessions x 1 message of ${size} bytes (smtp-source), alternating, after ${warmupRounds} rounds of warm-up`);
  console.log(`Postfix into discard:   ${f(alone.rate)} msg/s, Postfix ${f(alone.postfixCpuMsPerMessage)} ms CPU/msg`);
  console.log(`scriptlet serve:        ${f(served.rate)} msg/s, serve ${f(served.serveCpuMsPerMessage)} ms CPU/msg (main thread ${f(served.serveMainThreadCpuMsPerMessage)}), every message spooled`);
  console.log(`rate ratio serve/Postfix ${f(out.rateRatio)} (target >= 1); serve CPU per message ${f(served.serveCpuMsPerMessage)} ms (target <= 0.5)`);
  console.log(`written ${writeResults('serve', out)}`);
}

await main();
