// msg:mime(): the read-only MIME tree. Its walk (.thread, .parts), offsets
// (.body_start, .body_end), content_type() and header() of each part, the
// RFC defaults, the malformed multiparts real mail has, the limits against
// hostile mail, and the handles' lifetime. Each case runs twice.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { eml, policyFrom, twice } from '../helpers/lua-policy.js';
import { failure, mimePolicy, multipart, result } from '../helpers/mime.js';

// Every part by .thread: [mimetype, #parts or "leaf"].
const walk = mimePolicy(`
  local out = {}
  local p = msg:mime()
  while p ~= nil do
    out[#out + 1] = { p:content_type().mimetype, p.parts and #p.parts or "leaf" }
    p = p.thread
  end
  RESULT(out)`);
// Every part's content_type().
const types = mimePolicy(`
  local out = {}
  local p = msg:mime()
  while p ~= nil do
    out[#out + 1] = p:content_type()
    p = p.thread
  end
  RESULT(out)`);
after(() => {
  walk.close();
  types.close();
});

function read(p: typeof walk, message: Buffer): unknown {
  let value: unknown;
  twice(() => {
    value = result(p, message).value;
  });
  return value;
}

const TEXT = { headers: ['Content-Type: text/plain; charset=utf-8'], body: 'plain' };
const HTML = { headers: ['Content-Type: text/html; charset=utf-8'], body: '<p>html</p>' };

describe('msg:mime() walks the tree', () => {
  it('gives a message without Content-Type one text/plain part', () => {
    assert.deepEqual(read(walk, eml(['Subject: s'])), [['text/plain', 'leaf']]);
  });

  it('visits every part depth-first by .thread; .parts lists a container\'s children', () => {
    const inner = multipart([], 'inner', [TEXT, HTML], { type: 'multipart/alternative' }).toString('latin1');
    const cut = inner.indexOf('\r\n\r\n');
    const [innerHeader, innerBody] = [inner.slice(0, cut), inner.slice(cut + 4)];
    const message = multipart(['Subject: s'], 'outer', [
      { headers: [innerHeader], body: innerBody.replace(/\r\n$/, '') },
      { headers: ['Content-Type: image/png', 'Content-Transfer-Encoding: base64'], body: 'iVBORw0KGgo=' },
    ]);
    assert.deepEqual(read(walk, message), [
      ['multipart/mixed', 2],
      ['multipart/alternative', 2],
      ['text/plain', 'leaf'],
      ['text/html', 'leaf'],
      ['image/png', 'leaf'],
    ]);
  });

  it('gives .body_start and .body_end as the offsets of each body in the message', (t) => {
    const p = mimePolicy(`
      local raw, out = msg:raw(), {}
      local part = msg:mime()
      while part ~= nil do
        out[#out + 1] = raw:sub(part.body_start + 1, part.body_end)
        part = part.thread
      end
      RESULT(out)`);
    t.after(() => p.close());
    const message = multipart(['Subject: s'], 'b', [TEXT, HTML], { preamble: 'pre', epilogue: 'epi\r\n' });
    const body = message.toString('latin1').split('\r\n\r\n').slice(1).join('\r\n\r\n');
    assert.deepEqual(read(p, message), [body, 'plain', '<p>html</p>']);
  });

  it('reads a message with LF line endings the same way', () => {
    const message = Buffer.from('Content-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: text/plain\n\none\n--b\n\ntwo\n--b--\n');
    assert.deepEqual(read(walk, message), [['multipart/mixed', 2], ['text/plain', 'leaf'], ['text/plain', 'leaf']]);
  });

  it('keeps message/rfc822 parts as leaves (an attached message is not split)', () => {
    const message = multipart([], 'b', [{ headers: ['Content-Type: message/rfc822'], body: 'Content-Type: multipart/mixed; boundary=c\r\n\r\n--c\r\n\r\nx\r\n--c--' }]);
    assert.deepEqual(read(walk, message), [['multipart/mixed', 1], ['message/rfc822', 'leaf']]);
  });
});

