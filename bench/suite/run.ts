// The benchmark suite (issue 6): every reference policy on every generated
// message, through every contender, in one run, timed by benchmark.js.
//
//   npm run bench          3 rounds, 0.75 s per measurement (~12 min on 2 CPUs)
//   npm run bench:quick    1 round, 0.2 s per measurement   (~2.5 min)
//   node --import tsx bench/suite/run.ts [--rounds R --max-time S --policies a,b --sizes 2k,20k --engines luajit]
//
// Each round opens the contenders of one policy, times them on each message
// (the C programs first, floor and core, then the others, in an order that
// flips every round)
// and closes them; the median of the rounds is reported. A noisy machine thus
// disturbs every contender alike, and ratios within a run are what to read.

import * as fs from 'node:fs';
import * as os from 'node:os';
import { parseArgs } from 'node:util';
import Benchmark from 'benchmark';
import type { EngineName } from '../../src/index.js';
import { writeResults } from '../results-file.js';
import { allContenders, messageOf, policyFile, POLICIES, usesPcre, type Operation, type PolicyName } from './contenders.js';
import { floorChecked } from './floor.js';
import { disagreements } from './gate.js';
import { markdownMemory, memoryOfEngines } from './memory.js';
import { messageFile, SIZE_NAMES, type SizeName } from './messages.js';
import { iterationsFor, nativeName, runNative, type NativeProgram } from './native.js';
import { renderSvg } from './svg.js';
import { markdownSummary, markdownTable, markdownTargets, PEERS, targets, type Row } from './table.js';
import { median } from '../stats.js';

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    rounds: { type: 'string' },
    'max-time': { type: 'string' },
    policies: { type: 'string', default: POLICIES.join(',') },
    sizes: { type: 'string', default: SIZE_NAMES.join(',') },
    engines: { type: 'string', default: 'luajit,lua51' },
  },
});
const QUICK = values.quick;
const ROUNDS = Number(values.rounds ?? (QUICK ? 1 : 3));
const MAX_TIME = Number(values['max-time'] ?? (QUICK ? 0.2 : 0.75));
const MIN_SAMPLES = QUICK ? 3 : 5;
// V8 takes about half a second to settle wasmoon and fengari on a new
// policy; later messages run the code already compiled.
const WARM_FIRST_MS = QUICK ? 300 : 500;
const WARM_MS = QUICK ? 50 : 100;
const policies = values.policies.split(',') as PolicyName[];
const sizes = values.sizes.split(',') as SizeName[];
const engines = values.engines.split(',') as EngineName[];
const contenders = allContenders(engines);
const files = new Map(sizes.map((s) => [s, messageFile(s)]));
const messages = new Map(sizes.map((s) => [s, messageOf(fs.readFileSync(files.get(s)!))]));
const NATIVE: NativeProgram[] = ['floor', 'core'];
// The floor (bare Lua) has no msys.pcre: only the core runs those policies.
const nativesFor = (policy: PolicyName): NativeProgram[] => (usesPcre(policy) ? ['core'] : NATIVE);

interface Sample {
  ns: number;
  rme: number;
  rssMb: number;
}
const samples = new Map<string, Sample[]>();
const key = (policy: string, size: string, contender: string) => `${policy}|${size}|${contender}`;
const record = (k: string, s: Sample) => (samples.get(k) ?? samples.set(k, []).get(k)!).push(s);
const progress = (line: string) => process.stderr.write(`${line}\n`);

/** Times one operation with benchmark.js; the peak RSS is sampled after every cycle. */
function time(name: string, op: Operation): Promise<Sample> {
  return new Promise((resolve, reject) => {
    let peak = process.memoryUsage.rss();
    const fn = op.async
      ? (deferred: { resolve(): void }) => void (op.fn() as Promise<void>).then(() => deferred.resolve(), reject)
      : op.fn;
    const bench = new Benchmark(name, fn as () => void, {
      defer: op.async,
      maxTime: MAX_TIME,
      minSamples: MIN_SAMPLES,
      onCycle: () => void (peak = Math.max(peak, process.memoryUsage.rss())),
      onError: (e: Benchmark.Event) => reject((e.target as { error?: Error }).error),
      onComplete: () => resolve({ ns: (bench.stats.mean * 1e9) / op.messages, rme: bench.stats.rme, rssMb: peak / 2 ** 20 }),
    });
    bench.run({ async: true });
  });
}

