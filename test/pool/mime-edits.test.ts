// A message a MIME edit replaced crosses the worker boundary: the verdict
// has it as message and replacedMessage (one Buffer), single and batched.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { engineFrom, message, module } from './helpers.js';

const SOURCE = module({ data: 'if msg:header("X-Edit")[1] then msg:text("new body " .. msg:header("X-Edit")[1]) end' });

describe('MIME edits through the pool', () => {
  it('bring the replaced message back, single and batched; an unedited one brings none', async (t) => {
    const { engine } = engineFrom(SOURCE);
    t.after(() => engine.close());
    const edited = await engine.run('data', { message: message(['Subject: s', 'X-Edit: one']) });
    assert.deepEqual(edited.errors, []);
    assert.ok(edited.replacedMessage);
    assert.equal(edited.replacedMessage, edited.message);
    assert.match(edited.replacedMessage.toString(), /\r\n\r\nnew body one\r\n$/);
    const batch = await engine.runBatch('data', [0, 1, 2].map((i) => ({ message: message(['Subject: s', ...(i === 1 ? [] : [`X-Edit: ${i}`])]) })));
    assert.deepEqual(batch.map((v) => v.replacedMessage?.toString().endsWith(`new body ${v === batch[0] ? 0 : 2}\r\n`) ?? null), [true, null, true]);
    assert.equal(batch[1]!.message, undefined);
  });
});
