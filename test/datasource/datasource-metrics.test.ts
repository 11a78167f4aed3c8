// The datasource and HTTP client figures: counted in each worker, added up
// in shared memory, read by the engine's registry at scrape time.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createRequire } from 'node:module';
import { Registry } from 'prom-client';
import { openEngine } from '../../src/index.js';
import { registerDatasourceMetrics } from '../../src/metrics/datasource-metrics.js';
import { closeAllDatasources } from '../../src/datasource/index.js';
import { eml } from '../helpers/lua-policy.js';
import { module } from '../pool/helpers.js';
import { runLua } from './helpers.js';

const require = createRequire(import.meta.url);
const { Database } = require('node-sqlite3-wasm') as { Database: new (p: string) => { exec(s: string): void; close(): void } };

let dir: string;
let file: string;
before(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ds-metrics-'));
  file = path.join(dir, 'm.db');
  const db = new Database(file);
  db.exec(`create table t (k text, v integer); insert into t values ('a', 1);`);
  db.close();
});
after(async () => {
  await closeAllDatasources();
  fs.rmSync(dir, { recursive: true, force: true });
});

function value(text: string, line: string): number {
  const found = text.split('\n').find((l) => l.startsWith(line + ' '));
  return found ? Number(found.slice(line.length + 1)) : NaN;
}

describe('datasource metrics', () => {
  it('counts queries, cache hits and misses, errors and query time by datasource across the pool workers', async () => {
    const engine = openEngine({
      threads: 2,
      datasources: [{ name: 'm', uris: [`sqlite:${file}`] }],
      scripts: [{ name: 't', source: module({ data: `local a = msys.db.fetch_row("m", "select v from t where k = ?", {"a"})
        local b = msys.db.fetch_row("m", "select v from t where k = ?", {"a"})
        msys.db.query("m", "select nope", nil, {raise_error = false})` }) }],
    });
    try {
      for (let i = 0; i < 4; i++) await engine.run('data', { message: eml(['Subject: x']) });
      await new Promise((r) => setTimeout(r, 300)); // the workers copy their counts every 100 ms
      const text = await engine.metrics!.registry.metrics();
      assert.equal(value(text, 'scriptlet_datasource_queries_total{datasource="m"}'), 12);
      const hits = value(text, 'scriptlet_datasource_cache_hits_total{datasource="m"}');
      const misses = value(text, 'scriptlet_datasource_cache_misses_total{datasource="m"}');
      assert.equal(hits + misses, 12);
      assert.ok(hits >= 4 && misses >= 5, `hits ${hits}, misses ${misses}`); // one miss of each statement per worker that ran
      assert.equal(value(text, 'scriptlet_datasource_errors_total{datasource="m"}'), 4);
      assert.equal(value(text, 'scriptlet_datasource_query_seconds_count{datasource="m"}'), misses);
      assert.ok(value(text, 'scriptlet_datasource_cache_entries{datasource="m"}') >= 1);
      assert.match(text, /# TYPE scriptlet_http_client_requests_total counter/);
    } finally {
      await engine.close();
    }
  });

  it('reads this thread\'s own figures for a host that runs a Policy in its thread', async () => {
    const registry = new Registry();
    registerDatasourceMetrics(registry);
    await runLua(`local c = msys.http.client.new() c:do_request("GET", "http://127.0.0.1:1/") return 1`);
    const text = await registry.metrics();
    assert.ok(value(text, 'scriptlet_http_client_requests_total') >= 1);
    assert.ok(value(text, 'scriptlet_http_client_errors_total') >= 1);
  });
});
