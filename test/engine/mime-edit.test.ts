// Writable MIME trees: msg:mime(false), makePart, makeContainer,
// makeBoundary, the links (addFirstChild, addLastChild, insertBefore,
// insertAfter, unlink), msgpart:header and msgpart:text edits, msg:text(value),
// and the message the verdict carries (replacedMessage) byte for byte.
import { describe, it, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import type { Policy, Verdict } from '../../src/index.js';
import { eml, twice } from '../helpers/lua-policy.js';
import { mimePolicy, multipart, result } from '../helpers/mime.js';

const BASE = multipart(['From: a@example.com', 'Subject: s'], 'b', [
  { headers: ['Content-Type: text/plain; charset=us-ascii'], body: 'one' },
  { headers: ['Content-Type: text/html'], body: '<p>two</p>' },
], { preamble: 'preamble', epilogue: 'epilogue\r\n' });
const HEAD = 'From: a@example.com\r\nSubject: s\r\nContent-Type: multipart/mixed; boundary="b"\r\n\r\npreamble\r\n';
const ONE = '--b\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\none\r\n';
const TWO = '--b\r\nContent-Type: text/html\r\n\r\n<p>two</p>\r\n';
const END = '--b--\r\nepilogue\r\n';

function policy(t: TestContext, body: string): Policy {
  const p = mimePolicy(body);
  t.after(() => p.close());
  return p;
}

/** The verdict of running p on message, twice (the same each time). */
function edited(p: Policy, message = BASE): { verdict: Verdict; value: unknown; text: string } {
  let out: { verdict: Verdict; value: unknown } | undefined;
  twice(() => {
    out = result(p, message);
  });
  return { ...out!, text: out!.verdict.replacedMessage?.toString('latin1') ?? '' };
}

describe('msg:mime(false)', () => {
  it('gives the same writable tree for the whole call, and no replaced message until it is edited', (t) => {
    const p = policy(t, 'RESULT(msg:mime(false) == msg:mime(false), msg:mime(false).parts[2] == msg:mime(false).parts[2])');
    const { verdict, value } = edited(p);
    assert.deepEqual(value, [true, true]);
    assert.equal(verdict.replacedMessage, undefined);
    assert.equal(verdict.message, undefined);
  });

  it('writes back every part nobody touched byte for byte, preamble and epilogue included', (t) => {
    const p = policy(t, 'local r = msg:mime(false); r:addLastChild(msg:makePart("text/plain", "three"))');
    const { verdict, text } = edited(p);
    assert.equal(text, HEAD + ONE + TWO + '--b\r\nContent-Type: text/plain\r\n\r\nthree\r\n' + END);
    assert.deepEqual(verdict.message, verdict.replacedMessage);
    assert.deepEqual(verdict.headerEdits, []);
  });

  it('lets later reads in the call (msg:raw, msg:mime, msg:text) see the edited message', (t) => {
    const p = policy(t, `
      local before = msg:mime()
      msg:mime(false).parts[1]:unlink()
      local stale = pcall(function() return before:content_type() end)
      RESULT(msg:text(), #msg:mime().parts, stale, msg:raw() == msg:raw():gsub("one", ""))`);
    const { value, text } = edited(p);
    assert.deepEqual(value, ['<p>two</p>', 1, false, true]);
    assert.equal(text, HEAD + TWO + END);
  });

  it('refuses a kept read-only part once the message changed, with a clear error', (t) => {
    const p = policy(t, `
      local before = msg:mime()
      msg:mime(false).parts[1]:unlink()
      local ok, err = pcall(function() return before.parts end)
      RESULT(err)`);
    assert.match(edited(p).value as string, /msgpart of a read-only MIME tree the message has changed since: call msg:mime\(\) again/);
  });
});

describe('across a suspension', () => {
  it('keeps parts and the writable tree through msys.sleep in the same call', async (t) => {
    const p = policy(t, `
      local root = msg:mime(false)
      local first = msg:mime().parts[1]
      msys.sleep(0)
      root:addLastChild(msg:makePart("text/plain", "after sleep"))
      msys.sleep(0)
      RESULT(msg:text(), pcall(function() return first:text() end))`);
    for (let round = 0; round < 2; round++) {
      const v = await p.runAsync('data', { message: BASE });
      assert.deepEqual(v.errors, []);
      const [text, ok] = JSON.parse(v.context.mess.json!) as [string[], boolean];
      assert.deepEqual([text, ok], [['one', '<p>two</p>', 'after sleep'], false]);
      assert.equal(v.replacedMessage?.toString('latin1'), HEAD + ONE + TWO + '--b\r\nContent-Type: text/plain\r\n\r\nafter sleep\r\n' + END);
    }
  });
});

describe('making parts', () => {
  it('makePart encodes its body as asked (EC_MIME_TE_*), 7bit by default', (t) => {
    const p = policy(t, `
      local r = msg:mime(false)
      r:addLastChild(msg:makePart("application/octet-stream", "\\0\\1\\2binary", msys.core.EC_MIME_TE_BASE64))
      r:addLastChild(msg:makePart("text/plain; charset=utf-8", "café", msys.core.EC_MIME_TE_QUOTED_PRINTABLE))
      RESULT(msg:mime().parts[3]:text(), msg:mime().parts[4]:text(), msys.core.EC_MIME_TE_7BIT ~= nil, msys.core.EC_MIME_TE_8BIT ~= nil)`);
    const { value, text } = edited(p);
    assert.deepEqual(value, ['\u0000\u0001\u0002binary', 'café', true, true]);
    assert.equal(
      text,
      HEAD + ONE + TWO +
        '--b\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\nAAECYmluYXJ5\r\n' +
        '--b\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\ncaf=C3=A9\r\n' + END,
    );
  });

  it('makeContainer builds a nested multipart whose boundary is in neither the message nor its parts', (t) => {
    const p = policy(t, `
      local r = msg:mime(false)
      local alt = msg:makeContainer("multipart/alternative")
      alt:addLastChild(msg:makePart("text/plain", "plain"))
      alt:addLastChild(msg:makePart("text/html", "<b>html</b>"))
      r:addFirstChild(alt)
      local b = alt:content_type()
      RESULT(msg:mime().parts[1]:content_type().mimetype, #msg:mime().parts[1].parts, msg:text())`);
    const { value, text } = edited(p);
    assert.deepEqual(value, ['multipart/alternative', 2, ['plain', '<b>html</b>', 'one', '<p>two</p>']]);
    const boundary = /boundary="([^"]+)"/.exec(text.slice(HEAD.length))![1]!;
    assert.match(boundary, /^=_scriptlet_[0-9a-f]{16}$/);
    assert.equal(BASE.includes(boundary), false);
    assert.equal(
      text,
      HEAD +
        `--b\r\nContent-Type: multipart/alternative; boundary="${boundary}"\r\n\r\n` +
        `--${boundary}\r\nContent-Type: text/plain\r\n\r\nplain\r\n--${boundary}\r\nContent-Type: text/html\r\n\r\n<b>html</b>\r\n--${boundary}--\r\n\r\n` +
        ONE + TWO + END,
    );
  });

  it('makeContainer takes a boundary given, and refuses a bad one or a non-multipart type', (t) => {
    const p = policy(t, `
      local c = msg:makeContainer("multipart/related", "given-1", true)
      assert(msg:makeContainer("multipart/mixed", nil, true))
      RESULT(c:header("Content-Type")[1],
        select(2, pcall(msg.makeContainer, msg, "multipart/mixed", "bad\\nboundary")),
        select(2, pcall(msg.makeContainer, msg, "text/plain")))`);
    const [header, bad, notMulti] = edited(p).value as string[];
    assert.equal(header, 'multipart/related; boundary="given-1"');
    assert.match(bad!, /boundary must be 1 to 70 of RFC 2046's characters, not ending in a space/);
    assert.match(notMulti!, /a container's mimetype must be multipart\/\*/);
  });

  it('makeBoundary gives a new boundary on every call, found nowhere in the message', (t) => {
    const p = policy(t, `
      local a, b = msg:makeBoundary(), msg:makeBoundary(msg:mime(false), msg:makePart("text/plain", "x"))
      RESULT(a ~= b, msg:raw():find(a, 1, true) == nil, #a, select(2, pcall(msg.makeBoundary, msg, "not a part")))`);
    const [differ, absent, length, err] = edited(p).value as [boolean, boolean, number, string];
    assert.deepEqual([differ, absent, length], [true, true, 28]);
    assert.match(err, /bad argument #\d to '(makeBoundary|\?)' \(scriptlet.msgpart expected, got string\)/);
  });
});

describe('linking parts', () => {
  it('insertBefore and insertAfter place a part beside another; unlink removes it', (t) => {
    const p = policy(t, `
      local r = msg:mime(false)
      local first, second = r.parts[1], r.parts[2]
      msg:makePart("text/plain", "zero"):insertBefore(first)
      msg:makePart("text/plain", "one-and-a-half"):insertAfter(first)
      second:unlink()
      RESULT(msg:text())`);
    const { value, text } = edited(p);
    assert.deepEqual(value, ['zero', 'one', 'one-and-a-half']);
    assert.equal(text, HEAD + '--b\r\nContent-Type: text/plain\r\n\r\nzero\r\n' + ONE + '--b\r\nContent-Type: text/plain\r\n\r\none-and-a-half\r\n' + END);
  });

  it('moves a linked part when it is added elsewhere', (t) => {
    const p = policy(t, 'local r = msg:mime(false); r:addLastChild(r.parts[1]); RESULT(msg:text())');
    const { value, text } = edited(p);
    assert.deepEqual(value, ['<p>two</p>', 'one']);
    assert.equal(text, HEAD + TWO + ONE + END);
  });

  it('returns false for a child added to a leaf, the root as a child, or a part added under itself', (t) => {
    const p = policy(t, `
      local r = msg:mime(false)
      local leaf = r.parts[1]
      local c = msg:makeContainer("multipart/mixed")
      r:addLastChild(c)
      RESULT(leaf:addLastChild(msg:makePart("text/plain")), c:addLastChild(r), c:addLastChild(c), r:addLastChild(leaf))`);
    assert.deepEqual(edited(p).value, [false, false, false, true]);
  });

  it('refuses to unlink the root, or to mix parts of two trees', (t) => {
    const p = policy(t, `
      local r = msg:mime(false)
      RESULT(select(2, pcall(r.unlink, r)), select(2, pcall(r.addLastChild, r, msg:mime().parts[1])))`);
    const [unlink, mix] = edited(p).value as string[];
    assert.match(unlink!, /msgpart:unlink: the root part cannot be unlinked/);
    assert.match(mix!, /part of another MIME tree \(use parts of msg:mime\(false\)\)/);
  });
});

describe('editing headers and text', () => {
  it('msgpart:header sets (replace by default, prepend, append) and deletes a part\'s fields', (t) => {
    const p = policy(t, `
      local part = msg:mime(false).parts[2]
      part:header("X-A", "1")
      part:header("X-A", "0", "prepend")
      part:header("X-B", "2", "append")
      part:header("Content-Type", "text/html; charset=utf-8")
      part:header("X-B", nil)
      RESULT(part:header("X-A"))`);
    const { value, text } = edited(p);
    assert.deepEqual(value, ['0', '1']);
    assert.equal(text, HEAD + ONE + '--b\r\nX-A: 0\r\nContent-Type: text/html; charset=utf-8\r\nX-A: 1\r\n\r\n<p>two</p>\r\n' + END);
  });

  it('msgpart:header on the root edits the message header, reported like msg:header edits', (t) => {
    const p = policy(t, 'local r = msg:mime(false); r:header("X-Root", "yes"); r.parts[1]:unlink()');
    const { verdict, text } = edited(p);
    assert.deepEqual(verdict.headerEdits, [{ op: 'replace', name: 'X-Root', value: 'yes' }]);
    assert.equal(text, HEAD.replace('\r\n\r\n', '\r\nX-Root: yes\r\n\r\n') + TWO + END);
  });

  it('keeps header edits made with msg:header before and after a MIME edit', (t) => {
    const p = policy(t, 'msg:header("X-Before", "1"); msg:mime(false).parts[1]:unlink(); msg:header("X-After", "2")');
    const { verdict } = edited(p);
    const text = verdict.message!.toString('latin1');
    assert.equal(text, HEAD.replace('\r\n\r\n', '\r\nX-Before: 1\r\nX-After: 2\r\n\r\n') + TWO + END);
    assert.deepEqual(verdict.replacedMessage, verdict.message);
  });

  it('msgpart:text(value) writes 7bit when it can, quoted-printable otherwise, in the charset asked', (t) => {
    const p = policy(t, `
      local r = msg:mime(false)
      r.parts[1]:text("ascii only")
      r.parts[2]:text("café", nil, "iso-8859-1")
      RESULT(msg:text())`);
    const { value, text } = edited(p);
    assert.deepEqual(value, ['ascii only', 'café']);
    assert.equal(
      text,
      HEAD +
        '--b\r\nContent-Type: text/plain; charset="utf-8"\r\nContent-Transfer-Encoding: 7bit\r\n\r\nascii only\r\n' +
        '--b\r\nContent-Type: text/html; charset="iso-8859-1"\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\ncaf=E9\r\n' + END,
    );
  });

  it('msg:text(value) replaces the whole body with one text part, fixing the message header', (t) => {
    const p = policy(t, 'msg:text("Привет", "text/plain", "koi8-r"); RESULT(msg:text(), msg:mime():content_type().charset)');
    const { verdict, value, text } = edited(p);
    // The message ends with a line break: the text read back has it.
    assert.deepEqual(value, ['Привет\r\n', 'koi8-r']);
    assert.equal(
      text,
      'From: a@example.com\r\nSubject: s\r\nContent-Type: text/plain; charset="koi8-r"\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n=F0=D2=C9=D7=C5=D4\r\n',
    );
    assert.deepEqual(verdict.headerEdits.map((e) => e.name), ['Content-Type', 'Content-Transfer-Encoding']);
  });

  it('msg:text(value) on a single-part message, ending it with a line break, and raises on an unknown charset or bad UTF-8', (t) => {
    const p = policy(t, `
      local a = select(2, pcall(msg.text, msg, "x", nil, "x-nonesuch"))
      local b = select(2, pcall(msg.text, msg, "\\255"))
      msg:text("new body")
      RESULT(a, b)`);
    const { value, text } = edited(p, eml(['Subject: s'], 'old\r\n'));
    const [a, b] = value as string[];
    assert.match(a!, /msg:text: unknown charset \(charset 'x-nonesuch'\)/);
    assert.match(b!, /msg:text: text is not valid UTF-8 \(charset 'utf-8'\)/);
    assert.equal(text, 'Subject: s\r\nContent-Type: text/plain; charset="utf-8"\r\nContent-Transfer-Encoding: 7bit\r\n\r\nnew body\r\n');
  });

  it('edits a message with LF line endings in LF', (t) => {
    const p = policy(t, 'msg:mime(false):addLastChild(msg:makePart("text/plain", "b\\r\\nc"))');
    const message = Buffer.from('Content-Type: multipart/mixed; boundary=x\n\n--x\n\na\n--x--\n');
    assert.equal(edited(p, message).text, 'Content-Type: multipart/mixed; boundary=x\n\n--x\n\na\n--x\nContent-Type: text/plain\n\nb\nc\n--x--\n');
  });
});
