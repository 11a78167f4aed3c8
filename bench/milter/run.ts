// Postfix alone against Postfix with `scriptlet milter` running the example
// policy (examples/), in one run on one Postfix instance: two smtpd
// listeners on loopback, one without milters and one with
// smtpd_milters = inet:127.0.0.1:PORT, both delivering into Postfix's
// discard transport. Postfix's smtp-source is the load: SESSIONS parallel
// sessions of one SIZE-byte message each, per round; rounds alternate
// between the listeners. Reported: the rate each side accepted mail at,
// their ratio (target >= 0.8), and the CPU per message of the milter
// process and of Postfix's processes. With Debian's libmilter-dev, a third
// listener goes through null-milter.c, the cheapest filter that takes the
// same events on Sendmail's own libmilter: the floor of any milter that
// reads the message, on this machine.
//
//   npm run bench:milter                 30 rounds a side of 50 sessions x 1 message of 2 KB, after 60 of warm-up (WARMUP_ROUNDS)
//   npm run bench:milter -- --rounds 10 --sessions 50 --size 2048
//   MILTER_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" npm run bench:milter   profile the milter process
//
// Needs Debian's postfix (smtp-source comes with it) and root, as the
// end-to-end tests do. The milter runs from dist/ (built first, as npm
// run build:ts does). Loopback only; every round is bounded in messages
// and in time.

import { execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { writeResults } from '../results-file.js';
import { postfixCpuMs, processCpuMs, SMTP_SOURCE, smtpSource, startScriptlet, WARMUP_ROUNDS } from '../postfix-load.js';
import { freePort, PostfixInstance, postfixMissing, waitForPort } from '../../test/milter/postfix-instance.js';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

const { values } = parseArgs({ options: { warmup: { type: 'string', default: String(WARMUP_ROUNDS) }, rounds: { type: 'string', default: '30' }, sessions: { type: 'string', default: '50' }, size: { type: 'string', default: '2048' } } });
const rounds = Number(values.rounds);
const warmupRounds = Number(values.warmup);
const sessions = Number(values.sessions);
const size = Number(values.size);

type Side = 'alone' | 'milter' | 'null';

interface Round {
  side: Side;
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
  const [alonePort, milterPort, filterPort, nullPort, nullFilterPort] = [await freePort(), await freePort(), await freePort(), await freePort(), await freePort()];
  const nullMilter = await startNullMilter(dir, nullFilterPort);
  const m = await startScriptlet(REPO, ['milter', path.join(REPO, 'examples/ecelerity.conf'), '--listen', `inet:127.0.0.1:${filterPort}`, '--control-socket', path.join(dir, 'control.sock')], 'milter listening on', process.env.MILTER_NODE_ARGS).catch((err: Error) => {
    nullMilter?.kill('SIGKILL');
    throw err;
  });
  const listeners = [{ port: alonePort, overrides: { smtpd_milters: '' } }, { port: milterPort }];
  if (nullMilter) listeners.push({ port: nullPort, overrides: { smtpd_milters: `inet:127.0.0.1:${nullFilterPort}` } });
  const postfix = await PostfixInstance.start({
    listeners,
    settings: { smtpd_milters: `inet:127.0.0.1:${filterPort}`, milter_default_action: 'tempfail' },
    deliverTo: 'discard',
  });
  const masterPid = Number(fs.readFileSync(path.join(postfix.dir, 'queue', 'pid', 'master.pid'), 'utf8').trim());
  const sides: Side[] = nullMilter ? ['alone', 'milter', 'null'] : ['alone', 'milter'];
  const portOf: Record<Side, number> = { alone: alonePort, milter: milterPort, null: nullPort };
  const filterCpuMs = (side: Side) => (side === 'null' ? processCpuMs(nullMilter!.pid!, true) : processCpuMs(m.pid, true));
  const results: Round[] = [];
  try {
    // Warm-up: the smtpd processes, the Lua states, V8's and LuaJIT's compilers (the milter's CPU per message halves over its first rounds).
    for (let i = 0; i < warmupRounds; i++) for (const side of sides) await smtpSource(portOf[side], sessions, size);
    for (let i = 0; i < rounds * sides.length; i++) {
      const side = sides[i % sides.length]!;
      const before = { milter: filterCpuMs(side), postfix: postfixCpuMs(masterPid) };
      const seconds = await smtpSource(portOf[side], sessions, size);
      // The deliveries to discard run after the clients are answered; let them finish inside the round's figures.
      await new Promise((r) => setTimeout(r, 300));
      results.push({ side, seconds, rate: sessions / seconds, milterCpuMs: side === 'alone' ? 0 : filterCpuMs(side) - before.milter, postfixCpuMs: postfixCpuMs(masterPid) - before.postfix });
    }
  } finally {
    await m.stop();
    nullMilter?.kill('SIGKILL');
    await postfix.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
  const summary = (side: Side) => {
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
  const floor = nullMilter ? summary('null') : undefined;
  const out = {
    load: { sessions, messagesPerSession: 1, size, rounds, warmupRounds },
    loadAverage: os.loadavg(),
    alone,
    milter: withMilter,
    rateRatio: ratio,
    nullMilter: floor && { ...floor, rateRatio: floor.rate / alone.rate },
    target: 0.8,
    addedCpuMsPerMessage: withMilter.milterCpuMsPerMessage + withMilter.postfixCpuMsPerMessage - alone.postfixCpuMsPerMessage,
    roundsDetail: results,
  };
  const f = (n: number) => n.toFixed(2);
  console.log(`load: ${rounds} rounds a side of ${sessions} sessions x 1 message of ${size} bytes (smtp-source), alternating, after ${warmupRounds} rounds of warm-up`);
  console.log(`Postfix alone:           ${f(alone.rate)} msg/s, Postfix ${f(alone.postfixCpuMsPerMessage)} ms CPU/msg`);
  console.log(`Postfix + scriptlet:     ${f(withMilter.rate)} msg/s, Postfix ${f(withMilter.postfixCpuMsPerMessage)} ms CPU/msg, milter ${f(withMilter.milterCpuMsPerMessage)} ms CPU/msg`);
  if (floor) console.log(`Postfix + null milter:   ${f(floor.rate)} msg/s, Postfix ${f(floor.postfixCpuMsPerMessage)} ms CPU/msg, null milter ${f(floor.milterCpuMsPerMessage)} ms CPU/msg (ratio ${f(floor.rate / alone.rate)}: the floor of a milter that reads the message)`);
  else console.log('no null-milter row: it needs libmilter (Debian package libmilter-dev) and cc');
  console.log(`rate ratio ${f(ratio)} (target >= 0.8); CPU added per message ${f(out.addedCpuMsPerMessage)} ms`);
  console.log(`written ${writeResults('milter', out)}`);
}

/** null-milter.c built against libmilter and started on port, or undefined without libmilter-dev. */
async function startNullMilter(dir: string, port: number): Promise<ReturnType<typeof spawn> | undefined> {
  if (!fs.existsSync('/usr/include/libmilter/mfapi.h')) return undefined;
  const binary = path.join(dir, 'null-milter');
  execFileSync('cc', ['-O2', '-o', binary, path.join(REPO, 'bench/milter/null-milter.c'), '-lmilter', '-lpthread']);
  const child = spawn(binary, [`inet:${port}@127.0.0.1`], { stdio: ['ignore', 'ignore', 'inherit'] });
  try {
    await waitForPort(port, 5000, 'null-milter', () => (child.exitCode === null ? undefined : `null-milter exited with ${child.exitCode}`));
  } catch (err) {
    child.kill('SIGKILL');
    throw err;
  }
  return child;
}

await main();
