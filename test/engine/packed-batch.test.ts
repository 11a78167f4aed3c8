// A batch packed by the pool's calling thread (src/pool/wire-inputs.ts) and
// run by Policy.runPackedAsync, as a worker runs it: the same verdicts as
// runBatch on the same inputs, the messages and the text read where they are;
// and a batch whose layout points outside itself refused before any call runs.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { openPolicy, Verdict, type CallInput } from '../../src/index.js';
import { batchKeys, decodeVerdict } from '../../src/engine/verdict.js';
import { loadAddon } from '../../src/native/addon.js';
import { InputWriter, LAYOUT, packedCalls } from '../../src/pool/wire-inputs.js';
import { TASK_COUNT, TASK_HEADER, TASK_LAYOUT, TASK_TEXT, TASK_TEXT_LENGTH, TASK_VERDICTS, type BatchTask } from '../../src/pool/protocol.js';
import { eml } from '../helpers/lua-policy.js';

const reference = { name: 'reference', path: 'bench/policies/reference.lua' };
const KEY_WRITER = `
local mod = {}
function mod:validate_data(msg, ac, vctx)
  vctx:set(msys.core.VCTX_MESS, "cl\\195\\169", "1")
  vctx:set(msys.core.VCTX_MESS, "\\228\\184\\173\\230\\150\\135", "2")
  vctx:set(msys.core.VCTX_MESS, "plain", "\\195\\169")
  return msys.core.VALIDATE_CONT
end
msys.registerModule("keys", mod)
`;

function pack(inputs: CallInput[]): BatchTask {
  const writer = InputWriter.take();
  for (const input of inputs) writer.add(input);
  // Not released: the writer's memory is the task's, for as long as the test uses it.
  const task = writer.finish(1, 0, 'data');
  loadAddon().messageAddresses(task.ints, task.messagesAt, LAYOUT, ...task.messages);
  return task;
}

const inputs: CallInput[] = Array.from({ length: 40 }, (_, i) => ({
  message: i === 7 ? undefined : eml([`Subject: ${i % 3 === 0 ? 'FREE MONEY' : 'hello'} ${i}`, `From: x${i}@example.${i % 2 ? 'net' : 'org'}`, `Message-ID: <${i}@x>`]),
  mailfrom: `s${i}@example.org`,
  rcptto: [`r${i}@example.com`],
  context: i % 4 === 0 ? undefined : { conn: { n: String(i) }, mess: { keep: 'me' } },
}));

