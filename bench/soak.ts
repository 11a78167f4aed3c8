// The soak: 10 million messages through the pool (LuaJIT, 2 threads, the
// reference policy on the generated 2 KB message, batches of 64), with the
// process's RSS, V8 heap and the workers' Lua memory sampled at intervals.
// Memory must stay flat: the last samples are compared with those just
// after warm-up, and the slope over everything after warm-up is given.
//
//   npm run bench:soak [-- --messages 10000000 --every 250000 --engine luajit --threads 2]

import { parseArgs } from 'node:util';
import { openEngine, type EngineName } from './library.js';
import { writeResults } from './results-file.js';
import { BATCH, messageOf, policyFile } from './suite/contenders.js';
import { generateMessage } from './suite/messages.js';
import { median } from './stats.js';

const { values } = parseArgs({
  options: {
    messages: { type: 'string', default: '10000000' },
    every: { type: 'string', default: '' },
    engine: { type: 'string', default: 'luajit' },
    threads: { type: 'string', default: '2' },
  },
});
const TOTAL = Number(values.messages);
const EVERY = Number(values.every || Math.max(BATCH, Math.round(TOTAL / 40 / BATCH) * BATCH));
const ENGINE = values.engine as EngineName;
const THREADS = Number(values.threads);
const LANES = 4 * THREADS;
const WARM_UP = 0.2; // of the run: JIT, spare threads, block pools and V8's heap settle
const TAIL = 3; // samples compared at the end

interface Sample {
  messages: number;
  seconds: number;
  rssMb: number;
  heapMb: number;
  luaKb: number;
}

const { inputs } = messageOf(generateMessage('2k'));
const engine = openEngine({ engine: ENGINE, threads: THREADS, maxBatch: BATCH, scripts: [{ name: 'reference', path: policyFile('reference') }], log: () => {} });
await engine.ready();

const start = process.hrtime.bigint();
const mb = (n: number) => n / 2 ** 20;
async function sample(messages: number): Promise<Sample> {
  const stats = await engine.stats();
  const lua = stats.workers.flatMap((w) => w.policies).reduce((n, p) => n + p.stats.memoryBytes, 0);
  const m = process.memoryUsage();
  return { messages, seconds: Number(process.hrtime.bigint() - start) / 1e9, rssMb: mb(m.rss), heapMb: mb(m.heapUsed), luaKb: lua / 1024 };
}

const samples: Sample[] = [];
const show = (s: Sample) =>
  process.stderr.write(
    `${s.messages.toLocaleString('en-US').padStart(12)} msgs ${s.seconds.toFixed(0).padStart(6)} s ${(s.messages / s.seconds).toFixed(0).padStart(8)} msg/s  RSS ${s.rssMb.toFixed(1).padStart(7)} MB  heap ${s.heapMb.toFixed(1).padStart(6)} MB  Lua ${s.luaKb.toFixed(0).padStart(6)} KB\n`,
  );

let sent = 0;
let nextSample = EVERY;
const lane = async () => {
  while (sent < TOTAL) {
    sent += BATCH;
    await engine.runBatch('data', inputs);
    if (sent >= nextSample) {
      nextSample += EVERY;
      const s = await sample(sent);
      samples.push(s);
      show(s);
    }
  }
};
await Promise.all(Array.from({ length: LANES }, lane));
await engine.close();

const settled = samples.filter((s) => s.messages >= TOTAL * WARM_UP);
const first = median(settled.slice(0, TAIL).map((s) => s.rssMb));
const last = median(settled.slice(-TAIL).map((s) => s.rssMb));
// Least squares over the samples after warm-up: MB per million messages.
const n = settled.length;
const mx = settled.reduce((a, s) => a + s.messages, 0) / n;
const my = settled.reduce((a, s) => a + s.rssMb, 0) / n;
const slope = (settled.reduce((a, s) => a + (s.messages - mx) * (s.rssMb - my), 0) / settled.reduce((a, s) => a + (s.messages - mx) ** 2, 0)) * 1e6;
const growth = last - first;
const flat = growth <= Math.max(10, first * 0.05);
const seconds = samples.at(-1)!.seconds;

console.log(`\nsoak: ${sent.toLocaleString('en-US')} messages through the pool (${ENGINE}, ${THREADS} threads, reference policy, 2k message) in ${seconds.toFixed(0)} s, ${(sent / seconds).toFixed(0)} msg/s`);
console.log('| messages | s | RSS MB | V8 heap MB | Lua KB (workers) |\n|---:|---:|---:|---:|---:|');
for (const s of samples) console.log(`| ${s.messages.toLocaleString('en-US')} | ${s.seconds.toFixed(0)} | ${s.rssMb.toFixed(1)} | ${s.heapMb.toFixed(1)} | ${s.luaKb.toFixed(0)} |`);
console.log(
  `\nRSS after warm-up ${first.toFixed(1)} MB, at the end ${last.toFixed(1)} MB (${growth >= 0 ? '+' : ''}${growth.toFixed(1)} MB; ` +
    `slope ${slope.toFixed(2)} MB per million messages): ${flat ? 'flat' : 'NOT flat'} (allowed: +max(10 MB, 5 %))`,
);
const file = writeResults('soak', { engine: ENGINE, threads: THREADS, messages: sent, every: EVERY, seconds, rssAfterWarmUpMb: first, rssAtEndMb: last, slopeMbPerMillion: slope, flat, samples });
console.log(`written ${file}`);
