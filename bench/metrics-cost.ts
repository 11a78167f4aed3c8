// What the metrics cost: the reference policy through the pool (2 workers),
// once with metrics on (the default) and once with metrics: false, in one
// run. Two ways of calling: engine.runBatch with batches of 64 (enough in
// flight to keep both workers busy), and engine.run one call at a time (the
// engine makes the batches, as an MTA's calls would). Rounds are
// interleaved and their order alternates (on first, then off first), so a
// noisy machine affects both alike. Measured per message: wall time, and the
// CPU time of the whole process (every thread: the workers, this one, GC),
// which the other processes of a shared machine disturb far less than wall
// time. The cost is the median of the per-round ratios on/off of CPU time.
// The Prometheus registry is scraped once per round, as a scraper would.
//
//   npm run bench:metrics [-- --messages N --rounds R --engine luajit|lua51 --control]
//
// --control runs both engines with metrics off (an A/A run): how far apart
// two identical engines measure on this machine today.

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { openPolicy, type CallInput, type EngineName } from '../src/index.js';
import { loadAddon } from '../src/native/addon.js';
import { InputWriter, LAYOUT, packedCalls } from '../src/pool/wire-inputs.js';
import { MetricLayout } from '../src/metrics/metric-layout.js';
import { WorkerRecorder } from '../src/metrics/worker-recorder.js';
import { openEngine, type Engine } from '../src/pool/index.js';
import { median } from './stats.js';

const { values } = parseArgs({
  options: {
    messages: { type: 'string', default: '4096' },
    rounds: { type: 'string', default: '201' },
    engine: { type: 'string', default: 'luajit' },
    control: { type: 'boolean', default: false },
  },
});
const N = Number(values.messages);
const ROUNDS = Number(values.rounds);
const ENGINE = values.engine as EngineName;
const MESSAGE = 'bench/messages/2k.eml';
const BATCH = 64;
const WAVE = 4096;
const scripts = [{ name: 'reference', path: 'bench/policies/reference.lua' }];

const raw = fs.readFileSync(MESSAGE);
const inputs: CallInput[] = Array.from({ length: WAVE }, () => ({ message: Buffer.from(raw), mailfrom: 'alice@example.net', rcptto: ['bob@example.com'], remoteAddr: '192.0.2.7' }));
const batches = Array.from({ length: WAVE / BATCH }, (_, i) => inputs.slice(i * BATCH, (i + 1) * BATCH));

interface Sample {
  wallNs: number;
  cpuNs: number;
}

async function timed(messages: number, fn: () => Promise<void>): Promise<Sample> {
  const cpu = process.cpuUsage();
  const start = process.hrtime.bigint();
  await fn();
  const wallNs = Number(process.hrtime.bigint() - start) / messages;
  const used = process.cpuUsage(cpu);
  return { wallNs, cpuNs: ((used.user + used.system) * 1000) / messages };
}

/** engine.runBatch, 8 batches in flight. */
function viaRunBatch(engine: Engine): Promise<Sample> {
  const rounds = Math.ceil(N / BATCH);
  let sent = 0;
  const lane = async () => {
    while (sent < rounds) await engine.runBatch('data', batches[sent++ % batches.length]!);
  };
  return timed(rounds * BATCH, () => Promise.all(Array.from({ length: 8 }, lane)).then(() => {}));
}

/** engine.run, WAVE calls at a time. */
function viaRun(engine: Engine): Promise<Sample> {
  const waves = Math.ceil(N / WAVE);
  return timed(waves * WAVE, async () => {
    for (let w = 0; w < waves; w++) await Promise.all(inputs.map((input) => engine.run('data', input)));
  });
}

const WAYS = { runBatch: viaRunBatch, run: viaRun };
type Way = keyof typeof WAYS;
const CONTROL = values.control!;
const on = openEngine({ engine: ENGINE, scripts, threads: 2, log: () => {}, ...(CONTROL ? { metrics: false as const } : {}) });
const off = openEngine({ engine: ENGINE, scripts, threads: 2, log: () => {}, metrics: false });
await Promise.all([on.ready(), off.ready()]);
for (const engine of [on, off]) for (const way of Object.values(WAYS)) await way(engine); // warm up

const samples: Record<string, number[]> = {};
const add = (key: string, v: number) => (samples[key] ??= []).push(v);
for (let r = 0; r < ROUNDS; r++) {
  for (const way of Object.keys(WAYS) as Way[]) {
    const order: [string, Engine][] = r % 2 === 0 ? [['on', on], ['off', off]] : [['off', off], ['on', on]];
    const got: Record<string, Sample> = {};
    for (const [name, engine] of order) got[name] = await WAYS[way](engine);
    add(`${way}.on.wall`, got.on!.wallNs);
    add(`${way}.off.wall`, got.off!.wallNs);
    add(`${way}.on.cpu`, got.on!.cpuNs);
    add(`${way}.off.cpu`, got.off!.cpuNs);
    add(`${way}.ratio.cpu`, got.on!.cpuNs / got.off!.cpuNs);
    add(`${way}.ratio.wall`, got.on!.wallNs / got.off!.wallNs);
  }
  await on.metrics?.metrics(); // a scrape
  process.stderr.write(`round ${r + 1}/${ROUNDS} done\n`);
}
const scraped = (await on.metrics?.metrics()) ?? '';
await Promise.all([on.close(), off.close()]);


