// The figures two workers add up in shared memory, read back through
// prom-client: exact call counts by phase and result, callouts, script
// errors by module and kind, histogram counts and sums; per-worker gauges
// of the Lua states; and the registry is the host's (or a fresh one), never
// prom-client's global one.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Registry, register as globalRegistry } from 'prom-client';
import type { CallInput } from '../../src/index.js';
import { openEngine, type Engine } from '../../src/pool/index.js';
import { DURATION_BUCKETS } from '../../src/metrics/index.js';
import { message } from '../pool/helpers.js';
import { OUTCOMES_MODULE, SECOND_MODULE, samples, series, value } from './helpers.js';

// How many data calls end each way, and how they are counted.
const SUBJECTS: Record<string, number> = { plain: 10, accept: 6, reject: 5, tempfail: 4, discard: 3, fail: 7, nothing: 5 };
const DATA_CALLS = 40;
const RCPT_CALLS = 12;
const MIN_DATA_SECONDS = (DATA_CALLS * 0.0005) / 3;

function dataInputs(): CallInput[] {
  const inputs: CallInput[] = [];
  for (const [subject, n] of Object.entries(SUBJECTS)) {
    for (let i = 0; i < n; i++) inputs.push({ message: message([`Subject: ${subject}`, 'From: a@example.net']), mailfrom: 'a@example.net', rcptto: ['b@example.com'] });
  }
  return inputs;
}

describe('metrics summed across workers', () => {
  let engine: Engine;
  let registry: Registry;
  let wall = 0;

  before(async () => {
    registry = new Registry();
    engine = openEngine({
      threads: 2,
      maxBatch: 4,
      log: () => {},
      metrics: { registry },
      scripts: [
        { name: 't', source: OUTCOMES_MODULE },
        { name: 'second', source: SECOND_MODULE },
      ],
    });
    await engine.ready();
    const start = performance.now();
    await Promise.all([engine.runBatch('data', dataInputs()), engine.runBatch('rcptto', Array.from({ length: RCPT_CALLS }, () => ({ rcpt: 'b@example.com' })))]);
    wall = (performance.now() - start) / 1000;
    // The Lua states' figures are written at most every 100 ms, and once after the last batch.
    await new Promise((r) => setTimeout(r, 250));
  });

  after(() => engine.close());

  it('spreads the calls over both workers', async () => {
    const s = await engine.stats();
    assert.equal(s.workers.length, 2);
    for (const w of s.workers) assert.ok(w.calls > 0, `worker ${w.threadId} ran no call`);
  });

  it('counts every call by phase and result, exactly', async () => {
    const all = await samples(registry);
    const calls = (phase: string, result: string) => value(all, 'scriptlet_calls_total', { phase, result });
    assert.equal(calls('data', 'none'), SUBJECTS.plain! + SUBJECTS.fail! + SUBJECTS.nothing!);
    assert.equal(calls('data', 'accept'), SUBJECTS.accept);
    assert.equal(calls('data', 'reject'), SUBJECTS.reject);
    assert.equal(calls('data', 'tempfail'), SUBJECTS.tempfail);
    assert.equal(calls('data', 'discard'), SUBJECTS.discard);
    assert.equal(calls('data', 'failed'), 0);
    assert.equal(calls('rcptto', 'none'), RCPT_CALLS);
    assert.equal(series(all, 'scriptlet_calls_total').filter((s) => s.labels.phase === 'connect').length, 0, 'a phase never called has no series');
  });

  it('counts callouts by phase, module and result: a VALIDATE_DONE skips the modules after it', async () => {
    const all = await samples(registry);
    const callouts = (phase: string, module: string, result: string) => value(all, 'scriptlet_callouts_total', { phase, module, result });
    const failing = SUBJECTS.fail! + SUBJECTS.nothing!;
    assert.equal(callouts('data', 't', 'ok'), DATA_CALLS - failing);
    assert.equal(callouts('data', 't', 'error'), failing);
    assert.equal(callouts('data', 'second', 'ok'), DATA_CALLS - SUBJECTS.reject!);
    assert.equal(callouts('data', 'second', 'error'), 0);
    assert.equal(callouts('rcptto', 't', 'ok'), RCPT_CALLS);
    assert.equal(series(all, 'scriptlet_callouts_total').filter((s) => s.labels.module === 'second' && s.labels.phase === 'rcptto').length, 0, 'second has no rcptto callout');
  });

  it('counts script errors by phase, module and kind', async () => {
    const all = await samples(registry);
    assert.equal(value(all, 'scriptlet_script_errors_total', { phase: 'data', module: 't', kind: 'error' }), SUBJECTS.fail);
    assert.equal(value(all, 'scriptlet_script_errors_total', { phase: 'data', module: 't', kind: 'bad_return' }), SUBJECTS.nothing);
    assert.equal(series(all, 'scriptlet_script_errors_total').length, 2);
    assert.equal(series(all, 'scriptlet_limit_hits_total').length, 0);
  });

  it('fills the duration histogram: counts exact, buckets cumulative, sum within the time the workers had', async () => {
    const all = await samples(registry);
    for (const [phase, n] of [
      ['data', DATA_CALLS],
      ['rcptto', RCPT_CALLS],
    ] as const) {
      assert.equal(value(all, 'scriptlet_call_duration_seconds_count', { phase }), n);
      const buckets = series(all, 'scriptlet_call_duration_seconds_bucket').filter((s) => s.labels.phase === phase);
      assert.equal(buckets.length, DURATION_BUCKETS.length + 1);
      assert.equal(buckets.at(-1)!.labels.le, '+Inf');
      assert.equal(buckets.at(-1)!.value, n);
      for (let i = 1; i < buckets.length; i++) assert.ok(buckets[i]!.value >= buckets[i - 1]!.value, 'buckets are cumulative');
      const sum = value(all, 'scriptlet_call_duration_seconds_sum', { phase });
      assert.ok(sum > 0 && sum <= 2 * wall, `sum ${sum} s, wall ${wall} s`);
    }
    // Each data call busy-waits 0.5 ms of process CPU time (os.clock), so at
    // least 0.5 / 3 ms of wall time with the two workers and this thread busy.
    assert.ok(value(all, 'scriptlet_call_duration_seconds_sum', { phase: 'data' }) >= MIN_DATA_SECONDS);
    assert.equal(value(all, 'scriptlet_call_duration_seconds_bucket', { phase: 'data', le: '0.0001' }), 0);
  });

  it('counts the batches the workers ran, and their busy time', async () => {
    const all = await samples(registry);
    const s = await engine.stats();
    assert.equal(value(all, 'scriptlet_pool_tasks_total'), s.tasks);
    assert.equal(value(all, 'scriptlet_pool_tasks_total'), Math.ceil(DATA_CALLS / 4) + Math.ceil(RCPT_CALLS / 4));
    assert.ok(value(all, 'scriptlet_pool_busy_seconds_total') >= MIN_DATA_SECONDS);
    assert.equal(value(all, 'scriptlet_pool_threads'), 2);
    assert.equal(value(all, 'scriptlet_pool_queued_calls'), 0);
    assert.equal(value(all, 'scriptlet_pool_tasks_in_flight'), 0);
  });

  it('reports each worker\'s Lua state: memory, spare threads and GC settings', async () => {
    const all = await samples(registry);
    const s = await engine.stats();
    const memory = series(all, 'scriptlet_lua_memory_bytes');
    assert.equal(memory.length, 2);
    for (const m of memory) assert.ok(m.value > 10_000, `worker ${m.labels.worker}: ${m.value} bytes`);
    const spares = series(all, 'scriptlet_lua_spare_threads').reduce((n, g) => n + g.value, 0);
    assert.equal(spares, s.workers.reduce((n, w) => n + w.policies[0]!.stats.spareThreads, 0));
    for (const g of series(all, 'scriptlet_lua_gc_pause')) assert.equal(g.value, 200);
    for (const g of series(all, 'scriptlet_lua_gc_stepmul')) assert.equal(g.value, 200);
  });

  it('sums the spare-thread counts of every Lua state', async () => {
    const all = await samples(registry);
    const s = await engine.stats();
    const total = (k: 'threadsCreated' | 'threadsReused' | 'threadsDiscarded') => s.workers.reduce((n, w) => n + w.policies[0]!.stats[k], 0);
    assert.equal(value(all, 'scriptlet_lua_threads_total', { event: 'created' }), total('threadsCreated'));
    assert.equal(value(all, 'scriptlet_lua_threads_total', { event: 'reused' }), total('threadsReused'));
    assert.equal(value(all, 'scriptlet_lua_threads_total', { event: 'discarded' }), total('threadsDiscarded'));
    assert.ok(value(all, 'scriptlet_lua_threads_total', { event: 'discarded' }) >= SUBJECTS.fail!, 'a thread that errored is discarded');
  });

  it('tells the engine and the scripts version, and the masters in service: one per worker', async () => {
    const all = await samples(registry);
    const [info] = series(all, 'scriptlet_engine_info');
    assert.deepEqual(info!.labels, { engine: engine.engine, engine_version: engine.engineVersion, scripts_version: engine.version });
    assert.equal(value(all, 'scriptlet_masters', { state: 'live' }), (await engine.stats()).workers.length);
    assert.equal(value(all, 'scriptlet_masters', { state: 'retiring' }), 0);
    assert.equal(value(all, 'scriptlet_reloads_total', { result: 'ok' }), 0);
  });

  it('registers on the registry given, never on the global one', async () => {
    assert.equal(engine.metrics!.registry, registry);
    assert.ok(!(await globalRegistry.metrics()).includes('scriptlet_'));
  });
});

