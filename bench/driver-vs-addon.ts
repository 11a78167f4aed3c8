// The per-message path in this thread, against the core it runs on, in one
// run: the C driver (the policy's callout on the native core, no Node:
// through lua_pcall, and through MasterState::run, the engine's own path,
// what the addon calls), then the TypeScript API, one call at a time and
// batched, on each engine and policy. Then what each crossing adds over the
// core's run path, against issue 19's targets (policy.run <= +500 ns,
// policy.runBatch <= +150 ns a message), beside what any crossing costs
// before the engine does anything (crossing-floor.ts). Rounds are
// interleaved so that a noisy machine affects all alike; the median round
// is reported. Each measurement in Node runs in a process of its own, as a
// host runs one engine: with both engines' classes and both policies in one
// process, V8's call sites turned polymorphic and later rounds ran up to 40 %
// slower than the first.
//
//   npm run bench:driver [-- --messages N --batch B --rounds R --policies trivial,reference]

import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { openPolicy, type CallInput, type EngineName } from './library.js';
import { crossingFloor, type CrossingFloor } from './crossing-floor.js';
import { median, timeNs } from './stats.js';

const { values } = parseArgs({
  options: {
    messages: { type: 'string', default: '200000' },
    batch: { type: 'string', default: '64' },
    rounds: { type: 'string', default: '5' },
    policies: { type: 'string', default: 'trivial,reference' },
    child: { type: 'string' },
  },
});
const N = Number(values.messages);
const BATCH = Number(values.batch);
const ROUNDS = Number(values.rounds);
const POLICIES = values.policies.split(',');
const MESSAGE = 'bench/messages/2k.eml';
const DRIVERS: Record<EngineName, string> = {
  luajit: 'build/Release/c_driver',
  lua51: 'engines/lua51/build/Release/c_driver',
};

/** ns a message: the driver through lua_pcall, or through the engine's run path. */
function cDriver(engine: EngineName, policy: string, runPath: boolean): number {
  const env = { ...process.env, ...(runPath ? { SCRIPTLET_DRIVER_PATH: 'run' } : {}) };
  const out = execFileSync(DRIVERS[engine], [`bench/policies/${policy}.lua`, policy, MESSAGE, String(N)], { encoding: 'utf8', env });
  return (JSON.parse(out) as { nsPerMessage: number }).nsPerMessage;
}

const message = fs.readFileSync(MESSAGE);

function measure(engine: EngineName, name: string): { single: number; batched: number } {
  const policy = openPolicy({ engine, scripts: [{ name, path: `bench/policies/${name}.lua` }] });
  const input: CallInput = { message, mailfrom: 'alice@example.net', rcptto: ['bob@example.com'] };
  const batch = Array.from({ length: BATCH }, () => input);
  const rounds = Math.ceil(N / BATCH);
  const runSingle = () => timeNs(() => { for (let i = 0; i < N; i++) policy.run('data', input); }, N);
  const runBatched = () => timeNs(() => { for (let i = 0; i < rounds; i++) policy.runBatch('data', batch); }, rounds * BATCH);
  // Each timed once V8 has compiled it (a first pass of N, not timed, as a host is warm).
  runSingle();
  const single = runSingle();
  runBatched();
  const batched = runBatched();
  policy.close();
  return { single, batched };
}

// A child: one measurement ("engine:policy", or "engine:floor"), as JSON on stdout.
if (values.child) {
  const [engine, what] = values.child.split(':') as [EngineName, string];
  const result = what === 'floor' ? crossingFloor(engine, Array.from({ length: BATCH }, () => Buffer.from(message)), N) : measure(engine, what);
  console.log(JSON.stringify(result));
  process.exit(0);
}

function inChild(engine: EngineName, what: string): Record<string, number> {
  const argv = ['--import', 'tsx', fileURLToPath(import.meta.url), '--child', `${engine}:${what}`, '--messages', String(N), '--batch', String(BATCH)];
  return JSON.parse(execFileSync(process.execPath, argv, { encoding: 'utf8' })) as Record<string, number>;
}

const engines: EngineName[] = ['luajit', 'lua51'];
const samples: Record<string, number[]> = {};
const add = (k: string, v: number) => (samples[k] ??= []).push(v);

for (let r = 0; r < ROUNDS; r++) {
  for (const e of engines) {
    for (const p of POLICIES) {
      add(`${e}.${p}.c`, cDriver(e, p, false));
      add(`${e}.${p}.run`, cDriver(e, p, true));
      const m = inChild(e, p);
      add(`${e}.${p}.single`, m.single!);
      add(`${e}.${p}.batched`, m.batched!);
    }
    const floor = inChild(e, 'floor') as unknown as CrossingFloor;
    for (const k of Object.keys(floor) as (keyof CrossingFloor)[]) add(`${e}.floor.${k}`, floor[k]);
  }
  process.stderr.write(`round ${r + 1}/${ROUNDS} done\n`);
}

const m = (k: string) => median(samples[k]!);
const rows = engines.flatMap((engine) =>
  POLICIES.map((policy) => {
    const at = `${engine}.${policy}`;
    const runPath = m(`${at}.run`);
    return {
      engine, policy,
      cDriverNs: m(`${at}.c`), cDriverRunPathNs: runPath, singleNs: m(`${at}.single`), batchedNs: m(`${at}.batched`),
      singleOverCore: m(`${at}.single`) - runPath, batchedOverCore: m(`${at}.batched`) - runPath,
    };
  }),
);
const floors = engines.map((engine) => ({ engine, emptyCall: m(`${engine}.floor.emptyCall`), bufferInfo: m(`${engine}.floor.bufferInfo`), plainVerdict: m(`${engine}.floor.plainVerdict`) }));

const n = (x: number) => x.toFixed(0).padStart(6);
console.log(`${MESSAGE}, ${N} messages x ${ROUNDS} rounds, batch ${BATCH}, median round, ns a message`);
console.log('engine  policy     C pcall  C run  run  runBatch  run-C(run) (<=500)  runBatch-C(run) (<=150)');
for (const r of rows) {
  console.log(`${r.engine.padEnd(7)} ${r.policy.padEnd(9)} ${n(r.cDriverNs)} ${n(r.cDriverRunPathNs)} ${n(r.singleNs)} ${n(r.batchedNs)}  ${n(r.singleOverCore)}              ${n(r.batchedOverCore)}`);
}
console.log('what any crossing costs before the engine works (crossing-floor.ts), ns:');
for (const f of floors) console.log(`${f.engine.padEnd(7)} an empty Node-API call ${f.emptyCall.toFixed(1)}, a message's Buffer read from C++ ${f.bufferInfo.toFixed(1)}, a plain verdict object ${f.plainVerdict.toFixed(1)}`);
const date = new Date().toISOString().slice(0, 10);
const file = path.join('bench', 'results', `${date}-driver-vs-addon.json`);
fs.writeFileSync(file, JSON.stringify({ date, machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model, node: process.version }, messages: N, batch: BATCH, rounds: ROUNDS, rows, floors, samples }, null, 2) + '\n');
console.log(`written ${file}`);
