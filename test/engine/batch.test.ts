// runBatch: many calls in one crossing into C++, each with its own message,
// envelope and contexts, giving the same verdicts as one call at a time.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { openPolicy, type CallInput, type Policy } from '../../src/index.js';
import { dataPolicy, eml } from '../helpers/lua-policy.js';

const reference = { name: 'reference', path: 'bench/policies/reference.lua' };

function inputs(n: number): CallInput[] {
  return Array.from({ length: n }, (_, i) => ({
    id: `m${i}`,
    message: eml([`Subject: ${i % 3 === 0 ? 'FREE MONEY' : 'hello'} ${i}`, `From: x${i}@example.${i % 2 ? 'net' : 'org'}`, `Message-ID: <${i}@x>`]),
    mailfrom: `s${i}@example.org`,
    rcptto: [`r${i}@example.com`],
    context: { conn: { n: String(i) }, mess: { keep: 'me' } },
  }));
}

/** A policy that reads the envelope sender into mess "from". */
function mailfromPolicy(): Policy {
  return dataPolicy('vctx:set(msys.core.VCTX_MESS, "from", msg:mailfrom() or "")');
}

/** An input whose sender's getter closes the policy that reads it. */
function closingInput(policy: Policy): CallInput {
  return {
    message: eml(['Subject: x']),
    get mailfrom() {
      policy.close();
      return 'a@b.test';
    },
  };
}

describe('batched calls', () => {
  it('gives the same verdicts as calls one at a time', () => {
    const p = openPolicy({ scripts: [reference] });
    const list = inputs(50);
    const batched = p.runBatch('data', list);
    const single = list.map((input) => p.run('data', input));
    assert.equal(batched.length, 50);
    assert.deepEqual(batched, single);
    assert.equal(batched[0]?.disposition?.code, 550);
    assert.equal(batched[1]?.disposition?.code, 250);
    assert.deepEqual(batched[1]?.context.mess, { keep: 'me', policy: 'reference', sender_class: 'partner' });
    assert.deepEqual(batched[2]?.context.mess, { keep: 'me', policy: 'reference' });
    assert.equal(batched[1]?.context.conn, list[1]?.context?.conn, 'an untouched context is passed through, not copied');
    p.close();
  });

  it('takes an empty batch and refuses a batch over the bound', () => {
    const p = openPolicy({ scripts: [reference] });
    assert.deepEqual(p.runBatch('data', []), []);
    assert.throws(() => p.runBatch('data', inputs(4097)), /a batch holds at most 4096 calls/);
    p.close();
  });

  it('gives each call of the largest batch its own message', () => {
    const p = openPolicy({ scripts: [reference] });
    const verdicts = p.runBatch('data', inputs(4096));
    assert.deepEqual(
      verdicts.map((v, i) => [i, v.disposition?.code]),
      verdicts.map((_, i) => [i, i % 3 === 0 ? 550 : 250]),
    );
    p.close();
  });

  it('raises a clear error when a getter the batch reads closes the policy, and leaves the process running', () => {
    const p = mailfromPolicy();
    assert.throws(() => p.runBatch('data', [closingInput(p), { message: eml(['Subject: y']), mailfrom: 'c@d.test' }]), /closed while it ran a batch/);
    assert.equal(p.closed, true);
    assert.throws(() => p.runBatch('data', []), /this policy is closed/);
    // One call ends on the state it began on.
    const q = mailfromPolicy();
    assert.deepEqual(q.run('data', closingInput(q)).context.mess, { from: 'a@b.test' });
    assert.throws(() => q.run('data', {}), /this policy is closed/);
  });

  it('reads a message given as a plain Uint8Array, and refuses one that is not bytes, naming the call', () => {
    const p = openPolicy({ scripts: [reference] });
    const [input] = inputs(2).slice(1);
    const bytes = new Uint8Array(input!.message!);
    assert.deepEqual(p.run('data', { ...input, message: bytes as Buffer }), p.run('data', input!));
    assert.deepEqual(p.runBatch('data', [{ ...input, message: bytes as Buffer }]), [p.run('data', input!)]);
    assert.throws(() => p.run('data', { message: 'text' as unknown as Buffer }), /^UsageError: call input 0: message must be a Buffer$/);
    assert.throws(() => p.runBatch('data', [input!, { message: [1, 2] as unknown as Buffer }]), /^UsageError: call input 1: message must be a Buffer$/);
    p.close();
  });

  it('runs the shipped reference policy as the benchmark does', () => {
    const p = openPolicy({ scripts: [reference] });
    const v = p.run('data', { message: fs.readFileSync('bench/messages/2k.eml') });
    assert.equal(v.disposition?.code, 250);
    assert.deepEqual(v.context.mess, { policy: 'reference', sender_class: 'partner' });
    p.close();
  });
});
