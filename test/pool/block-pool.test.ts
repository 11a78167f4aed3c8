// The blocks that carry packed messages to the workers: used again when they
// come back, up to a count and a byte budget.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { BlockPool } from '../../src/pool/wire-inputs.js';

const MB = 1024 * 1024;

describe('message blocks', () => {
  it('gives back a returned block, large ones included (64 messages of 200 KB)', () => {
    const blocks = new BlockPool(4);
    const block = blocks.take(64 * 200 * 1024);
    assert.equal(block.byteLength, 16 * MB);
    blocks.give(block);
    assert.equal(blocks.keptBytes, 16 * MB);
    assert.equal(blocks.take(12 * MB), block);
    assert.equal(blocks.keptBytes, 0);
  });

  it('rounds sizes up to a power of two from 64 KB, and does not keep smaller blocks', () => {
    const blocks = new BlockPool(4);
    assert.equal(blocks.take(1).byteLength, 64 * 1024);
    assert.equal(blocks.take(64 * 1024 + 1).byteLength, 128 * 1024);
    blocks.give(new ArrayBuffer(1024));
    assert.equal(blocks.keptBytes, 0);
  });

  it('keeps at most its count of blocks, and at most its byte budget', () => {
    const few = new BlockPool(2);
    for (let i = 0; i < 3; i++) few.give(new ArrayBuffer(MB));
    assert.equal(few.keptBytes, 2 * MB);
    const big = new BlockPool(16);
    const blocks = Array.from({ length: 6 }, () => big.take(16 * MB));
    for (const b of blocks) big.give(b);
    assert.equal(big.keptBytes, BlockPool.KEPT_BYTES);
  });
});
