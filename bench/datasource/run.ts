// What a cached msys.db lookup costs, in-thread under runAsync, on both
// engines: one callout runs K msys.db.fetch_row calls of the same statement
// and parameters (all but the first answered from the datasource's cache).
// Each call suspends the Lua thread, goes to Node (the cache lookup, in
// src/datasource/datasource.ts) and resumes with the row built in C++, so
// the figure is a full suspension round trip plus the row. Also: the same
// with { nocache = true } (SQLite itself answers, node-sqlite3-wasm).
// (msys.sleep(0) is no baseline: a Node timer waits at least 1 ms.)
//
//   npm run bench:datasource [-- --rounds R --queries K]

import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { openPolicy, type EngineName } from '../../src/index.js';
import { closeAllDatasources } from '../../src/datasource/index.js';
import { writeResults } from '../results-file.js';
import { median } from '../stats.js';

const { values } = parseArgs({ options: { rounds: { type: 'string', default: '5' }, queries: { type: 'string', default: '5000' } } });
const ROUNDS = Number(values.rounds);
const K = Number(values.queries);
const ENGINES: EngineName[] = ['luajit', 'lua51'];

const require = createRequire(import.meta.url);
const { Database } = require('node-sqlite3-wasm') as { Database: new (p: string) => { exec(s: string): void; close(): void } };
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-datasource-'));
const file = path.join(dir, 'bench.db');
const db = new Database(file);
db.exec(`create table senders (domain text primary key, score integer, note text);
  insert into senders values ('example.org', 5, 'known sender'), ('example.net', 1, 'new');`);
db.close();

const LOOPS: Record<string, string> = {
  cached: `for i = 1, K do n = n + msys.db.fetch_row("ds", "select score, note from senders where domain = ?", {"example.org"}).score end`,
  uncached: `for i = 1, K do n = n + msys.db.fetch_row("ds", "select score, note from senders where domain = ?", {"example.org"}, {nocache = true}).score end`,
};

/** Median wall and CPU (this process's user + system) nanoseconds per call: the machine may be shared. */
async function measure(engine: EngineName, loop: string): Promise<[number, number]> {
  const p = openPolicy({
    engine,
    callTimeout: 0,
    datasources: [{ name: 'ds', uris: [`sqlite:${file}`] }],
    scripts: [{ name: 'b', source: `local mod = {}
function mod:validate_data(msg, accept, vctx)
  local K, n = tonumber(vctx:get(msys.core.VCTX_MESS, "k")), 0
  ${loop}
  vctx:set(msys.core.VCTX_MESS, "n", tostring(n))
  return msys.core.VALIDATE_CONT
end
msys.registerModule("b", mod)` }],
  });
  const input = (k: number) => ({ message: Buffer.from('Subject: x\r\n\r\nbody\r\n'), context: { mess: { k: String(k) } } });
  try {
    await p.runAsync('data', input(100)); // warm: the cache, the JIT
    const times: number[] = [];
    const cpus: number[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      const t0 = process.hrtime.bigint();
      const c0 = process.cpuUsage();
      const v = await p.runAsync('data', input(K));
      const ns = Number(process.hrtime.bigint() - t0);
      const cpu = process.cpuUsage(c0);
      if (v.errors.length) throw new Error(v.errors[0]!.message);
      times.push(ns / K);
      cpus.push(((cpu.user + cpu.system) * 1000) / K);
    }
    return [median(times), median(cpus)];
  } finally {
    p.close();
  }
}

const results: Record<string, Record<string, number>> = {};
for (const engine of ENGINES) {
  results[engine] = {};
  for (const [name, loop] of Object.entries(LOOPS)) {
    const [wall, cpu] = await measure(engine, loop);
    results[engine]![`${name}_ns`] = Math.round(wall);
    results[engine]![`${name}_cpu_ns`] = Math.round(cpu);
  }
}
await closeAllDatasources();
fs.rmSync(dir, { recursive: true, force: true });

console.log(`msys.db.fetch_row, ${K} calls a callout, median of ${ROUNDS} rounds, ns per call, wall / CPU of this process:`);
console.log('engine            cached      uncached (SQLite)');
for (const engine of ENGINES) {
  const r = results[engine]!;
  console.log(`${engine.padEnd(8)} ${`${r.cached_ns} / ${r.cached_cpu_ns}`.padStart(17)}   ${`${r.uncached_ns} / ${r.uncached_cpu_ns}`.padStart(20)}`);
}
console.log(`written to ${writeResults('datasource', { queries: K, rounds: ROUNDS, results })}`);
