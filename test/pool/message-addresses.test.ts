// The addon's messageAddresses, with which the calling thread tells a worker
// where each message's bytes are: one call per batch, the messages as
// arguments, each slot (address low, high, length) written at its stride.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { loadAddon } from '../../src/native/addon.js';

const addon = loadAddon();
const address = (ints: Int32Array, at: number): bigint => (BigInt(ints[at + 1]! >>> 0) << 32n) | BigInt(ints[at]! >>> 0);

describe('messageAddresses', () => {
  it('writes each message\'s address and length at its slot; a missing message gets length -1', () => {
    const whole = Buffer.alloc(100, 1);
    const a = whole.subarray(10, 30);
    const b = whole.subarray(40, 41);
    const ints = new Int32Array(2 + 4 * 5).fill(7);
    addon.messageAddresses(ints, 2, 5, a, undefined, b, Buffer.alloc(0));
    assert.deepEqual([ints[4], ints[9], ints[14], ints[19]], [20, -1, 1, 0]);
    assert.equal(address(ints, 12) - address(ints, 2), 30n, 'two views of one memory are as far apart as their offsets');
    assert.deepEqual([ints[0], ints[1], ints[5], ints[6]], [7, 7, 7, 7], 'nothing written between the slots');
  });

  it('does nothing for no messages', () => {
    const ints = new Int32Array(0);
    addon.messageAddresses(ints, 0, 5);
  });

  it('refuses slots that lie outside ints, and arguments of the wrong kind', () => {
    const one = Buffer.from('x');
    assert.throws(() => addon.messageAddresses(new Int32Array(7), 0, 5, one, one), RangeError);
    assert.throws(() => addon.messageAddresses(new Int32Array(8), -1, 5, one), RangeError);
    assert.throws(() => addon.messageAddresses(new Int32Array(8), 0, 2, one), RangeError);
    assert.throws(() => addon.messageAddresses(new Uint32Array(8) as unknown as Int32Array, 0, 5, one), TypeError);
    assert.throws(() => (addon.messageAddresses as (...args: unknown[]) => void)([one], new Int32Array(8), 0, 5), TypeError);
  });
});
