// The serve soak: a real `scriptlet serve` process (from dist/) under mixed
// clients for a given time (an hour by default): good senders, senders that
// trip the guard rails (an endless loop, a memory bomb, a script error: each
// answered 451), hostile input, and slow and silent clients cut by the
// timeouts. The server's RSS and open descriptors are sampled throughout;
// at the end it is stopped with SIGTERM and its spool checked: it must hold
// exactly the messages answered 250, nothing half-written.
//
//   npm run soak:serve [-- --duration 3600 --sample 30 --engine luajit --good 4 --hostile 2 --slow 3 --tag NAME]
//
// Beside RSS, each sample reads scriptlet_process_memory_bytes: the V8 heap
// of serve's main thread and the C heap (malloc) in use and held, so that a
// growing RSS can be told apart: something kept, or the allocator keeping
// freed pages. The environment passes to serve (MALLOC_ARENA_MAX=2 ... to
// try the allocator's settings); --tag names the results file apart.
//
// Not part of npm test. Prints a table of samples and a summary, and writes
// bench/results/<date>-serve-soak-<engine>.json.

import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { goodSender, hostileClient, newTally, slowClient, type Stop } from './serve-soak/clients.js';
import { writeResults } from './results-file.js';
import { median } from './stats.js';

const { values } = parseArgs({
  options: {
    duration: { type: 'string', default: '3600' },
    sample: { type: 'string', default: '' },
    engine: { type: 'string', default: 'luajit' },
    good: { type: 'string', default: '4' },
    hostile: { type: 'string', default: '2' },
    slow: { type: 'string', default: '3' },
    tag: { type: 'string', default: '' },
  },
});
const DURATION_S = Number(values.duration);
const SAMPLE_S = Number(values.sample || Math.max(5, Math.round(DURATION_S / 60)));
/** The first part of the run, left out of the flatness figures: JIT, pools and V8's heap settle. */
const WARM_UP = 0.2;

const POLICY = `
local core = require("msys.core")
local mod = {}
function mod:validate_mailfrom(str, accept, vctx)
  if string.find(str, "reject@", 1, true) then vctx:set_code(550, "5.7.1 sender refused") return core.VALIDATE_DONE end
  return core.VALIDATE_CONT
end
function mod:validate_data(msg, accept, vctx)
  local subject = msg:header("Subject")[1]
  if subject == "loop" then while true do end end                     -- instruction_limit: 451
  if subject == "memory" then local s = "x" while true do s = s .. s end end  -- memory_limit: 451, master rebuilt
  if subject == "error" then error("soak error") end                   -- on_error = tempfail: 451
  msg:header("X-Soak", "checked")
  return core.VALIDATE_CONT
end
msys.registerModule("soak", mod)
`;

const CONF = `alerting { }
ESMTP_Listener {
  Listen "127.0.0.1:0" { }
  spool_dir = "spool"
  hostname = "soak.test"
  max_message_size = 1M
  concurrency = 500
  timeout = 5
  data_timeout = 10
}
scriptlet "scriptlet" {
  threads = 2
  on_error = tempfail
  instruction_limit = 2000000
  memory_limit = 32M
  call_timeout = 2
  script "boot" { source = "msys.boot" }
  script "soak" { source = "soak" }
}
`;

interface Sample {
  at: number;
  rssMb: number;
  fds: number;
  accepted: number;
  /** The workers' Lua states, from /metrics. */
  luaMb: number;
  /** Connections open, as the server counts them. */
  connections: number;
  /** serve's main-thread V8 heap in use, and the process's C heap in use and held by malloc (scriptlet_process_memory_bytes). */
  heapMb: number;
  /** The workers' V8 heaps in use, summed (scriptlet_worker_v8_heap_bytes). */
  workersHeapMb: number;
  mallocInUseMb: number;
  mallocHeldMb: number;
}

/** Every series of an exposition text, by its name and labels. */
async function scrape(url: string): Promise<Map<string, number>> {
  const text = await (await fetch(url)).text();
  return new Map(text.split('\n').filter((l) => l && !l.startsWith('#')).map((l) => [l.slice(0, l.lastIndexOf(' ')), Number(l.slice(l.lastIndexOf(' ') + 1))]));
}

const sumOf = (m: Map<string, number>, name: string) => [...m].filter(([k]) => k === name || k.startsWith(`${name}{`)).reduce((a, [, v]) => a + v, 0);

