// What the calling thread counts: reloads by result and alerts by kind, from
// the engine's 'reload' and 'alert' events, and masters from engine.masters.
// engine-reloads.test.ts counts them on a real engine; here an EventEmitter
// with the same interface ({ ok, version, error? } and { kind, message })
// drives EngineMetrics through cases a real engine is slow to reach (many
// alert kinds). Also: how a script
// failure is classified, and which bucket a duration falls in.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { Registry } from 'prom-client';
import { EngineMetrics } from '../../src/metrics/engine-metrics.js';
import { bucketOf, DURATION_BUCKETS } from '../../src/metrics/metric-layout.js';
import { failureKind } from '../../src/metrics/worker-recorder.js';
import { samples, value } from './helpers.js';

class EngineWithEvents extends EventEmitter {
  readonly engine = 'luajit';
  readonly engineVersion = 'LuaJIT 2.1';
  version = 'v1';
  readonly threads = 2;
  readonly closed = false;
  masters = { live: 1, retiring: 0 };
}

const POOL = () => ({ queuedCalls: 0, tasksInFlight: 0, taskCapacity: 8, workerExits: 0, tempfailed: { worker: 0, deadline: 0 } });

describe('reloads, alerts and masters', () => {
  it('counts reloads by result and alerts by kind, and reads the masters at scrape time', async () => {
    const engine = new EngineWithEvents();
    const registry = new Registry();
    new EngineMetrics({ registry }, ['t'], 2, engine, POOL);
    engine.emit('reload', { ok: true, version: 'v2' });
    engine.emit('reload', { ok: true, version: 'v3' });
    engine.emit('reload', { ok: false, version: 'v3', error: new Error('bad script') });
    engine.emit('alert', { kind: 'reload_failed', message: 'cannot load script' });
    engine.masters = { live: 1, retiring: 1 };
    engine.version = 'v3';
    const all = await samples(registry);
    assert.equal(value(all, 'scriptlet_reloads_total', { result: 'ok' }), 2);
    assert.equal(value(all, 'scriptlet_reloads_total', { result: 'failed' }), 1);
    assert.equal(value(all, 'scriptlet_alerts_total', { kind: 'reload_failed' }), 1);
    assert.equal(value(all, 'scriptlet_masters', { state: 'retiring' }), 1);
    assert.equal(value(all, 'scriptlet_engine_info', { engine: 'luajit', engine_version: 'LuaJIT 2.1', scripts_version: 'v3' }), 1);
  });

  it('bounds the alert kinds: past 16 distinct ones, the rest count as "other"', async () => {
    const engine = new EngineWithEvents();
    const registry = new Registry();
    new EngineMetrics({ registry }, ['t'], 2, engine, POOL);
    for (let i = 0; i < 20; i++) engine.emit('alert', { kind: `kind${i}`, message: '' });
    engine.emit('alert', { kind: 'kind0', message: '' });
    const all = await samples(registry);
    assert.equal(all.get('scriptlet_alerts_total')!.length, 17);
    assert.equal(value(all, 'scriptlet_alerts_total', { kind: 'kind0' }), 2);
    assert.equal(value(all, 'scriptlet_alerts_total', { kind: 'other' }), 4);
  });

  it('works with an engine that has no events yet: no reloads, one live master', async () => {
    const registry = new Registry();
    const plain = { engine: 'lua51', engineVersion: 'Lua 5.1.5', version: 'v1', threads: 1, closed: false };
    new EngineMetrics({ registry }, ['t'], 1, plain, POOL);
    const all = await samples(registry);
    assert.equal(value(all, 'scriptlet_reloads_total', { result: 'ok' }), 0);
    assert.equal(value(all, 'scriptlet_masters', { state: 'live' }), 1);
  });
});

describe('classifying', () => {
  const failure = (message: string, kind?: string) => ({ module: 't', callout: 'validate_data', message, location: '', traceback: '', kind });

  it('names a script failure by kind', () => {
    assert.equal(failureKind(failure('t.lua:3: failing on purpose')), 'error');
    assert.equal(failureKind(failure('validate_data returned nothing; expected msys.core.VALIDATE_CONT or msys.core.VALIDATE_DONE')), 'bad_return');
    assert.equal(failureKind(failure('not enough memory')), 'memory');
    assert.equal(failureKind(failure('instruction limit reached', 'instructions')), 'instructions');
    assert.equal(failureKind(failure('x', 'no such kind')), 'error');
  });

  it('puts a duration in the first bucket whose bound it does not exceed', () => {
    assert.equal(bucketOf(0), 0);
    assert.equal(bucketOf(1e-6), 0);
    assert.equal(bucketOf(1.1e-6), 1);
    assert.equal(bucketOf(0.003), DURATION_BUCKETS.indexOf(0.005));
    assert.equal(bucketOf(1), DURATION_BUCKETS.length - 1);
    assert.equal(bucketOf(2), DURATION_BUCKETS.length);
  });
});
