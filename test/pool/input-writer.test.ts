// The writer a batch's calls are packed into on the calling thread
// (src/pool/wire-inputs.ts): kept from one batch to the next, it must give
// each batch its own text, messages and inputs, whatever a bigger batch left
// in its arrays, and hold on to nothing of a batch once released.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { CallInput } from '../../src/index.js';
import { InputWriter } from '../../src/pool/wire-inputs.js';
import { readTaskText } from '../../src/pool/channel.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const call = (i: number): CallInput => ({
  message: Buffer.from(`Subject: ${i}\r\n\r\nbody ${i}\r\n`),
  mailfrom: `s${i}@example.org`,
  rcptto: [`r${i}@example.com`, `q${i}@example.com`],
  remoteAddr: '192.0.2.7',
  context: i % 2 ? { conn: { n: String(i) }, mess: { k: `v${i}` } } : undefined,
});

/** The text, messages and inputs a fresh writer gives for these calls. */
function packedAlone(calls: CallInput[]) {
  const writer = InputWriter.take();
  try {
    for (const c of calls) writer.add(c);
    const { ints, bytes, messages } = writer.finish(1, 0, 'data');
    return { text: readTaskText(ints, bytes), messages, givens: calls.map((_, i) => writer.given(i)) };
  } finally {
    writer.release();
  }
}

describe('an input writer', () => {
  it('gives back what each call gave of its envelope and contexts', () => {
    const calls = [call(1), call(2), {}];
    const writer = InputWriter.take();
    for (const c of calls) writer.add(c);
    assert.equal(writer.count, 3);
    assert.deepEqual(writer.given(0), { mailfrom: 's1@example.org', rcptto: ['r1@example.com', 'q1@example.com'], context: { conn: { n: '1' }, mess: { k: 'v1' } } });
    assert.deepEqual(writer.given(1), { mailfrom: 's2@example.org', rcptto: ['r2@example.com', 'q2@example.com'], context: undefined });
    assert.deepEqual(writer.given(2), { mailfrom: undefined, rcptto: undefined, context: undefined });
    assert.equal(writer.given(0).rcptto, calls[0]!.rcptto, "the input's own array: nothing is copied");
    writer.release();
  });

  it("puts each string's UTF-16 units in the text as given, in call order, however long", () => {
    const long = 'é'.repeat(5000) + '📬';
    const calls: CallInput[] = [
      { mailfrom: 'ünï@exämple.org', rcptto: ['日本@example.jp'], context: { mess: { clé: long } } },
      { mailfrom: 'a@b', remoteAddr: '2001:db8::1', context: { conn: { k: 'lone \uD800 surrogate' } } },
    ];
    const writer = InputWriter.take();
    for (const c of calls) writer.add(c);
    const { ints, bytes } = writer.finish(1, 0, 'data');
    const expected = ['ünï@exämple.org', '日本@example.jp', 'clé', long, 'a@b', '2001:db8::1', 'k', 'lone \uD800 surrogate'].join('');
    assert.equal(readTaskText(ints, bytes), expected);
    writer.release();
  });

  it('used again after a bigger batch, gives the smaller batch only its own text, messages and inputs', () => {
    const big = Array.from({ length: 50 }, (_, i) => call(100 + i));
    const small = Array.from({ length: 3 }, (_, i) => call(i));
    const expected = packedAlone(small);
    const writer = InputWriter.take();
    for (const c of big) writer.add(c);
    writer.finish(1, 0, 'data');
    writer.release();
    const again = InputWriter.take();
    assert.equal(again, writer, 'the released writer serves the next batch');
    for (const c of small) again.add(c);
    const { ints, bytes, messages } = again.finish(1, 0, 'data');
    assert.equal(readTaskText(ints, bytes), expected.text, 'the text the worker reads in place');
    assert.deepEqual(messages, small.map((c) => c.message));
    assert.equal(again.count, 3);
    assert.deepEqual(small.map((_, i) => again.given(i)), expected.givens);
    again.release();
  });

  it('holds on to nothing of a batch once released: its messages and contexts can be collected', async () => {
    const writer = InputWriter.take();
    let input: CallInput | undefined = call(1);
    const message = new WeakRef(input.message!);
    const context = new WeakRef(input.context!.mess!);
    writer.add(input);
    writer.finish(1, 0, 'data');
    input = undefined;
    writer.release();
    // A WeakRef's target is kept until the end of the job that made or read it.
    await new Promise((resolve) => setImmediate(resolve));
    gc();
    assert.equal(message.deref(), undefined, 'the message Buffer was collected');
    assert.equal(context.deref(), undefined, 'the context was collected');
  });
});
