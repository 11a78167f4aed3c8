// The shared store's and msys.cidr's figures on the engine's registry: a real
// policy defines a series, a gauge cache, a counter and a cidr table in
// init, its connect callout adds keys, a reload swaps the table, and every
// figure is read from the registry's exposition text (what Prometheus
// scrapes), which promtool accepts. The figures are the process's: this
// file runs in its own process, so they start from this policy alone.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { openEngine, type Engine } from '../../src/pool/index.js';
import { Registry } from 'prom-client';
import { configureState, flushState, inboundAudit } from '../../src/state/index.js';
import { loadAddon } from '../../src/native/addon.js';
import { oncePerScrape, readSharedStateStats, registerSharedStateMetrics } from '../../src/metrics/shared-state-metrics.js';
import { module } from '../pool/helpers.js';
import { debianTool } from './helpers.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'scriptlet-state-metrics-'));
const stateDir = path.join(dir, 'state');
const list = path.join(dir, 'list.txt');
const WAIT_MS = 10_000;

const POLICY = `local mod = {}
function mod:init()
  msys.audit_series.define("m_series", "cidr", 300, 12, {persist = true})
  msys.gauge_cache.define("m_gauge", 100, 600)
  msys.cidr.define("m_table", { type = "rbldnsd", source = "list.txt", refresh = 0 })
  return true
end
${module({
  connect: `
  if vctx:get(msys.core.VCTX_CONN, "reload") then msys.cidr.reload("m_table") return msys.core.VALIDATE_CONT end
  msys.audit_series.add("m_series", {key = accept})
  msys.gauge_cache.inc("m_gauge", vctx:get(msys.core.VCTX_CONN, "k"))
  msys.counter.inc("/m_counter")`,
}).replace('local mod = {}\n', '')}`;

/** The value of `name{labels}` in exposition text; throws when the line is missing. */
function figure(text: string, name: string, labels = ''): number {
  const line = text.split('\n').find((l) => l.startsWith(`${name}${labels ? `{${labels}}` : ''} `));
  assert.ok(line, `no ${name}${labels ? `{${labels}}` : ''} in:\n${text}`);
  return Number(line.slice(line.lastIndexOf(' ') + 1));
}

