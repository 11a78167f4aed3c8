// Messages no MTA should send, and some attackers will: each gives a normal
// verdict with exact values, and the same policy then reads a normal message
// correctly (twice, so nothing of the hostile one lingers).
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { dataPolicy, eml, twice } from '../helpers/lua-policy.js';

// Reads the header named in the message context (default Subject): how many
// fields, their lengths, the first value (as hex when short), and the sizes of
// the body and the message, and the count of an absent header.
const p = dataPolicy(`
  local T = msys.core.VCTX_MESS
  local function hex(s) return (s:gsub(".", function(c) return string.format("%02x", c:byte()) end)) end
  local t = msg:header(vctx:get(T, "name") or "Subject")
  local lens = {}
  for i, v in ipairs(t) do lens[i] = #v end
  vctx:set(T, "n", #t)
  if #t <= 16 then vctx:set(T, "lens", table.concat(lens, ",")) end
  if t[1] and #t[1] <= 256 then vctx:set(T, "first", hex(t[1])) end
  vctx:set(T, "body", #msg:body())
  vctx:set(T, "size", msg:get_message_size())
  vctx:set(T, "raw", #msg:raw())
  vctx:set(T, "missing", #msg:header("X-Missing"))`);
after(() => p.close());

interface Seen {
  n: number;
  lens?: number[];
  first?: string;
  body: number;
  size: number;
  missing: number;
}

function probe(message: Buffer, name?: string): Seen {
  const v = p.run('data', { message, context: { mess: name !== undefined ? { name } : {} } });
  assert.deepEqual(v.errors, []);
  assert.equal(v.disposition, null);
  assert.equal(v.message, undefined);
  const m = v.context.mess;
  assert.equal(m.raw, m.size, 'msg:raw() is as long as msg:get_message_size() says');
  const seen: Seen = { n: Number(m.n), body: Number(m.body), size: Number(m.size), missing: Number(m.missing) };
  if (m.lens !== undefined) seen.lens = m.lens === '' ? [] : m.lens.split(',').map(Number);
  if (m.first !== undefined) seen.first = Buffer.from(m.first, 'hex').toString('latin1');
  return seen;
}

const NORMAL = eml(['From: a@example.com', 'Subject: normal'], 'hello\r\n');

/** Reads message twice, checking each time that a normal message still reads right after it. */
function hostile(message: Buffer, name?: string): Seen {
  let seen: Seen | undefined;
  twice(() => {
    seen = probe(message, name);
    assert.deepEqual(probe(NORMAL), { n: 1, lens: [6], first: 'normal', body: 7, size: NORMAL.length, missing: 0 });
  });
  return seen!;
}