describe('msgpart:content_type()', () => {
  it('applies the RFC 2045 defaults: text/plain, us-ascii, 7bit, no attachment', () => {
    assert.deepEqual(read(types, eml(['Subject: s'])), [{ mimetype: 'text/plain', charset: 'us-ascii', encoding: '7bit', is_attachment: false }]);
  });

  it('lower-cases the mimetype, charset and encoding, and reads quoted values and comments', () => {
    const message = eml(['Content-Type: Text/HTML (a comment); Charset="ISO-8859-1"', 'Content-Transfer-Encoding: Quoted-Printable']);
    assert.deepEqual(read(types, message), [{ mimetype: 'text/html', charset: 'iso-8859-1', encoding: 'quoted-printable', is_attachment: false }]);
  });

  it('reads a broken Content-Type as text/plain', () => {
    assert.deepEqual((read(types, eml(['Content-Type: garbage'])) as { mimetype: string }[])[0]!.mimetype, 'text/plain');
  });

  it('makes parts without Content-Type in multipart/digest message/rfc822', () => {
    const message = multipart([], 'd', [{ headers: [], body: 'Subject: inner\r\n\r\nx' }], { type: 'multipart/digest' });
    assert.deepEqual((read(types, message) as { mimetype: string }[]).map((c) => c.mimetype), ['multipart/digest', 'message/rfc822']);
  });

  it('is an attachment exactly when a filename exists, Content-Disposition\'s winning over Content-Type\'s name', () => {
    const message = multipart([], 'b', [
      { headers: ['Content-Type: application/pdf; name="type-name.pdf"', 'Content-Disposition: attachment; filename="disposition.pdf"'], body: 'x' },
      { headers: ['Content-Type: application/pdf; name="only-name.pdf"'], body: 'x' },
      { headers: ['Content-Type: application/pdf', 'Content-Disposition: attachment'], body: 'x' },
      { headers: ['Content-Type: text/plain', 'Content-Disposition: inline; filename=bare.txt'], body: 'x' },
    ]);
    const parts = (read(types, message) as { is_attachment: boolean; filename?: string }[]).slice(1);
    assert.deepEqual(parts.map((c) => [c.is_attachment, c.filename ?? null]), [
      [true, 'disposition.pdf'],
      [true, 'only-name.pdf'],
      [false, null],
      [true, 'bare.txt'],
    ]);
  });

  it('decodes RFC 2231 filenames (charset, continuations) and RFC 2047 words in quoted ones', () => {
    const message = multipart([], 'b', [
      { headers: ["Content-Disposition: attachment; filename*=utf-8''%C3%A9t%C3%A9.pdf"], body: 'x' },
      { headers: ["Content-Disposition: attachment; filename*0*=iso-8859-1''caf%E9; filename*1=\"-menu\"; filename*2*=%2Etxt"], body: 'x' },
      { headers: ['Content-Disposition: attachment; filename="=?UTF-8?B?0J/RgNC40LLQtdGC?=.doc"'], body: 'x' },
      { headers: ['Content-Type: application/octet-stream; name*="utf-8\'en\'%E2%9C%93"'], body: 'x' },
    ]);
    const names = (read(types, message) as { filename?: string }[]).slice(1).map((c) => c.filename);
    assert.deepEqual(names, ['été.pdf', 'café-menu.txt', 'Привет.doc', '✓']);
  });
});

describe('msgpart:header(name)', () => {
  it('reads a part\'s own fields, unfolded and RFC 2047-decoded; the root\'s are the message\'s', (t) => {
    const p = mimePolicy(`
      local root = msg:mime()
      local part = root.parts[1]
      RESULT(root:header("Subject"), part:header("X-Note"), part:header("Subject"), #part:header("x-missing"))`);
    t.after(() => p.close());
    const message = multipart(['Subject: =?utf-8?q?caf=C3=A9?='], 'b', [{ headers: ['X-Note: one', ' two', 'x-note: =?utf-8?b?4pyT?='], body: 'x' }]);
    assert.deepEqual(read(p, message), [['café'], ['one two', '✓'], [], 0]);
  });
});

describe('malformed multiparts', () => {
  it('ends an unterminated last part at the end of the body', () => {
    const message = Buffer.from('Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n\r\none\r\n--b\r\nContent-Type: text/html\r\n\r\nno end');
    assert.deepEqual(read(walk, message), [['multipart/mixed', 2], ['text/plain', 'leaf'], ['text/html', 'leaf']]);
  });

  it('gives a multipart without any delimiter, or without a boundary, no parts', () => {
    assert.deepEqual(read(walk, eml(['Content-Type: multipart/mixed; boundary=b'], 'no delimiter here\r\n')), [['multipart/mixed', 0]]);
    assert.deepEqual(read(walk, eml(['Content-Type: multipart/mixed'], '--b\r\n\r\nx\r\n--b--\r\n')), [['multipart/mixed', 'leaf']]);
  });

  it('skips lines that only start like a delimiter (a longer boundary, text after it) in the preamble and parts', () => {
    const message = Buffer.from(
      'Content-Type: multipart/mixed; boundary=b\r\n\r\n--bb not a delimiter\r\n--b text\r\n--b \t\r\n\r\none\r\n--bx\r\n--b--  \r\nepilogue --b\r\n',
    );
    assert.deepEqual(read(walk, message), [['multipart/mixed', 1], ['text/plain', 'leaf']]);
  });

  it('takes a part with no blank line as all header, with an empty body', (t) => {
    const p = mimePolicy('local part = msg:mime().parts[1]; RESULT(part:header("X-A"), part:text())');
    t.after(() => p.close());
    assert.deepEqual(read(p, Buffer.from('Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nX-A: 1\r\n--b--\r\n')), [['1'], '<nil>']);
  });
});