/** Scrapes until check passes on the text (a cidr reload is built in the background), or fails with the last text. */
async function scrapeUntil(engine: Engine, check: (text: string) => boolean): Promise<string> {
  const end = Date.now() + WAIT_MS;
  let text = '';
  while (Date.now() < end) {
    text = await engine.metrics!.metrics();
    if (check(text)) return text;
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.fail(`not reached after ${WAIT_MS} ms:\n${text}`);
}

describe('shared store and msys.cidr metrics', () => {
  let engine: Engine;

  before(async () => {
    fs.mkdirSync(stateDir);
    fs.writeFileSync(list, '192.0.2.1\n192.0.2.2\n198.51.100.0/24\n');
    configureState({ stateDir });
    engine = openEngine({ threads: 2, log: () => {}, searchPath: [dir], scripts: [{ name: 't', source: POLICY }] });
    await engine.ready();
    const verdicts = await engine.runBatch('connect', ['203.0.113.1', '203.0.113.2', '203.0.113.3', '203.0.113.1'].map((remoteAddr) => ({ remoteAddr, context: { conn: { k: remoteAddr } } })));
    assert.deepEqual(verdicts.flatMap((v) => v.errors), []);
  });

  after(async () => {
    await engine.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('counts the series, caches and keys the policy holds, shared by both workers', async () => {
    const text = await engine.metrics!.metrics();
    assert.equal(figure(text, 'scriptlet_state_series'), 1);
    assert.equal(figure(text, 'scriptlet_state_caches'), 1);
    assert.equal(figure(text, 'scriptlet_state_keys', 'store="audit_series"'), 3, 'three addresses, one of them twice');
    assert.equal(figure(text, 'scriptlet_state_keys', 'store="gauge_cache"'), 3);
    assert.equal(figure(text, 'scriptlet_state_keys', 'store="counter"'), 1);
  });

  it('counts the inbound audit\'s keys the host reports', async () => {
    const audit = inboundAudit();
    const before = figure(await engine.metrics!.metrics(), 'scriptlet_state_keys', 'store="inbound_audit"');
    audit.sessionOpened('198.18.0.1');
    // One connection counted and one live session: two keys.
    assert.equal(figure(await engine.metrics!.metrics(), 'scriptlet_state_keys', 'store="inbound_audit"'), before + 2);
    audit.sessionClosed('198.18.0.1');
    // The session gauge forgets an address back at 0; the connection count stays for its windows.
    assert.equal(figure(await engine.metrics!.metrics(), 'scriptlet_state_keys', 'store="inbound_audit"'), before + 1);
  });

  it('counts snapshot writes, and the writes that failed', async () => {
    const text = await engine.metrics!.metrics();
    const writes = figure(text, 'scriptlet_state_snapshot_writes_total');
    const errors = figure(text, 'scriptlet_state_snapshot_errors_total');
    flushState();
    assert.ok(fs.existsSync(path.join(stateDir, 'audit_series.snapshot')));
    assert.equal(figure(await engine.metrics!.metrics(), 'scriptlet_state_snapshot_writes_total'), writes + 1);
    fs.rmSync(stateDir, { recursive: true });
    assert.throws(() => flushState(), /could not write the snapshot/);
    const after = await engine.metrics!.metrics();
    assert.equal(figure(after, 'scriptlet_state_snapshot_writes_total'), writes + 1);
    assert.equal(figure(after, 'scriptlet_state_snapshot_errors_total'), errors + 1);
    fs.mkdirSync(stateDir); // the last policy to close writes one more
  });

  it('counts the cidr table and its entries, and the reloads that swapped it or failed', async () => {
    const text = await engine.metrics!.metrics();
    assert.equal(figure(text, 'scriptlet_cidr_tables'), 1, 'one table, though each worker defined it');
    assert.equal(figure(text, 'scriptlet_cidr_entries'), 3);
    const loads = figure(text, 'scriptlet_cidr_loads_total');
    assert.ok(loads >= 1);
    assert.equal(figure(text, 'scriptlet_cidr_load_failures_total'), 0);

    fs.writeFileSync(list, '192.0.2.1\n192.0.2.2\n192.0.2.3\n192.0.2.4\n198.51.100.0/24\n');
    await engine.run('connect', { remoteAddr: '203.0.113.9', context: { conn: { reload: '1' } } });
    const reloaded = await scrapeUntil(engine, (t) => figure(t, 'scriptlet_cidr_entries') === 5);
    assert.equal(figure(reloaded, 'scriptlet_cidr_loads_total'), loads + 1);

    fs.writeFileSync(list, 'not-an-address\n');
    await engine.run('connect', { remoteAddr: '203.0.113.9', context: { conn: { reload: '1' } } });
    const failed = await scrapeUntil(engine, (t) => figure(t, 'scriptlet_cidr_load_failures_total') === 1);
    assert.equal(figure(failed, 'scriptlet_cidr_entries'), 5, 'the table read before stays');
    assert.equal(figure(failed, 'scriptlet_cidr_loads_total'), loads + 1);
  });

  it('passes promtool check metrics', async (t) => {
    const promtool = debianTool(t, 'promtool', 'prometheus');
    if (!promtool) return;
    const text = await engine.metrics!.metrics();
    const check = spawnSync(promtool, ['check', 'metrics'], { input: text, encoding: 'utf8' });
    assert.equal(check.status, 0, `promtool: ${check.stdout}${check.stderr}`);
  });
});

describe('reading the shared figures', () => {
  it('asks the addon once per scrape, not once per metric, and again at the next scrape', async () => {
    let reads = 0;
    const registry = new Registry();
    registerSharedStateMetrics(registry, oncePerScrape(() => (reads++, readSharedStateStats(loadAddon()))));
    await registry.metrics();
    assert.equal(reads, 1);
    await registry.metrics();
    assert.equal(reads, 2);
  });

  it('names the fault when the addon predates sharedStateStats()', () => {
    assert.throws(() => readSharedStateStats({}), /the addon has no sharedStateStats\(\): rebuild it/);
  });
});
