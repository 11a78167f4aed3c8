// msg:header(name, value[, mode]) edits: where the new field goes, what the
// verdict reports (headerEdits in order, the edited message byte for byte),
// what is refused (bad names, header injection), and that nothing carries
// over to the next message.
import { describe, it, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { openPolicy, type Policy } from '../../src/index.js';
import { dataPolicy, eml, twice } from '../helpers/lua-policy.js';

// Folding, a repeated name in two cases, a body with a blank line in it.
const BASE_HEADERS = ['Received: from a', '\tby b', 'X-Tag: one', 'Subject: s', 'x-tag: two'];
const BODY = 'body\r\n\r\nX-Tag: in the body\r\n';
const BASE = eml(BASE_HEADERS, BODY);

// Runs body in validate_data; MARK(key, values) stores msg:header values.
function edits(t: TestContext, body: string): Policy {
  const p = dataPolicy(`
    local function MARK(key, name) vctx:set(msys.core.VCTX_MESS, key, table.concat(msg:header(name), "|")) end
    ${body}`);
  t.after(() => p.close());
  return p;
}

/** The edited message of running p on message, twice; no errors. */
function edited(p: Policy, message = BASE): string {
  let out = '';
  twice(() => {
    const v = p.run('data', { message });
    assert.deepEqual(v.errors, []);
    assert.ok(v.message, 'the verdict carries the edited message');
    out = v.message.toString('latin1');
  });
  return out;
}

describe('msg:header(name, value) edits', () => {
  it('replaces every field of the name with one, at the place of the first', (t) => {
    const p = edits(t, 'msg:header("X-TAG", "new")');
    assert.equal(edited(p), 'Received: from a\r\n\tby b\r\nX-TAG: new\r\nSubject: s\r\n\r\n' + BODY);
  });

  it('appends the field when replace finds none', (t) => {
    const p = edits(t, 'msg:header("X-New", "v", "replace")');
    assert.equal(edited(p), 'Received: from a\r\n\tby b\r\nX-Tag: one\r\nSubject: s\r\nx-tag: two\r\nX-New: v\r\n\r\n' + BODY);
  });

  it('prepends a field at the top of the header, keeping the others', (t) => {
    const p = edits(t, 'msg:header("X-Tag", "top", "prepend")');
    assert.equal(edited(p), 'X-Tag: top\r\nReceived: from a\r\n\tby b\r\nX-Tag: one\r\nSubject: s\r\nx-tag: two\r\n\r\n' + BODY);
  });

  it('appends a field at the bottom of the header, keeping the others', (t) => {
    const p = edits(t, 'msg:header("X-Tag", "bottom", "append")');
    assert.equal(edited(p), 'Received: from a\r\n\tby b\r\nX-Tag: one\r\nSubject: s\r\nx-tag: two\r\nX-Tag: bottom\r\n\r\n' + BODY);
  });

  it('deletes every field of the name when the value is ""', (t) => {
    const p = edits(t, 'msg:header("x-tag", "")');
    twice(() => {
      const v = p.run('data', { message: BASE });
      assert.deepEqual(v.headerEdits, [{ op: 'delete', name: 'x-tag', value: '' }]);
      assert.equal(v.message?.toString('latin1'), 'Received: from a\r\n\tby b\r\nSubject: s\r\n\r\n' + BODY);
    });
  });

  it('reports deleting an absent field, with the message unchanged', (t) => {
    const p = edits(t, 'msg:header("X-Absent", "")');
    twice(() => {
      const v = p.run('data', { message: BASE });
      assert.deepEqual(v.headerEdits, [{ op: 'delete', name: 'X-Absent', value: '' }]);
      assert.deepEqual(v.message, BASE);
    });
  });

  it('lets later reads in the same call see each edit', (t) => {
    const p = edits(
      t,
      `MARK("r0", "X-Tag")
       msg:header("X-Tag", "first", "prepend"); MARK("r1", "X-Tag")
       msg:header("X-Tag", "last", "append");   MARK("r2", "X-Tag")
       msg:header("X-Tag", "only");             MARK("r3", "X-Tag")
       msg:header("X-Tag", "");                 MARK("r4", "X-Tag")
       vctx:set(msys.core.VCTX_MESS, "n", #msg:header("X-Tag"))`,
    );
    twice(() => {
      const { mess } = p.run('data', { message: BASE }).context;
      assert.deepEqual(mess, { r0: 'one|two', r1: 'first|one|two', r2: 'first|one|two|last', r3: 'only', r4: '', n: '0' });
    });
  });

  it('lists the edits in verdict.headerEdits in the order they were made', (t) => {
    const p = edits(
      t,
      `msg:header("X-A", "1")
       msg:header("X-B", "2", "prepend")
       msg:header("X-C", "3", "append")
       msg:header("X-Tag", "")
       msg:header("X-A", "4", "replace")`,
    );
    twice(() => {
      const v = p.run('data', { message: BASE });
      assert.deepEqual(v.headerEdits, [
        { op: 'replace', name: 'X-A', value: '1' },
        { op: 'prepend', name: 'X-B', value: '2' },
        { op: 'append', name: 'X-C', value: '3' },
        { op: 'delete', name: 'X-Tag', value: '' },
        { op: 'replace', name: 'X-A', value: '4' },
      ]);
      assert.equal(v.message?.toString('latin1'), 'X-B: 2\r\nReceived: from a\r\n\tby b\r\nSubject: s\r\nX-A: 4\r\nX-C: 3\r\n\r\n' + BODY);
    });
  });

  it('keeps untouched fields byte for byte, folding and odd spacing included', (t) => {
    const headers = ['Received: from a', '\tby b;', '  Mon, 1 Jan 2024', 'Subject :  spaced  ', 'X-Empty:', 'To: x@example.com'];
    const p = edits(t, 'msg:header("To", "y@example.com")');
    const want = 'Received: from a\r\n\tby b;\r\n  Mon, 1 Jan 2024\r\nSubject :  spaced  \r\nX-Empty:\r\nTo: y@example.com\r\n\r\n' + BODY;
    assert.equal(edited(p, eml(headers, BODY)), want);
  });

  it('keeps LF line endings in the edited message of an LF-only message', (t) => {
    const p = edits(t, 'msg:header("Subject", "new") msg:header("X-Added", "1", "append")');
    const message = eml(['Received: from a', '\tby b', 'Subject: old'], 'line 1\n\nline 3\n', '\n');
    assert.equal(edited(p, message), 'Received: from a\n\tby b\nSubject: new\nX-Added: 1\n\nline 1\n\nline 3\n');
  });

  it(
    'writes a folded value with the line endings of an LF-only message',
    (t) => {
      const p = edits(t, 'msg:header("X-A", "a\\r\\n b")');
      assert.equal(edited(p, eml(['Subject: s'], 'body\n', '\n')), 'Subject: s\nX-A: a\n b\n\nbody\n');
    },
  );

  it('gives no edited message when nothing was edited', (t) => {
    const p = edits(t, 'MARK("s", "Subject")');
    twice(() => {
      const v = p.run('data', { message: BASE });
      assert.equal(v.message, undefined);
      assert.deepEqual(v.headerEdits, []);
      assert.equal(v.context.mess.s, 's');
    });
  });

  for (const [what, name] of [
    ['a space', 'X Bad'],
    ['a colon', 'X:Bad'],
    ['nothing', ''],
    ['a non-ASCII byte', 'X-Ünï'],
    ['a control character', 'X-\tTab'],
  ] as const) {
    it(`refuses a header name with ${what}, reports it, and the phase goes on`, () => {
      const p = openPolicy({
        scripts: [
          {
            name: 't',
            source: `msys.registerModule("t", { validate_data = function(self, msg, accept, vctx)
              msg:header("X-Before", "kept")
              msg:header(${JSON.stringify(name)}, "v")
              vctx:set(msys.core.VCTX_MESS, "unreached", "1")
              return msys.core.VALIDATE_CONT end })`,
          },
          { name: 'u', source: 'msys.registerModule("u", { validate_data = function(self, msg, accept, vctx) vctx:set(msys.core.VCTX_MESS, "next", "ran") return 0 end })' },
        ],
      });
      try {
        twice(() => {
          const v = p.run('data', { message: BASE });
          assert.equal(v.errors.length, 1);
          assert.equal(v.errors[0]?.message, "=t:3: bad argument #1 to 'header' (header name must be printable ASCII without ':' or white space)");
          assert.deepEqual(v.context.mess, { next: 'ran' });
          assert.equal(v.callouts, 2);
          // What the callout did before the error stands.
          assert.deepEqual(v.headerEdits, [{ op: 'replace', name: 'X-Before', value: 'kept' }]);
        });
      } finally {
        p.close();
      }
    });
  }

  it('refuses an unknown mode', (t) => {
    const p = edits(t, 'msg:header("X-A", "v", "sideways")');
    twice(() => {
      const v = p.run('data', { message: BASE });
      assert.equal(v.errors[0]?.message, "=t:5: bad argument #3 to 'header' (mode must be 'replace', 'prepend' or 'append')");
      assert.deepEqual(v.headerEdits, []);
      assert.equal(v.message, undefined);
    });
  });

  for (const value of ['a\r\nX-Evil: 1', 'a\nX-Evil: 1', 'a\rX-Evil: 1', 'a\r\n\r\nbody', 'trailing\r\n', 'a\r\n b\r\nX-Evil: 1']) {
    it(`refuses a value with a line break that does not start a folded line: ${JSON.stringify(value)}`, (t) => {
      const p = edits(t, `msg:header("X-A", ${JSON.stringify(value)}); MARK("after", "X-Evil")`);
      twice(() => {
        const v = p.run('data', { message: BASE });
        const why = value === 'a\rX-Evil: 1' ? 'header value has a bare CR' : 'header value has a line break not followed by white space';
        assert.equal(v.errors[0]?.message, `=t:5: bad argument #2 to 'header' (${why})`);
        assert.deepEqual(v.headerEdits, []);
        assert.equal(v.message, undefined);
        assert.equal(v.context.mess.after, undefined);
      });
    });
  }

  for (const [value, why] of [
    ['a\r b', 'header value has a bare CR'],
    ['a\r\n \r\n b', 'header value has a folded line with nothing on it'],
    ['a\r\n\t', 'header value has a folded line with nothing on it'],
  ]) {
    it(`refuses a value whose folding a parser could misread: ${JSON.stringify(value)}`, (t) => {
      const p = edits(t, `msg:header("X-A", ${JSON.stringify(value)})`);
      twice(() => {
        const v = p.run('data', { message: BASE });
        assert.equal(v.errors[0]?.message, `=t:5: bad argument #2 to 'header' (${why})`);
        assert.deepEqual(v.headerEdits, []);
      });
    });
  }

  it('accepts a properly folded value, and reads it back unfolded', (t) => {
    const p = edits(t, 'msg:header("X-A", "a\\r\\n b\\r\\n\\tc"); MARK("after", "X-A")');
    twice(() => {
      const v = p.run('data', { message: BASE });
      assert.deepEqual(v.errors, []);
      assert.equal(v.context.mess.after, 'a b\tc');
      assert.equal(v.message?.toString('latin1'), 'Received: from a\r\n\tby b\r\nX-Tag: one\r\nSubject: s\r\nx-tag: two\r\nX-A: a\r\n b\r\n\tc\r\n\r\n' + BODY);
    });
  });

  it('shows the edits in msg:raw() and msg:get_message_size()', (t) => {
    const p = edits(
      t,
      `vctx:set(msys.core.VCTX_MESS, "size0", msg:get_message_size())
       vctx:set(msys.core.VCTX_MESS, "same0", tostring(msg:raw() == msg:raw()))
       msg:header("Subject", "a longer subject than before")
       msg:header("X-Tag", "")
       vctx:set(msys.core.VCTX_MESS, "raw", msg:raw())
       vctx:set(msys.core.VCTX_MESS, "size", msg:get_message_size())`,
    );
    twice(() => {
      const v = p.run('data', { message: BASE });
      const want = 'Received: from a\r\n\tby b\r\nSubject: a longer subject than before\r\n\r\n' + BODY;
      assert.equal(v.context.mess.size0, String(BASE.length));
      assert.equal(v.context.mess.raw, want);
      assert.equal(v.context.mess.size, String(Buffer.byteLength(want)));
      assert.equal(v.message?.toString('latin1'), want);
    });
  });

  it('does not carry edits over to the next message', (t) => {
    // Edits only when the message context says so; always reports what it saw.
    const p = edits(
      t,
      `MARK("before", "X-Seen")
       if vctx:get(msys.core.VCTX_MESS, "edit") then msg:header("X-Seen", "1", "append") end
       MARK("after", "X-Seen")
       vctx:set(msys.core.VCTX_MESS, "size", msg:get_message_size())`,
    );
    twice(() => {
      const a = p.run('data', { message: BASE, context: { mess: { edit: '1' } } });
      assert.deepEqual(a.context.mess, { edit: '1', before: '', after: '1', size: String(BASE.length + 'X-Seen: 1\r\n'.length) });
      assert.deepEqual(a.headerEdits, [{ op: 'append', name: 'X-Seen', value: '1' }]);
      const b = p.run('data', { message: BASE, context: { mess: {} } });
      assert.deepEqual(b.context.mess, { before: '', after: '', size: String(BASE.length) });
      assert.deepEqual(b.headerEdits, []);
      assert.equal(b.message, undefined);
    });
  });

  it('does not carry edits between the messages of a batch', (t) => {
    const p = edits(t, 'MARK("before", "X-Seen") msg:header("X-Seen", "1", "append")');
    twice(() => {
      const verdicts = p.runBatch('data', [{ message: BASE }, { message: BASE }, { message: eml(['Subject: other']) }]);
      for (const v of verdicts) {
        assert.equal(v.context.mess.before, '');
        assert.deepEqual(v.headerEdits, [{ op: 'append', name: 'X-Seen', value: '1' }]);
      }
      assert.equal(verdicts[2]?.message?.toString(), 'Subject: other\r\nX-Seen: 1\r\n\r\nbody\r\n');
    });
  });
});