describe('metrics options', () => {
  const scripts = [{ name: 't', source: OUTCOMES_MODULE }];

  it('makes a fresh registry when none is given', async () => {
    const engine = openEngine({ threads: 1, scripts });
    try {
      assert.ok(engine.metrics!.registry instanceof Registry);
      assert.notEqual(engine.metrics!.registry, globalRegistry);
      assert.match(await engine.metrics!.metrics(), /# TYPE scriptlet_calls_total counter/);
    } finally {
      await engine.close();
    }
  });

  it('has no metrics with metrics: false', async () => {
    const engine = openEngine({ threads: 1, scripts, metrics: false });
    try {
      assert.equal(engine.metrics, null);
      assert.equal((await engine.run('data', { message: message(['Subject: plain']) })).disposition, null);
    } finally {
      await engine.close();
    }
  });

  it('refuses a bad metrics option with a clear message', () => {
    assert.throws(() => openEngine({ scripts, metrics: true as never }), { message: 'options.metrics must be false or an object { registry? }, got true' });
    assert.throws(() => openEngine({ scripts, metrics: { registry: {} as never } }), { message: 'options.metrics.registry must be a prom-client Registry' });
    assert.throws(() => openEngine({ scripts, metrics: { port: 1 } as never }), { message: "unknown option 'metrics.port'" });
  });

  it('refuses a second engine on the same registry (the names would clash)', async () => {
    const registry = new Registry();
    const engine = openEngine({ threads: 1, scripts, metrics: { registry } });
    try {
      assert.throws(() => openEngine({ threads: 1, scripts, metrics: { registry } }), /scriptlet_calls_total has already been registered/);
    } finally {
      await engine.close();
    }
  });
});
