// How message bytes reach a worker: copied by default (the caller's Buffer
// is only borrowed), or, with transferMessages, moved when the Buffer owns
// its whole ArrayBuffer, and handed back in verdict.message.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { UsageError } from '../../src/index.js';
import type { Engine } from '../../src/pool/index.js';
import { engineFrom, message, module } from './helpers.js';

const POLICY = module({
  data: `
    vctx:set(msys.core.VCTX_MESS, "subject", msg:header("Subject")[1] or "")
    vctx:set(msys.core.VCTX_MESS, "size", tostring(msg:get_message_size()))
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

describe('messages copied (the default)', () => {
  let engine: Engine;
  before(() => ({ engine } = engineFrom(POLICY, { threads: 1 })));
  after(() => engine.close());

  it("leaves the caller's Buffer as it was, whatever memory it has", async () => {
    const mine = owned('kept', 5000);
    const copy = Buffer.from(mine);
    const v = await engine.run('data', { message: mine });
    assert.equal(v.context.mess.subject, 'kept');
    assert.equal(v.context.mess.size, String(copy.length));
    assert.deepEqual(mine, copy);
    assert.equal(v.message, undefined, 'no edits, no message');
  });

  it('packs the same Buffer once for many calls, each call reading it whole', async () => {
    const shared = message(['Subject: shared']);
    const verdicts = await Promise.all(Array.from({ length: 40 }, () => engine.run('data', { message: shared })));
    for (const v of verdicts) assert.equal(v.context.mess.subject, 'shared');
  });
});

describe('messages moved (transferMessages: true)', () => {
  let engine: Engine;
  let logs: string[];
  before(() => ({ engine, logs } = engineFrom(POLICY, { threads: 2, transferMessages: true })));
  after(() => engine.close());

  it("moves a Buffer that owns its memory: the caller's is emptied, and it comes back in verdict.message", async () => {
    for (const padding of [0, 100_000]) {
      const mine = owned('moved', padding);
      const expected = Buffer.from(mine);
      const answer = engine.run('data', { message: mine });
      const v = await answer;
      assert.equal(mine.length, 0, 'the caller no longer holds the bytes');
      assert.equal(v.context.mess.subject, 'moved');
      assert.equal(v.context.mess.size, String(expected.length));
      assert.deepEqual(v.message, expected, 'handed back');
      assert.deepEqual(v.headerEdits, []);
    }
  });

  it('hands back the edited message when the policy edited it', async () => {
    const v = await engine.run('data', { message: owned('edit') });
    assert.match(v.message!.toString(), /^Subject: edit\r\nX-Edited: yes\r\n/);
  });

  it("copies a Buffer that is a slice of Node's pool (moving it would empty its neighbours)", async () => {
    const small = Buffer.from('Subject: pooled\r\n\r\nbody\r\n');
    const neighbour = Buffer.from('neighbour');
    assert.notEqual(small.buffer.byteLength, small.length, 'a slice of the pool');
    const v = await engine.run('data', { message: small });
    assert.equal(v.context.mess.subject, 'pooled');
    assert.equal(small.toString(), 'Subject: pooled\r\n\r\nbody\r\n');
    assert.equal(neighbour.toString(), 'neighbour');
    assert.equal(v.message, undefined);
  });

  it('moves a Buffer used by several calls of one batch once; every call reads it and gets it back', async () => {
    const mine = owned('many');
    const verdicts = await Promise.all(Array.from({ length: 10 }, () => engine.run('data', { message: mine })));
    for (const v of verdicts) {
      assert.equal(v.context.mess.subject, 'many');
      assert.equal(v.message!.toString(), message(['Subject: many'], '\r\n').toString());
    }
  });

  it('copies for the second batch a Buffer another batch is about to move (two phases at once)', async () => {
    const mine = owned('both');
    const [data, spool] = await Promise.all([engine.run('data', { message: mine }), engine.run('data_spool', { message: mine })]);
    assert.equal(data.context.mess.subject, 'both');
    assert.equal(spool.context.mess.spool, 'both');
  });

  it('refuses, loudly, a Buffer that an earlier call moved', async () => {
    const mine = owned('once');
    const first = await engine.run('data', { message: mine });
    await assert.rejects(
      engine.run('data', { message: mine }),
      (e: unknown) => e instanceof UsageError && /was moved to a worker by an earlier call and is now empty; pass that call's verdict\.message instead/.test(e.message),
    );
    const second = await engine.run('data', { message: first.message! });
    assert.equal(second.context.mess.subject, 'once', "the verdict's message serves the next call");
  });

  it("leaves memory that cannot be detached (a WebAssembly memory) to the caller: Node copies it", async () => {
    const memory = new WebAssembly.Memory({ initial: 1 });
    const bytes = message(['Subject: wasm'], 'x'.repeat(65536 - 40));
    const mine = Buffer.from(memory.buffer);
    bytes.copy(mine, 0, 0, mine.length);
    mine.fill(0x78, bytes.length);
    const v = await engine.run('data', { message: mine });
    assert.equal(v.context.mess.subject, 'wasm');
    assert.equal(mine.length, 65536, 'still the caller\'s');
    assert.equal(mine.subarray(0, 13).toString(), 'Subject: wasm');
    assert.equal(v.message!.length, 65536, 'and a copy comes back');
    assert.deepEqual(logs, []);
  });
});
