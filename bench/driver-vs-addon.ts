// The reference policy on one message, in one run: the C driver (the policy's
// callout through lua_pcall on the native core: the physical limit), then
// the TypeScript API in this thread, one call at a time and batched, on each
// engine. Rounds are interleaved so that a noisy machine affects all alike;
// the median round is reported.
//
//   npm run bench:driver [-- --messages N --batch B --rounds R]

import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { openPolicy, type CallInput, type EngineName } from './library.js';
import { median } from './stats.js';

const { values } = parseArgs({
  options: { messages: { type: 'string', default: '200000' }, batch: { type: 'string', default: '64' }, rounds: { type: 'string', default: '5' } },
});
const N = Number(values.messages);
const BATCH = Number(values.batch);
const ROUNDS = Number(values.rounds);
const POLICY = 'bench/policies/reference.lua';
const MESSAGE = 'bench/messages/2k.eml';
const DRIVERS: Record<EngineName, string> = {
  luajit: 'build/Release/c_driver',
  lua51: 'engines/lua51/build/Release/c_driver',
};

function cDriver(engine: EngineName): number {
  const out = execFileSync(DRIVERS[engine], [POLICY, 'reference', MESSAGE, String(N)], { encoding: 'utf8' });
  return (JSON.parse(out) as { nsPerMessage: number }).nsPerMessage;
}

function timeNs(fn: () => void, calls: number): number {
  const start = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - start) / calls;
}

function measure(engine: EngineName): { single: number; batched: number } {
  const policy = openPolicy({ engine, scripts: [{ name: 'reference', path: POLICY }] });
  const message = fs.readFileSync(MESSAGE);
  const input: CallInput = { message, mailfrom: 'alice@example.net', rcptto: ['bob@example.com'] };
  const batch = Array.from({ length: BATCH }, () => input);
  const warm = () => { for (let i = 0; i < N / 10; i++) policy.run('data', input); };
  warm();
  const single = timeNs(() => { for (let i = 0; i < N; i++) policy.run('data', input); }, N);
  const rounds = Math.ceil(N / BATCH);
  const batched = timeNs(() => { for (let i = 0; i < rounds; i++) policy.runBatch('data', batch); }, rounds * BATCH);
  policy.close();
  return { single, batched };
}

const engines: EngineName[] = ['luajit', 'lua51'];
const samples: Record<string, number[]> = {};
const add = (k: string, v: number) => (samples[k] ??= []).push(v);

for (let r = 0; r < ROUNDS; r++) {
  for (const e of engines) {
    add(`${e}.c`, cDriver(e));
    const m = measure(e);
    add(`${e}.single`, m.single);
    add(`${e}.batched`, m.batched);
  }
  process.stderr.write(`round ${r + 1}/${ROUNDS} done\n`);
}

const rows = engines.map((e) => {
  const c = median(samples[`${e}.c`]!);
  const single = median(samples[`${e}.single`]!);
  const batched = median(samples[`${e}.batched`]!);
  return { engine: e, cDriverNs: c, singleNs: single, batchedNs: batched, singleRatio: single / c, batchedRatio: batched / c };
});
console.log(`reference policy, ${MESSAGE}, ${N} messages x ${ROUNDS} rounds, batch ${BATCH}, median round`);
console.log('engine   C driver ns  TS single ns (x C)   TS batched ns (x C)');
for (const r of rows) {
  console.log(
    `${r.engine.padEnd(8)} ${r.cDriverNs.toFixed(0).padStart(11)}  ${r.singleNs.toFixed(0).padStart(10)} (${r.singleRatio.toFixed(2)})  ${r.batchedNs.toFixed(0).padStart(11)} (${r.batchedRatio.toFixed(2)})`,
  );
}
const date = new Date().toISOString().slice(0, 10);
const file = path.join('bench', 'results', `${date}-driver-vs-addon.json`);
fs.writeFileSync(file, JSON.stringify({ date, machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model, node: process.version }, messages: N, batch: BATCH, rounds: ROUNDS, rows, samples }, null, 2) + '\n');
console.log(`written ${file}`);
