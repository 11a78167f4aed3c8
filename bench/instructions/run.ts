// Instructions per message, counted by callgrind: exact, and unmoved by
// the other work of a shared machine, where timings are not (bench/README.md,
// "The core at the floor"). Each figure is the difference of two runs of
// one program, long and short, over the difference in messages, so that
// start-up and warm-up cancel out; counted per thread (--separate-threads),
// so that V8's compiler and collector threads, which run when they run, stay
// apart from the thread measured.
//
//   core        build/Release/c_driver through MasterState::run (no Node)
//   runBatch    policy.runBatch, 64 a crossing: its thread
//   run         policy.run, one call a crossing: its thread
//   pool        engine.runBatch, 64 a batch, one worker: the calling thread,
//               and the worker's thread
//
// Issue 19's targets read against these: runBatch <= core + ~150 ns, run
// <= core + ~500 ns (at the 8-10 instructions a nanosecond of this machine),
// the pool's calling thread <= ~150 ns a message, its worker <= 1.15x
// runBatch. LuaJIT, bench/messages/gen-2k.eml.
//
//   npm run bench:instructions [-- --policy reference|trivial ...]
import { execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { writeResults } from '../results-file.js';
import { median } from '../stats.js';

const { values: args } = parseArgs({ options: { policy: { type: 'string', multiple: true }, repeat: { type: 'string', default: '1' } } });
const policies = args.policy ?? ['trivial', 'reference'];
// V8 collects and compiles on its own schedule, partly timed by the clock:
// a Node figure moves by some ±500 from run to run; --repeat 3 gives medians.
const REPEAT = Math.max(1, Number(args.repeat));
const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');
const LOAD = path.join(ROOT, 'bench/instructions/load.mjs');
const DRIVER = path.join(ROOT, 'build/Release/c_driver');
const MESSAGE = path.join(ROOT, 'bench/messages/gen-2k.eml');
const SHORT = 100;
const LONG = 400;
const DRIVER_SHORT = 4000;

try {
  execFileSync('valgrind', ['--version'], { stdio: 'ignore' });
} catch {
  console.error('bench:instructions needs valgrind (Debian package valgrind)');
  process.exit(2);
}
for (const [file, how] of [[DRIVER, 'npx node-gyp build'], [path.join(ROOT, 'dist/src/index.js'), 'npm run build:ts']] as const) {
  if (!fs.existsSync(file)) {
    console.error(`bench:instructions needs ${path.relative(ROOT, file)}: run ${how}`);
    process.exit(2);
  }
}

/** Runs argv under callgrind; the instructions of each thread, by thread number (1 is the main thread). */
async function countThreads(argv: string[], env: Record<string, string> = {}): Promise<Map<number, number>> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'scriptlet-ir-'));
  const out = path.join(dir, 'cg');
  await new Promise<void>((resolve, reject) => {
    const child = spawn('valgrind', ['--tool=callgrind', '--separate-threads=yes', `--callgrind-out-file=${out}`, ...argv], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${argv.join(' ')} exited ${code}: ${stderr.slice(-2000)}`))));
  });
  const threads = new Map<number, number>();
  for (const f of fs.readdirSync(dir)) {
    const m = /-(\d+)$/.exec(f);
    const summary = /^summary: (\d+)/m.exec(fs.readFileSync(path.join(dir, f), 'utf8'));
    if (m && summary) threads.set(Number(m[1]), Number(summary[1]));
  }
  fs.rmSync(dir, { recursive: true, force: true });
  return threads;
}

/**
 * Per message, for the main thread and for the busiest other one (the pool's
 * worker): (long run - short run) / the messages between them; the median
 * of REPEAT pairs of runs, each pair run side by side.
 */
async function perMessage(argvFor: (n: number) => string[], short: number, long: number, messagesPer: number, env?: Record<string, string>) {
  const main: number[] = [];
  const other: number[] = [];
  for (let r = 0; r < REPEAT; r++) {
    const [a, b] = await Promise.all([countThreads(argvFor(short), env), countThreads(argvFor(long), env)]);
    const grew = (t: number) => ((b.get(t) ?? 0) - (a.get(t) ?? 0)) / ((long - short) * messagesPer);
    main.push(grew(1));
    other.push(Math.max(...[...b.keys()].filter((t) => t !== 1).map(grew)));
  }
  return { main: Math.round(median(main)), other: Math.round(median(other)) };
}

interface PathCounts {
  core: number;
  runBatch: number;
  run: number;
  poolCallingThread: number;
  poolWorker: number;
}
const results: Record<string, PathCounts> = {};
for (const policy of policies) {
  const script = path.join(ROOT, `bench/policies/${policy}.lua`);
  // The driver warms up on N/10 + 1 messages itself, so its runs differ by 1.1 N.
  const core = await perMessage((n) => [DRIVER, script, policy, MESSAGE, String(n)], DRIVER_SHORT, 2 * DRIVER_SHORT, 1.1, { SCRIPTLET_DRIVER_PATH: 'run' });
  const batch = await perMessage((n) => ['node', LOAD, policy, String(n), 'batch'], SHORT, LONG, 64);
  const single = await perMessage((n) => ['node', LOAD, policy, String(n), 'single'], SHORT, LONG, 64);
  const pool = await perMessage((n) => ['node', LOAD, policy, String(n), 'pool'], SHORT, LONG, 64);
  const r: PathCounts = { core: core.main, runBatch: batch.main, run: single.main, poolCallingThread: pool.main, poolWorker: pool.other };
  results[policy] = r;
  console.log(`${policy}: core ${r.core}; runBatch ${r.runBatch} (+${r.runBatch - r.core}); run ${r.run} (+${r.run - r.core}); ` +
    `pool: calling thread ${r.poolCallingThread}, worker ${r.poolWorker} (${(r.poolWorker / r.runBatch).toFixed(2)}x runBatch)`);
}
console.log(`written ${writeResults('instructions', { unit: 'instructions per message, main thread (the pool: each thread)', message: 'gen-2k', engine: 'luajit', results })}`);
