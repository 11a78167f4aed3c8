// Real mail as a workload: every message of the SpamAssassin public corpus
// (6 046 messages, ham and spam, test/corpus/load.ts) through each reference
// policy, next to the same number of generated messages (messages/2k.eml),
// in this thread (policy.runBatch) and through the pool with 1 and 2 workers
// (engine.runBatch, enough batches in flight to keep every worker busy).
// Rounds are interleaved so that a noisy machine affects all alike; the
// median round is reported, as messages per second over the whole set.
//
//   node --import tsx bench/corpus-throughput.ts [--rounds R --batch B --engine luajit|lua51]
//
// The policies (policies/): trivial (returns at once), reference (the
// header policy: three lookups, a substring test, a context write, a reply)
// and heavy (twenty lookups, string work, a body scan).

import * as fs from 'node:fs';
import * as os from 'node:os';
import { parseArgs } from 'node:util';
import { openEngine, openPolicy, type CallInput, type Engine, type EngineName, type Policy } from './library.js';
import { corpusMessages } from '../test/corpus/load.js';
import { writeResults } from './results-file.js';
import { median } from './stats.js';

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '5' },
    batch: { type: 'string', default: '64' },
    engine: { type: 'string', default: 'luajit' },
  },
});
const ROUNDS = Number(values.rounds);
const BATCH = Number(values.batch);
const ENGINE = values.engine as EngineName;
const POLICIES = ['trivial', 'reference', 'heavy'];
const TASKS_PER_WORKER = 4;

const corpus: CallInput[] = [...corpusMessages()].map((m) => ({ message: m.bytes, mailfrom: 'alice@example.net', rcptto: ['bob@example.com'] }));
const generatedRaw = fs.readFileSync('bench/messages/2k.eml');
const generated: CallInput[] = corpus.map(() => ({ message: Buffer.from(generatedRaw), mailfrom: 'alice@example.net', rcptto: ['bob@example.com'] }));
const WORKLOADS = { corpus, generated };
type Workload = keyof typeof WORKLOADS;
const bytesOf = (list: CallInput[]) => list.reduce((n, i) => n + i.message!.length, 0);
const batchesOf = (list: CallInput[]) => Array.from({ length: Math.ceil(list.length / BATCH) }, (_, i) => list.slice(i * BATCH, (i + 1) * BATCH));
const batches = { corpus: batchesOf(corpus), generated: batchesOf(generated) };

/** Messages per second of one pass of fn over n messages. */
async function rate(n: number, fn: () => Promise<void> | void): Promise<number> {
  const start = process.hrtime.bigint();
  await fn();
  return n / (Number(process.hrtime.bigint() - start) / 1e9);
}

function inThread(policy: Policy, w: Workload) {
  return rate(WORKLOADS[w].length, () => {
    for (const b of batches[w]) policy.runBatch('data', b);
  });
}

/** Every batch of the workload through the pool, `window` batches in flight. */
function throughPool(engine: Engine, w: Workload, window: number) {
  const list = batches[w];
  let next = 0;
  const lane = async () => {
    while (next < list.length) await engine.runBatch('data', list[next++]!);
  };
  return rate(WORKLOADS[w].length, () => Promise.all(Array.from({ length: window }, lane)).then(() => {}));
}

interface Runner {
  name: string;
  run: (w: Workload) => Promise<number>;
}

const open: { policies: Policy[]; engines: Engine[] } = { policies: [], engines: [] };
const runners = new Map<string, Runner[]>();
for (const name of POLICIES) {
  const scripts = [{ name, path: `bench/policies/${name}.lua` }];
  const policy = openPolicy({ engine: ENGINE, scripts });
  // A policy that fails on some message would be measured doing less: refuse.
  for (const b of batches.corpus) {
    const failed = policy.runBatch('data', b).find((v) => v.errors.length > 0);
    if (failed) throw new Error(`${name}.lua fails on the corpus: ${failed.errors[0]!.message}`);
  }
  const pools = [1, 2].map((threads) => openEngine({ engine: ENGINE, scripts, threads, maxBatch: BATCH, tasksPerWorker: TASKS_PER_WORKER, log: () => {} }));
  await Promise.all(pools.map((e) => e.ready()));
  open.policies.push(policy);
  open.engines.push(...pools);
  runners.set(name, [
    { name: 'in-thread', run: (w) => inThread(policy, w) },
    { name: 'pool, 1 worker', run: (w) => throughPool(pools[0]!, w, 2 * TASKS_PER_WORKER) },
    { name: 'pool, 2 workers', run: (w) => throughPool(pools[1]!, w, 4 * TASKS_PER_WORKER) },
  ]);
}

const samples: Record<string, number[]> = {};
const key = (policy: string, runner: string, w: Workload) => `${policy} | ${runner} | ${w}`;
// One pass of everything to warm the JIT, spare threads and block pools.
for (let r = -1; r < ROUNDS; r++) {
  for (const [policy, list] of runners) {
    for (const runner of list) {
      for (const w of Object.keys(WORKLOADS) as Workload[]) {
        const v = await runner.run(w);
        if (r >= 0) (samples[key(policy, runner.name, w)] ??= []).push(v);
      }
    }
  }
  if (r >= 0) process.stderr.write(`round ${r + 1}/${ROUNDS} done\n`);
}
for (const p of open.policies) p.close();
await Promise.all(open.engines.map((e) => e.close()));

const rows = [...runners].flatMap(([policy, list]) =>
  list.map((runner) => {
    const corpusRate = median(samples[key(policy, runner.name, 'corpus')]!);
    const generatedRate = median(samples[key(policy, runner.name, 'generated')]!);
    return { policy, runner: runner.name, corpus: corpusRate, generated: generatedRate, ratio: corpusRate / generatedRate };
  }),
);

const mb = (n: number) => (n / 1e6).toFixed(1);
console.log(
  `${ENGINE}; corpus: ${corpus.length} messages, ${mb(bytesOf(corpus))} MB; generated: ${generated.length} x ${generatedRaw.length} B; ` +
    `batches of ${BATCH}; ${ROUNDS} rounds, median; ${os.cpus().length} CPUs`,
);
console.log(`${'policy'.padEnd(10)} ${'run'.padEnd(16)} ${'corpus msg/s'.padStart(13)} ${'generated msg/s'.padStart(16)} ${'corpus/generated'.padStart(17)}`);
for (const r of rows) {
  console.log(`${r.policy.padEnd(10)} ${r.runner.padEnd(16)} ${r.corpus.toFixed(0).padStart(13)} ${r.generated.toFixed(0).padStart(16)} ${r.ratio.toFixed(2).padStart(17)}`);
}

const file = writeResults(`corpus-${ENGINE}`, {
  engine: ENGINE,
  batch: BATCH,
  rounds: ROUNDS,
  corpus: { messages: corpus.length, bytes: bytesOf(corpus) },
  generated: { messages: generated.length, bytes: bytesOf(generated), file: 'bench/messages/2k.eml' },
  rows,
  samples,
});
console.log(`written ${file}`);