/** Runs the operation for about ms first: V8 and LuaJIT compile what is hot, caches fill. */
async function warm(op: Operation, ms: number): Promise<void> {
  const end = performance.now() + ms;
  do await op.fn();
  while (performance.now() < end);
}

// The floor and the core each run NATIVE_RUNS times per measurement, in
// turn, for a third of the time each: on a shared machine a burst of other
// work then falls on both, and the median leaves it out.
const NATIVE_RUNS = 3;
const T_95 = 4.303; // Student's t, 2 degrees of freedom: rme as benchmark.js gives it
const nativeIterations = new Map<string, number>();
function timeNatives(engine: EngineName, policy: PolicyName, size: SizeName): Map<NativeProgram, Sample> {
  const file = files.get(size)!;
  const programs = nativesFor(policy);
  const runs = new Map<NativeProgram, { ns: number; rssMb: number }[]>(programs.map((p) => [p, []]));
  for (let i = 0; i < NATIVE_RUNS; i++) {
    for (const program of programs) {
      const k = `${program}|${engine}|${policy}|${size}`;
      if (!nativeIterations.has(k)) nativeIterations.set(k, iterationsFor(program, engine, policyFile(policy), policy, file, MAX_TIME / NATIVE_RUNS));
      const run = runNative(program, engine, policyFile(policy), policy, file, nativeIterations.get(k)!);
      runs.get(program)!.push({ ns: run.nsPerMessage, rssMb: run.maxRssKb / 1024 });
    }
  }
  const sample = (list: { ns: number; rssMb: number }[]): Sample => {
    const ns = list.map((r) => r.ns);
    const mean = ns.reduce((a, b) => a + b, 0) / ns.length;
    const sd = Math.sqrt(ns.reduce((a, b) => a + (b - mean) ** 2, 0) / (ns.length - 1));
    return { ns: median(ns), rme: (100 * T_95 * sd) / Math.sqrt(ns.length) / mean, rssMb: Math.max(...list.map((r) => r.rssMb)) };
  };
  return new Map(programs.map((p) => [p, sample(runs.get(p)!)]));
}

async function round(r: number): Promise<void> {
  for (const policy of policies) {
    const able = contenders.filter((c) => c.supports?.(policy) ?? true);
    const opened = await Promise.all(able.map(async (c) => ({ c, open: await c.open(policy) })));
    const order = r % 2 === 0 ? opened : [...opened].reverse();
    for (const [i, size] of sizes.entries()) {
      for (const e of engines) {
        for (const [program, s] of timeNatives(e, policy, size)) {
          record(key(policy, size, nativeName(program, e)), s);
          progress(`[round ${r + 1}/${ROUNDS}] ${policy} ${size} | ${nativeName(program, e)}: ${s.ns.toFixed(0)} ns/msg ±${s.rme.toFixed(1)}%`);
        }
      }
      for (const { c, open } of order) {
        const op = open.operation(messages.get(size)!);
        await warm(op, i === 0 ? WARM_FIRST_MS : WARM_MS);
        const s = await time(c.name, op);
        record(key(policy, size, c.name), s);
        progress(`[round ${r + 1}/${ROUNDS}] ${policy} ${size} | ${c.name}: ${s.ns.toFixed(0)} ns/msg ±${s.rme.toFixed(1)}%`);
      }
    }
    await Promise.all(opened.map(({ open }) => open.close()));
  }
}


