// PCRE2 over MIME parts: msg:text_match searches the decoded text of every
// text/* part, msgpart:body_match / raw_match / text_match one part, each
// on what the matching reading method returns. Each case runs twice.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { twice } from '../helpers/lua-policy.js';
import { mimePolicy, multipart, result } from '../helpers/mime.js';

// A message whose text hides "viagra" behind quoted-printable and base64,
// with a base64 image whose encoded bytes spell a word no text has.
const message = multipart(['From: a@example.com', 'Subject: offer'], 'b1', [
  { headers: ['Content-Type: text/plain; charset=utf-8', 'Content-Transfer-Encoding: quoted-printable'], body: 'Buy vi=61gra now, caf=C3=A9 open' },
  { headers: ['Content-Type: text/html; charset=iso-8859-1', 'Content-Transfer-Encoding: base64'], body: Buffer.from('<p>VIAGRA caf\xe9</p>', 'latin1').toString('base64') },
  { headers: ['Content-Type: image/png', 'Content-Transfer-Encoding: base64', 'Content-Disposition: attachment; filename="x.png"'], body: 'U1BBTVNQQU0=' },
]);

function run(body: string): unknown {
  const p = mimePolicy(body);
  let value: unknown;
  twice(() => {
    value = result(p, message).value;
  });
  p.close();
  return value;
}

describe('msg:text_match', () => {
  it('finds matches in the decoded UTF-8 text of every text part, in tree order, as one array', () => {
    assert.deepEqual(run('local m = msg:text_match("(?i)(viagra)") RESULT({ #m, m[1][0], m[1][1], m[2][0] })'), [2, 'viagra', 'viagra', 'VIAGRA']);
    assert.deepEqual(run('local m = msg:text_match("caf\\195\\169") RESULT(#m)'), 2);
  });

  it('does not search non-text parts nor the encoded bytes, and gives false when nothing matches', () => {
    assert.deepEqual(run('RESULT(msg:text_match("SPAMSPAM"), msg:text_match("vi=61gra"))'), [false, false]);
  });

  it('returns nil, errstr and errnum for a pattern that does not compile', () => {
    assert.deepEqual(run('local m, err, num = msg:text_match("(") RESULT(m, type(err), num)'), ['<nil>', 'string', 114]);
  });
});

describe('msgpart matching', () => {
  const parts = 'local root = msg:mime() local text, html, image = root.parts[1], root.parts[2], root.parts[3] ';

  it('body_match searches the part body as written, still encoded', () => {
    assert.deepEqual(run(parts + 'RESULT(text:body_match("vi=61gra")[1][0], image:body_match("U1BB")[1][0], text:body_match("viagra"))'), ['vi=61gra', 'U1BB', false]);
  });

  it('raw_match searches the part with its header; on the root, the whole message', () => {
    assert.deepEqual(run(parts + 'RESULT(image:raw_match("filename=\\"(.*?)\\"")[1][1], #root:raw_match("Content-Type"))'), ['x.png', 4]);
  });

  it('text_match searches the decoded text of one part, false for a part without text', () => {
    assert.deepEqual(run(parts + 'RESULT(html:text_match("VIAGRA caf\\195\\169")[1][0], text:text_match("VIAGRA"), root:text_match("x"))'), ['VIAGRA café', false, false]);
  });
});
