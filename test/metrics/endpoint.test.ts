// The /metrics endpoint: serves the registry in Prometheus's text format,
// which promtool's linter accepts after calls that touch every kind of
// metric; other paths and methods are refused; bad options are named.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { Counter, Registry } from 'prom-client';
import { openEngine, type Engine } from '../../src/pool/index.js';
import { startMetricsServer, type MetricsServer } from '../../src/metrics/index.js';
import { message } from '../pool/helpers.js';
import { OUTCOMES_MODULE, debianTool } from './helpers.js';

describe('the /metrics endpoint', () => {
  let engine: Engine;
  let server: MetricsServer;

  before(async () => {
    engine = openEngine({ threads: 2, log: () => {}, scripts: [{ name: 't', source: OUTCOMES_MODULE }] });
    await engine.ready();
    const subjects = ['plain', 'accept', 'reject', 'tempfail', 'discard', 'fail', 'nothing'];
    await engine.runBatch('data', subjects.map((s) => ({ message: message([`Subject: ${s}`]) })));
    await engine.run('connect', { remoteAddr: '192.0.2.1' });
    server = await startMetricsServer({ registry: engine.metrics!.registry, port: 0 });
  });

  after(async () => {
    await server?.close();
    await engine.close();
  });

  it('serves the registry as Prometheus text on GET /metrics', async () => {
    assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
    const res = await fetch(server.url);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'text/plain; version=0.0.4; charset=utf-8');
    const text = await res.text();
    assert.match(text, /^scriptlet_calls_total\{phase="data",result="reject"\} 1$/m);
    assert.match(text, /^scriptlet_call_duration_seconds_count\{phase="data"\} 7$/m);
    assert.match(text, /^# TYPE scriptlet_call_duration_seconds histogram$/m);
  });

  it('passes promtool check metrics', async (t) => {
    const promtool = debianTool(t, 'promtool', 'prometheus');
    if (!promtool) return;
    const text = await (await fetch(server.url)).text();
    const check = spawnSync(promtool, ['check', 'metrics'], { input: text, encoding: 'utf8' });
    assert.equal(check.status, 0, `promtool: ${check.stdout}${check.stderr}`);
    assert.equal((check.stdout + check.stderr).trim(), '');
  });

  it('answers 404 on another path and 405 on another method', async () => {
    assert.equal((await fetch(new URL('/other', server.url))).status, 404);
    const post = await fetch(server.url, { method: 'POST', body: 'x' });
    assert.equal(post.status, 405);
    assert.equal(post.headers.get('allow'), 'GET, HEAD');
    const head = await fetch(server.url, { method: 'HEAD' });
    assert.equal(head.status, 200);
  });
});

describe('startMetricsServer', () => {
  it('serves the host\'s own metrics beside the engine\'s, from the same registry', async () => {
    const registry = new Registry();
    new Counter({ name: 'host_messages_total', help: 'Messages the host took.', registers: [registry] }).inc(3);
    const server = await startMetricsServer({ registry, port: 0, path: '/m' });
    try {
      assert.match(await (await fetch(server.url)).text(), /^host_messages_total 3$/m);
    } finally {
      await server.close();
    }
  });

  it('refuses bad options with a clear message', async () => {
    await assert.rejects(startMetricsServer({} as never), { message: 'startMetricsServer needs options.registry, a prom-client Registry' });
    await assert.rejects(startMetricsServer({ registry: new Registry(), port: 70000 }), { message: 'options.port must be an integer from 0 to 65535, got 70000' });
    await assert.rejects(startMetricsServer({ registry: new Registry(), path: 'metrics' }), { message: 'options.path must start with "/", got metrics' });
  });

  it('fails to start on a port already taken', async () => {
    const first = await startMetricsServer({ registry: new Registry(), port: 0 });
    try {
      await assert.rejects(startMetricsServer({ registry: new Registry(), port: first.port }), { code: 'EADDRINUSE' });
    } finally {
      await first.close();
    }
  });
});
