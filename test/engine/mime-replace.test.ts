// PCRE2 replacement inside MIME parts: msg:text_replace over the decoded
// text of every text/* part, re-encoded into each part's own charset and
// transfer encoding, and msgpart:text_replace / body_replace / raw_replace
// on a writable tree. The verdict carries the rendered message, parts
// nobody touched byte for byte. Each case runs twice.
import { describe, it, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import type { Policy, Verdict } from '../../src/index.js';
import { eml, twice } from '../helpers/lua-policy.js';
import { mimePolicy, multipart, result, type PartSpec } from '../helpers/mime.js';
import { engineFrom, module } from '../pool/helpers.js';

const TOP = ['From: a@example.com', 'Subject: offer'];
const latin1 = (s: string) => Buffer.from(s, 'latin1');
const b64 = (s: string) => latin1(s).toString('base64');

const QP: PartSpec = { headers: ['Content-Type: text/plain; charset=utf-8', 'Content-Transfer-Encoding: quoted-printable'], body: 'Price: 10 EUR, caf=C3=A9 open' };
const BASE64: PartSpec = { headers: ['Content-Type: text/html; charset=iso-8859-1', 'Content-Transfer-Encoding: base64'], body: b64('<p>Price: 10 EUR caf\xe9</p>') };
const ASCII: PartSpec = { headers: ['Content-Type: text/plain; charset=us-ascii'], body: 'Price: 10 EUR plain' };
const LATIN1: PartSpec = { headers: ['Content-Type: text/plain; charset=iso-8859-1', 'Content-Transfer-Encoding: 8bit'], body: latin1('caf\xe9 10 EUR') };
const IMAGE: PartSpec = { headers: ['Content-Type: image/png', 'Content-Transfer-Encoding: base64', 'Content-Disposition: attachment; filename="EUR.png"'], body: 'RVVSRVVS' };
const PARTS = [QP, BASE64, ASCII, LATIN1, IMAGE];
const MESSAGE = multipart(TOP, 'b1', PARTS);

/** The message with some parts swapped (by index) for others. */
function withParts(changes: Record<number, PartSpec>, top = TOP): Buffer {
  return multipart(top, 'b1', PARTS.map((p, i) => changes[i] ?? p));
}

function policy(t: TestContext, body: string): Policy {
  const p = mimePolicy(body);
  t.after(() => p.close());
  return p;
}

/** The value, the verdict and the replaced message (latin1) of running p twice. */
function run(p: Policy, message = MESSAGE): { value: unknown; verdict: Verdict; text: string } {
  let out: { value: unknown; verdict: Verdict } | undefined;
  twice(() => {
    out = result(p, message);
  });
  return { ...out!, text: out!.verdict.replacedMessage?.toString('latin1') ?? '' };
}

describe('msg:text_replace', () => {
  it('replaces in every text part and keeps quoted-printable, base64, 7bit and iso-8859-1 as they were', (t) => {
    const { value, text, verdict } = run(policy(t, 'RESULT(msg:text_replace("EUR", "euros"))'));
    assert.equal(value, 4);
    assert.equal(text, withParts({
      0: { ...QP, body: 'Price: 10 euros, caf=C3=A9 open' },
      1: { ...BASE64, body: b64('<p>Price: 10 euros caf\xe9</p>') },
      2: { ...ASCII, body: 'Price: 10 euros plain' },
      3: { ...LATIN1, body: latin1('caf\xe9 10 euros') },
    }).toString('latin1'));
    assert.ok(text.includes('filename="EUR.png"\r\n\r\nRVVSRVVS\r\n'), 'the image is neither searched nor touched');
    assert.deepEqual(verdict.message, verdict.replacedMessage);
    assert.deepEqual(verdict.headerEdits, []);
  });

  it('gives a 7bit part that gains non-ASCII text quoted-printable, and utf-8 when its charset lacks the characters', (t) => {
    const { text } = run(policy(t, 'RESULT(msg:text_replace("plain", "caf\\195\\169"))'));
    assert.equal(text, withParts({ 2: {
      headers: ['Content-Type: text/plain; charset="utf-8"', 'Content-Transfer-Encoding: quoted-printable'],
      body: 'Price: 10 EUR caf=C3=A9',
    } }).toString('latin1'));
  });

  it('keeps iso-8859-1 for characters it has, and relabels the part utf-8 for one it lacks', (t) => {
    const kept = run(policy(t, 'RESULT(msg:mime(false).parts[4]:text_replace("EUR", "\\195\\169"))')).text;
    assert.equal(kept, withParts({ 3: { ...LATIN1, body: latin1('caf\xe9 10 \xe9') } }).toString('latin1'));
    const relabelled = run(policy(t, 'RESULT(msg:mime(false).parts[4]:text_replace("EUR", "\\226\\134\\146"))')).text;
    assert.equal(relabelled, withParts({ 3: {
      headers: ['Content-Type: text/plain; charset="utf-8"', 'Content-Transfer-Encoding: 8bit'],
      body: Buffer.from('café 10 →', 'utf8'),
    } }).toString('latin1'));
  });

  it('makes a plain single-part message MIME when its text gains non-ASCII: the header changes are header edits', (t) => {
    const { value, verdict } = run(policy(t, 'RESULT(msg:text_replace("body", "b\\195\\169dy"), msg:text())'), eml(['Subject: s'], 'the body\r\n'));
    assert.deepEqual(value, [1, 'the bédy\r\n']);
    assert.equal(verdict.replacedMessage?.toString('latin1'),
      'Subject: s\r\nMIME-Version: 1.0\r\nContent-Transfer-Encoding: quoted-printable\r\nContent-Type: text/plain; charset="utf-8"\r\n\r\nthe b=C3=A9dy\r\n');
    assert.deepEqual(verdict.headerEdits.map((e) => e.name), ['MIME-Version', 'Content-Transfer-Encoding', 'Content-Type']);
  });

  it('lets later reads in the call see the new text, and keeps header edits and other MIME edits of the call', (t) => {
    const p = policy(t, `
      msg:header("X-Before", "1")
      local root = msg:mime(false)
      root:addLastChild(msg:makePart("text/plain", "added EUR"))
      local n = msg:text_replace("EUR", "USD")
      root.parts[3]:header("X-After", "2")
      RESULT(n, msg:text()[5], msg:mime().parts[3]:text(), #msg:raw_match("EUR"))`);
    const { value, text, verdict } = run(p);
    assert.deepEqual(value, [5, 'added USD', 'Price: 10 USD plain', 1]);
    assert.ok(text.startsWith('From: a@example.com\r\nSubject: offer\r\nContent-Type: multipart/mixed; boundary="b1"\r\nX-Before: 1\r\n'));
    assert.ok(text.includes('--b1\r\nContent-Type: text/plain; charset=us-ascii\r\nX-After: 2\r\n\r\nPrice: 10 USD plain\r\n'));
    assert.ok(text.endsWith('--b1\r\nContent-Type: text/plain\r\n\r\nadded USD\r\n--b1--\r\n'));
    assert.deepEqual(verdict.headerEdits.map((e) => e.name), ['X-Before']);
  });

  it('relabels utf-8 a part in a charset iconv does not know once its text is not ASCII', (t) => {
    const message = multipart(TOP, 'b1', [{ headers: ['Content-Type: text/plain; charset="x-unknown"; format=flowed'], body: 'abc' }]);
    const { text } = run(policy(t, 'RESULT(msg:text_replace("b", "\\195\\169"))'), message);
    assert.equal(text, multipart(TOP, 'b1', [{ headers: ['Content-Type: text/plain; charset="utf-8"; format=flowed', 'Content-Transfer-Encoding: quoted-printable'], body: 'a=C3=A9c' }]).toString('latin1'));
  });

  it('lets parts of msg:mime(false) taken before read the new text', (t) => {
    const { value } = run(policy(t, 'local p = msg:mime(false).parts[3] msg:text_replace("plain", "new") RESULT(p:text(), p:content_type().encoding)'));
    assert.deepEqual(value, ['Price: 10 EUR new', '7bit']);
  });

  it('raises and changes no part when the replaced text is not UTF-8', (t) => {
    const { value, verdict } = run(policy(t, 'RESULT(select(2, pcall(msg.text_replace, msg, "EUR", "\\233")))'));
    assert.match(value as string, /msg:text_replace: the replaced text is not valid UTF-8/);
    assert.equal(verdict.replacedMessage, undefined);
  });

  it('keeps a msg:body_replace made after msg:mime(false): the old writable parts raise, a new tree reads the new message', (t) => {
    const p = policy(t, `
      local old = msg:mime(false).parts[3]
      msg:body_replace("plain", "PLAIN")
      local stale = select(2, pcall(old.text, old))
      RESULT(msg:text_replace("EUR", "USD"), stale, msg:mime(false).parts[3]:text())`);
    const { value, text } = run(p);
    assert.deepEqual(value, [4, 'msgpart of a writable MIME tree msg:body_replace or msg:raw_replace has replaced: call msg:mime(false) again', 'Price: 10 USD PLAIN']);
    assert.ok(text.includes('Price: 10 USD PLAIN'));
  });

  it('returns false and changes nothing when nothing matched', (t) => {
    const { value, verdict } = run(policy(t, 'RESULT(msg:text_replace("RVVS", "x"), msg:mime(false).parts[1]:text_replace("zzz", "x"))'));
    assert.deepEqual(value, [false, false]);
    assert.equal(verdict.replacedMessage, undefined);
  });

  it('returns nil, errstr and errnum for a bad pattern or replacement, and changes nothing', (t) => {
    const p = policy(t, `
      local a = { msg:text_replace("(", "x") }
      local b = { msg:text_replace("(EUR)", "$7") }
      RESULT(a[1], a[2], a[3], b[1], b[2]:match("^replacement at offset"), b[3] < 0)`);
    const { value, verdict } = run(p);
    assert.deepEqual(value, ['<nil>', 'at offset 1: missing closing parenthesis', 114, '<nil>', 'replacement at offset', true]);
    assert.equal(verdict.replacedMessage, undefined);
  });

  it('raises naming the function for a pattern that is not a string', (t) => {
    const { value } = run(policy(t, 'RESULT(select(2, pcall(msg.text_replace, msg, nil, "x")))'));
    assert.match(value as string, /msg:text_replace: pattern must be a string, got nil/);
  });
});

describe('msgpart replacing', () => {
  const parts = 'local root = msg:mime(false) local qp, html, ascii = root.parts[1], root.parts[2], root.parts[3] ';

  it('text_replace changes one part only, re-encoded as it was', (t) => {
    const { value, text } = run(policy(t, parts + 'RESULT(html:text_replace("(?i)caf\\195\\169", "bar"), html:text())'));
    assert.deepEqual(value, [1, '<p>Price: 10 EUR bar</p>']);
    assert.equal(text, withParts({ 1: { ...BASE64, body: b64('<p>Price: 10 EUR bar</p>') } }).toString('latin1'));
  });

  it('body_replace replaces in the body as written, still transfer-encoded', (t) => {
    const { value, text } = run(policy(t, parts + 'RESULT(qp:body_replace("=C3=A9", "e"), qp:body_replace("café", "x"), qp:text())'));
    assert.deepEqual(value, [1, false, 'Price: 10 EUR, cafe open']);
    assert.equal(text, withParts({ 0: { ...QP, body: 'Price: 10 EUR, cafe open' } }).toString('latin1'));
  });

  it('raw_replace replaces in the part with its header, and on the root in the whole message', (t) => {
    const one = run(policy(t, parts + 'RESULT(ascii:raw_replace("us-ascii|(?<= )plain", "utf-8"), ascii:content_type().charset, ascii:text())'));
    assert.deepEqual(one.value, [2, 'utf-8', 'Price: 10 EUR utf-8']);
    assert.equal(one.text, withParts({ 2: { headers: ['Content-Type: text/plain; charset=utf-8'], body: 'Price: 10 EUR utf-8' } }).toString('latin1'));
    const all = run(policy(t, 'RESULT(msg:mime(false):raw_replace("offer|EUR", "X"), msg:header("Subject")[1], #msg:mime().parts)'));
    assert.deepEqual(all.value, [5, 'X', 5]);
    assert.equal(all.text, withParts({ 0: { ...QP, body: 'Price: 10 X, caf=C3=A9 open' }, 2: { ...ASCII, body: 'Price: 10 X plain' },
      3: { ...LATIN1, body: latin1('caf\xe9 10 X') }, 4: { ...IMAGE, headers: [...IMAGE.headers.slice(0, 2), 'Content-Disposition: attachment; filename="X.png"'] } }, ['From: a@example.com', 'Subject: X']).toString('latin1'));
  });

  it('writes a new body with the message\'s line ending (LF here)', (t) => {
    const message = Buffer.from(MESSAGE.toString('latin1').replaceAll('\r\n', '\n'), 'latin1');
    const { text } = run(policy(t, parts + 'RESULT(ascii:body_replace("plain", "a\\r\\nb"))'), message);
    assert.ok(text.includes('charset=us-ascii\n\nPrice: 10 EUR a\nb\n--b1\n'));
    assert.ok(!text.includes('\r'));
  });

  it('raw_replace refuses a part header that would no longer be fields', (t) => {
    const { value, verdict } = run(policy(t, parts + 'RESULT(select(2, pcall(ascii.raw_replace, ascii, "Content-Type:", "broken")))'));
    assert.match(value as string, /msgpart:raw_replace: the part's header would have a line that is not a field/);
    assert.equal(verdict.replacedMessage, undefined);
  });

  it('keeps a container replaced as a whole as one body: msg:mime() reads its parts again', (t) => {
    const { value, text } = run(policy(t, 'local r = msg:mime(false) RESULT(r:body_replace("EUR", "USD"), r.parts == nil, #msg:mime().parts)'));
    assert.deepEqual(value, [4, true, 5]);
    assert.equal(text, MESSAGE.toString('latin1').replaceAll('EUR', 'USD'));
  });

  it('raise on a part of a read-only tree, as every edit there does', (t) => {
    const p = policy(t, `
      local part = msg:mime().parts[1]
      local out = {}
      for _, m in ipairs({ "text_replace", "body_replace", "raw_replace" }) do out[#out + 1] = select(2, pcall(part[m], part, "EUR", "x")) end
      RESULT(out)`);
    const { value, verdict } = run(p);
    assert.deepEqual((value as string[]).map((e) => e.replace(/^.*?: (msgpart)/, '$1')), ['text_replace', 'body_replace', 'raw_replace'].map((m) =>
      `msgpart:${m}: the MIME tree is read-only (msg:mime(false) gives a writable one)`));
    assert.equal(verdict.replacedMessage, undefined);
  });

  it('return nil, errstr and errnum for a bad pattern, false for a part without text', (t) => {
    const { value } = run(policy(t, parts + 'RESULT(select("#", qp:body_replace("(", "")), select(3, qp:raw_replace("(", "")), root:text_replace("EUR", "x"))'));
    assert.deepEqual(value, [3, 114, false]);
  });
});

describe('through the pool', () => {
  it('brings the message a text replacement rendered back from a worker', async (t) => {
    const { engine } = engineFrom(module({ data: 'msg:text_replace("EUR", "euros")' }), { threads: 1 });
    t.after(() => engine.close());
    const verdict = await engine.run('data', { message: MESSAGE });
    assert.deepEqual(verdict.errors, []);
    assert.equal(verdict.replacedMessage?.toString('latin1'), withParts({
      0: { ...QP, body: 'Price: 10 euros, caf=C3=A9 open' },
      1: { ...BASE64, body: b64('<p>Price: 10 euros caf\xe9</p>') },
      2: { ...ASCII, body: 'Price: 10 euros plain' },
      3: { ...LATIN1, body: latin1('caf\xe9 10 euros') },
    }).toString('latin1'));
  });
});