describe('hostile messages', () => {
  it('an empty Buffer has no header and no body', () => {
    assert.deepEqual(hostile(Buffer.alloc(0)), { n: 0, lens: [], body: 0, size: 0, missing: 0 });
  });

  it('a message of only "\\r\\n\\r\\n" has no header, and its body is the second line break', () => {
    assert.deepEqual(hostile(Buffer.from('\r\n\r\n')), { n: 0, lens: [], body: 2, size: 4, missing: 0 });
  });

  it('a lone line feed, or one header line without a line break, reads sensibly', () => {
    assert.deepEqual(hostile(Buffer.from('\n')), { n: 0, lens: [], body: 0, size: 1, missing: 0 });
    assert.deepEqual(hostile(Buffer.from('Subject: x')), { n: 1, lens: [1], first: 'x', body: 0, size: 10, missing: 0 });
    assert.deepEqual(hostile(Buffer.from('Subject')), { n: 0, lens: [], body: 0, size: 7, missing: 0 });
  });

  it('keeps NUL bytes in header values and the body', () => {
    const message = Buffer.from('Subject: a\0b\0\r\nX-Nul: \0\r\n\r\nbo\0dy\r\n', 'latin1');
    assert.deepEqual(hostile(message), { n: 1, lens: [4], first: 'a\0b\0', body: 7, size: message.length, missing: 0 });
    assert.deepEqual(hostile(message, 'X-Nul'), { n: 1, lens: [1], first: '\0', body: 7, size: message.length, missing: 0 });
  });

  it('returns invalid UTF-8 in a header as the bytes it is', () => {
    const raw = Buffer.from([0xff, 0xfe, 0x20, 0x63, 0x61, 0x66, 0xe9, 0x20, 0xc3, 0xed, 0xa0, 0x80]);
    const message = Buffer.concat([Buffer.from('Subject: '), raw, Buffer.from('\r\n\r\nbody\r\n')]);
    assert.deepEqual(hostile(message), { n: 1, lens: [raw.length], first: raw.toString('latin1'), body: 6, size: message.length, missing: 0 });
  });

  it('passes invalid bytes in a UTF-8 encoded-word through as they are', () => {
    const message = eml(['Subject: =?UTF-8?B?//4=?= x']);
    assert.deepEqual(hostile(message).first, '\xff\xfe x');
  });

  it('reads a 1 MB header line, its value whole', () => {
    const value = 'v'.repeat(1 << 20);
    const message = eml([`X-Big: ${value}`, 'Subject: after']);
    assert.deepEqual(hostile(message, 'X-Big'), { n: 1, lens: [1 << 20], body: 6, size: message.length, missing: 0 });
    assert.deepEqual(hostile(message), { n: 1, lens: [5], first: 'after', body: 6, size: message.length, missing: 0 });
  });

  it(
    'decodes a 128 KB header line full of "=?" that never close in linear time',
    () => {
      const message = eml([`Subject: ${'=?a?B?x'.repeat((128 << 10) / 7)}`]);
      const start = performance.now();
      const seen = probe(message);
      const ms = performance.now() - start;
      assert.equal(seen.lens?.[0], 7 * Math.floor((128 << 10) / 7));
      assert.ok(ms < 500, `took ${ms.toFixed(0)} ms`);
    },
  );

  it('counts 10 000 repeated headers, and finds another and a missing one among them', () => {
    const headers = Array.from({ length: 10_000 }, (_, i) => `Received: from h${i}`);
    headers.splice(5_000, 0, 'Subject: in the middle');
    const message = eml(headers);
    assert.deepEqual(hostile(message, 'Received'), { n: 10_000, first: 'from h0', body: 6, size: message.length, missing: 0 });
    assert.deepEqual(hostile(message), { n: 1, lens: [13], first: 'in the middle', body: 6, size: message.length, missing: 0 });
  });

  it('reads a message with 50 000 headers', () => {
    const headers = Array.from({ length: 50_000 }, (_, i) => `X-H${i % 7}: ${i}`);
    headers.push('Subject: last');
    const message = eml(headers);
    assert.deepEqual(hostile(message, 'x-h6'), { n: 7_142, first: '6', body: 6, size: message.length, missing: 0 });
    assert.deepEqual(hostile(message), { n: 1, lens: [4], first: 'last', body: 6, size: message.length, missing: 0 });
  });

  it('skips a line without a colon in the header, and finds the fields after it', () => {
    const message = eml(['X-Before: 1', 'this line has no colon', 'Subject: found', '>From nowhere']);
    assert.deepEqual(hostile(message), { n: 1, lens: [5], first: 'found', body: 6, size: message.length, missing: 0 });
    assert.deepEqual(hostile(message, 'X-Before').first, '1');
  });

  it(
    'skips a continuation of a line without a colon along with that line',
    () => {
      const message = eml(['Subject: 1', 'bad line', ' cont', 'X-After: 2']);
      assert.deepEqual(hostile(message).first, '1');
      assert.deepEqual(hostile(message, 'X-After').first, '2');
    },
  );

  it(
    'does not match a field name with a NUL byte to a different name sharing the part before it',
    () => {
      const message = Buffer.from('X-A\0b: 1\r\nSubject: s\r\n\r\nbody\r\n', 'latin1');
      assert.equal(hostile(message, 'X-A\0b').n, 1);
      assert.equal(hostile(message, 'X-A\0c').n, 0);
    },
  );

  it('skips a continuation line that comes first, before any field', () => {
    const message = eml([' orphan: continuation', '\tanother', 'Subject: s']);
    assert.deepEqual(hostile(message), { n: 1, lens: [1], first: 's', body: 6, size: message.length, missing: 0 });
    assert.equal(hostile(message, 'orphan').n, 0);
  });

  it('skips a field with no name (a line starting with a colon)', () => {
    const message = eml([': no name', 'Subject: s']);
    assert.deepEqual(hostile(message), { n: 1, lens: [1], first: 's', body: 6, size: message.length, missing: 0 });
    assert.equal(hostile(message, '').n, 0);
  });

  it('reads a 10 MB body whole', () => {
    const body = Buffer.alloc(10 << 20, 'b');
    const message = Buffer.concat([eml(['Subject: big'], ''), body]);
    assert.deepEqual(hostile(message), { n: 1, lens: [3], first: 'big', body: 10 << 20, size: message.length, missing: 0 });
  });

  it('reads CR-only line endings as one long header field (CR is not a line break)', () => {
    // Without a line feed the whole message is one line: the first field's
    // value runs to the end (its trailing CR trimmed), and there is no body.
    const message = Buffer.from('Subject: a\rX-B: b\r\rbody\r');
    assert.deepEqual(hostile(message), { n: 1, lens: [14], first: 'a\rX-B: b\r\rbody', body: 0, size: message.length, missing: 0 });
    assert.equal(hostile(message, 'X-B').n, 0);
  });

  it('reads a mixture of CRLF and bare LF line endings', () => {
    const message = Buffer.from('Subject: one\nX-A: two\r\n\tfolded\n\nbody\r\n');
    assert.deepEqual(hostile(message), { n: 1, lens: [3], first: 'one', body: 6, size: message.length, missing: 0 });
    assert.deepEqual(hostile(message, 'X-A').first, 'two\tfolded');
  });

  it('reads a 10 KB header line whole', () => {
    const value = 'k'.repeat(10 << 10);
    const message = eml([`Subject: ${value}`]);
    assert.deepEqual(hostile(message), { n: 1, lens: [10 << 10], body: 6, size: message.length, missing: 0 });
  });

  it('reads a message with only bare LF line endings', () => {
    const message = Buffer.from('From: a@example.com\nSubject: lf\n\tfolded\n\nbody\n');
    assert.deepEqual(hostile(message), { n: 1, lens: [9], first: 'lf\tfolded', body: 5, size: message.length, missing: 0 });
  });

  it('reads a message with no blank line as all header and no body', () => {
    const message = Buffer.from('From: a@example.com\r\nSubject: no separator\r\n');
    assert.deepEqual(hostile(message), { n: 1, lens: [12], first: 'no separator', body: 0, size: message.length, missing: 0 });
  });

  it('reads the header of a 100 MB message, and its size, without copying the body', () => {
    const message = Buffer.concat([eml(['Subject: huge'], ''), Buffer.alloc(100 << 20, 'h')]);
    const q = dataPolicy(`vctx:set(msys.core.VCTX_MESS, "s", msg:header("Subject")[1] .. "/" .. msg:get_message_size())`);
    twice(() => {
      const start = performance.now();
      const v = q.run('data', { message });
      assert.deepEqual([v.errors, v.context.mess.s], [[], `huge/${message.length}`]);
      assert.ok(performance.now() - start < 1000, 'the body is never copied');
      assert.deepEqual(probe(NORMAL).first, 'normal');
    });
    q.close();
  });
});
