// msg:body_match/raw_match/body_replace/raw_replace: body is the message
// after its header, raw the whole message, both still transfer-encoded; a
// match is every match as an array of msys.pcre.match tables; a replacement
// gives the host the new message (verdict.message and replacedMessage),
// later reads and edits see it, and nothing carries over to the next message.
import { describe, it, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import type { Policy } from '../../src/index.js';
import { dataPolicy, eml, twice } from '../helpers/lua-policy.js';
import { engineFrom, module } from '../pool/helpers.js';

// A base64 body: "Buy cheap pills now" encoded, with "pills" in a header too.
const ENCODED_BODY = Buffer.from('Buy cheap pills now').toString('base64') + '\r\n';
const BASE64 = eml(['Subject: pills', 'Content-Transfer-Encoding: base64'], ENCODED_BODY);
const PLAIN = eml(['Subject: hello', 'X-Tag: one'], 'Hello world, hello again.\r\nBye.\r\n');

/** A policy running body in validate_data; OUT(v) stores a string in the mess context. */
function policy(t: TestContext, body: string): Policy {
  const p = dataPolicy(`local function OUT(v) vctx:set(msys.core.VCTX_MESS, "out", tostring(v)) end\n${body}`);
  t.after(() => p.close());
  return p;
}

/** out after running p on message, twice, without errors. */
function out(p: Policy, message: Buffer): string {
  let o = '';
  twice(() => {
    const v = p.run('data', { message });
    assert.deepEqual(v.errors, []);
    o = v.context.mess.out as string;
  });
  return o;
}

describe('msg:body_match(pattern) and msg:raw_match(pattern)', () => {
  it('search the body without the header, and the raw message with it', (t) => {
    assert.equal(out(policy(t, 'OUT(msg:body_match("hello") ~= false)'), PLAIN), 'true');
    assert.equal(out(policy(t, 'OUT(msg:body_match("^Subject:"))'), PLAIN), 'false');
    assert.equal(out(policy(t, 'OUT(#msg:raw_match("(?m)^Subject: (\\\\w+)"))'), PLAIN), '1');
  });

  it('return every match, each a table like msys.pcre.match returns', (t) => {
    const p = policy(t, `
      local m = msg:body_match("(?i)(?<w>hel+o)")
      local parts = {}
      for i, x in ipairs(m) do parts[i] = x[0] .. "/" .. x[1] .. "/" .. x.w end
      OUT(#m .. ":" .. table.concat(parts, ","))`);
    assert.equal(out(p, PLAIN), '2:Hello/Hello/Hello,hello/hello/hello');
  });

  it('search the transfer-encoded bytes: base64 stays base64', (t) => {
    assert.equal(out(policy(t, 'OUT(msg:body_match("pills"))'), BASE64), 'false');
    assert.equal(out(policy(t, 'OUT(msg:body_match("^QnV5") ~= false)'), BASE64), 'true');
    assert.equal(out(policy(t, 'OUT(#msg:raw_match("pills"))'), BASE64), '1');
  });

  it('see header edits made earlier in the call (raw) and return nil, errstr, errnum for a bad pattern', (t) => {
    assert.equal(out(policy(t, 'msg:header("X-Added", "zzz") OUT(#msg:raw_match("X-Added: zzz"))'), PLAIN), '1');
    assert.equal(out(policy(t, 'local m, e, n = msg:body_match("(") OUT(tostring(m) .. "|" .. e .. "|" .. n)'), PLAIN), 'nil|at offset 1: missing closing parenthesis|114');
  });

  it('raise a clear error for a pattern that is not a string, and for a catastrophic pattern', (t) => {
    const p = policy(t, 'msg:body_match(42 > 1)');
    assert.match(p.run('data', { message: PLAIN }).errors[0]!.message, /msg:body_match: pattern must be a string, got boolean/);
    const big = eml(['Subject: a'], 'a'.repeat(5000) + 'b\r\n');
    const q = policy(t, 'msg:body_match("(a+)+$")');
    assert.match(q.run('data', { message: big }).errors[0]!.message, /msg:body_match: pattern exceeded the match limit/);
  });
});

describe('msg:body_replace(pattern, replacement) and msg:raw_replace(pattern, replacement)', () => {
  it('replace every match in the body, and the host gets the new message', (t) => {
    const p = policy(t, 'OUT(msg:body_replace("(?i)hello", "[$0]"))');
    twice(() => {
      const v = p.run('data', { message: PLAIN });
      assert.deepEqual(v.errors, []);
      assert.equal(v.context.mess.out, '2');
      const expected = 'Subject: hello\r\nX-Tag: one\r\n\r\n[Hello] world, [hello] again.\r\nBye.\r\n';
      assert.equal(v.message?.toString(), expected);
      assert.equal(v.replacedMessage, v.message);
    });
  });

  it('leave the header alone in body_replace, and reach it in raw_replace', (t) => {
    const body = policy(t, 'msg:body_replace("hello", "bye")');
    assert.equal(body.run('data', { message: PLAIN }).message?.toString(), 'Subject: hello\r\nX-Tag: one\r\n\r\nHello world, bye again.\r\nBye.\r\n');
    const raw = policy(t, 'msg:raw_replace("hello", "bye")');
    assert.equal(raw.run('data', { message: PLAIN }).message?.toString(), 'Subject: bye\r\nX-Tag: one\r\n\r\nHello world, bye again.\r\nBye.\r\n');
  });

  it('return false and leave the message as it was when nothing matched', (t) => {
    const p = policy(t, 'OUT(msg:body_replace("absent", "x"))');
    twice(() => {
      const v = p.run('data', { message: PLAIN });
      assert.equal(v.context.mess.out, 'false');
      assert.equal(v.message, undefined);
      assert.equal(v.replacedMessage, undefined);
    });
  });

  it('keep header edits made before and after the replacement, and later reads see the new message', (t) => {
    const p = policy(t, `
      msg:header("X-Before", "1")
      msg:body_replace("Bye", "Ciao")
      msg:header("X-After", "2")
      OUT(msg:body() .. "|" .. msg:header("X-Before")[1] .. "|" .. tostring(msg:body_match("Bye")))`);
    twice(() => {
      const v = p.run('data', { message: PLAIN });
      assert.deepEqual(v.errors, []);
      assert.equal(v.context.mess.out, 'Hello world, hello again.\r\nCiao.\r\n|1|false');
      assert.equal(v.message?.toString(), 'Subject: hello\r\nX-Tag: one\r\nX-Before: 1\r\nX-After: 2\r\n\r\nHello world, hello again.\r\nCiao.\r\n');
      assert.equal(v.replacedMessage, v.message);
      assert.deepEqual(v.headerEdits.map((e) => e.name), ['X-Before', 'X-After']);
    });
  });

  it('apply one replacement after another, each on the result of the one before', (t) => {
    const p = policy(t, 'msg:body_replace("world", "there") msg:body_replace("there", "you") msg:raw_replace("Subject: hello", "Subject: hi")');
    assert.equal(p.run('data', { message: PLAIN }).message?.toString(), 'Subject: hi\r\nX-Tag: one\r\n\r\nHello you, hello again.\r\nBye.\r\n');
  });

  it('replace in the encoded bytes, leaving the transfer encoding as it is', (t) => {
    const p = policy(t, 'msg:body_replace("^QnV5", "WFla")');
    assert.equal(p.run('data', { message: BASE64 }).message?.toString(), 'Subject: pills\r\nContent-Transfer-Encoding: base64\r\n\r\nWFla' + ENCODED_BODY.slice(4));
  });

  it('return nil, errstr, errnum for a bad replacement, leaving the message as it was', (t) => {
    const p = policy(t, 'local r, e = msg:body_replace("(hello)", "$7") OUT(tostring(r) .. "|" .. e)');
    const v = p.run('data', { message: PLAIN });
    assert.equal(v.context.mess.out, 'nil|replacement at offset 2: unknown substring');
    assert.equal(v.message, undefined);
  });

  it('raise in a phase without a message', (t) => {
    const q = policy(t, 'msg:body_replace("a", "b")');
    assert.match(q.run('data', {}).errors[0]!.message, /msg:body_replace: there is no message in this phase/);
  });

  it('reach the caller through a pool worker too, as a Buffer', async (t) => {
    const { engine } = engineFrom(module({ data: 'msg:body_replace("world", "there")' }), { threads: 1 });
    t.after(() => engine.close());
    const v = await engine.run('data', { message: PLAIN });
    assert.deepEqual(v.errors, []);
    assert.ok(Buffer.isBuffer(v.replacedMessage));
    assert.equal(v.replacedMessage.toString(), 'Subject: hello\r\nX-Tag: one\r\n\r\nHello there, hello again.\r\nBye.\r\n');
  });
});
