// The regression corpus of the message-parser fuzzer (npm run fuzz, see
// scripts/fuzz.sh): every input it kept, replayed through the addon as a
// policy reads a message. Each must give a clean verdict whose sizes match
// the input, the same Subject fields the addon's parseHeaders finds, and
// leave the policy reading the next normal message right.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadAddon } from '../../src/native/addon.js';
import { dataPolicy, eml } from '../helpers/lua-policy.js';

const corpus = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'fuzz-corpus', 'message-parser');
const files = fs.readdirSync(corpus).sort();
const addon = loadAddon();

const p = dataPolicy(`
  local T = msys.core.VCTX_MESS
  vctx:set(T, "subjects", #msg:header("Subject"))
  vctx:set(T, "from", #msg:header("From"))
  vctx:set(T, "body", #msg:body())
  vctx:set(T, "size", msg:get_message_size())
  vctx:set(T, "raw", #msg:raw())`);
after(() => p.close());

const NORMAL = eml(['From: a@example.com', 'Subject: normal'], 'hello\r\n');

describe('the fuzzer regression corpus', () => {
  it(`has inputs (${files.length})`, () => assert.ok(files.length >= 8));

  it('reads every input with a clean verdict and the sizes it has', () => {
    for (const name of files) {
      const message = fs.readFileSync(path.join(corpus, name));
      const v = p.run('data', { message });
      assert.deepEqual(v.errors, [], name);
      const m = v.context.mess;
      const subjects = addon.parseHeaders(message).filter(([n]) => n.toLowerCase() === 'subject').length;
      assert.deepEqual([Number(m.size), Number(m.raw), Number(m.subjects)], [message.length, message.length, subjects], name);
      assert.ok(Number(m.body) <= message.length, name);
    }
    assert.deepEqual(p.run('data', { message: NORMAL }).context.mess, { subjects: '1', from: '1', body: '7', size: String(NORMAL.length), raw: String(NORMAL.length) });
  });
});
