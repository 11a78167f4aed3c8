// Reloads and alerts of a real pool engine, counted on the calling thread
// from its 'reload' and 'alert' events; masters read at scrape time.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Registry } from 'prom-client';
import { openEngine } from '../../src/pool/index.js';
import { vendoredEngineVersion } from '../helpers/vendored-engine.js';
import { module } from '../pool/helpers.js';
import { samples, value } from './helpers.js';

const WORKING = module({ data: 'vctx:set(msys.core.VCTX_MESS, "seen", "yes")' });

describe('reload metrics of a real engine', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'scriptlet-metrics-reload-'));
  const file = path.join(dir, 't.lua');
  fs.writeFileSync(file, WORKING);
  const registry = new Registry();
  const engine = openEngine({ threads: 2, log: () => {}, metrics: { registry }, scripts: [{ name: 't', path: file }] });
  after(async () => {
    await engine.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('counts a reload that serves new scripts as ok, and labels the new scripts version', async () => {
    await engine.run('data', { message: Buffer.from('Subject: x\r\n\r\n') });
    fs.writeFileSync(file, `${WORKING}\n-- edited`);
    const result = await engine.reload();
    assert.equal(result.ok, true);
    const all = await samples(registry);
    assert.equal(value(all, 'scriptlet_reloads_total', { result: 'ok' }), 1);
    assert.equal(value(all, 'scriptlet_reloads_total', { result: 'failed' }), 0);
    assert.equal(value(all, 'scriptlet_engine_info', { engine: engine.engine, engine_version: vendoredEngineVersion(engine.engine), scripts_version: engine.version }), 1);
  });

  it('counts a broken edit as a failed reload and an alert, while the old scripts keep serving', async () => {
    const serving = engine.version;
    fs.writeFileSync(file, 'this is not lua');
    const result = await engine.reload();
    assert.equal(result.ok, false);
    assert.equal(engine.version, serving);
    const all = await samples(registry);
    assert.equal(value(all, 'scriptlet_reloads_total', { result: 'ok' }), 1);
    assert.equal(value(all, 'scriptlet_reloads_total', { result: 'failed' }), 1);
    assert.equal(value(all, 'scriptlet_alerts_total', { kind: 'reload' }), 1);
    assert.equal(value(all, 'scriptlet_masters', { state: 'live' }), engine.masters.live);
    const verdict = await engine.run('data', { message: Buffer.from('Subject: x\r\n\r\n') });
    assert.equal(verdict.version, serving);
    assert.deepEqual(verdict.context.mess, { seen: 'yes' });
  });
});
