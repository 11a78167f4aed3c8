// Single calls through the pool, as an SMTP server makes them: one call per
// phase, awaited before the next. Two rows: one caller making its calls one
// after another on an idle pool (wall time per call, and the CPU every
// thread of the process spent per call: the calling thread's and the
// workers'), and 50 callers at once (calls per second). The reference
// policy on the 2 KB message, 2 workers. Rounds are interleaved; the median
// round is reported.
//
//   npm run bench:single [-- --calls N --rounds R --engine luajit|lua51 --threads T]
//
// Issue 19's targets: sequentially, <= 15 us wall and <= 15 us CPU in total
// per call; with 50 concurrent callers, >= 250 000 calls/s. The sequential
// calls' times are spread too (percentiles, and the share of the time in
// calls over 50 us): a call a spin answers and one that waited for a
// wake-up differ several times over. And what a sequential call allocates
// on the calling thread's heap.

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { openEngine, type CallInput, type Engine, type EngineName } from './library.js';
import { median } from './stats.js';
import { allocatedPerOperation } from './heap-allocation.js';
import { cpuSince, threadCpu } from './thread-cpu.js';

const { values } = parseArgs({
  options: {
    calls: { type: 'string', default: '20000' },
    rounds: { type: 'string', default: '5' },
    engine: { type: 'string', default: 'luajit' },
    threads: { type: 'string', default: '2' },
    callers: { type: 'string', default: '50' },
    policy: { type: 'string', default: 'reference' },
  },
});
const N = Number(values.calls);
const ROUNDS = Number(values.rounds);
const ENGINE = values.engine as EngineName;
const THREADS = Number(values.threads);
const CALLERS = Number(values.callers);
const POLICY = `bench/policies/${values.policy}.lua`;
const MESSAGE = 'bench/messages/2k.eml';

const raw = fs.readFileSync(MESSAGE);
const inputs: CallInput[] = Array.from({ length: 256 }, () => ({
  message: Buffer.from(raw),
  mailfrom: 'alice@example.net',
  rcptto: ['bob@example.com'],
  remoteAddr: '192.0.2.7',
}));

interface Sample {
  wallNs: number;
  mainCpu: number;
  otherCpu: number;
}

async function measure(calls: number, fn: () => Promise<void>): Promise<Sample> {
  const before = threadCpu();
  const start = process.hrtime.bigint();
  await fn();
  const wallNs = Number(process.hrtime.bigint() - start) / calls;
  const { mainNs, othersNs } = cpuSince(before);
  return { wallNs, mainCpu: mainNs / calls, otherCpu: othersNs / calls };
}

/** Each sequential call's wall time, ns, over every round: the mean hides how it is spread. */
const callTimes: number[] = [];

function sequential(engine: Engine, keepTimes = false): Promise<Sample> {
  return measure(N, async () => {
    for (let i = 0; i < N; i++) {
      const start = process.hrtime.bigint();
      await engine.run('data', inputs[i & 255]!);
      if (keepTimes) callTimes.push(Number(process.hrtime.bigint() - start));
    }
  });
}

/**
 * Percentiles of the calls' wall times, and the share of the total wall
 * time spent in calls over 50 us (those a spin did not answer: the worker
 * or this thread had to be woken).
 */
function spread(times: number[]): { p50: number; p90: number; p99: number; slowShare: number; slowCalls: number } {
  const sorted = Float64Array.from(times).sort();
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
  let slow = 0;
  let slowCalls = 0;
  let all = 0;
  for (const t of sorted) {
    all += t;
    if (t > 50_000) (slow += t), slowCalls++;
  }
  return { p50: at(0.5), p90: at(0.9), p99: at(0.99), slowShare: slow / all, slowCalls: slowCalls / sorted.length };
}

/** Calls and tasks of the measured concurrent rounds alone: the sequential ones make a task a call. */
const concurrentTasks = { calls: 0, tasks: 0 };

