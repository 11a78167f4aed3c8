// End to end: a real Prometheus server on loopback scrapes the engine's
// /metrics endpoint every second, and a scriptlet series is read back
// through Prometheus's HTTP query API with the value the engine counted;
// the Grafana dashboard's queries are valid PromQL for that server.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { openEngine, type Engine } from '../../src/pool/index.js';
import { startMetricsServer, type MetricsServer } from '../../src/metrics/index.js';
import { message } from '../pool/helpers.js';
import { OUTCOMES_MODULE, debianTool } from './helpers.js';

const WAIT_MS = 20_000;

/** A port free on loopback right now. */
async function freePort(): Promise<number> {
  const probe = net.createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as net.AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

interface QueryAnswer {
  status: string;
  data: { result: { metric: Record<string, string>; value: [number, string] }[] };
}

/** Polls Prometheus's query API until the query returns a series, or fails after WAIT_MS with what Prometheus said. */
async function queryUntilFound(base: string, query: string, logs: () => string): Promise<QueryAnswer['data']['result']> {
  const end = Date.now() + WAIT_MS;
  let last = 'no answer';
  while (Date.now() < end) {
    try {
      const res = await fetch(`${base}/api/v1/query?query=${encodeURIComponent(query)}`);
      const body = (await res.json()) as QueryAnswer;
      last = JSON.stringify(body);
      if (body.status === 'success' && body.data.result.length > 0) return body.data.result;
    } catch (err) {
      last = (err as Error).message; // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  assert.fail(`no series for ${query} after ${WAIT_MS} ms; last answer: ${last}\nprometheus log:\n${logs()}`);
}

describe('scraped by a real Prometheus', () => {
  let engine: Engine;
  let server: MetricsServer;
  let prometheus: ChildProcess | undefined;
  let dir: string;
  let log = '';

  before(async () => {
    engine = openEngine({ threads: 2, log: () => {}, scripts: [{ name: 't', source: OUTCOMES_MODULE }] });
    await engine.runBatch('data', ['reject', 'reject', 'accept'].map((s) => ({ message: message([`Subject: ${s}`]) })));
    server = await startMetricsServer({ registry: engine.metrics!.registry, port: 0 });
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'scriptlet-prometheus-'));
  });

  after(async () => {
    if (prometheus && prometheus.exitCode === null) {
      const exited = new Promise((r) => prometheus!.once('exit', r));
      prometheus.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
      if (prometheus.exitCode === null) prometheus.kill('SIGKILL');
    }
    await server?.close();
    await engine?.close();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('reads a scriptlet series back through the query API', async (t) => {
    const binary = debianTool(t, 'prometheus', 'prometheus');
    if (!binary) return;
    const port = await freePort();
    const config = path.join(dir, 'prometheus.yml');
    fs.writeFileSync(
      config,
      [
        'global:',
        '  scrape_interval: 1s',
        'scrape_configs:',
        '  - job_name: scriptlet',
        '    metrics_path: /metrics',
        '    static_configs:',
        `      - targets: ['127.0.0.1:${server.port}']`,
        '',
      ].join('\n'),
    );
    prometheus = spawn(binary, [`--config.file=${config}`, `--storage.tsdb.path=${path.join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`, '--log.level=warn'], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    prometheus.stderr!.on('data', (chunk: Buffer) => (log += chunk.toString()));
    const result = await queryUntilFound(`http://127.0.0.1:${port}`, 'scriptlet_calls_total{phase="data",result="reject"}', () => log);
    assert.equal(result.length, 1);
    assert.equal(result[0]!.metric.job, 'scriptlet');
    assert.equal(result[0]!.value[1], '2');
    const count = await queryUntilFound(`http://127.0.0.1:${port}`, 'scriptlet_call_duration_seconds_count{phase="data"}', () => log);
    assert.equal(count[0]!.value[1], '3');

    // Every query of the Grafana dashboard is PromQL this Prometheus accepts.
    const dashboard = JSON.parse(fs.readFileSync('docs/grafana-dashboard.json', 'utf8')) as { panels: { title: string; targets?: { expr: string }[] }[] };
    const queries = dashboard.panels.flatMap((p) => (p.targets ?? []).map((t) => ({ panel: p.title, expr: t.expr.replaceAll('$__rate_interval', '1m').replaceAll('$job', '.*') })));
    assert.ok(queries.length >= 15);
    for (const { panel, expr } of queries) {
      const res = await fetch(`http://127.0.0.1:${port}/api/v1/query?query=${encodeURIComponent(expr)}`);
      const body = (await res.json()) as { status: string; error?: string };
      assert.equal(body.status, 'success', `panel "${panel}": ${expr}: ${body.error}`);
    }
  });
});
