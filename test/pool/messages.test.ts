// How message bytes reach a worker: not at all. The worker's addon reads each
// message where the caller's Buffer holds it (the calling thread sends its
// address and length), whatever memory the Buffer views, and leaves it as
// it was; an edited message comes back as a Buffer of its own.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Engine } from '../../src/pool/index.js';
import { engineFrom, message, module } from './helpers.js';

const POLICY = module({
  data: `
    vctx:set(msys.core.VCTX_MESS, "subject", msg:header("Subject")[1] or "")
    vctx:set(msys.core.VCTX_MESS, "size", tostring(msg:get_message_size()))
    vctx:set(msys.core.VCTX_MESS, "tail", string.sub(msg:raw(), -6))
    if msg:header("Subject")[1] == "edit" then msg:header("X-Edited", "yes") end`,
  data_spool: 'vctx:set(msys.core.VCTX_MESS, "spool", msg:header("Subject")[1] or "")',
});

/** A Buffer that is the whole of its own ArrayBuffer. */
function owned(subject: string, padding = 0): Buffer {
  const bytes = message([`Subject: ${subject}`], 'x'.repeat(padding) + '\r\n');
  const out = Buffer.from(new ArrayBuffer(bytes.length));
  bytes.copy(out);
  return out;
}

describe('messages read in place by the worker', () => {
  let engine: Engine;
  let logs: string[];
  before(() => ({ engine, logs } = engineFrom(POLICY, { threads: 2 })));
  after(() => engine.close());

  it("reads a Buffer that owns its memory, and leaves the caller's Buffer as it was", async () => {
    for (const padding of [0, 5000, 300_000]) {
      const mine = owned('owned', padding);
      const copy = Buffer.from(mine);
      const v = await engine.run('data', { message: mine });
      assert.equal(v.context.mess.subject, 'owned');
      assert.equal(v.context.mess.size, String(copy.length));
      assert.deepEqual(mine, copy);
      assert.equal(v.message, undefined, 'no edits, no message');
    }
  });

  it("reads a slice of Node's Buffer pool, and a view into the middle of a larger Buffer, as exactly their bytes", async () => {
    const pooled = Buffer.from('Subject: pooled\r\n\r\nbody\r\n');
    assert.notEqual(pooled.buffer.byteLength, pooled.length, 'a slice of the pool');
    const [head, inner, tail] = [Buffer.from('Subject: before\r\n\r\nxx'), message(['Subject: middle'], 'mid-body\r\n'), Buffer.from('Subject: after\r\n')];
    const middle = Buffer.concat([head, inner, tail]).subarray(head.length, head.length + inner.length);
    const [a, b] = await Promise.all([engine.run('data', { message: pooled }), engine.run('data', { message: middle })]);
    assert.deepEqual([a.context.mess.subject, a.context.mess.tail], ['pooled', 'body\r\n']);
    assert.deepEqual([b.context.mess.subject, b.context.mess.size, b.context.mess.tail], ['middle', String(middle.length), 'body\r\n']);
  });

  it('reads an empty message, and memory of other kinds: a SharedArrayBuffer, a WebAssembly memory', async () => {
    const shared = Buffer.from(new SharedArrayBuffer(64));
    message(['Subject: shared']).copy(shared);
    const memory = new WebAssembly.Memory({ initial: 1 });
    const wasm = Buffer.from(memory.buffer, 100, 40);
    message(['Subject: wasm']).copy(wasm);
    const [empty, s, w] = await Promise.all([
      engine.run('data', { message: Buffer.alloc(0) }),
      engine.run('data', { message: shared.subarray(0, message(['Subject: shared']).length) }),
      engine.run('data', { message: wasm.subarray(0, message(['Subject: wasm']).length) }),
    ]);
    assert.deepEqual([empty.context.mess.subject, empty.context.mess.size], ['', '0']);
    assert.equal(s.context.mess.subject, 'shared');
    assert.equal(w.context.mess.subject, 'wasm');
  });

  it('reads the same Buffer for many calls, of one batch and of two phases at once', async () => {
    const mine = owned('many');
    const verdicts = await Promise.all([
      ...Array.from({ length: 40 }, () => engine.run('data', { message: mine })),
      engine.run('data_spool', { message: mine }),
    ]);
    for (const v of verdicts.slice(0, 40)) assert.equal(v.context.mess.subject, 'many');
    assert.equal(verdicts[40]!.context.mess.spool, 'many');
  });

  it('gives an edited message back as a Buffer of its own, the caller\'s left as it was', async () => {
    const mine = owned('edit');
    const v = await engine.run('data', { message: mine });
    assert.ok(Buffer.isBuffer(v.message));
    assert.match(v.message.toString(), /^Subject: edit\r\nX-Edited: yes\r\n/);
    assert.equal(mine.toString(), message(['Subject: edit'], '\r\n').toString());
  });

  it('logged nothing', () => {
    assert.deepEqual(logs, []);
  });
});