/**
 * What a worker's recorder adds per call, alone: record() over a batch of
 * real verdicts, in this thread; beside what the worker spends on the call
 * itself (policy.runBatch, same batch), measured alternately.
 */
async function recorderAlone(): Promise<{ recordNs: number; runBatchNs: number }> {
  const policy = openPolicy({ engine: ENGINE, scripts });
  // The batch as a worker gets it, and its verdicts as a worker records them.
  const writer = InputWriter.take();
  for (const input of batches[0]!) writer.add(input);
  const task = writer.finish(1, 0, 'data');
  loadAddon(ENGINE).messageAddresses(task.ints, task.messagesAt, LAYOUT, ...task.messages);
  const verdicts = await policy.runPackedAsync('data', packedCalls(task));
  const layout = new MetricLayout(['reference'], 1);
  const recorder = WorkerRecorder.claim({ buffer: layout.allocate(), modules: ['reference'], slots: 1 }, 1, () => [policy])!;
  const record: number[] = [];
  const run: number[] = [];
  for (let round = 0; round < 15; round++) {
    let start = process.hrtime.bigint();
    for (let i = 0; i < 2000; i++) recorder.record(policy, 'data', verdicts, BATCH, 0.3);
    record.push(Number(process.hrtime.bigint() - start) / (2000 * BATCH));
    start = process.hrtime.bigint();
    for (let i = 0; i < 40; i++) policy.runBatch('data', batches[i % batches.length]!);
    run.push(Number(process.hrtime.bigint() - start) / (40 * BATCH));
  }
  policy.close();
  return { recordNs: median(record), runBatchNs: median(run) };
}
const alone = await recorderAlone();

const rows = (Object.keys(WAYS) as Way[]).map((way) => ({
  way,
  onWallNs: median(samples[`${way}.on.wall`]!),
  offWallNs: median(samples[`${way}.off.wall`]!),
  onCpuNs: median(samples[`${way}.on.cpu`]!),
  offCpuNs: median(samples[`${way}.off.cpu`]!),
  wallCostPercent: (median(samples[`${way}.ratio.wall`]!) - 1) * 100,
  costPercent: (median(samples[`${way}.ratio.cpu`]!) - 1) * 100,
}));
if (CONTROL) console.log('CONTROL RUN: metrics off on both engines');
console.log(`reference policy, ${MESSAGE}, ${ENGINE}, 2 workers, ${N} messages x ${ROUNDS} rounds (interleaved), median; ${os.cpus().length} CPUs`);
console.log('                 wall ns/msg: on     off   CPU ns/msg: on     off   cost: wall     CPU (median of round ratios)');
for (const r of rows) {
  const verdict = r.costPercent <= 5 ? 'met' : 'not met';
  const ns = (x: number) => x.toFixed(0).padStart(8);
  const pc = (x: number) => `${x.toFixed(1).padStart(6)} %`;
  console.log(`${r.way.padEnd(16)}${ns(r.onWallNs)}${ns(r.offWallNs)}${ns(r.onCpuNs)}${ns(r.offCpuNs)}    ${pc(r.wallCostPercent)} ${pc(r.costPercent)} (target CPU <= 5 %: ${verdict})`);
}
console.log(
  `the recorder alone, in one thread: record() ${alone.recordNs.toFixed(1)} ns/call beside policy.runBatch ${alone.runBatchNs.toFixed(0)} ns/call: ${((100 * alone.recordNs) / alone.runBatchNs).toFixed(2)} %`,
);
const counted = /scriptlet_call_duration_seconds_count\{phase="data"\} (\d+)/.exec(scraped)?.[1];
if (counted) console.log(`data calls the metrics counted on the engine with metrics on: ${counted}`);

const date = new Date().toISOString().slice(0, 10);
const file = path.join('bench', 'results', `${date}-metrics-cost${CONTROL ? '-control' : ''}.json`);
const machine = { cpus: os.cpus().length, model: os.cpus()[0]?.model, node: process.version };
fs.writeFileSync(file, JSON.stringify({ date, machine, engine: ENGINE, control: CONTROL, messages: N, rounds: ROUNDS, rows, recorderAlone: alone, samples }, null, 2) + '\n');
console.log(`written ${file}`);
