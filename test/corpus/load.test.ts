// The corpus loader gives each message's original bytes, 8-bit ones included,
// which the package's documented API (UTF-8-decoded strings) cannot.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { corpusMessages, hasOriginalBytes } from './load.js';

// The one file whose MD5 is not the one in its name (as shipped; plain ASCII,
// so no decoding is involved).
const KNOWN_MD5_MISMATCH = ['hard-ham-1/00230'];

describe('the SpamAssassin corpus loader', () => {
  const all = [...corpusMessages()];

  it('yields every message of every group', () => {
    assert.equal(all.length, 6046);
    const groups = new Map<string, number>();
    for (const m of all) groups.set(m.group, (groups.get(m.group) ?? 0) + 1);
    assert.deepEqual(Object.fromEntries(groups), { 'easy-ham-1': 2500, 'easy-ham-2': 1400, 'hard-ham-1': 250, 'spam-1': 500, 'spam-2': 1396 });
  });

  it('gives the bytes the corpus MD5 names, for every message but one', () => {
    assert.deepEqual(all.filter((m) => !hasOriginalBytes(m)).map((m) => m.id), KNOWN_MD5_MISMATCH);
  });

  it('keeps 8-bit bytes that are not UTF-8 as they are', () => {
    const eightBit = all.filter((m) => m.bytes.toString('utf8').includes('\ufffd') && !m.bytes.includes(Buffer.from('\ufffd')));
    assert.ok(eightBit.length >= 400, `only ${eightBit.length} messages with non-UTF-8 bytes`);
    assert.ok(eightBit.every(hasOriginalBytes));
  });

  it('samples one message in n, from the first, across every group', () => {
    const sample = [...corpusMessages({ every: 10 })];
    assert.equal(sample.length, 605);
    assert.deepEqual(sample.slice(0, 2).map((m) => m.id), [all[0]!.id, all[10]!.id]);
    assert.equal(new Set(sample.map((m) => m.group)).size, 5);
  });

  it('refuses a sampling step that is not a positive integer', () => {
    assert.throws(() => corpusMessages({ every: 0 }).next(), /every must be a positive integer, got 0/);
  });
});
