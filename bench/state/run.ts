// What msys.audit_series.add and count cost from a callout, on the embedded
// store: in the calling thread, and at 2 pool workers hammering the same
// series at once (the contended case: one mutex per series, one cache line
// going back and forth between the CPUs). Each call loops N times over the
// training policy's pair (add to the peer's key, count its last hour); an
// empty loop of the same shape is measured the same way and taken away, so
// the figures are the library's cost, not the loop's or the call's.
//
// Time is the process's CPU time (process.cpuUsage), not the wall clock:
// this machine is shared, and a run descheduled by another job would
// otherwise count the other job's time. At 2 workers it is the CPU both
// workers (and the calling thread) spent, per operation: what one add or
// count costs while the other worker is at it too, lock spinning included.
// The wall-clock figure (x 2 workers) is kept in the JSON as well.
//
// With redis-server installed, the same again with the series defined
// replicate = "cluster" and a sync loop to a redis-server started on a free
// loopback port (flush every 200 ms): rows "redis ...". --no-redis skips them.
//
//   npm run bench:state                  # both engines, ~2 min
//   node --import tsx bench/state/run.ts --engines luajit --rounds 5
import { performance } from 'node:perf_hooks';
import { openPolicy, type EngineName } from '../../src/index.js';
import { openEngine } from '../../src/pool/index.js';
import { writeResults } from '../results-file.js';
import { acquireRedisSync } from '../../src/state/redis-sync.js';
import { startBenchRedis, type BenchRedis } from './redis-server.js';

const args = process.argv.slice(2);
const opt = (name: string, def: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] ? args[i + 1]! : def;
};
const ENGINES = opt('engines', 'luajit,lua51').split(',') as EngineName[];
const ROUNDS = Number(opt('rounds', '3'));
const LOOP = 1000; // add/count pairs per call
const CALLS = Number(opt('calls', '400')); // calls per measurement

const SERIES = 'bench_rcpt';
// A module whose validate_connect runs body LOOP times (op: the statement measured).
function policy(op: string): string {
  const replicate = redis ? ', { replicate = "cluster" }' : '';
  return `local mod = {}
function mod:init() msys.audit_series.define("${SERIES}", "cidr", 300, 12${replicate}) return true end
function mod:validate_connect(accept, vctx)
  local add, count = msys.audit_series.add, msys.audit_series.count
  local opts = {key = accept, startv = 0, endv = 11}
  local akey = {key = accept}
  local n = 0
  for i = 1, ${LOOP} do ${op} end
  vctx:set(msys.core.VCTX_CONN, "n", tostring(n))
  return msys.core.VALIDATE_CONT
end
msys.registerModule("t", mod)`;
}

const OPS: Record<string, string> = {
  empty: 'n = n + 1',
  add: `add("${SERIES}", akey)`,
  count: `n = count("${SERIES}", opts)`,
  'add+count': `add("${SERIES}", akey) n = count("${SERIES}", opts)`,
};

// 256 peers: the keys a busy MX sees in a few minutes, spread over /24s.
const inputs = Array.from({ length: CALLS }, (_, i) => ({ remoteAddr: `10.${(i >> 8) & 255}.${(i >> 4) & 15}.${i & 255}` }));

let redis: BenchRedis | undefined;
const redisOptions = () => ({ servers: [redis!.address], flushIntervalMs: 200 });

function inThread(engine: EngineName, op: string): number {
  const sync = redis ? acquireRedisSync(redisOptions(), engine, { log: () => undefined, alert: (m) => process.stderr.write(`${m}\n`) }) : undefined;
  const p = openPolicy({ engine, scripts: [{ name: 't', source: policy(OPS[op]!) }] });
  try {
    for (let i = 0; i < 50; i++) p.run('connect', inputs[i]!);
    const c0 = process.cpuUsage();
    for (const input of inputs) p.run('connect', input);
    const c = process.cpuUsage(c0);
    return ((c.user + c.system) * 1e3) / (CALLS * LOOP);
  } finally {
    p.close();
    void sync?.release();
  }
}

// ns of CPU per op with 2 workers at it at once; wall time x 2 / ops in wall.
async function twoWorkers(engine: EngineName, op: string, wall: number[]): Promise<number> {
  const e = openEngine({ engine, threads: 2, maxBatch: 8, ...(redis ? { redis: redisOptions() } : {}), scripts: [{ name: 't', source: policy(OPS[op]!) }] });
  try {
    await e.ready();
    await Promise.all(inputs.slice(0, 64).map((i) => e.run('connect', i)));
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    await Promise.all(inputs.map((i) => e.run('connect', i)));
    const c = process.cpuUsage(c0);
    wall.push(((performance.now() - t0) * 1e6 * 2) / (CALLS * LOOP));
    const ns = ((c.user + c.system) * 1e3) / (CALLS * LOOP);
    const s = await e.stats();
    if (!s.workers.every((w) => w.calls > 0)) throw new Error('a worker served no call: the 2-worker figure would be wrong');
    return ns;
  } finally {
    await e.close();
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const results: Record<string, Record<string, Record<string, number>>> = {};
const VARIANTS = ENGINES.flatMap((e) => (args.includes('--no-redis') ? [e] : [e, `redis ${e}`]));
for (const variant of VARIANTS) {
  const engine = variant.replace('redis ', '') as EngineName;
  if (variant.startsWith('redis') && !redis) {
    redis = await startBenchRedis();
    if (!redis) {
      process.stderr.write('redis-server is not installed (Debian package redis-server): no redis rows\n');
      continue;
    }
  }
  if (!variant.startsWith('redis') && redis) {
    await redis.close();
    redis = undefined;
  }
  results[variant] = { inThread: {}, twoWorkers: {}, twoWorkersWall: {} };
  for (const op of Object.keys(OPS)) {
    const a: number[] = [];
    const b: number[] = [];
    const w: number[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      a.push(inThread(engine, op));
      b.push(await twoWorkers(engine, op, w));
    }
    results[variant]!.inThread![op] = median(a);
    results[variant]!.twoWorkers![op] = median(b);
    results[variant]!.twoWorkersWall![op] = median(w);
    process.stderr.write(`${variant} ${op}: in-thread ${median(a).toFixed(1)} ns, 2 workers ${median(b).toFixed(1)} ns CPU (${median(w).toFixed(1)} ns wall x 2) per loop step\n`);
  }
}
await redis?.close();

// The library's cost: each op minus the empty loop.
const rows: string[] = ['| engine | where | add (ns) | count (ns) | add + count (ns) |', '| --- | --- | ---: | ---: | ---: |'];
const net: Record<string, unknown> = {};
for (const engine of Object.keys(results)) {
  for (const where of ['inThread', 'twoWorkers', 'twoWorkersWall'] as const) {
    const r = results[engine]![where]!;
    const cost = (op: string) => Math.max(0, r[op]! - r.empty!);
    net[`${engine}.${where}`] = { add: cost('add'), count: cost('count'), addCount: cost('add+count') };
    const label = { inThread: 'in-thread (CPU)', twoWorkers: '2 workers (CPU)', twoWorkersWall: '2 workers (wall x 2)' }[where];
    rows.push(`| ${engine} | ${label} | ${cost('add').toFixed(0)} | ${cost('count').toFixed(0)} | ${cost('add+count').toFixed(0)} |`);
  }
}
console.log(rows.join('\n'));
const file = writeResults('state', { loop: LOOP, calls: CALLS, rounds: ROUNDS, raw: results, net });
console.log(`results: ${file}`);
