// Every call runs on a Lua thread from the master's spare cache: reused up to
// max_uses_per_thread, kept up to max_spare_per_master, discarded after an
// error, and released by the reaper when unused for a whole interval.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { openPolicy } from '../../src/index.js';

const OK = 'msys.registerModule("t", { validate_connect = function() return 0 end, validate_ehlo = function() error("x") end })';
const scripts = [{ name: 't', source: OK }];

describe('spare Lua threads', () => {
  it('reuses one thread for calls one after another', () => {
    const p = openPolicy({ scripts });
    for (let i = 0; i < 100; i++) p.run('connect');
    const s = p.stats();
    assert.equal(s.threadsCreated, 1);
    assert.equal(s.threadsReused, 99);
    assert.equal(s.spareThreads, 1);
    p.close();
  });

  it('retires a thread after max_uses_per_thread uses', () => {
    const p = openPolicy({ scripts, maxUsesPerThread: 10 });
    for (let i = 0; i < 100; i++) p.run('connect');
    const s = p.stats();
    assert.equal(s.threadsCreated, 10);
    assert.equal(s.threadsRetired, 10);
    p.close();
  });

  it('keeps no spare with max_spare_per_master = 0', () => {
    const p = openPolicy({ scripts, maxSparePerMaster: 0 });
    for (let i = 0; i < 20; i++) p.run('connect');
    const s = p.stats();
    assert.equal(s.spareThreads, 0);
    assert.equal(s.threadsCreated, 20);
    assert.equal(s.threadsReused, 0);
    p.close();
  });

  it('discards a thread whose callout errored, never reusing it', () => {
    const p = openPolicy({ scripts });
    p.run('connect');
    p.run('ehlo', { helo: 'x' });
    p.run('connect');
    const s = p.stats();
    assert.equal(s.threadsDiscarded, 1);
    assert.equal(s.threadsCreated, 2);
    p.close();
  });

  it('releases spares unused since the previous sweep', () => {
    const p = openPolicy({ scripts });
    p.run('connect');
    assert.equal(p.reapSpareThreads(), 0, 'used since the last sweep: kept');
    assert.equal(p.reapSpareThreads(), 1, 'unused for a whole interval: released');
    assert.equal(p.stats().spareThreads, 0);
    assert.equal(p.stats().threadsReaped, 1);
    p.run('connect');
    assert.equal(p.stats().threadsCreated, 2);
    p.close();
  });

  it('trims the spares at once when max_spare_per_master is lowered', () => {
    const p = openPolicy({ scripts, maxUsesPerThread: 1 });
    p.configure({ maxUsesPerThread: 5000 });
    for (let i = 0; i < 3; i++) p.run('connect');
    p.configure({ maxSparePerMaster: 0 });
    assert.equal(p.stats().spareThreads, 0);
    p.close();
  });
});
