// The reference policy through the worker pool, next to the same policy in
// this thread, in one run: in-thread policy.runBatch, and the pool with 1
// and with 2 workers fed batches of the same size (engine.runBatch, enough
// batches in flight to keep every worker busy), at batches of 64, 256 and 1024;
// then the pool fed one call at a time from 512 concurrent sessions
// (engine.run: the engine makes the batches). Rounds are interleaved so that a noisy machine affects all
// alike. Each row gives its median round, with the CPU time each thread of
// the process spent per message (from /proc/self/task), which says where
// the pool's cost goes; the targets, the median of the ratios taken within
// each round, and their range.
//
//   node --import tsx bench/pool-throughput.ts [--messages N --rounds R --engine luajit|lua51]
//
// Every call gets its own copy of the message, as in an MTA (each a slice of
// Node's Buffer pool, as most small Buffers are): the pool copies them into
// the block it sends, in this thread the policy borrows them.

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { openEngine, openPolicy, type CallInput, type Engine, type EngineName, type Policy } from './library.js';
import { median } from './stats.js';
import { cpuSince, threadCpu } from './thread-cpu.js';

const { values } = parseArgs({
  options: {
    messages: { type: 'string', default: '64000' },
    rounds: { type: 'string', default: '7' },
    engine: { type: 'string', default: 'luajit' },
    'tasks-per-worker': { type: 'string', default: '4' },
  },
});
const TASKS_PER_WORKER = Number(values['tasks-per-worker']);
const N = Number(values.messages);
const ROUNDS = Number(values.rounds);
const ENGINE = values.engine as EngineName;
const POLICY = 'bench/policies/reference.lua';
const MESSAGE = 'bench/messages/2k.eml';
const SIZES = [64, 256, 1024];
/** Concurrent sessions calling engine.run: enough for 8 batches of 64 in flight. */
const SESSIONS = 512;
const scripts = [{ name: 'reference', path: POLICY }];

const raw = fs.readFileSync(MESSAGE);
const inputs: CallInput[] = Array.from({ length: 4096 }, () => ({
  message: Buffer.from(raw),
  mailfrom: 'alice@example.net',
  rcptto: ['bob@example.com'],
  remoteAddr: '192.0.2.7',
}));
const batchesOf = (size: number) => Array.from({ length: inputs.length / size }, (_, i) => inputs.slice(i * size, (i + 1) * size));
const batches = new Map(SIZES.map((s) => [s, batchesOf(s)]));

/** Runs fn over `messages` messages: wall ns per message, and CPU ns per message of this thread and of the others. */
async function measure(messages: number, fn: () => Promise<void> | void): Promise<{ ns: number; mainCpu: number; otherCpu: number }> {
  const before = threadCpu();
  const start = process.hrtime.bigint();
  await fn();
  const ns = Number(process.hrtime.bigint() - start) / messages;
  const { mainNs, othersNs } = cpuSince(before);
  return { ns, mainCpu: mainNs / messages, otherCpu: othersNs / messages };
}

function inThread(policy: Policy, size: number) {
  const list = batches.get(size)!;
  const rounds = Math.ceil(N / size);
  return measure(rounds * size, () => {
    for (let i = 0; i < rounds; i++) policy.runBatch('data', list[i % list.length]!);
  });
}

/** engine.runBatch with `window` batches in flight: the pool's throughput at this batch size. */
function poolBatches(engine: Engine, size: number, window: number) {
  const list = batches.get(size)!;
  const rounds = Math.ceil(N / size);
  let sent = 0;
  const lane = async () => {
    while (sent < rounds) await engine.runBatch('data', list[sent++ % list.length]!);
  };
  return measure(rounds * size, () => Promise.all(Array.from({ length: window }, lane)).then(() => {}));
}

/**
 * engine.run from `sessions` concurrent sessions, each waiting for its
 * verdict before it makes its next call, as an MTA's connections do: the
 * batches are the engine's (the calls made in one turn of the event loop).
 */
function poolCalls(engine: Engine, sessions: number) {
  let made = 0;
  const session = async () => {
    while (made < N) await engine.run('data', inputs[made++ % inputs.length]!);
  };
  return measure(N, () => Promise.all(Array.from({ length: sessions }, session)).then(() => {}));
}

const samples: Record<string, { ns: number; mainCpu: number; otherCpu: number }[]> = {};
const add = (k: string, v: { ns: number; mainCpu: number; otherCpu: number }) => (samples[k] ??= []).push(v);

const policy = openPolicy({ engine: ENGINE, scripts });
const one = openEngine({ engine: ENGINE, scripts, threads: 1, maxBatch: 4096, tasksPerWorker: TASKS_PER_WORKER, log: () => {} });
const two = openEngine({ engine: ENGINE, scripts, threads: 2, maxBatch: 4096, tasksPerWorker: TASKS_PER_WORKER, log: () => {} });
const oneRun = openEngine({ engine: ENGINE, scripts, threads: 1, tasksPerWorker: TASKS_PER_WORKER, log: () => {} });
const twoRun = openEngine({ engine: ENGINE, scripts, threads: 2, tasksPerWorker: TASKS_PER_WORKER, log: () => {} });
await Promise.all([one.ready(), two.ready(), oneRun.ready(), twoRun.ready()]);
// Warm every path (JIT, spare threads, block pools) before the first round.
for (const size of SIZES) {
  await inThread(policy, size);
  await poolBatches(one, size, 2 * TASKS_PER_WORKER);
  await poolBatches(two, size, 4 * TASKS_PER_WORKER);
}
await poolCalls(oneRun, SESSIONS);
await poolCalls(twoRun, SESSIONS);

