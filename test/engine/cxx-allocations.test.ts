// The crossing from JS into the addon makes no C++ allocation per call once
// warm (the batch text a crossing writes is its object's own, kept with its
// capacity). Counted in a child node with test/helpers/count-new.c
// preloaded in place of libstdc++'s operator new: node's and the addon's
// allocations alike. Lua's own allocations are counted apart
// (allocations.test.ts); the core's by the C driver (test/bench/c-driver.test.ts).
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const HERE = path.dirname(new URL(import.meta.url).pathname);
let counter = '';

function compileCounter(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'count-new-'));
  const out = path.join(dir, 'count-new.so');
  execFileSync('cc', ['-shared', '-fPIC', '-O2', '-o', out, path.join(HERE, '../helpers/count-new.c')]);
  return out;
}

// Under npm run test:asan, AddressSanitizer's runtime, preloaded first, is operator new.
const SANITIZED = /libasan/.test(process.env.LD_PRELOAD ?? '');

describe('C++ allocations per call through the addon, after warm-up', { skip: SANITIZED && 'AddressSanitizer takes operator new\'s place' }, () => {
  let result: { preloaded: boolean; run: number; runBatch: number; runPacked: number; messageAddresses: number };
  before(() => {
    counter = compileCounter();
    const child = spawnSync(process.execPath, ['--import', 'tsx', path.join(HERE, '../helpers/count-new-child.ts')], {
      env: { ...process.env, LD_PRELOAD: counter, COUNT_NEW: counter },
      encoding: 'utf8',
    });
    fs.rmSync(path.dirname(counter), { recursive: true, force: true });
    assert.equal(child.status, 0, child.stderr);
    result = JSON.parse(child.stdout.trim().split('\n').at(-1)!);
  });

  it('are counted: the counter took operator new\'s place', () => {
    assert.equal(result.preloaded, true);
  });

  // Fewest over windows of 1 920 calls (count-new-child.ts); before the text was kept, 3 a call.
  it('are none for policy.run with a reply and context writes', () => {
    assert.ok(result.run < 0.01, `${result.run} C++ allocations per call`);
  });

  it('are none for policy.runBatch', () => {
    assert.ok(result.runBatch < 0.01, `${result.runBatch} C++ allocations per call`);
  });

  // A pool worker's crossing: its batch's own key table is cleared, not remade (4 a call before).
  it('are none for a packed one-call batch, as a pool worker runs it', () => {
    assert.ok(result.runPacked < 0.01, `${result.runPacked} C++ allocations per call`);
  });

  // Past six arguments an InstanceMethod's CallbackInfo allocates their array (1 a batch before).
  it('are none for the addresses of a batch of 64 messages, as the pool\'s calling thread finds them', () => {
    assert.ok(result.messageAddresses < 0.01, `${result.messageAddresses} C++ allocations per message`);
  });
});
