// msgpart:text() and msg:text(): transfer decoding (quoted-printable,
// base64, lenient with broken bodies), charset conversion to UTF-8 through
// glibc's iconv, unknown charsets, and what msg:text() returns for one,
// several or no text parts. Each case runs twice on the same state.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { eml, twice } from '../helpers/lua-policy.js';
import { mimePolicy, multipart, result } from '../helpers/mime.js';

const partText = mimePolicy('RESULT(msg:mime():text())');
const allText = mimePolicy('RESULT(msg:text())');
after(() => {
  partText.close();
  allText.close();
});

function read(p: typeof partText, message: Buffer): unknown {
  let value: unknown;
  twice(() => {
    value = result(p, message).value;
  });
  return value;
}

/** A one-part message of body (bytes) with these Content-Type and Content-Transfer-Encoding. */
function single(type: string, body: Buffer | string, encoding?: string): Buffer {
  const head = Buffer.from([`Content-Type: ${type}`, ...(encoding ? [`Content-Transfer-Encoding: ${encoding}`] : []), '', ''].join('\r\n'));
  return Buffer.concat([head, typeof body === 'string' ? Buffer.from(body, 'latin1') : body]);
}

const hex = (h: string) => Buffer.from(h, 'hex');

describe('charset conversion to UTF-8 (glibc iconv)', () => {
  const cases: [string, Buffer, string][] = [
    ['utf-8', Buffer.from('héllo ✓'), 'héllo ✓'],
    ['us-ascii', Buffer.from('plain'), 'plain'],
    ['iso-8859-1', hex('636166e9'), 'café'],
    ['iso-8859-15', hex('a4'), '€'],
    ['windows-1252', hex('809394'), '€“”'],
    ['koi8-r', hex('f0d2c9d7c5d4'), 'Привет'],
    ['iso-2022-jp', hex('1b244224332473244b2441244f1b2842'), 'こんにちは'],
    ['gb2312', hex('d6d0cec4'), '中文'],
    ['gbk', hex('e946d6d0'), '镕中'],
    ['shift_jis', hex('93fa967b8cea'), '日本語'],
    ['big5', hex('a4a4a4e5'), '中文'],
    ['euc-kr', hex('c7d1b1b9'), '한국'],
    ['ks_c_5601-1987', hex('c7d1b1b9'), '한국'],
  ];
  for (const [charset, bytes, text] of cases) {
    it(`reads ${charset}`, () => {
      assert.equal(read(partText, single(`text/plain; charset="${charset}"`, bytes)), text);
      assert.equal(read(partText, single(`text/plain; charset=${charset.toUpperCase()}`, bytes.toString('base64'), 'base64')), text);
    });
  }

  it('reads iso-8859-1 as windows-1252, as browsers do (0x80-0x9f are typographic marks)', () => {
    assert.equal(read(partText, single('text/plain; charset=iso-8859-1', hex('93e994'))), '“é”');
  });

  it('replaces bytes invalid in the charset with U+FFFD', () => {
    assert.equal(read(partText, single('text/plain; charset=utf-8', hex('61ff62c3'))), 'a\uFFFDb\uFFFD');
    assert.equal(read(partText, single('text/plain; charset=shift_jis', hex('6181'))), 'a\uFFFD');
  });

  it('keeps text in an unknown (or no) charset when it is valid UTF-8, else reads it as windows-1252', () => {
    assert.equal(read(partText, single('text/plain; charset=x-unknown', Buffer.from('ok ✓'))), 'ok ✓');
    assert.equal(read(partText, single('text/plain; charset=x-unknown', hex('636166e9'))), 'café');
    assert.equal(read(partText, single('text/plain', hex('636166e9'))), 'café');
    assert.equal(read(partText, single('text/plain; charset="utf-8//TRANSLIT"', Buffer.from('ok'))), 'ok');
  });
});

describe('transfer decoding', () => {
  it('decodes quoted-printable: escapes, soft line breaks, trailing white space dropped', () => {
    const body = 'caf=C3=A9 au lait =\r\nnoir   \r\nline =3D two\t\r\n';
    assert.equal(read(partText, single('text/plain; charset=utf-8', body, 'quoted-printable')), 'café au lait noir\r\nline = two\r\n');
  });

  it('keeps a broken quoted-printable escape as written', () => {
    assert.equal(read(partText, single('text/plain', 'a=ZZb =4', 'Quoted-Printable')), 'a=ZZb =4');
  });

  it('decodes base64 folded on several lines, skipping characters outside the alphabet', () => {
    const b64 = Buffer.from('hello world, this is base64').toString('base64');
    const folded = b64.slice(0, 10) + '\r\n' + b64.slice(10, 20) + ' !*\r\n' + b64.slice(20);
    assert.equal(read(partText, single('text/plain', folded, 'base64')), 'hello world, this is base64');
  });

  it('gives a non-text part its decoded bytes, unconverted', (t) => {
    const p = mimePolicy('local s = msg:mime().parts[1]:text(); RESULT(#s, s:byte(1), s:byte(4))');
    t.after(() => p.close());
    const png = hex('89504e470d0a1a0a');
    const message = multipart([], 'b', [{ headers: ['Content-Type: image/png', 'Content-Transfer-Encoding: base64'], body: png.toString('base64') }]);
    assert.deepEqual(read(p, message), [8, 0x89, 0x47]);
  });

  it('gives nil for an empty body and for a container', (t) => {
    assert.equal(read(partText, eml(['Subject: s'], '')), '<nil>');
    const p = mimePolicy('RESULT(msg:mime():text(), msg:mime().parts[1]:text())');
    t.after(() => p.close());
    assert.deepEqual(read(p, multipart([], 'b', [{ headers: [], body: 'x' }])), ['<nil>', 'x']);
  });
});

describe('msg:text()', () => {
  const TEXT = { headers: ['Content-Type: text/plain; charset=iso-8859-1', 'Content-Transfer-Encoding: quoted-printable'], body: 'caf=E9' };
  const HTML = { headers: ['Content-Type: text/html; charset=koi8-r', 'Content-Transfer-Encoding: base64'], body: hex('f0d2c9d7c5d4').toString('base64') };
  const IMAGE = { headers: ['Content-Type: image/gif', 'Content-Transfer-Encoding: base64'], body: 'R0lGODlh' };

  it('is a string when the message has one text part', () => {
    assert.equal(read(allText, eml(['Subject: s'], 'just text\r\n')), 'just text\r\n');
    assert.equal(read(allText, multipart([], 'b', [IMAGE, TEXT])), 'café');
  });

  it('is a table of every text/* part in tree order when there are several', () => {
    assert.deepEqual(read(allText, multipart([], 'b', [TEXT, IMAGE, HTML])), ['café', 'Привет']);
  });

  it('counts text attachments as text parts too', () => {
    const attached = { headers: ['Content-Type: text/csv; name="a.csv"', 'Content-Disposition: attachment'], body: 'a,b' };
    assert.deepEqual(read(allText, multipart([], 'b', [TEXT, attached])), ['café', 'a,b']);
  });

  it('reads (does not set) when given nil, as msgpart:text(nil) does', (t) => {
    const p = mimePolicy('RESULT(msg:text(nil), msg:mime():text(nil))');
    t.after(() => p.close());
    assert.deepEqual(read(p, eml(['Subject: s'], 'x\r\n')), ['x\r\n', 'x\r\n']);
  });

  it('is nil when no part is text', () => {
    assert.equal(read(allText, multipart([], 'b', [IMAGE])), '<nil>');
  });
});
