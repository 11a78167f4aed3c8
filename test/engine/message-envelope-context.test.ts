// The rest of msg: the envelope (mailfrom, rcptto), both contexts, the body
// and raw bytes, address headers, the id, the reply (code, discard), and the
// rule that a msg is valid only during its own call.
import { after, describe, it, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import type { CallInput, Policy } from '../../src/index.js';
import { dataPolicy, eml, policyFrom, twice } from '../helpers/lua-policy.js';

const MESS = 'msys.core.ECMESS_CTX_MESS';
const CONN = 'msys.core.ECMESS_CTX_CONN';

function data(t: TestContext, body: string, opts: Parameters<typeof dataPolicy>[1] = {}): Policy {
  const p = dataPolicy(body, opts);
  t.after(() => p.close());
  return p;
}

/** Runs p on input twice and returns the verdict's message context; no errors. */
function mess(p: Policy, input: CallInput): Record<string, string> {
  let out: Record<string, string> = {};
  twice(() => {
    const v = p.run('data', input);
    assert.deepEqual(v.errors, []);
    out = v.context.mess;
  });
  return out;
}

describe('msg envelope', () => {
  it('msg:mailfrom() reads the envelope sender, "" when the host gave none', (t) => {
    const p = data(t, `vctx:set(${MESS}, "from", msg:mailfrom())`);
    assert.deepEqual(mess(p, { message: eml(['Subject: s']), mailfrom: 'a@example.net' }), { from: 'a@example.net' });
    assert.deepEqual(mess(p, { message: eml(['Subject: s']) }), { from: '' });
  });

  it('msg:mailfrom(addr) replaces the sender in the verdict, and later reads see it', (t) => {
    const p = data(t, `msg:mailfrom("new@example.org") vctx:set(${MESS}, "from", msg:mailfrom())`);
    twice(() => {
      const v = p.run('data', { message: eml(['Subject: s']), mailfrom: 'old@example.net', rcptto: ['r@example.com'] });
      assert.equal(v.mailfrom, 'new@example.org');
      assert.deepEqual(v.envelopeChanged, { mailfrom: true, rcptto: false });
      assert.deepEqual(v.rcptto, ['r@example.com']);
      assert.equal(v.context.mess.from, 'new@example.org');
    });
  });

  it('leaves the envelope as the input gave it when the policy does not change it', (t) => {
    const p = data(t, `vctx:set(${MESS}, "from", msg:mailfrom())`);
    twice(() => {
      const v = p.run('data', { message: eml(['Subject: s']), mailfrom: 'a@example.net', rcptto: ['x@example.com', 'y@example.com'] });
      assert.equal(v.mailfrom, 'a@example.net');
      assert.deepEqual(v.rcptto, ['x@example.com', 'y@example.com']);
      assert.deepEqual(v.envelopeChanged, { mailfrom: false, rcptto: false });
    });
  });

  it('msg:rcptto() in the rcptto phase returns the recipient the call is about', (t) => {
    const p = policyFrom(`msys.registerModule("t", { validate_rcptto = function(self, msg, rcpt, accept, vctx)
      vctx:set(${MESS}, "got", msg:rcptto() .. "|" .. rcpt)
      return msys.core.VALIDATE_CONT end })`);
    t.after(() => p.close());
    twice(() => {
      const v = p.run('rcptto', { mailfrom: 'a@example.net', rcptto: ['first@example.com', 'second@example.com'], rcpt: 'second@example.com' });
      assert.deepEqual(v.errors, []);
      assert.equal(v.context.mess.got, 'second@example.com|second@example.com');
    });
  });

  it('msg:rcptto(addr) in the rcptto phase replaces that recipient only', (t) => {
    const p = policyFrom(`msys.registerModule("t", { validate_rcptto = function(self, msg, rcpt, accept, vctx)
      msg:rcptto("rewritten@example.org")
      vctx:set(${MESS}, "got", msg:rcptto())
      return msys.core.VALIDATE_CONT end })`);
    t.after(() => p.close());
    twice(() => {
      const v = p.run('rcptto', { rcptto: ['first@example.com', 'second@example.com', 'third@example.com'], rcpt: 'second@example.com' });
      assert.deepEqual(v.errors, []);
      assert.deepEqual(v.rcptto, ['first@example.com', 'rewritten@example.org', 'third@example.com']);
      assert.deepEqual(v.envelopeChanged, { mailfrom: false, rcptto: true });
      assert.equal(v.context.mess.got, 'rewritten@example.org');
    });
  });

  it('msg:rcptto() outside a per-recipient call returns the first recipient, nil when there is none', (t) => {
    const p = data(t, `vctx:set(${MESS}, "got", tostring((msg:rcptto())))`);
    assert.deepEqual(mess(p, { message: eml(['Subject: s']), rcptto: ['first@example.com', 'second@example.com'] }), { got: 'first@example.com' });
    assert.deepEqual(mess(p, { message: eml(['Subject: s']) }), { got: 'nil' });
  });

  it(
    'msg:rcptto() returns one nil when there is no recipient, as documented',
    (t) => {
      const p = data(t, `vctx:set(${MESS}, "n", select("#", msg:rcptto())) vctx:set(${MESS}, "s", tostring(msg:rcptto()))`);
      assert.deepEqual(mess(p, { message: eml(['Subject: s']) }), { n: '1', s: 'nil' });
    },
  );

  it('msg:rcptto(addr) in the data phase replaces the first recipient', (t) => {
    const p = data(t, 'msg:rcptto("new@example.org")');
    twice(() => {
      const v = p.run('data', { message: eml(['Subject: s']), rcptto: ['a@example.com', 'b@example.com'] });
      assert.deepEqual(v.rcptto, ['new@example.org', 'b@example.com']);
      assert.deepEqual(v.envelopeChanged, { mailfrom: false, rcptto: true });
    });
  });

  it('msg:rcptto() in data_spool_each_rcpt returns the recipient of the call', (t) => {
    const p = policyFrom(`msys.registerModule("t", { validate_data_spool_each_rcpt = function(self, msg, accept, vctx)
      vctx:set(${MESS}, "got", msg:rcptto())
      return msys.core.VALIDATE_CONT end })`);
    t.after(() => p.close());
    for (const rcpt of ['a@example.com', 'b@example.com']) {
      twice(() => {
        const v = p.run('data_spool_each_rcpt', { message: eml(['Subject: s']), rcptto: ['a@example.com', 'b@example.com'], rcpt });
        assert.equal(v.context.mess.got, rcpt);
      });
    }
  });
});

describe('msg contexts', () => {
  for (const [label, type] of [
    ['message', MESS],
    ['connection', CONN],
  ] as const) {
    it(`msg:context_set/get/exists/delete work on the ${label} context`, (t) => {
      const p = data(
        t,
        `local T = ${type}
         local out = {}
         out[#out + 1] = tostring(msg:context_exists(T, "k"))
         out[#out + 1] = tostring((msg:context_get(T, "k")))
         msg:context_set(T, "k", "v1")
         out[#out + 1] = tostring(msg:context_exists(T, "k"))
         out[#out + 1] = msg:context_get(T, "k")
         msg:context_set(T, "k", "v2")
         out[#out + 1] = msg:context_get(T, "k")
         out[#out + 1] = tostring(msg:context_delete(T, "k"))
         out[#out + 1] = tostring(msg:context_delete(T, "k"))
         out[#out + 1] = tostring(msg:context_exists(T, "k"))
         msg:context_set(T, "gone", "x")
         msg:context_set(T, "gone", nil)
         msg:context_set(T, "kept", "yes")
         msg:context_set(${type === MESS ? CONN : MESS}, "log", table.concat(out, "|"))`,
      );
      twice(() => {
        const v = p.run('data', { message: eml(['Subject: s']) });
        assert.deepEqual(v.errors, []);
        const [mine, other] = type === MESS ? [v.context.mess, v.context.conn] : [v.context.conn, v.context.mess];
        // Momentum's types: context_exists/delete give 1 or 0, context_get "" for a missing key.
        assert.deepEqual(other, { log: '0||1|v1|v2|1|0|0' });
        assert.deepEqual(mine, { kept: 'yes' });
      });
    });
  }

  it(
    'msg:context_get returns one empty string for a missing key (Momentum\'s rule; vctx:get gives nil)',
    (t) => {
      const p = data(t, `vctx:set(${MESS}, "n", select("#", msg:context_get(${MESS}, "missing"))) vctx:set(${MESS}, "s", "[" .. msg:context_get(${CONN}, "missing") .. "]") vctx:set(${MESS}, "g", tostring(vctx:get(${CONN}, "missing")))`);
      twice(() => {
        const v = p.run('data', { message: eml(['Subject: s']) });
        assert.deepEqual(v.errors, []);
        assert.deepEqual(v.context.mess, { n: '1', s: '[]', g: 'nil' });
      });
    },
  );

  it('msg:context_* and vctx:get/set share the same maps', (t) => {
    const p = data(
      t,
      `msg:context_set(${MESS}, "from_msg", "m")
       vctx:set(msys.core.VCTX_CONN, "from_vctx", "c")
       vctx:set(msys.core.VCTX_MESS, "seen", tostring(vctx:get(msys.core.VCTX_MESS, "from_msg")) .. "|" .. tostring(msg:context_get(${CONN}, "from_vctx")))`,
    );
    twice(() => {
      const v = p.run('data', { message: eml(['Subject: s']) });
      assert.deepEqual(v.context, { conn: { from_vctx: 'c' }, mess: { from_msg: 'm', seen: 'm|c' } });
    });
  });

  it('sees the contexts the host passed in, and changes them', (t) => {
    const p = data(
      t,
      `vctx:set(${MESS}, "saw", tostring(msg:context_get(${CONN}, "a")) .. "|" .. tostring(msg:context_get(${MESS}, "b")))
       msg:context_set(${CONN}, "a", "changed")`,
    );
    twice(() => {
      const v = p.run('data', { message: eml(['Subject: s']), context: { conn: { a: '1', z: 'keep' }, mess: { b: '2' } } });
      assert.deepEqual(v.context, { conn: { a: 'changed', z: 'keep' }, mess: { b: '2', saw: '1|2' } });
    });
  });

  it('gives back an untouched context with the values it came with', (t) => {
    const p = data(t, `vctx:set(${MESS}, "read", tostring(msg:context_get(${CONN}, "a")))`);
    twice(() => {
      const conn = { a: '1', b: 'two' };
      const v = p.run('data', { message: eml(['Subject: s']), context: { conn, mess: {} } });
      assert.deepEqual(v.context, { conn: { a: '1', b: 'two' }, mess: { read: '1' } });
    });
  });

  it('stores a number value as its string', (t) => {
    const p = data(t, `msg:context_set(${MESS}, "int", 42) msg:context_set(${MESS}, "frac", 1.5) msg:context_set(${MESS}, "neg", -7)`);
    assert.deepEqual(mess(p, { message: eml(['Subject: s']) }), { int: '42', frac: '1.5', neg: '-7' });
  });

  it('keeps a key named __proto__ as a key like any other, both ways, and touches no prototype', (t) => {
    const p = data(t, `msg:context_set(${MESS}, "__proto__", (msg:context_get(${CONN}, "__proto__") or "none") .. "!") msg:context_set(${MESS}, "constructor", "c")`);
    const conn = JSON.parse('{"__proto__": "given"}') as Record<string, string>;
    const got = mess(p, { message: eml(['Subject: s']), context: { conn } });
    assert.deepEqual(Object.entries(got), [['__proto__', 'given!'], ['constructor', 'c']]);
    assert.equal(Object.getPrototypeOf(got), Object.prototype);
    assert.equal(({} as Record<string, unknown>).constructor, Object, 'no prototype changed');
  });

  it('gives back context values of every length, past 255 and 65 535 code units too', (t) => {
    const p = data(t, `for _, n in ipairs({0, 1, 255, 256, 65535, 65536, 70000}) do msg:context_set(${MESS}, "a" .. n, string.rep("a", n)) end
      msg:context_set(${MESS}, "wide", string.rep("é", 300)) msg:context_set(${MESS}, "astral", string.rep("😀", 40000))`);
    twice(() => {
      const got = mess(p, { message: eml(['Subject: s']) });
      for (const n of [0, 1, 255, 256, 65535, 65536, 70000]) assert.equal(got[`a${n}`], 'a'.repeat(n), `a value of ${n} code units`);
      assert.equal(got.wide, 'é'.repeat(300));
      assert.equal(got.astral, '😀'.repeat(40000), '80 000 code units, from 160 000 bytes');
    });
  });

  it('reports an error for a context type that is neither message nor connection', (t) => {
    const p = data(t, `msg:context_set(${MESS}, "before", "1") msg:context_set(7, "k", "v")`);
    twice(() => {
      const v = p.run('data', { message: eml(['Subject: s']) });
      assert.equal(v.errors.length, 1);
      assert.match(v.errors[0]?.message ?? '', /bad argument #1 to 'context_set' \(context type must be msys\.core\.VCTX_MESS or msys\.core\.VCTX_CONN\)$/);
      assert.deepEqual(v.context.mess, { before: '1' });
    });
    for (const call of ['msg:context_get(7, "k")', 'msg:context_exists(-1, "k")', 'msg:context_delete(2, "k")']) {
      const q = data(t, call);
      const v = q.run('data', { message: eml(['Subject: s']) });
      assert.match(v.errors[0]?.message ?? '', /context type must be msys\.core\.VCTX_MESS or msys\.core\.VCTX_CONN/, call);
    }
  });
});

describe('msg body, raw bytes and size', () => {
  it('msg:body() returns what follows the blank line, "" when there is no body', (t) => {
    const p = data(t, `vctx:set(${MESS}, "body", msg:body()) vctx:set(${MESS}, "n", #msg:body())`);
    assert.deepEqual(mess(p, { message: eml(['Subject: s'], 'line 1\r\n\r\nline 3\r\n') }), { body: 'line 1\r\n\r\nline 3\r\n', n: '18' });
    assert.deepEqual(mess(p, { message: eml(['Subject: s'], '') }), { body: '', n: '0' });
    assert.deepEqual(mess(p, { message: Buffer.from('Subject: s\r\n') }), { body: '', n: '0' });
  });

  it('msg:raw() is the input bytes when nothing was edited, and msg:get_message_size() its length', (t) => {
    const p = data(t, `vctx:set(${MESS}, "raw", msg:raw()) vctx:set(${MESS}, "size", msg:get_message_size())`);
    const message = eml(['Received: from a', '\tby b', 'Subject: s'], 'x\r\n');
    assert.deepEqual(mess(p, { message }), { raw: message.toString('latin1'), size: String(message.length) });
  });

  it('msg:body(), msg:raw() and msg:get_message_size() are empty before DATA', (t) => {
    const p = policyFrom(`msys.registerModule("t", { validate_rcptto = function(self, msg, rcpt, accept, vctx)
      vctx:set(${MESS}, "got", "[" .. msg:body() .. "|" .. msg:raw() .. "|" .. msg:get_message_size() .. "|" .. #msg:header("Subject") .. "]")
      return msys.core.VALIDATE_CONT end })`);
    t.after(() => p.close());
    twice(() => assert.equal(p.run('rcptto', { rcpt: 'a@example.com' }).context.mess.got, '[||0|0]'));
  });
});

describe('msg:address_header', () => {
  const p = dataPolicy(`
    local name, part = vctx:get(${MESS}, "name"), vctx:get(${MESS}, "part")
    local t = msg:address_header(name, part)
    vctx:set(${MESS}, "got", #t .. ":" .. table.concat(t, "|"))`);
  after(() => p.close());

  /** The list for header name (and part), read twice. */
  function addresses(headers: string[], name: string, part?: string): string[] {
    let out: string[] = [];
    twice(() => {
      const mess = { name, ...(part ? { part } : {}) };
      const v = p.run('data', { message: eml(headers), context: { mess } });
      assert.deepEqual(v.errors, []);
      const got = v.context.mess.got ?? '';
      const colon = got.indexOf(':');
      out = Number(got.slice(0, colon)) === 0 ? [] : got.slice(colon + 1).split('|');
    });
    return out;
  }

  it('returns the addresses of a list with display names, by default', () => {
    const to = ['To: Alice Example <alice@example.com>, bob@example.net, "Carol" <carol@example.org>'];
    assert.deepEqual(addresses(to, 'To'), ['alice@example.com', 'bob@example.net', 'carol@example.org']);
    assert.deepEqual(addresses(to, 'To', 'address'), ['alice@example.com', 'bob@example.net', 'carol@example.org']);
  });

  it('returns the display names, local parts and domains by part', () => {
    const to = ['To: Alice Example <alice@example.com>, bob@example.net, "Carol" <carol@example.org>'];
    assert.deepEqual(addresses(to, 'To', 'name'), ['Alice Example', '', 'Carol']);
    assert.deepEqual(addresses(to, 'To', 'local_part'), ['alice', 'bob', 'carol']);
    assert.deepEqual(addresses(to, 'To', 'domain'), ['example.com', 'example.net', 'example.org']);
  });

  it('keeps a comma inside a quoted display name', () => {
    const to = ['To: "Doe, John" <john@example.com>, "Roe, \\"Jane\\"" <jane@example.com>'];
    assert.deepEqual(addresses(to, 'To'), ['john@example.com', 'jane@example.com']);
    assert.deepEqual(addresses(to, 'To', 'name'), ['Doe, John', 'Roe, "Jane"']);
  });

  it('ignores comments, and takes a comment as the name of a bare address', () => {
    const to = ['To: john@example.com (John Doe), Jane <jane@example.com> (work)'];
    assert.deepEqual(addresses(to, 'To'), ['john@example.com', 'jane@example.com']);
    assert.deepEqual(addresses(to, 'To', 'name'), ['John Doe', 'Jane']);
  });

  it('flattens groups, and an empty group yields no address', () => {
    assert.deepEqual(addresses(['To: undisclosed-recipients:;'], 'To'), []);
    assert.deepEqual(addresses(['To: Team: a@example.com, b@example.com;'], 'To'), ['a@example.com', 'b@example.com']);
    assert.deepEqual(addresses(['Cc: x@example.com, Team: a@example.com, B <b@example.com>;, y@example.com'], 'Cc'), [
      'x@example.com',
      'a@example.com',
      'b@example.com',
      'y@example.com',
    ]);
  });

  it('reads every field of the name, folded ones included', () => {
    const headers = ['To: a@example.com', 'Cc: c@example.com', 'to: b@example.com,', ' C <c2@example.com>'];
    assert.deepEqual(addresses(headers, 'To'), ['a@example.com', 'b@example.com', 'c2@example.com']);
  });

  it('decodes an encoded-word display name', () => {
    const from = ['From: =?UTF-8?Q?J=C3=BCrgen_M=C3=BCller?= <jm@example.de>'];
    assert.deepEqual(addresses(from, 'From'), ['jm@example.de']);
    assert.deepEqual(addresses(from, 'From', 'name'), ['Jürgen Müller']);
  });

  it(
    'does not split an address list at a comma decoded from an encoded-word',
    () => {
      const from = ['From: =?UTF-8?Q?M=C3=BCller=2C_J=C3=BCrgen?= <jm@example.de>'];
      assert.deepEqual(addresses(from, 'From'), ['jm@example.de']);
      assert.deepEqual(addresses(from, 'From', 'name'), ['Müller, Jürgen']);
    },
  );

  it('returns an empty table for a missing field', () => {
    assert.deepEqual(addresses(['Subject: s'], 'To'), []);
  });

  it('reports an error for an unknown part', (t) => {
    const q = data(t, 'msg:address_header("To", "mailbox")');
    twice(() => {
      const v = q.run('data', { message: eml(['To: a@example.com']) });
      assert.match(v.errors[0]?.message ?? '', /bad argument #2 to 'address_header' \(part must be 'address', 'name', 'local_part' or 'domain'\)$/);
    });
  });

});

describe('msg id, reply and lifetime', () => {
  it('msg.id is the id the host gave, "" when none', (t) => {
    const p = data(t, `vctx:set(${MESS}, "id", msg.id)`);
    assert.deepEqual(mess(p, { message: eml(['Subject: s']), id: '0A1B2C3D-0001' }), { id: '0A1B2C3D-0001' });
    assert.deepEqual(mess(p, { message: eml(['Subject: s']) }), { id: '' });
  });

  it('msg:code() reads the reply vctx:set_code set, and nothing before', (t) => {
    const p = data(
      t,
      `vctx:set(${MESS}, "before", tostring(select("#", msg:code())))
       vctx:set_code(452, "4.5.3 Too many")
       local code, text = msg:code()
       vctx:set(${MESS}, "after", code .. "|" .. text)`,
    );
    assert.deepEqual(mess(p, { message: eml(['Subject: s']) }), { before: '0', after: '452|4.5.3 Too many' });
  });

  it('msg:code(code, text) sets the disposition', (t) => {
    const p = data(t, 'msg:code(550, "5.7.1 No thanks")');
    twice(() => {
      const v = p.run('data', { message: eml(['Subject: s']) });
      assert.deepEqual(v.disposition, { code: 550, text: '5.7.1 No thanks', phase: 'data', disconnect: false, discard: false });
    });
  });

  it('msg:code() refuses a code out of range', (t) => {
    const p = data(t, 'msg:code(600, "x")');
    twice(() => {
      const v = p.run('data', { message: eml(['Subject: s']) });
      assert.equal(v.disposition, null);
      assert.match(v.errors[0]?.message ?? '', /SMTP reply code must be from 200 to 599/);
    });
  });

  it('msg:discard() marks the message to be discarded, answering 250 unless a reply was set, and logs its reason', (t) => {
    const p = data(t, 'msg:discard()');
    twice(() => {
      const v = p.run('data', { message: eml(['Subject: s']) });
      assert.deepEqual(v.disposition, { code: 250, text: '2.0.0 OK', phase: 'data', disconnect: false, discard: true });
      assert.deepEqual(v.logs, [{ module: 'msg:discard', text: '550 5.7.0 discarded by policy' }]);
    });
    const q = data(t, 'vctx:set_code(250, "2.0.0 Ok") msg:discard("dropped")');
    twice(() => {
      const v = q.run('data', { message: eml(['Subject: s']) });
      assert.deepEqual(v.disposition, { code: 250, text: '2.0.0 Ok', phase: 'data', disconnect: false, discard: true });
      assert.deepEqual(v.logs, [{ module: 'msg:discard', text: '550 5.7.1 [internal] discarded by policy' }]);
    });
  });

  it('raises "used after the call" for a msg, vctx or accept kept from an earlier call', (t) => {
    const p = data(
      t,
      `if KEPT then
         local what = vctx:get(${MESS}, "what")
         local ok, err = pcall(function()
           if what == "msg" then return KEPT.msg:header("Subject") end
           if what == "vctx" then return KEPT.vctx:get(${MESS}, "k") end
           return KEPT.accept.remote_addr
         end)
         vctx:set(${MESS}, "ok", tostring(ok))
         vctx:set(${MESS}, "err", tostring(err))
         if what == "direct" then KEPT.msg:body() end
       end
       KEPT = { msg = msg, vctx = vctx, accept = accept }`,
      { sandbox: false }, // the sandbox would clear the global KEPT between calls
    );
    const message = eml(['Subject: s']);
    p.run('data', { message });
    for (const what of ['msg', 'vctx', 'accept']) {
      const v = p.run('data', { message, context: { mess: { what } } });
      assert.deepEqual(v.errors, []);
      assert.equal(v.context.mess.ok, 'false');
      assert.match(v.context.mess.err ?? '', new RegExp(`${what} used after the call it was given to has ended$`));
    }
    // Unprotected, it is an error of the callout, and the next call is fine.
    const v = p.run('data', { message, context: { mess: { what: 'direct' } } });
    assert.equal(v.errors.length, 1);
    assert.match(v.errors[0]?.message ?? '', /msg used after the call it was given to has ended/);
    assert.deepEqual(p.run('data', { message, context: { mess: { what: 'msg' } } }).errors, []);
  });
});