describe('a packed batch', () => {
  it('gives the verdicts runBatch gives on the same inputs', async () => {
    const p = openPolicy({ scripts: [reference] });
    try {
      const task = pack(inputs);
      const encoded = await p.runPackedAsync('data', packedCalls(task));
      assert.equal(encoded.ints.buffer, task.ints.buffer, 'the verdicts are written into the memory the task came in');
      assert.ok(encoded.ints.buffer instanceof SharedArrayBuffer);
      const expected = p.runBatch('data', inputs);
      const values = encoded.values ?? [];
      inputs.forEach((input, i) => {
        assert.deepEqual(decodeVerdict('data', encoded.ints, encoded.text, values, batchKeys(encoded.text), i, input, p.version, encoded.at), expected[i], `call ${i}`);
      });
      assert.equal(expected[7]!.disposition?.code, 550, 'no message: no Message-ID');
    } finally {
      p.close();
    }
  });

  it('names its context keys itself, from 0, whatever the policy numbered before', async () => {
    const p = openPolicy({ scripts: [reference] });
    try {
      p.runBatch('data', inputs.slice(0, 3));
      const encoded = await p.runPackedAsync('data', packedCalls(pack(inputs.slice(1, 2))));
      assert.deepEqual(batchKeys(encoded.text), ['keep', 'policy', 'sender_class'], 'every key the batch names, though the policy numbered them all before');
    } finally {
      p.close();
    }
  });

  it('reads the keys of each text, whatever the text before named, and refuses a key section that does not add up', () => {
    const quad = (n: number) => String.fromCharCode((n >>> 24) & 255, (n >>> 16) & 255, (n >>> 8) & 255, n & 255);
    const text = (keys: string[], count = keys.length) => {
      const start = 'verdicts'.length;
      return 'verdicts' + keys.map((k) => quad(k.length) + k).join('') + quad(count) + quad(start);
    };
    assert.deepEqual(batchKeys(text(['ab', 'c'])), ['ab', 'c']);
    assert.deepEqual(batchKeys(text(['ab', 'c'])), ['ab', 'c']);
    assert.deepEqual(batchKeys(text(['cd', 'e'])), ['cd', 'e'], 'a section as long as the last, other units');
    assert.deepEqual(batchKeys(text(['ab', 'c'])), ['ab', 'c']);
    assert.deepEqual(batchKeys(text([])), []);
    assert.throws(() => batchKeys(text(['ab'], 2)), RangeError);
  });

  it('ends its text with its keys, beyond Latin-1 too, and with none when no call wrote one', async () => {
    const p = openPolicy({ scripts: [{ name: 'keys', source: KEY_WRITER }] });
    try {
      const encoded = await p.runPackedAsync('data', packedCalls(pack([{ message: eml(['Subject: a']) }])));
      assert.deepEqual(batchKeys(encoded.text), ['cl\u00e9', '\u4e2d\u6587', 'plain']);
      const verdict = decodeVerdict('data', encoded.ints, encoded.text, encoded.values ?? [], batchKeys(encoded.text), 0, {}, p.version, encoded.at);
      assert.deepEqual(verdict.context.mess, { 'cl\u00e9': '1', '\u4e2d\u6587': '2', plain: '\u00e9' });
      const none = await p.runPackedAsync('connect', packedCalls(pack([{}])));
      assert.deepEqual(batchKeys(none.text), []);
    } finally {
      p.close();
    }
  });

  it('is refused, with nothing run, when its header or layout points outside it', async () => {
    const p = openPolicy({ scripts: [reference] });
    try {
      const task = pack(inputs.slice(0, 2));
      const calls = packedCalls(task);
      const second = task.ints[TASK_LAYOUT]! + LAYOUT; // call 1's layout: facts offset, text offset, message address, length
      const broken = (edit: (ints: Int32Array) => void) => {
        const ints = calls.ints.slice();
        edit(ints);
        return { ...calls, ints };
      };
      const before = p.stats().calls;
      await assert.rejects(p.runPackedAsync('data', broken((ints) => (ints[second] = 1 << 30))), /call 1 of a packed batch points outside it/);
      await assert.rejects(p.runPackedAsync('data', broken((ints) => (ints[second + 1] = ints[TASK_TEXT_LENGTH]! + 1))), /call 1 of a packed batch points outside it/);
      await assert.rejects(p.runPackedAsync('data', broken((ints) => (ints[second + 4] = -2))), /call 1 of a packed batch points outside it/);
      await assert.rejects(p.runPackedAsync('data', { ...calls, headerAt: calls.ints.length - 3 }), /the header of a packed batch lies outside its ints/);
      await assert.rejects(p.runPackedAsync('data', broken((ints) => (ints[TASK_COUNT] = 5000))), /a batch holds at most 4096 calls, this one says 5000/);
      await assert.rejects(p.runPackedAsync('data', broken((ints) => (ints[TASK_COUNT] = 1000))), /the verdicts of a packed batch \(1000 calls from \d+\) lie outside its \d+ ints/);
      await assert.rejects(p.runPackedAsync('data', broken((ints) => (ints[TASK_VERDICTS] = TASK_HEADER))), /the header, facts and layout of a packed batch must lie inside it, below its verdicts/);
      await assert.rejects(p.runPackedAsync('data', broken((ints) => (ints[TASK_TEXT] = ints[TASK_VERDICTS]! + 1))), /the text of a packed batch must lie inside it, apart from its verdicts/);
      await assert.rejects(p.runPackedAsync('data', broken((ints) => (ints[TASK_TEXT_LENGTH] = 2 * ints.length))), /the text of a packed batch must lie inside it, apart from its verdicts/);
      assert.equal(p.stats().calls, before);
      // Facts that run past the end read as absent: the call runs without them.
      // (Call 1's facts: mask, mailfrom's length, rcptto's count, ...: a count of a million runs past the end.)
      const short = broken((ints) => (ints[TASK_HEADER + ints[second]! + 2] = 1_000_000));
      const encoded = await p.runPackedAsync('data', short);
      assert.equal(p.stats().calls, before + 2, 'both calls ran');
      assert.equal(encoded.ints[encoded.at + 9], 250, 'call 1 has its verdict, without the facts past the end');
    } finally {
      p.close();
    }
  });
});