async function concurrent(engine: Engine, countTasks = false): Promise<Sample> {
  let made = 0;
  const caller = async () => {
    while (made < N) await engine.run('data', inputs[made++ & 255]!);
  };
  const before = countTasks ? await engine.stats() : undefined;
  const sample = await measure(N, () => Promise.all(Array.from({ length: CALLERS }, caller)).then(() => {}));
  if (before) {
    const after = await engine.stats();
    concurrentTasks.calls += after.calls - before.calls;
    concurrentTasks.tasks += after.tasks - before.tasks;
  }
  return sample;
}

const engine = openEngine({ engine: ENGINE, scripts: [{ name: values.policy!, path: POLICY }], threads: THREADS, log: () => {} });
await engine.ready();
await sequential(engine);
await concurrent(engine);

const samples: Record<'sequential' | 'concurrent', Sample[]> = { sequential: [], concurrent: [] };
for (let r = 0; r < ROUNDS; r++) {
  samples.sequential.push(await sequential(engine, true));
  samples.concurrent.push(await concurrent(engine, true));
  process.stderr.write(`round ${r + 1}/${ROUNDS} done\n`);
}
// What a sequential call allocates on this thread's heap (each is garbage
// the young-generation collector then sweeps, on the calling thread).
const bytesPerCall = await allocatedPerOperation(async (n) => {
  for (let i = 0; i < n; i++) await engine.run('data', inputs[i & 255]!);
}, 1000, 11_000);
await engine.close();

const med = (s: Sample[]): Sample => ({
  wallNs: median(s.map((x) => x.wallNs)),
  mainCpu: median(s.map((x) => x.mainCpu)),
  otherCpu: median(s.map((x) => x.otherCpu)),
});
const seq = med(samples.sequential);
const con = med(samples.concurrent);
const us = (ns: number) => (ns / 1000).toFixed(2);
console.log(`${values.policy} policy, ${MESSAGE}, ${ENGINE}, ${THREADS} workers, ${N} calls x ${ROUNDS} rounds, median round; ${os.cpus().length} CPUs`);
console.log('                                   wall us/call   calls/s   CPU us/call: this thread, others, total');
const line = (name: string, s: Sample) =>
  console.log(
    `${name.padEnd(34)} ${us(s.wallNs).padStart(12)} ${(1e9 / s.wallNs).toFixed(0).padStart(9)}   ${us(s.mainCpu).padStart(6)} ${us(s.otherCpu).padStart(6)} ${us(s.mainCpu + s.otherCpu).padStart(6)}`,
  );
line('engine.run, 1 caller, sequential', seq);
line(`engine.run, ${CALLERS} callers`, con);
const dist = spread(callTimes);
console.log(
  `sequential calls' wall time: p50 ${us(dist.p50)}, p90 ${us(dist.p90)}, p99 ${us(dist.p99)} us; ${(dist.slowCalls * 100).toFixed(1)} % of the calls took over 50 us, ${(dist.slowShare * 100).toFixed(0)} % of the time`,
);
console.log(`sequential calls allocate ${bytesPerCall.toFixed(0)} bytes each on this thread's JS heap (sampled, garbage included)`);
const total = seq.mainCpu + seq.otherCpu;
console.log(`sequential: ${us(seq.wallNs)} us wall (target <= 15: ${seq.wallNs <= 15_000 ? 'met' : 'not met'}), ${us(total)} us CPU (target <= 15: ${total <= 15_000 ? 'met' : 'not met'})`);
console.log(`${CALLERS} callers: ${(1e9 / con.wallNs).toFixed(0)} calls/s (target >= 250 000: ${1e9 / con.wallNs >= 250_000 ? 'met' : 'not met'}); ${(concurrentTasks.calls / Math.max(1, concurrentTasks.tasks)).toFixed(1)} calls per task`);

const date = new Date().toISOString().slice(0, 10);
const file = path.join('bench', 'results', `${date}-pool-single.json`);
fs.writeFileSync(
  file,
  JSON.stringify({ date, machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model, node: process.version }, engine: ENGINE, threads: THREADS, calls: N, rounds: ROUNDS, sequential: seq, sequentialSpread: dist, sequentialBytesPerCall: bytesPerCall, concurrent: con, samples }, null, 2) + '\n',
);
console.log(`written ${file}`);
