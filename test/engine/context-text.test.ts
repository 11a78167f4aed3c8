// A verdict's contexts as the addon writes them in the batch text
// (native/napi/verdict_js.hpp): per entry the key's id (U+0080 + id), the
// value's length in two units, the value. Decoded by a builder per set of
// keys, or a key at a time: the same objects either way.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { contextFromText } from '../../src/engine/context-text.js';

/** The text of a context whose entries are [key id, value]. */
function encode(entries: [number, string][]): string {
  return entries.map(([id, value]) => String.fromCharCode(0x80 + id, value.length >> 8, value.length & 0xff) + value).join('');
}

function decode(keys: string[], entries: [number, string][]): Record<string, string> {
  const text = `xx${encode(entries)}yy`;
  return contextFromText(text, 2, text.length - 2, keys);
}

describe('contexts decoded from the batch text', () => {
  it('gives each entry under its key, in order, for any number of keys', () => {
    const keys = ['a', 'b', 'c', 'd', 'e'];
    for (let n = 0; n <= 5; n++) {
      const entries = keys.slice(0, n).map((_, i): [number, string] => [n - 1 - i, `v${i}`]);
      const got = decode(keys, entries);
      assert.deepEqual(Object.entries(got), entries.map(([id, v]) => [keys[id], v]));
      assert.equal(Object.getPrototypeOf(got), Object.prototype, 'a plain object');
    }
  });

  it('gives the same object the second time, from the builder the first made', () => {
    const keys = ['policy', 'sender_class'];
    const first = decode(keys, [[0, 'reference'], [1, 'partner']]);
    const second = decode(keys, [[0, 'other'], [1, '']]);
    assert.deepEqual(first, { policy: 'reference', sender_class: 'partner' });
    assert.deepEqual(second, { policy: 'other', sender_class: '' });
  });

  it('takes keys that are not names as they are: quotes, backslashes, line ends, digits, emoji', () => {
    const keys = ['a"b', 'c\\d', 'e\nf\u2028', '12', '😀', 'constructor', '`${x}`'];
    for (let i = 0; i + 2 < keys.length; i++) {
      const got = decode(keys, [[i, 'x'], [i + 1, 'y'], [i + 2, 'z']]);
      assert.deepEqual(got, { [keys[i]!]: 'x', [keys[i + 1]!]: 'y', [keys[i + 2]!]: 'z' });
    }
  });

  it('keeps __proto__ a key like the others, the prototype untouched', () => {
    const got = decode(['__proto__', 'k'], [[1, 'v'], [0, 'p']]);
    assert.deepEqual(Object.entries(got), [['k', 'v'], ['__proto__', 'p']]);
    assert.equal(Object.getPrototypeOf(got), Object.prototype);
  });

  it('reads ids in their own key table: the same ids name other keys in another', () => {
    assert.deepEqual(decode(['x', 'y'], [[0, '1'], [1, '2']]), { x: '1', y: '2' });
    assert.deepEqual(decode(['p', 'q'], [[0, '1'], [1, '2']]), { p: '1', q: '2' });
  });

  it('decodes past the bound on key sets kept (keys made from mail), and with a key numbered past 1 022', () => {
    const keys = Array.from({ length: 2000 }, (_, i) => `k${i}`);
    for (let i = 0; i < 600; i++) assert.deepEqual(decode(keys, [[i, 'a'], [i + 1, 'b']]), { [`k${i}`]: 'a', [`k${i + 1}`]: 'b' });
    assert.deepEqual(decode(keys, [[1999, 'z']]), { k1999: 'z' });
  });

  it('decodes when the host forbids code made from strings', () => {
    const script = `
      import { contextFromText } from './src/engine/context-text.ts';
      const text = '\\x80\\x00\\x01a\\x81\\x00\\x02bc';
      console.log(JSON.stringify(contextFromText(text, 0, text.length, ['k', 'l'])));`;
    const child = spawnSync(process.execPath, ['--disallow-code-generation-from-strings', '--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8' });
    assert.equal(child.status, 0, child.stderr);
    assert.equal(child.stdout.trim(), '{"k":"a","l":"bc"}');
  });
});
