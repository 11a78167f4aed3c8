// What the metrics cost: the reference policy through the pool (2 workers),
// once with metrics on (the default) and once with metrics: false, in one
// run. Two ways of calling: engine.runBatch with batches of 64 (enough in
// flight to keep both workers busy), and engine.run one call at a time (the
// engine makes the batches, as an MTA's calls would). Rounds are
// interleaved and their order alternates (on first, then off first), so a
// noisy machine affects both alike; the cost is the median of the per-round
// ratios on/off. The Prometheus registry is scraped once per round, as a
// scraper would.
//
//   npm run bench:metrics [-- --messages N --rounds R --engine luajit|lua51]

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { openPolicy, type CallInput, type EngineName } from '../src/index.js';
import { MetricLayout } from '../src/metrics/metric-layout.js';
import { WorkerRecorder } from '../src/metrics/worker-recorder.js';
import { openEngine, type Engine } from '../src/pool/index.js';

const { values } = parseArgs({
  options: {
    messages: { type: 'string', default: '64000' },
    rounds: { type: 'string', default: '9' },
    engine: { type: 'string', default: 'luajit' },
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

async function timed(messages: number, fn: () => Promise<void>): Promise<number> {
  const start = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - start) / messages;
}

/** engine.runBatch, 8 batches in flight: wall ns per message. */
function viaRunBatch(engine: Engine): Promise<number> {
  const rounds = Math.ceil(N / BATCH);
  let sent = 0;
  const lane = async () => {
    while (sent < rounds) await engine.runBatch('data', batches[sent++ % batches.length]!);
  };
  return timed(rounds * BATCH, () => Promise.all(Array.from({ length: 8 }, lane)).then(() => {}));
}

/** engine.run, WAVE calls at a time: wall ns per message. */
function viaRun(engine: Engine): Promise<number> {
  const waves = Math.ceil(N / WAVE);
  return timed(waves * WAVE, async () => {
    for (let w = 0; w < waves; w++) await Promise.all(inputs.map((input) => engine.run('data', input)));
  });
}

const WAYS = { runBatch: viaRunBatch, run: viaRun };
type Way = keyof typeof WAYS;
const on = openEngine({ engine: ENGINE, scripts, threads: 2, log: () => {} });
const off = openEngine({ engine: ENGINE, scripts, threads: 2, log: () => {}, metrics: false });
await Promise.all([on.ready(), off.ready()]);
for (const engine of [on, off]) for (const way of Object.values(WAYS)) await way(engine); // warm up

const samples: Record<string, number[]> = {};
const add = (key: string, v: number) => (samples[key] ??= []).push(v);
for (let r = 0; r < ROUNDS; r++) {
  for (const way of Object.keys(WAYS) as Way[]) {
    const order: [string, Engine][] = r % 2 === 0 ? [['on', on], ['off', off]] : [['off', off], ['on', on]];
    const got: Record<string, number> = {};
    for (const [name, engine] of order) got[name] = await WAYS[way](engine);
    add(`${way}.on`, got.on!);
    add(`${way}.off`, got.off!);
    add(`${way}.ratio`, got.on! / got.off!);
  }
  await on.metrics!.metrics(); // a scrape
  process.stderr.write(`round ${r + 1}/${ROUNDS} done\n`);
}
const scraped = await on.metrics!.metrics();
await Promise.all([on.close(), off.close()]);

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** What a worker's recorder adds per call, alone: record() over a batch of real verdicts, in this thread. */
function recorderNsPerCall(): number {
  const policy = openPolicy({ engine: ENGINE, scripts });
  const verdicts = policy.runBatch('data', batches[0]!);
  const layout = new MetricLayout(['reference'], 1);
  const recorder = WorkerRecorder.claim({ buffer: layout.allocate(), modules: ['reference'], slots: 1 }, 1, () => [policy])!;
  const reps = 20_000;
  const start = process.hrtime.bigint();
  for (let i = 0; i < reps; i++) recorder.record('data', verdicts, 300_000n);
  const ns = Number(process.hrtime.bigint() - start) / (reps * verdicts.length);
  policy.close();
  return ns;
}
const recorderNs = median([recorderNsPerCall(), recorderNsPerCall(), recorderNsPerCall()]);

const rows = (Object.keys(WAYS) as Way[]).map((way) => ({
  way,
  onNs: median(samples[`${way}.on`]!),
  offNs: median(samples[`${way}.off`]!),
  costPercent: (median(samples[`${way}.ratio`]!) - 1) * 100,
}));
console.log(`reference policy, ${MESSAGE}, ${ENGINE}, 2 workers, ${N} messages x ${ROUNDS} rounds (interleaved), median; ${os.cpus().length} CPUs`);
console.log('way                 metrics on ns/msg   off ns/msg   cost (median of round ratios)');
for (const r of rows) {
  const verdict = r.costPercent <= 5 ? 'met' : 'not met';
  console.log(`${r.way.padEnd(20)}${r.onNs.toFixed(0).padStart(17)}${r.offNs.toFixed(0).padStart(13)}   ${r.costPercent.toFixed(1).padStart(5)} % (target <= 5 %: ${verdict})`);
}
console.log(`the recorder alone (record() per call, in one thread): ${recorderNs.toFixed(1)} ns/call`);
const counted = /scriptlet_call_duration_seconds_count\{phase="data"\} (\d+)/.exec(scraped)?.[1];
console.log(`data calls the metrics counted on the engine with metrics on: ${counted}`);

const date = new Date().toISOString().slice(0, 10);
const file = path.join('bench', 'results', `${date}-metrics-cost.json`);
const machine = { cpus: os.cpus().length, model: os.cpus()[0]?.model, node: process.version };
fs.writeFileSync(file, JSON.stringify({ date, machine, engine: ENGINE, messages: N, rounds: ROUNDS, rows, recorderNsPerCall: recorderNs, samples }, null, 2) + '\n');
console.log(`written ${file}`);