function rssMb(pid: number): number {
  return Number(/VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024;
}

const mb = (m: Map<string, number>, kind: string) => (m.get(`scriptlet_process_memory_bytes{kind="${kind}"}`) ?? NaN) / 1024 / 1024;

const fdCount = (pid: number) => fs.readdirSync(`/proc/${pid}/fd`).length;

/** Least-squares slope of y over x. */
function slope(xs: number[], ys: number[]): number {
  const mx = xs.reduce((a, b) => a + b, 0) / xs.length;
  const my = ys.reduce((a, b) => a + b, 0) / ys.length;
  let num = 0;
  let den = 0;
  xs.forEach((x, i) => ((num += (x - mx) * (ys[i]! - my)), (den += (x - mx) ** 2)));
  return den === 0 ? 0 : num / den;
}

async function main(): Promise<void> {
  const main = path.resolve('dist/src/cli/main.js');
  if (!fs.existsSync(main)) throw new Error('dist/ is missing: run npm run build:ts first (npm run soak:serve does)');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'scriptlet-soak-'));
  fs.writeFileSync(path.join(dir, 'ecelerity.conf'), CONF);
  fs.writeFileSync(path.join(dir, 'soak.lua'), POLICY);
  const child = spawn(process.execPath, [main, 'serve', path.join(dir, 'ecelerity.conf'), '--engine', values.engine!, '--drain-deadline', '5', '--metrics-listen', '127.0.0.1:0'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let log = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (log += d));
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  const port = await new Promise<number>((resolve, reject) => {
    const look = () => {
      const m = /listening on 127\.0\.0\.1:(\d+)/.exec(stdout);
      if (m) resolve(Number(m[1]));
    };
    child.stdout.on('data', look);
    void exited.then((code) => reject(new Error(`serve exited (${code}): ${log}`)));
  });
  const pid = child.pid!;
  const metricsUrl = /metrics (http:\/\/\S+)/.exec(stdout)?.[1] ?? (await new Promise<string>((r) => child.stdout.on('data', () => { const m = /metrics (http:\/\/\S+)/.exec(stdout); if (m) r(m[1]!); })));

  let markStopped!: () => void;
  const stop: { stopped: boolean; promise: Promise<void> } = { stopped: false, promise: new Promise((r) => (markStopped = r)) };
  const tally = newTally();
  const started = Date.now();
  const clients = [
    ...Array.from({ length: Number(values.good) }, () => goodSender(port, tally, stop as Stop)),
    ...Array.from({ length: Number(values.hostile) }, () => hostileClient(port, tally, stop as Stop)),
    ...Array.from({ length: Number(values.slow) }, () => slowClient(port, tally, stop as Stop)),
  ];
  const samples: Sample[] = [];
  const take = async () => {
    const m = await scrape(metricsUrl);
    samples.push({ at: (Date.now() - started) / 1000, rssMb: rssMb(pid), fds: fdCount(pid), accepted: tally.accepted.length, luaMb: sumOf(m, 'scriptlet_lua_memory_bytes') / 1024 / 1024, connections: sumOf(m, 'scriptlet_smtp_connections'), heapMb: mb(m, 'v8_heap_used'), workersHeapMb: sumOf(m, 'scriptlet_worker_v8_heap_bytes') / 1024 / 1024, mallocInUseMb: mb(m, 'malloc_in_use'), mallocHeldMb: mb(m, 'malloc_held') });
  };
  await take();
  console.log(`soak: serve pid ${pid} on port ${port}, ${values.engine}, ${DURATION_S} s, a sample every ${SAMPLE_S} s`);
  console.log('     s   RSS MB   fds   Lua MB   conns   accepted   V8 MB: main, workers  malloc MB: in use, held');
  const print = (s: Sample) =>
    console.log(`${s.at.toFixed(0).padStart(6)} ${s.rssMb.toFixed(1).padStart(8)} ${String(s.fds).padStart(5)} ${s.luaMb.toFixed(1).padStart(8)} ${String(s.connections).padStart(7)} ${String(s.accepted).padStart(10)} ${s.heapMb.toFixed(1).padStart(7)} ${s.workersHeapMb.toFixed(1).padStart(8)} ${s.mallocInUseMb.toFixed(1).padStart(8)} ${s.mallocHeldMb.toFixed(1).padStart(6)}`);
  print(samples[0]!);
  while (Date.now() - started < DURATION_S * 1000) {
    await new Promise((r) => setTimeout(r, Math.min(SAMPLE_S * 1000, DURATION_S * 1000 - (Date.now() - started))));
    await take();
    print(samples[samples.length - 1]!);
  }
  stop.stopped = true;
  markStopped();
  await Promise.all(clients);
  await new Promise((r) => setTimeout(r, 500));
  const idleFds = fdCount(pid);
  const end = await scrape(metricsUrl);
  child.kill('SIGTERM');
  const code = await exited;

  // The spool: exactly the 250s, each whole (message and envelope), nothing left in tmp/.
  const newDir = path.join(dir, 'spool', 'new');
  const names = fs.readdirSync(newDir);
  const emls = new Set(names.filter((n) => n.endsWith('.eml')).map((n) => n.slice(0, -4)));
  const jsons = new Set(names.filter((n) => n.endsWith('.json')).map((n) => n.slice(0, -5)));
  const missing = tally.accepted.filter((id) => !emls.has(id) || !jsons.has(id));
  const extra = [...emls].filter((id) => !tally.accepted.includes(id));
  const tmpLeft = fs.readdirSync(path.join(dir, 'spool', 'tmp')).length;
  const stopped = /stopped: (\d+) messages accepted, (\d+) spooled/.exec(log);

  const settled = samples.filter((s) => s.at >= DURATION_S * WARM_UP);
  const early = settled.slice(0, Math.max(1, Math.floor(settled.length / 4)));
  const late = settled.slice(-Math.max(1, Math.floor(settled.length / 4)));
  const summary = {
    engine: values.engine,
    environment: { MALLOC_ARENA_MAX: process.env.MALLOC_ARENA_MAX, MALLOC_TRIM_THRESHOLD_: process.env.MALLOC_TRIM_THRESHOLD_, MALLOC_MMAP_THRESHOLD_: process.env.MALLOC_MMAP_THRESHOLD_ },
    durationS: Math.round((Date.now() - started) / 1000),
    clients: { good: Number(values.good), hostile: Number(values.hostile), slow: Number(values.slow) },
    replies: Object.fromEntries([...tally.replies].sort()),
    accepted: tally.accepted.length,
    spooled: emls.size,
    missingFromSpool: missing.length,
    spooledWithout250: extra.length,
    serverSaidAccepted: Number(stopped?.[1]),
    tmpLeft,
    connectionsCut: tally.cut,
    server: {
      connectionsOpenAfterClientsStopped: sumOf(end, 'scriptlet_smtp_connections'),
      timeouts: { command: end.get('scriptlet_smtp_timeouts_total{kind="command"}'), data: end.get('scriptlet_smtp_timeouts_total{kind="data"}') },
      oversized: sumOf(end, 'scriptlet_smtp_messages_oversized_total'),
      limitHits: { instructions: sumOf(new Map([...end].filter(([k]) => k.includes('kind="instructions"'))), 'scriptlet_limit_hits_total'), memory: sumOf(new Map([...end].filter(([k]) => k.includes('kind="memory"'))), 'scriptlet_limit_hits_total') },
      masterRebuilds: sumOf(end, 'scriptlet_master_rebuilds_total'),
    },
    clientErrors: tally.errors.length,
    luaMb: { first: samples[0]!.luaMb, last: samples[samples.length - 1]!.luaMb, max: Math.max(...samples.map((s) => s.luaMb)) },
    rssMb: { first: samples[0]!.rssMb, settledEarlyMedian: median(early.map((s) => s.rssMb)), settledLateMedian: median(late.map((s) => s.rssMb)), settledEarlyMin: Math.min(...early.map((s) => s.rssMb)), settledLateMin: Math.min(...late.map((s) => s.rssMb)), max: Math.max(...samples.map((s) => s.rssMb)), slopeMbPerHour: slope(settled.map((s) => s.at), settled.map((s) => s.rssMb)) * 3600 },
    // Early and late medians and the slope of each part, as for RSS: the part whose slope matches RSS's is where the growth is.
    partsMb: Object.fromEntries((['heapMb', 'workersHeapMb', 'mallocInUseMb', 'mallocHeldMb'] as const).map((k) => [k, { settledEarlyMedian: median(early.map((s) => s[k])), settledLateMedian: median(late.map((s) => s[k])), slopeMbPerHour: slope(settled.map((s) => s.at), settled.map((s) => s[k])) * 3600 }])),
    fds: { first: samples[0]!.fds, max: Math.max(...samples.map((s) => s.fds)), afterClientsStopped: idleFds },
    exitCode: code,
    samples,
  };
  const { samples: _, ...shown } = summary;
  console.log(JSON.stringify(shown, null, 2));
  if (tally.errors.length > 0) console.log(`client errors (first 5): ${tally.errors.slice(0, 5).join('; ')}`);
  console.log(`results: ${writeResults(`serve-soak-${values.engine}${values.tag ? `-${values.tag}` : ''}`, summary)}`);
  const failures = [
    missing.length > 0 && `${missing.length} messages answered 250 are not in the spool`,
    extra.length > 0 && `${extra.length} spooled messages got no 250`,
    Number(stopped?.[2]) !== emls.size && `the server says it spooled ${stopped?.[2]}, the spool holds ${emls.size}`,
    tmpLeft > 0 && `${tmpLeft} files left in tmp/`,
    code !== 0 && `serve exited ${code}`,
    idleFds > samples[0]!.fds + 5 && `descriptors: ${idleFds} open once the clients stopped, ${samples[0]!.fds} at start`,
    sumOf(end, 'scriptlet_smtp_connections') !== 0 && `the server counts ${sumOf(end, 'scriptlet_smtp_connections')} connections open once the clients stopped`,
  ].filter(Boolean);
  fs.rmSync(dir, { recursive: true, force: true });
  if (failures.length > 0) {
    console.log(`FAILED: ${failures.join('; ')}\n--- serve's log (last 40 lines) ---\n${log.split('\n').slice(-40).join('\n')}`);
    process.exitCode = 1;
  }
}

await main();