describe('limits against hostile mail', () => {
  it('splits containers 32 levels deep at most; deeper ones are leaves', (t) => {
    let body = '';
    for (let i = 0; i < 40; i++) body += `--a${i}\r\nContent-Type: multipart/mixed; boundary=a${i + 1}\r\n\r\n`;
    const message = Buffer.from(`Content-Type: multipart/mixed; boundary=a0\r\n\r\n${body}`);
    const p = mimePolicy(`
      local n, containers, p = 0, 0, msg:mime()
      while p ~= nil do n = n + 1; if p.parts then containers = containers + 1 end; p = p.thread end
      RESULT(n, containers)`);
    t.after(() => p.close());
    assert.deepEqual(read(p, message), [33, 32]);
  });

  it('keeps 1000 parts at most; the last one kept holds the rest of the container', (t) => {
    const message = Buffer.from('Content-Type: multipart/mixed; boundary=m\r\n\r\n' + '--m\r\n\r\nx\r\n'.repeat(1500) + '--m--\r\n');
    const p = mimePolicy(`
      local root = msg:mime()
      local last = root.parts[#root.parts]
      RESULT(#root.parts, #last:body())`);
    t.after(() => p.close());
    // 999 parts after the root; the last one's body runs over the other 501 parts.
    assert.deepEqual(read(p, message), [999, 'x'.length + '\r\n--m\r\n\r\nx'.length * 501]);
  });
});

describe('msgpart handles', () => {
  it('raise when kept past their call, and compare equal for the same part', (t) => {
    const p = mimePolicy(`
      local kept = self.kept  -- the module table outlives the call
      self.kept = msg:mime()
      local same = msg:mime().parts[1] == msg:mime().parts[1]
      if kept then
        local ok, err = pcall(function() return kept:content_type() end)
        RESULT(same, ok, err)
      else
        RESULT(same)
      end`);
    t.after(() => p.close());
    const message = multipart([], 'b', [TEXT]);
    assert.deepEqual(result(p, message).value, true);
    const [same, ok, err] = result(p, message).value as [boolean, boolean, string];
    assert.deepEqual([same, ok], [true, false]);
    assert.match(err, /msgpart used after the call it was given to has ended/);
  });

  it('print as msgpart: <mimetype>, and refuse other fields', (t) => {
    const p = mimePolicy('local r = msg:mime(); RESULT(tostring(r), pcall(function() r.x = 1 end))');
    t.after(() => p.close());
    const [text, ok, err] = result(p, eml(['Subject: s'])).value as [string, boolean, string];
    assert.deepEqual([text, ok], ['msgpart: text/plain', false]);
    assert.match(err, /msgpart: cannot set field 'x'/);
  });

  it('give nil before DATA, when there is no message', (t) => {
    const q = policyFrom(`local mod = {}
      function mod:validate_rcptto(msg, rcpt, accept, vctx) vctx:set(msys.core.VCTX_MESS, "t", tostring(msg:mime()) .. tostring(msg:text())) return msys.core.VALIDATE_CONT end
      msys.registerModule("t", mod)`);
    t.after(() => q.close());
    assert.equal(q.run('rcptto', { rcptto: ['b@example.com'], rcpt: 'b@example.com' }).context.mess.t, 'nilnil');
  });

  it('of a read-only tree refuse every edit', (t) => {
    const p = mimePolicy(`
      local root = msg:mime()
      local errs = {}
      for i, f in ipairs({
        function() root:header("X-A", "1") end,
        function() root:text("new") end,
        function() root:addLastChild(root.parts[1]) end,
        function() root.parts[1]:unlink() end,
      }) do local ok, e = pcall(f); errs[i] = e end
      RESULT(errs)`);
    t.after(() => p.close());
    const errs = result(p, multipart([], 'b', [TEXT])).value as string[];
    assert.equal(errs.length, 4);
    for (const e of errs) assert.match(e, /the MIME tree is read-only \(msg:mime\(false\) gives a writable one\)/);
  });

  it('raise a clear error when called on something else', (t) => {
    const p = mimePolicy('local r = msg:mime(); r.content_type({})');
    t.after(() => p.close());
    assert.match(failure(p, eml(['Subject: s'])), /bad argument #1 to 'content_type' \(scriptlet.msgpart expected, got table\)/);
  });
});