function rows(): Row[] {
  const names = [...engines.flatMap((e) => NATIVE.map((p) => nativeName(p, e))), ...contenders.map((c) => c.name)];
  // A contender's core and floor are its engine's; the peers' the first engine's (LuaJIT by default).
  const baselineOf = (name: string): EngineName => {
    const c = contenders.find((x) => x.name === name);
    if (c) return engines.includes(c.baseline) ? c.baseline : engines[0]!;
    return engines.find((e) => NATIVE.some((p) => nativeName(p, e) === name))!;
  };
  const out: Row[] = [];
  for (const policy of policies) {
    for (const size of sizes) {
      const ns = (name: string) => median(samples.get(key(policy, size, name))!.map((s) => s.ns));
      const has = (name: string) => samples.has(key(policy, size, name));
      for (const name of names.filter(has)) {
        const list = samples.get(key(policy, size, name))!;
        const own = ns(name);
        const baseline = baselineOf(name);
        out.push({
          policy,
          size,
          contender: name,
          nsPerMessage: own,
          messagesPerSecond: 1e9 / own,
          overFloor: has(nativeName('floor', baseline)) ? own / ns(nativeName('floor', baseline)) : null,
          overCore: own / ns(nativeName('core', baseline)),
          fasterThan: Object.fromEntries(PEERS.filter((p) => names.includes(p) && has(p)).map((p) => [p, ns(p) / own])),
          peakRssMb: Math.max(...list.map((s) => s.rssMb)),
          rmePercent: median(list.map((s) => s.rme)),
        });
      }
    }
  }
  return out;
}

const machine = `${os.cpus().length} × ${os.cpus()[0]?.model ?? 'unknown CPU'}, Node ${process.version}`;
progress(`scriptlet benchmark suite: ${policies.join(', ')} × ${sizes.join(', ')} × ${contenders.length + NATIVE.length * engines.length} contenders, ${ROUNDS} round(s), ${MAX_TIME} s per measurement; ${machine}`);
const problems = await disagreements([...contenders, ...engines.map(floorChecked)], policies, sizes);
if (problems.length > 0) {
  console.error(`the contenders disagree, so their timings would not compare the same work:\n${problems.join('\n')}`);
  process.exit(1);
}
progress('gate: every contender gives the same verdict and context on every workload');
for (let r = 0; r < ROUNDS; r++) await round(r);
const memory = memoryOfEngines(engines);
const table = rows();
const goals = targets(table);

console.log(`\n${machine}; ${ROUNDS} round(s), median; messages: ${sizes.map((s) => `${s} = ${messages.get(s)!.raw.length} B`).join(', ')}\n`);
console.log(`ns per message, median of the rounds:\n\n${markdownSummary(table)}\n\nEvery row, with the ratios:\n\n${markdownTable(table)}`);
console.log(`\nTargets (issue 19: each core against its floor; issue 6: scriptlet LuaJIT, in-thread, batched):\n\n${markdownTargets(goals)}`);
console.log(`\nMemory (reference policy; each engine in a fresh process):\n\n${markdownMemory(memory)}`);

// Only a full run is "the" results; a quick or partial one is kept apart.
const partial = policies.length < POLICIES.length || sizes.length < SIZE_NAMES.length || engines.length < 2;
const name = [QUICK ? 'quick' : '', partial ? 'partial' : ''].filter(Boolean).join('-');
const svg = `bench/results/latest${name ? `-${name}` : ''}.svg`;
fs.writeFileSync(svg, renderSvg(table, `scriptlet benchmark, ns per message (log scale; shorter is faster) — ${new Date().toISOString().slice(0, 10)}, ${machine}`));
const file = writeResults(name, {
  rounds: ROUNDS,
  maxTime: MAX_TIME,
  messages: Object.fromEntries(sizes.map((s) => [s, { file: files.get(s), bytes: messages.get(s)!.raw.length }])),
  rows: table,
  targets: goals,
  memory,
  samples: Object.fromEntries(samples),
});
console.log(`\nwritten ${file} and ${svg}`);
