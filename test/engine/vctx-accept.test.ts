// vctx: both contexts and the SMTP reply (set_code, disconnect); accept: the
// connection's addresses and ports, as the host gave them.
import { describe, it, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import type { CallInput, Policy } from '../../src/index.js';
import { dataPolicy, eml, policyFrom, twice } from '../helpers/lua-policy.js';

const MESSAGE = eml(['Subject: s']);

function data(t: TestContext, body: string): Policy {
  const p = dataPolicy(body);
  t.after(() => p.close());
  return p;
}

function connect(t: TestContext, body: string): Policy {
  const p = policyFrom(`msys.registerModule("t", { validate_connect = function(self, accept, vctx)
${body}
return msys.core.VALIDATE_CONT end })`);
  t.after(() => p.close());
  return p;
}

describe('vctx contexts', () => {
  for (const [label, type, key] of [
    ['message', 'msys.core.VCTX_MESS', 'mess'],
    ['connection', 'msys.core.VCTX_CONN', 'conn'],
  ] as const) {
    it(`vctx:get/set read and write the ${label} context; nil deletes`, (t) => {
      const p = data(
        t,
        `local T = ${type}
         local seen = { tostring((vctx:get(T, "k"))) }
         vctx:set(T, "k", "v")
         seen[#seen + 1] = vctx:get(T, "k")
         vctx:set(T, "k", "w")
         seen[#seen + 1] = vctx:get(T, "k")
         vctx:set(T, "gone", "x")
         vctx:set(T, "gone", nil)
         seen[#seen + 1] = tostring((vctx:get(T, "gone")))
         vctx:set(T, "seen", table.concat(seen, "|"))`,
      );
      twice(() => {
        const v = p.run('data', { message: MESSAGE });
        assert.deepEqual(v.errors, []);
        assert.deepEqual(v.context[key], { k: 'w', seen: 'nil|v|w|nil' });
        assert.deepEqual(v.context[key === 'mess' ? 'conn' : 'mess'], {});
      });
    });
  }

  it(
    'vctx:get returns one nil for a missing key, as documented, so tostring(vctx:get(...)) works',
    (t) => {
      const p = data(
        t,
        `vctx:set(msys.core.VCTX_MESS, "n", select("#", vctx:get(msys.core.VCTX_MESS, "missing")))
         vctx:set(msys.core.VCTX_MESS, "s", tostring(vctx:get(msys.core.VCTX_CONN, "missing")))`,
      );
      twice(() => {
        const v = p.run('data', { message: MESSAGE });
        assert.deepEqual(v.errors, []);
        assert.deepEqual(v.context.mess, { n: '1', s: 'nil' });
      });
    },
  );

  it('vctx:set(type, key, nil) deletes a key the host passed in', (t) => {
    const p = data(t, 'vctx:set(msys.core.VCTX_CONN, "drop", nil) vctx:set(msys.core.VCTX_MESS, "absent", nil)');
    twice(() => {
      const v = p.run('data', { message: MESSAGE, context: { conn: { drop: '1', keep: '2' }, mess: { m: '3' } } });
      assert.deepEqual(v.context, { conn: { keep: '2' }, mess: { m: '3' } });
    });
  });

  it('keeps keys and values with NUL bytes and non-ASCII text intact', (t) => {
    const p = data(t, 'vctx:set(msys.core.VCTX_MESS, "a\\0b", "x\\0y") vctx:set(msys.core.VCTX_MESS, "clé", "☃")');
    twice(() => assert.deepEqual(p.run('data', { message: MESSAGE }).context.mess, { 'a\0b': 'x\0y', clé: '☃' }));
  });

  it('reports an error for a context type that is neither', (t) => {
    const p = data(t, 'vctx:set(msys.core.VCTX_MESS, "before", "1") vctx:get(7, "k")');
    twice(() => {
      const v = p.run('data', { message: MESSAGE });
      assert.equal(v.errors.length, 1);
      assert.match(v.errors[0]?.message ?? '', /bad argument #1 to 'get' \(context type must be msys\.core\.VCTX_MESS or msys\.core\.VCTX_CONN\)$/);
      assert.deepEqual(v.context.mess, { before: '1' });
    });
  });
});

describe('vctx reply', () => {
  it('vctx:set_code(code, text) sets the disposition for the phase', (t) => {
    const p = data(t, 'vctx:set_code(451, "4.3.0 try later")');
    twice(() => {
      const v = p.run('data', { message: MESSAGE });
      assert.deepEqual(v.disposition, { code: 451, text: '4.3.0 try later', phase: 'data', disconnect: false, discard: false });
      assert.equal(v.action, 'continue');
    });
  });

  it('the last vctx:set_code wins', (t) => {
    const p = data(t, 'vctx:set_code(550, "5.7.1 first") vctx:set_code(250, "2.0.0 second")');
    twice(() => assert.deepEqual(p.run('data', { message: MESSAGE }).disposition, { code: 250, text: '2.0.0 second', phase: 'data', disconnect: false, discard: false }));
  });

  it('vctx:set_code takes the bounds 200 and 599, and no text', (t) => {
    const p = data(t, 'vctx:set_code(tonumber(vctx:get(msys.core.VCTX_MESS, "code")))');
    for (const code of [200, 599]) {
      twice(() => {
        const v = p.run('data', { message: MESSAGE, context: { mess: { code: String(code) } } });
        assert.deepEqual(v.errors, []);
        assert.deepEqual(v.disposition, { code, text: '', phase: 'data', disconnect: false, discard: false });
      });
    }
  });

  for (const code of [199, 600, 0, -451]) {
    it(`vctx:set_code(${code}) is an error and sets nothing`, (t) => {
      const p = data(t, `vctx:set_code(${code}, "x")`);
      twice(() => {
        const v = p.run('data', { message: MESSAGE });
        assert.equal(v.disposition, null);
        assert.equal(v.errors.length, 1);
        assert.match(v.errors[0]?.message ?? '', /bad argument #1 to 'set_code' \(SMTP reply code must be from 200 to 599\)$/);
      });
    });
  }

  for (const text of ['5.7.1 a\r\n250 ok', 'a\nb', 'a\rb']) {
    it(`vctx:set_code refuses text with a line break: ${JSON.stringify(text)}`, (t) => {
      const p = data(t, `vctx:set_code(550, ${JSON.stringify(text)})`);
      twice(() => {
        const v = p.run('data', { message: MESSAGE });
        assert.equal(v.disposition, null);
        assert.match(v.errors[0]?.message ?? '', /bad argument #2 to 'set_code' \(SMTP reply text must not contain a line break\)$/);
      });
    });
  }

  it('vctx:disconnect() replies 421 and closes the connection', (t) => {
    const p = connect(t, 'vctx:disconnect()');
    twice(() => {
      const v = p.run('connect', { remoteAddr: '192.0.2.1' });
      assert.deepEqual(v.disposition, { code: 421, text: '4.7.0 Closing connection', phase: 'connect', disconnect: true, discard: false });
    });
  });

  it('vctx:disconnect(code, text) replies with them and closes the connection', (t) => {
    const p = data(t, 'vctx:disconnect(554, "5.7.1 Go away")');
    twice(() => {
      const v = p.run('data', { message: MESSAGE });
      assert.deepEqual(v.disposition, { code: 554, text: '5.7.1 Go away', phase: 'data', disconnect: true, discard: false });
    });
  });

  it('vctx:disconnect refuses a bad code like set_code', (t) => {
    const p = data(t, 'vctx:disconnect(700, "x")');
    twice(() => {
      const v = p.run('data', { message: MESSAGE });
      assert.equal(v.disposition, null);
      assert.match(v.errors[0]?.message ?? '', /SMTP reply code must be from 200 to 599/);
    });
  });

  it('a reply set in one call does not carry over to the next', (t) => {
    const p = data(t, 'if vctx:get(msys.core.VCTX_MESS, "reject") then vctx:disconnect(550, "no") end');
    twice(() => {
      assert.equal(p.run('data', { message: MESSAGE, context: { mess: { reject: '1' } } }).disposition?.disconnect, true);
      assert.equal(p.run('data', { message: MESSAGE }).disposition, null);
    });
  });
});

describe('accept', () => {
  const REPORT = `vctx:set(msys.core.VCTX_CONN, "seen", table.concat({
    tostring(accept.remote_addr), tostring(accept.remote_port), tostring(accept.local_addr), tostring(accept.local_port),
    type(accept.remote_port), tostring(accept.no_such_field), tostring(accept.remoteAddr) }, "|"))`;

  it('gives the connection addresses and ports from the input, to validate_connect with vctx', (t) => {
    const p = connect(t, REPORT);
    const input: CallInput = { remoteAddr: '192.0.2.10', remotePort: 50123, localAddr: '2001:db8::25', localPort: 25 };
    twice(() => {
      const v = p.run('connect', input);
      assert.deepEqual(v.errors, []);
      assert.equal(v.context.conn.seen, '192.0.2.10|50123|2001:db8::25|25|number|nil|nil');
    });
  });

  it('gives "" and 0 when the host passed no connection facts', (t) => {
    const p = connect(t, REPORT);
    twice(() => assert.equal(p.run('connect').context.conn.seen, '|0||0|number|nil|nil'));
  });

  it('is given to validate_data too, with the same facts', (t) => {
    const p = data(t, REPORT);
    twice(() => {
      const v = p.run('data', { message: MESSAGE, remoteAddr: '198.51.100.7', remotePort: 1, localAddr: '203.0.113.1', localPort: 587 });
      assert.equal(v.context.conn.seen, '198.51.100.7|1|203.0.113.1|587|number|nil|nil');
    });
  });

  it('does not carry the facts of one connection over to the next call', (t) => {
    const p = connect(t, REPORT);
    twice(() => {
      assert.equal(p.run('connect', { remoteAddr: '192.0.2.1', remotePort: 1000 }).context.conn.seen, '192.0.2.1|1000||0|number|nil|nil');
      assert.equal(p.run('connect', { localAddr: '192.0.2.2', localPort: 25 }).context.conn.seen, '|0|192.0.2.2|25|number|nil|nil');
    });
  });

  it('vctx and accept are sealed: their metatables cannot be read', (t) => {
    const p = connect(t, 'vctx:set(msys.core.VCTX_CONN, "mt", tostring(getmetatable(vctx)) .. "|" .. tostring(getmetatable(accept)))');
    twice(() => assert.equal(p.run('connect').context.conn.mt, 'vctx|accept'));
  });
});
