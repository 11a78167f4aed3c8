// Postfix alone against Postfix with `scriptlet milter` running the example
// policy (examples/), in one run on one Postfix instance: two smtpd
// listeners on loopback, one without milters and one with
// smtpd_milters = inet:127.0.0.1:PORT, both delivering into Postfix's
// discard transport. Postfix's smtp-source is the load: SESSIONS parallel
// sessions of one SIZE-byte message each, per round; rounds alternate
// between the two listeners. Reported: the rate each side accepted mail at,
// their ratio (target >= 0.8), and the CPU per message of the milter
// process and of Postfix's processes.
//
//   npm run bench:milter                 30 rounds a side of 50 sessions x 1 message of 2 KB, after 4 of warm-up
//   npm run bench:milter -- --rounds 10 --sessions 50 --size 2048
//   MILTER_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" npm run bench:milter   profile the milter process
//
// Needs Debian's postfix (smtp-source comes with it) and root, as the
// end-to-end tests do. The milter runs from dist/ (built first, as npm
// run build:ts does). Loopback only; every round is bounded in messages
// and in time.

import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { writeResults } from '../results-file.js';
import { postfixCpuMs, processCpuMs, SMTP_SOURCE, smtpSource, startScriptlet } from '../postfix-load.js';
import { freePort, PostfixInstance, postfixMissing } from '../../test/milter/postfix-instance.js';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const WARMUP_ROUNDS = 4;

const { values } = parseArgs({ options: { rounds: { type: 'string', default: '30' }, sessions: { type: 'string', default: '50' }, size: { type: 'string', default: '2048' } } });
const rounds = Number(values.rounds);
const sessions = Number(values.sessions);
const size = Number(values.size);

interface Round {
  side: 'alone' | 'milter';
  seconds: number;
  rate: number;
  milterCpuMs: number;
  postfixCpuMs: number;
}

async function main(): Promise<void> {
  execFileSync('npm', ['run', 'build:ts'], { cwd: REPO, stdio: 'ignore' });
  const missing = postfixMissing() ?? (fs.existsSync(SMTP_SOURCE) ? undefined : 'smtp-source is missing (Debian package postfix)');
  if (missing) throw new Error(missing);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'scriptlet-bench-milter-'));
  const [alonePort, milterPort, filterPort] = [await freePort(), await freePort(), await freePort()];
  const m = await startScriptlet(REPO, ['milter', path.join(REPO, 'examples/ecelerity.conf'), '--listen', `inet:127.0.0.1:${filterPort}`, '--control-socket', path.join(dir, 'control.sock')], 'milter listening on', process.env.MILTER_NODE_ARGS);
  const postfix = await PostfixInstance.start({
    listeners: [{ port: alonePort, overrides: { smtpd_milters: '' } }, { port: milterPort }],
    settings: { smtpd_milters: `inet:127.0.0.1:${filterPort}`, milter_default_action: 'tempfail' },
    deliverTo: 'discard',
  });
  const masterPid = Number(fs.readFileSync(path.join(postfix.dir, 'queue', 'pid', 'master.pid'), 'utf8').trim());
  const results: Round[] = [];
  try {
    // Warm-up: the smtpd processes, the Lua states, V8's and LuaJIT's compilers (the milter's CPU per message halves over its first rounds).
    for (let i = 0; i < WARMUP_ROUNDS; i++) {
      await smtpSource(alonePort, sessions, size);
      await smtpSource(milterPort, sessions, size);
    }
    for (let i = 0; i < rounds * 2; i++) {
      const side = i % 2 === 0 ? 'alone' : 'milter';
      const before = { milter: processCpuMs(m.pid, true), postfix: postfixCpuMs(masterPid) };
      const seconds = await smtpSource(side === 'alone' ? alonePort : milterPort, sessions, size);
      // The deliveries to discard run after the clients are answered; let them finish inside the round's figures.
      await new Promise((r) => setTimeout(r, 300));
      results.push({ side, seconds, rate: sessions / seconds, milterCpuMs: processCpuMs(m.pid, true) - before.milter, postfixCpuMs: postfixCpuMs(masterPid) - before.postfix });
    }
  } finally {
    await m.stop();
    await postfix.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
  const summary = (side: 'alone' | 'milter') => {
    const rs = results.filter((r) => r.side === side);
    const messages = rs.length * sessions;
    const seconds = rs.reduce((s, r) => s + r.seconds, 0);
    return {
      rounds: rs.length,
      messages,
      rate: messages / seconds,
      milterCpuMsPerMessage: rs.reduce((s, r) => s + r.milterCpuMs, 0) / messages,
      postfixCpuMsPerMessage: rs.reduce((s, r) => s + r.postfixCpuMs, 0) / messages,
    };
  };
  const alone = summary('alone');
  const withMilter = summary('milter');
  const ratio = withMilter.rate / alone.rate;
  const out = {
    load: { sessions, messagesPerSession: 1, size, rounds, warmupRounds: WARMUP_ROUNDS },
    loadAverage: os.loadavg(),
    alone,
    milter: withMilter,
    rateRatio: ratio,
    target: 0.8,
    addedCpuMsPerMessage: withMilter.milterCpuMsPerMessage + withMilter.postfixCpuMsPerMessage - alone.postfixCpuMsPerMessage,
    roundsDetail: results,
  };
  const f = (n: number) => n.toFixed(2);
  console.log(`load: ${rounds} rounds a side of ${sessions} sessions x 1 message of ${size} bytes (smtp-source), alternating`);
  console.log(`Postfix alone:           ${f(alone.rate)} msg/s, Postfix ${f(alone.postfixCpuMsPerMessage)} ms CPU/msg`);
  console.log(`Postfix + scriptlet:     ${f(withMilter.rate)} msg/s, Postfix ${f(withMilter.postfixCpuMsPerMessage)} ms CPU/msg, milter ${f(withMilter.milterCpuMsPerMessage)} ms CPU/msg`);
  console.log(`rate ratio ${f(ratio)} (target >= 0.8); CPU added per message ${f(out.addedCpuMsPerMessage)} ms`);
  console.log(`written ${writeResults('milter', out)}`);
}

await main();
