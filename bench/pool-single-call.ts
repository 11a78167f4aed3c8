// Single calls across threads (issue 19): what an SMTP server does, one call
// per phase, awaited. Two measures on an idle pool of 2 workers:
//   - sequential: one engine.run at a time, each awaited before the next:
//     wall time and CPU time per call (all threads together, and per thread:
//     the calling thread, the workers, the others: V8's and libuv's helpers);
//   - 50 concurrent callers, each awaiting its verdict before its next call:
//     calls per second, and CPU per call the same way.
// Rounds are interleaved; the median round is reported. Each thread's CPU
// comes from /proc/self/task/*/schedstat (bench/thread-cpu.ts), the
// workers' threads named by the engine's stats (osThreadId).
//
//   node --import tsx bench/pool-single-call.ts [--calls N --rounds R --engine luajit|lua51 --policy reference|trivial]

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import type { CallInput, EngineName } from '../src/index.js';
import { openEngine, type Engine } from '../src/pool/index.js';
import { median } from './stats.js';
import { cpuSplitSince, threadCpu } from './thread-cpu.js';

const { values } = parseArgs({
  options: {
    calls: { type: 'string', default: '20000' },
    rounds: { type: 'string', default: '5' },
    engine: { type: 'string', default: 'luajit' },
    policy: { type: 'string', default: 'reference' },
    callers: { type: 'string', default: '50' },
  },
});
const N = Number(values.calls);
const ROUNDS = Number(values.rounds);
const ENGINE = values.engine as EngineName;
const CALLERS = Number(values.callers);
const POLICY = `bench/policies/${values.policy}.lua`;
const MESSAGE = 'bench/messages/2k.eml';
const TARGETS = { wallUs: 15, cpuUs: 15, callsPerSecond: 250_000 };

const raw = fs.readFileSync(MESSAGE);
const inputs: CallInput[] = Array.from({ length: 256 }, () => ({
  message: Buffer.from(raw),
  mailfrom: 'alice@example.net',
  rcptto: ['bob@example.com'],
  remoteAddr: '192.0.2.7',
}));

interface Sample {
  /** Wall ns per call. */
  ns: number;
  /** CPU ns per call: the calling thread, the workers, the other threads. */
  main: number;
  workers: number;
  others: number;
}

async function measure(engine: Engine, workers: number[], calls: number, fn: () => Promise<void>): Promise<Sample> {
  const before = threadCpu();
  const start = process.hrtime.bigint();
  await fn();
  const ns = Number(process.hrtime.bigint() - start) / calls;
  const { mainNs, workersNs, othersNs } = cpuSplitSince(before, workers);
  return { ns, main: mainNs / calls, workers: workersNs / calls, others: othersNs / calls };
}

const sequential = (engine: Engine, workers: number[]) =>
  measure(engine, workers, N, async () => {
    for (let i = 0; i < N; i++) await engine.run('data', inputs[i % inputs.length]!);
  });

function concurrent(engine: Engine, workers: number[]) {
  const total = N * 5;
  let made = 0;
  const caller = async () => {
    while (made < total) await engine.run('data', inputs[made++ % inputs.length]!);
  };
  return measure(engine, workers, total, () => Promise.all(Array.from({ length: CALLERS }, caller)).then(() => {}));
}

const engine = openEngine({ engine: ENGINE, scripts: [{ name: values.policy!, path: POLICY }], threads: 2, log: () => {} });
await engine.ready();
const workers = (await engine.stats()).workers.map((w) => w.osThreadId);
await sequential(engine, workers);
await concurrent(engine, workers);
const seq: Sample[] = [];
const conc: Sample[] = [];
for (let r = 0; r < ROUNDS; r++) {
  seq.push(await sequential(engine, workers));
  conc.push(await concurrent(engine, workers));
  process.stderr.write(`round ${r + 1}/${ROUNDS} done\n`);
}
const stats = await engine.stats();
await engine.close();

const med = (s: Sample[]): Sample => ({
  ns: median(s.map((x) => x.ns)),
  main: median(s.map((x) => x.main)),
  workers: median(s.map((x) => x.workers)),
  others: median(s.map((x) => x.others)),
});
const total = (s: Sample) => s.main + s.workers + s.others;
const S = med(seq);
const C = med(conc);
const us = (ns: number) => (ns / 1000).toFixed(1).padStart(6);
const [load1] = os.loadavg();
console.log(`${POLICY} on ${MESSAGE}, ${ENGINE}, 2 workers, ${N} sequential calls and ${N * 5} from ${CALLERS} callers x ${ROUNDS} rounds, median round; ${os.cpus().length} CPUs, load ${load1!.toFixed(1)}`);
console.log('                         wall us/call   calls/s   CPU us/call: total, calling thread, workers, others');
for (const [name, s] of [['sequential', S], [`${CALLERS} callers`, C]] as const) {
  console.log(`${name.padEnd(24)} ${us(s.ns)}  ${(1e9 / s.ns).toFixed(0).padStart(10)}   ${us(total(s))} ${us(s.main)} ${us(s.workers)} ${us(s.others)}`);
}
const met = (ok: boolean) => (ok ? 'met' : 'not met');
console.log(`sequential: ${(S.ns / 1000).toFixed(1)} us wall (target <= ${TARGETS.wallUs}: ${met(S.ns <= TARGETS.wallUs * 1000)}), ${(total(S) / 1000).toFixed(1)} us CPU (target <= ${TARGETS.cpuUs}: ${met(total(S) <= TARGETS.cpuUs * 1000)})`);
console.log(`${CALLERS} callers: ${(1e9 / C.ns).toFixed(0)} calls/s (target >= ${TARGETS.callsPerSecond}: ${met(1e9 / C.ns >= TARGETS.callsPerSecond)}); ${(stats.calls / stats.tasks).toFixed(1)} calls per task over the run`);

const date = new Date().toISOString().slice(0, 10);
const file = path.join('bench', 'results', `${date}-single-call-${values.policy}.json`);
fs.writeFileSync(
  file,
  JSON.stringify(
    { date, machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model, node: process.version, load: os.loadavg() }, engine: ENGINE, policy: POLICY, calls: N, rounds: ROUNDS, callers: CALLERS, sequential: S, concurrent: C, samples: { seq, conc } },
    null,
    2,
  ) + '\n',
);
console.log(`written ${file}`);
