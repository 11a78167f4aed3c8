// persist = true: a series survives a restart of the process (the snapshot
// in state_dir, written when the last policy closes, read at define); a
// corrupt snapshot is reported, set aside and ignored, never a crash.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { openPolicy } from '../../src/index.js';
import { configureState, flushState, stateStatus } from '../../src/state/index.js';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const T0 = 1_800_000_000;

interface Run {
  count: string;
  errors: unknown[];
  logs: string[];
}

function runProcess(dir: string, adds: number, clock: number): Run {
  const child = spawnSync(process.execPath, ['--import', 'tsx', 'test/state/fixtures/persist-process.ts', dir, String(adds), String(clock)], { encoding: 'utf8', env: process.env, timeout: 60_000 });
  assert.equal(child.status, 0, `exit ${child.status} ${child.signal}; stderr: ${child.stderr}`);
  const run = JSON.parse(child.stdout) as Run;
  assert.deepEqual(run.errors, []);
  return run;
}

function stateDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'scriptlet-state-'));
}

describe('persist = true', () => {
  it('keeps a series across a restart of the process, windows and prefixes included; others start empty', () => {
    const dir = stateDir();
    assert.equal(runProcess(dir, 3, T0).count, '3,3,6,3');
    assert.ok(fs.existsSync(path.join(dir, 'audit_series.snapshot')), 'the snapshot is written at close');
    assert.deepEqual(fs.readdirSync(dir), ['audit_series.snapshot'], 'no temp file left behind');
    assert.equal(runProcess(dir, 1, T0 + 10).count, '4,4,8,1');
    // An hour later the rcpt_valid windows (12 x 300 s) still hold the first runs as window 11/12...
    assert.equal(runProcess(dir, 0, T0 + 3299).count, '4,4,0,0');
    // ...and then they are gone: the snapshot keeps windows, not totals.
    assert.equal(runProcess(dir, 0, T0 + 3600).count, '0,0,0,0');
  });

  it('reports a corrupt snapshot, sets it aside and starts empty; the next close writes a good one', () => {
    for (const corrupt of ['garbage\n', 'scriptlet-state 1\nseries 6162 string 60 10\nk 6b 29999999:2\nend 3 0000000000000000\n']) {
      const dir = stateDir();
      const file = path.join(dir, 'audit_series.snapshot');
      fs.writeFileSync(file, corrupt);
      const run = runProcess(dir, 2, T0);
      assert.equal(run.count, '2,2,4,2');
      assert.match(run.logs.join('\n'), /msys\.audit_series\.define: ignored the corrupt snapshot .*audit_series\.snapshot \((not a scriptlet state file|checksum mismatch)\), kept as .*\.corrupt/);
      assert.equal(fs.readFileSync(`${file}.corrupt`, 'utf8'), corrupt);
      assert.equal(runProcess(dir, 1, T0 + 1).count, '3,3,6,1');
    }
  });

  it('ignores a truncated snapshot (a crash halfway through a write that was not atomic)', () => {
    const dir = stateDir();
    runProcess(dir, 5, T0);
    const file = path.join(dir, 'audit_series.snapshot');
    const whole = fs.readFileSync(file, 'utf8');
    fs.writeFileSync(file, whole.slice(0, Math.floor(whole.length / 2)));
    const run = runProcess(dir, 1, T0);
    assert.equal(run.count, '1,1,2,1');
    assert.match(run.logs.join('\n'), /ignored the corrupt snapshot/);
  });
});

describe('the snapshot timer and flushState', () => {
  it('writes the snapshot every snapshotInterval while policies stay open, and at once on flushState', async () => {
    const dir = stateDir();
    const file = path.join(dir, 'audit_series.snapshot');
    const p = openPolicy({ scripts: [{ name: 't', source: `local mod = {}
function mod:init() msys.audit_series.define("timed", "string", 60, 2, {persist = true}) return true end
function mod:validate_data(msg, accept, vctx) msys.audit_series.add("timed", "k") return msys.core.VALIDATE_CONT end
msys.registerModule("t", mod)` }], stateDir: dir });
    try {
      configureState({ stateDir: dir, snapshotInterval: 1 });
      assert.equal(stateStatus().snapshotPath, file);
      // Both adds in one 60 s window (windows start on the epoch's minutes): not in a minute's last 6 s.
      const intoMinuteMs = Date.now() % 60_000;
      if (intoMinuteMs > 54_000) await new Promise((r) => setTimeout(r, 60_000 - intoMinuteMs + 50));
      p.run('data', { message: Buffer.from('Subject: x\r\n\r\nbody\r\n') });
      flushState();
      assert.match(fs.readFileSync(file, 'utf8'), /^scriptlet-state 1\nseries 74696d6564 string 60 2\nk 6b \d+:1\nend 3 [0-9a-f]{16}\n$/);
      p.run('data', { message: Buffer.from('Subject: x\r\n\r\nbody\r\n') });
      // The timer (started by the define, 30 s; now every 1 s) writes the second add without a close.
      const deadline = Date.now() + 5000;
      while (!/ \d+:2\n/.test(fs.readFileSync(file, 'utf8')) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      assert.match(fs.readFileSync(file, 'utf8'), /\nk 6b \d+:2\n/);
    } finally {
      p.close();
    }
  });

  it('throws from flushState what failed (a state directory that is gone)', () => {
    const dir = stateDir();
    configureState({ stateDir: dir });
    fs.rmSync(dir, { recursive: true });
    assert.throws(() => flushState(), /could not write the snapshot .*audit_series\.snapshot: No such file or directory/);
  });
});
