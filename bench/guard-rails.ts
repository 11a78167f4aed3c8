// What the guard rails cost, and how they behave, on both engines in one run:
//
// 1. The reference policy (bench/policies/reference.lua, bench/messages/2k.eml)
//    in-thread with everything off, with the limits on (instruction limit,
//    call timeout, memory cap: the defaults), and with the limits and the
//    sandbox on (the default). Rounds are interleaved, their order rotating;
//    the cost is the median of the per-round ratios to "off".
// 2. The time from a limit to the verdict: a call that loops under a 50 ms
//    call timeout (how long past the deadline its verdict comes), one that
//    sleeps past it (the same, through a suspension), and one that hits a
//    1000-instruction budget at once (the whole call, almost all of it the
//    kill: unwinding, traceback, verdict).
// 3. Memory after 1 000 out-of-memory kills (each one rebuilds the master)
//    against before: the master's Lua memory and the process's RSS.
//
//   npm run bench:guard [-- --rounds R --messages N --kills K]

import * as fs from 'node:fs';
import { parseArgs } from 'node:util';
import { openPolicy, type CallInput, type EngineName, type Policy } from './library.js';
import { writeResults } from './results-file.js';
import { median } from './stats.js';

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '31' },
    messages: { type: 'string', default: '4096' },
    kills: { type: 'string', default: '1000' },
  },
});
const ROUNDS = Number(values.rounds);
const N = Number(values.messages);
const KILLS = Number(values.kills);
const ENGINES: EngineName[] = ['luajit', 'lua51'];
const OFF = { instructionLimit: 0, callTimeout: 0, memoryLimit: 0, sandbox: false };
const LIMITS = { sandbox: false };
const VARIANTS = { off: OFF, limits: LIMITS, 'limits+sandbox': {} } as const;
type Variant = keyof typeof VARIANTS;

const raw = fs.readFileSync('bench/messages/2k.eml');
const inputs: CallInput[] = Array.from({ length: N }, () => ({ message: raw, mailfrom: 'alice@example.net', rcptto: ['bob@example.com'] }));


function nsPerMessage(p: Policy): number {
  const start = process.hrtime.bigint();
  for (let i = 0; i < N; i += 64) p.runBatch('data', inputs.slice(i, i + 64));
  return Number(process.hrtime.bigint() - start) / N;
}

function cost(engine: EngineName) {
  const policies = Object.fromEntries(
    (Object.keys(VARIANTS) as Variant[]).map((v) => [v, openPolicy({ engine, scripts: [{ name: 'reference', path: 'bench/policies/reference.lua' }], ...VARIANTS[v] })]),
  ) as Record<Variant, Policy>;
  const names = Object.keys(VARIANTS) as Variant[];
  for (const v of names) nsPerMessage(policies[v]); // warm up
  const ns: Record<Variant, number[]> = { off: [], limits: [], 'limits+sandbox': [] };
  for (let r = 0; r < ROUNDS; r++) {
    const order = names.map((_, i) => names[(i + r) % names.length]!);
    for (const v of order) ns[v].push(nsPerMessage(policies[v]));
  }
  for (const v of names) policies[v].close();
  const ratio = (v: Variant) => median(ns[v].map((x, i) => x / ns.off[i]!));
  return {
    nsPerMessage: Object.fromEntries(names.map((v) => [v, Math.round(median(ns[v]))])),
    ratioToOff: { limits: +ratio('limits').toFixed(3), 'limits+sandbox': +ratio('limits+sandbox').toFixed(3) },
  };
}

// The body runs only for a message with a Subject (the bench message has one).
const LOOP = `local m = {} function m:validate_data(msg) if msg:header("Subject")[1] then %BODY% end return msys.core.VALIDATE_CONT end msys.registerModule("t", m)`;
const loop = (body: string) => LOOP.replace('%BODY%', body);

