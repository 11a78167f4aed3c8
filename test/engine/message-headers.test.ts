// msg:header(name) reads: every field of that name, in order, unfolded,
// trimmed and RFC 2047-decoded to UTF-8; the header/body split of odd
// messages. One policy serves every case, each run twice on the same state.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { dataPolicy, eml, twice } from '../helpers/lua-policy.js';

// Reports #msg:header(name) and each value as hex (byte-exact, whatever the
// bytes), and the body as hex.
const p = dataPolicy(`
  local function hex(s) return (s:gsub(".", function(c) return string.format("%02x", c:byte()) end)) end
  local t = msg:header(vctx:get(msys.core.VCTX_MESS, "name"))
  local out = {}
  for i, v in ipairs(t) do out[i] = hex(v) end
  vctx:set(msys.core.VCTX_MESS, "got", #t .. ":" .. table.concat(out, ","))
  vctx:set(msys.core.VCTX_MESS, "body", hex(msg:body()))`);
after(() => p.close());

interface Read {
  values: string[];
  body: string;
}

function read(message: Buffer, name: string): Read {
  const v = p.run('data', { message, context: { mess: { name } } });
  assert.deepEqual(v.errors, []);
  const [count, list] = (v.context.mess.got ?? '').split(':') as [string, string];
  const values = Number(count) === 0 ? [] : list.split(',').map((h) => Buffer.from(h, 'hex').toString('utf8'));
  assert.equal(values.length, Number(count));
  return { values, body: Buffer.from(v.context.mess.body ?? '', 'hex').toString('latin1') };
}

/** The values of name, read twice on the same state. */
function header(message: Buffer, name: string): string[] {
  let out: string[] = [];
  twice(() => {
    out = read(message, name).values;
  });
  return out;
}

/** The decoded value of a one-field message "Subject: <raw>". */
function decoded(raw: string): string {
  const values = header(eml([`Subject: ${raw}`]), 'Subject');
  assert.equal(values.length, 1);
  return values[0]!;
}

describe('msg:header(name)', () => {
  it('returns an empty table for a header the message lacks', () => {
    assert.deepEqual(header(eml(['Subject: hi']), 'X-Missing'), []);
  });

  it('finds a field whatever the case of its name or of the name asked for', () => {
    const message = eml(['SUBJECT: upper', 'x-mixed-CASE: mixed']);
    for (const name of ['Subject', 'subject', 'sUbJeCt']) assert.deepEqual(header(message, name), ['upper']);
    assert.deepEqual(header(message, 'X-Mixed-Case'), ['mixed']);
  });

  it('returns every Received field in order', () => {
    const message = eml(['Received: from c by d', 'Subject: s', 'Received: from b by c', 'received: from a by b']);
    assert.deepEqual(header(message, 'Received'), ['from c by d', 'from b by c', 'from a by b']);
  });

  it('does not match a field whose name merely starts with the name asked for', () => {
    const message = eml(['Subject-Extra: no', 'Sub: no', 'Subject: yes']);
    assert.deepEqual(header(message, 'Subject'), ['yes']);
  });

  it('unfolds folded fields, keeping the white space after each line break', () => {
    const message = eml(['Subject: one', ' two', '\tthree', '   four', 'X-After: next']);
    assert.deepEqual(header(message, 'Subject'), ['one two\tthree   four']);
    assert.deepEqual(header(message, 'X-After'), ['next']);
  });

  it('trims white space around the value, also around folded lines', () => {
    const message = eml(['Subject: \t  padded value \t', 'X-Fold:', '  starts on the next line  ']);
    assert.deepEqual(header(message, 'Subject'), ['padded value']);
    assert.deepEqual(header(message, 'X-Fold'), ['starts on the next line']);
  });

  it('reads messages with bare LF line endings', () => {
    const message = eml(['Subject: lf only', 'Received: from a', '\tby b', 'Received: second'], 'body\nline 2\n', '\n');
    assert.deepEqual(header(message, 'Subject'), ['lf only']);
    assert.deepEqual(header(message, 'Received'), ['from a\tby b', 'second']);
    assert.equal(read(message, 'Subject').body, 'body\nline 2\n');
  });

  it('returns "" for a field with an empty value', () => {
    const message = eml(['X-Empty:', 'X-Blank:   \t', 'Subject: s']);
    assert.deepEqual(header(message, 'X-Empty'), ['']);
    assert.deepEqual(header(message, 'X-Blank'), ['']);
  });

  it('finds "Subject :" (white space before the colon) as Subject', () => {
    const message = eml(['Subject : spaced', 'To\t: tabbed@example.com']);
    assert.deepEqual(header(message, 'Subject'), ['spaced']);
    assert.deepEqual(header(message, 'To'), ['tabbed@example.com']);
  });

  it('does not take an mbox "From " first line for a header field', () => {
    const message = eml(['From sender@example.net Sat Jan  3 01:05:34 1996', 'From: real@example.com', 'Subject: s']);
    twice(() => {
      const { values, body } = read(message, 'From');
      assert.deepEqual(values, ['real@example.com']);
      assert.equal(body, 'body\r\n');
    });
    // The first line's text up to its first colon would be a field name.
    assert.deepEqual(header(message, 'From sender@example.net Sat Jan  3 01'), []);
  });

  it(
    'finds "From :" (obsolete white space before the colon) on the first line as From',
    () => {
      assert.deepEqual(header(eml(['From : a@example.com', 'Subject: s']), 'From'), ['a@example.com']);
    },
  );

  it('reads a message with no blank line as all header, with body ""', () => {
    for (const message of [Buffer.from('Subject: a\r\nX-Last: b\r\n'), Buffer.from('Subject: a\r\nX-Last: b')]) {
      twice(() => {
        const { values, body } = read(message, 'X-Last');
        assert.deepEqual(values, ['b']);
        assert.equal(body, '');
      });
    }
  });

  it('reads a message starting with a blank line as no header and all body', () => {
    const message = Buffer.from('\r\nSubject: not a header\r\n\r\nmore\r\n');
    twice(() => {
      const { values, body } = read(message, 'Subject');
      assert.deepEqual(values, []);
      assert.equal(body, 'Subject: not a header\r\n\r\nmore\r\n');
    });
  });

  it('keeps the body exactly, blank lines and all, after the first blank line', () => {
    const message = eml(['Subject: s'], '\r\nfirst\r\n\r\nX-Not: header\r\n');
    twice(() => assert.equal(read(message, 'Subject').body, '\r\nfirst\r\n\r\nX-Not: header\r\n'));
  });
});