for (let r = 0; r < ROUNDS; r++) {
  for (const size of SIZES) {
    add(`inThread.${size}`, await inThread(policy, size));
    add(`pool1.${size}`, await poolBatches(one, size, 2 * TASKS_PER_WORKER));
    add(`pool2.${size}`, await poolBatches(two, size, 4 * TASKS_PER_WORKER));
  }
  add('pool1.run', await poolCalls(oneRun, SESSIONS));
  add('pool2.run', await poolCalls(twoRun, SESSIONS));
  process.stderr.write(`round ${r + 1}/${ROUNDS} done\n`);
}
const runStats = await twoRun.stats();
policy.close();
await Promise.all([one.close(), two.close(), oneRun.close(), twoRun.close()]);

const med = (k: string) => {
  const s = samples[k]!;
  return { ns: median(s.map((x) => x.ns)), mainCpu: median(s.map((x) => x.mainCpu)), otherCpu: median(s.map((x) => x.otherCpu)) };
};
const rows = [
  ...SIZES.flatMap((size) => [
    { name: `in-thread policy.runBatch (${size})`, key: `inThread.${size}` },
    { name: `pool, 1 worker, engine.runBatch (${size})`, key: `pool1.${size}` },
    { name: `pool, 2 workers, engine.runBatch (${size})`, key: `pool2.${size}` },
  ]),
  { name: `pool, 1 worker, engine.run (${SESSIONS} sessions)`, key: 'pool1.run' },
  { name: `pool, 2 workers, engine.run (${SESSIONS} sessions)`, key: 'pool2.run' },
].map((r) => ({ ...r, ...med(r.key) }));
// Ratios and differences within each round (the same minute of a noisy
// machine), then their median and range over the rounds.
const perRound = (f: (r: number) => number) => {
  const xs = Array.from({ length: ROUNDS }, (_, r) => f(r));
  return { median: median(xs), min: Math.min(...xs), max: Math.max(...xs) };
};
const at = (k: string, r: number) => samples[k]![r]!.ns;
const speedupRange = Object.fromEntries(SIZES.map((s) => [s, perRound((r) => at(`pool1.${s}`, r) / at(`pool2.${s}`, r))]));
const addedRange = Object.fromEntries(SIZES.map((s) => [s, perRound((r) => at(`pool1.${s}`, r) - at(`inThread.${s}`, r))]));
const speedup = Object.fromEntries(SIZES.map((s) => [s, speedupRange[s]!.median]));
const added = Object.fromEntries(SIZES.map((s) => [s, addedRange[s]!.median]));

console.log(`reference policy, ${MESSAGE}, ${ENGINE}, ${N} messages x ${ROUNDS} rounds, median round; ${os.cpus().length} CPUs; ${TASKS_PER_WORKER} batches per worker`);
console.log('                                                 wall ns/msg    msg/s   CPU ns/msg: this thread, others');
for (const r of rows) {
  console.log(
    `${r.name.padEnd(48)} ${r.ns.toFixed(0).padStart(7)} ${(1e9 / r.ns).toFixed(0).padStart(9)}   ${r.mainCpu.toFixed(0).padStart(6)} ${r.otherCpu.toFixed(0).padStart(6)}`,
  );
}
for (const s of SIZES) {
  const sr = speedupRange[s]!;
  const ar = addedRange[s]!;
  console.log(
    `batch ${s}: 2 workers / 1 worker ${sr.median.toFixed(2)}x (rounds ${sr.min.toFixed(2)}-${sr.max.toFixed(2)}; target >= 1.6x: ${sr.median >= 1.6 ? 'met' : 'not met'}); ` +
      `pool adds ${ar.median.toFixed(0)} ns/msg over in-thread (rounds ${ar.min.toFixed(0)} to ${ar.max.toFixed(0)}; target <= 1000: ${ar.median <= 1000 ? 'met' : 'not met'})`,
  );
}
const runSpeedup = perRound((r) => at('pool1.run', r) / at('pool2.run', r));
console.log(`engine.run: 2 workers / 1 worker ${runSpeedup.median.toFixed(2)}x (rounds ${runSpeedup.min.toFixed(2)}-${runSpeedup.max.toFixed(2)}); ${(runStats.calls / runStats.tasks).toFixed(1)} calls per task`);

const date = new Date().toISOString().slice(0, 10);
const file = path.join('bench', 'results', `${date}-pool.json`);
fs.writeFileSync(
  file,
  JSON.stringify(
    {
      date,
      machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model, node: process.version },
      engine: ENGINE,
      tasksPerWorker: TASKS_PER_WORKER,
      messages: N,
      rounds: ROUNDS,
      rows,
      speedup2over1: speedupRange,
      engineRunSpeedup2over1: runSpeedup,
      addedNsPerMessage: addedRange,
      engineRunCallsPerTask: runStats.calls / runStats.tasks,
      samples,
    },
    null,
    2,
  ) + '\n',
);
console.log(`written ${file}`);