async function limitToVerdict(engine: EngineName) {
  const runs = 21;
  const wall = openPolicy({ engine, scripts: [{ name: 't', source: loop('while true do end') }], instructionLimit: 0, callTimeout: 0.05 });
  const sleeper = openPolicy({ engine, scripts: [{ name: 't', source: loop('msys.sleep(10)') }], callTimeout: 0.05 });
  const budget = openPolicy({ engine, scripts: [{ name: 't', source: loop('while true do end') }], instructionLimit: 1000 });
  const normal = openPolicy({ engine, scripts: [{ name: 't', source: loop('local x = 1') }], instructionLimit: 1000 });
  const overshootMs: number[] = [];
  const sleepOvershootMs: number[] = [];
  const killUs: number[] = [];
  const normalUs: number[] = [];
  const input = { message: raw };
  for (let i = 0; i < runs; i++) {
    let t = performance.now();
    if (wall.run('data', input).errors[0]?.kind !== 'wall_time') throw new Error('no wall_time verdict');
    overshootMs.push(performance.now() - t - 50);
    t = performance.now();
    if ((await sleeper.runAsync('data', input)).errors[0]?.kind !== 'wall_time') throw new Error('no wall_time verdict');
    sleepOvershootMs.push(performance.now() - t - 50);
    t = performance.now();
    if (budget.run('data', input).errors[0]?.kind !== 'instructions') throw new Error('no instructions verdict');
    killUs.push((performance.now() - t) * 1000);
    t = performance.now();
    normal.run('data', input);
    normalUs.push((performance.now() - t) * 1000);
  }
  for (const p of [wall, sleeper, budget, normal]) p.close();
  return {
    loopPastDeadlineMs: +median(overshootMs).toFixed(3),
    sleepPastDeadlineMs: +median(sleepOvershootMs).toFixed(3),
    instructionKillCallUs: +median(killUs).toFixed(1),
    normalCallUs: +median(normalUs).toFixed(1),
  };
}

function memoryAfterKills(engine: EngineName) {
  const p = openPolicy({ engine, scripts: [{ name: 't', source: loop('local s = "x" while true do s = s .. s end') }], memoryLimit: 8 << 20 });
  p.run('data', {}); // a clean call first (no message: no loop), so "before" has a spare thread
  const before = { luaBytes: p.memory(), rssBytes: process.memoryUsage().rss };
  for (let i = 0; i < KILLS; i++) if (p.run('data', { message: raw }).errors[0]?.kind !== 'memory') throw new Error('no memory verdict');
  p.run('data', {});
  const after = { luaBytes: p.memory(), rssBytes: process.memoryUsage().rss };
  const rebuilds = p.stats().masterRebuilds;
  p.close();
  return { kills: KILLS, rebuilds, before, after };
}

const results: Record<string, unknown> = {};
for (const engine of ENGINES) {
  const c = cost(engine);
  const l = await limitToVerdict(engine);
  const m = memoryAfterKills(engine);
  results[engine] = { cost: c, limitToVerdict: l, memory: m };
  console.log(`${engine}:`);
  console.log(`  reference policy, ns/message: off ${c.nsPerMessage.off}, limits ${c.nsPerMessage.limits}, limits+sandbox ${c.nsPerMessage['limits+sandbox']}`);
  console.log(`  median ratio to off (${ROUNDS} rounds): limits ${c.ratioToOff.limits}, limits+sandbox ${c.ratioToOff['limits+sandbox']}`);
  console.log(`  limit to verdict: loop ${l.loopPastDeadlineMs} ms past a 50 ms deadline, sleep ${l.sleepPastDeadlineMs} ms past it; 1000-instruction kill ${l.instructionKillCallUs} us per call (a normal call ${l.normalCallUs} us)`);
  console.log(`  ${m.kills} out-of-memory kills (${m.rebuilds} rebuilds): Lua ${m.before.luaBytes} -> ${m.after.luaBytes} bytes, RSS ${(m.before.rssBytes / 2 ** 20).toFixed(1)} -> ${(m.after.rssBytes / 2 ** 20).toFixed(1)} MiB`);
}
console.log(`written to ${writeResults('guard-rails', { rounds: ROUNDS, messages: N, ...results })}`);