describe('msg:header decodes RFC 2047 encoded-words', () => {
  it('decodes a B word in UTF-8', () => {
    const b64 = Buffer.from('élève ☃').toString('base64');
    assert.equal(decoded(`=?UTF-8?B?${b64}?=`), 'élève ☃');
    assert.equal(decoded(`=?utf-8?b?${b64}?=`), 'élève ☃');
  });

  it('decodes a Q word in UTF-8, "_" as a space', () => {
    assert.equal(decoded('=?UTF-8?Q?caf=C3=A9_au_lait?='), 'café au lait');
    assert.equal(decoded('=?utf-8?q?caf=c3=a9?='), 'café');
  });

  it('decodes ISO-8859-1 to UTF-8', () => {
    assert.equal(decoded('=?ISO-8859-1?Q?caf=E9_cr=E8me?='), 'café crème');
    assert.equal(decoded(`=?iso-8859-1?B?${Buffer.from('Grüße', 'latin1').toString('base64')}?=`), 'Grüße');
  });

  it('decodes windows-1252 to UTF-8, its 0x80-0x9f range included', () => {
    assert.equal(decoded('=?windows-1252?Q?=80_5_=93quoted=94?='), '€ 5 “quoted”');
  });

  it('keeps the plain text around an encoded-word', () => {
    assert.equal(decoded('Re: =?UTF-8?Q?caf=C3=A9?= again'), 'Re: café again');
  });

  it('joins adjacent encoded-words without the white space between them', () => {
    assert.equal(decoded('=?UTF-8?Q?a?= =?UTF-8?Q?b?=\t =?UTF-8?Q?c?='), 'abc');
    const folded = header(eml(['Subject: =?UTF-8?Q?one?=', ' =?UTF-8?Q?two?=']), 'Subject');
    assert.deepEqual(folded, ['onetwo']);
  });

  it('keeps the white space between an encoded-word and plain text', () => {
    assert.equal(decoded('=?UTF-8?Q?a?= x =?UTF-8?Q?b?='), 'a x b');
  });

  it('joins words of different charsets', () => {
    assert.equal(decoded('=?ISO-8859-1?Q?=E9?= =?UTF-8?Q?=C3=A8?='), 'éè');
  });

  it('decodes a UTF-8 character split across two B words', () => {
    // "é" is C3 A9: one byte in each word.
    assert.equal(decoded('=?UTF-8?B?ww==?= =?UTF-8?B?qQ==?='), 'é');
  });

  it('leaves a word in an unknown charset as written', () => {
    assert.equal(decoded('=?x-unknown?Q?abc?='), '=?x-unknown?Q?abc?=');
    assert.equal(decoded('pre =?x-unknown?Q?abc?= post'), 'pre =?x-unknown?Q?abc?= post');
  });

  it(
    'leaves two adjacent words in an unknown charset as written, space included',
    () => {
      assert.equal(decoded('=?x-unknown?Q?a?= =?x-unknown?Q?b?='), '=?x-unknown?Q?a?= =?x-unknown?Q?b?=');
    },
  );

  it('leaves a malformed encoded-word as written', () => {
    assert.equal(decoded('=?UTF-8?B?!!!!?='), '=?UTF-8?B?!!!!?=');
    assert.equal(decoded('=?UTF-8?Q?bad=ZZhex?='), '=?UTF-8?Q?bad=ZZhex?=');
    assert.equal(decoded('=?UTF-8?X?unknown-encoding?='), '=?UTF-8?X?unknown-encoding?=');
    assert.equal(decoded('=?UTF-8?Q?never closed'), '=?UTF-8?Q?never closed');
  });

  it('leaves "=?" in plain text untouched', () => {
    assert.equal(decoded('what =? is this ?= about'), 'what =? is this ?= about');
    assert.equal(decoded('1+1=?2'), '1+1=?2');
  });

  it('decodes a word with an RFC 2231 language suffix on its charset', () => {
    assert.equal(decoded('=?UTF-8*en?Q?hi?='), 'hi');
    assert.equal(decoded('=?ISO-8859-1*fr?Q?=E9t=E9?='), 'été');
  });
});
