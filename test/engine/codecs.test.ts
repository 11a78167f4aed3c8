// msys.base64 and msys.qp: encode/decode, folding, the charset argument,
// the errors bad input raises, and require() of both modules.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { eml } from '../helpers/lua-policy.js';
import { mimePolicy } from '../helpers/mime.js';

// Runs a Lua expression list given in the message context; errors come back as text.
const p = mimePolicy(`
  local f = assert(loadstring("return " .. vctx:get(msys.core.VCTX_MESS, "expr")))
  setfenv(f, setmetatable({ msys = msys, require = require, string = string }, { __index = _G }))
  local r = { pcall(f) }
  if r[1] then table.remove(r, 1) RESULT(unpack(r)) else RESULT({ error = r[2] }) end`);
after(() => p.close());

const MESSAGE = eml(['Subject: s']);

function run(expr: string): unknown {
  const v = p.run('data', { message: MESSAGE, context: { mess: { expr } } });
  assert.deepEqual(v.errors, []);
  const value = JSON.parse(v.context.mess.json!) as unknown;
  // Lua 5.1 puts the caller's position before a C function's error here; LuaJIT does not.
  const e = value as { error?: string };
  if (typeof e === 'object' && e !== null && typeof e.error === 'string') e.error = e.error.replace(/^\[string "[^\]]*"\]:\d+: /, '');
  return value;
}

describe('msys.base64', () => {
  it('encodes and decodes the RFC 4648 test vectors', () => {
    const vectors: [string, string][] = [['', ''], ['f', 'Zg=='], ['fo', 'Zm8='], ['foo', 'Zm9v'], ['foob', 'Zm9vYg=='], ['fooba', 'Zm9vYmE='], ['foobar', 'Zm9vYmFy']];
    for (const [plain, encoded] of vectors) {
      assert.equal(run(`msys.base64.encode("${plain}")`), encoded);
      assert.equal(run(`msys.base64.decode("${encoded}")`), plain);
    }
  });

  it('round-trips every byte value', () => {
    assert.equal(run('(function() local t = {} for i = 0, 255 do t[#t + 1] = string.char(i) end local s = table.concat(t) return msys.base64.decode(msys.base64.encode(s)) == s end)()'), true);
  });

  it('folds with CRLF every 76 characters when fold is true, and decodes folded text', () => {
    const folded = run('msys.base64.encode(string.rep("x", 120), true)') as string;
    const lines = folded.split('\r\n');
    assert.deepEqual(lines.map((l) => l.length), [76, 76, 8]);
    assert.equal(run(`msys.base64.decode(msys.base64.encode(string.rep("x", 120), true)) == string.rep("x", 120)`), true);
    assert.equal(run('msys.base64.decode("Zm9v\\r\\n YmFy\\n")'), 'foobar');
  });

  it('decodes without padding too', () => {
    assert.equal(run('msys.base64.decode("Zm8")'), 'fo');
  });

  it('raises on bad input, naming the function', () => {
    assert.deepEqual(run('msys.base64.decode("Zm9v*")'), { error: 'msys.base64.decode: invalid base64 character' });
    assert.deepEqual(run('msys.base64.decode("Zg==Zg==")'), { error: 'msys.base64.decode: base64 data after padding' });
    assert.deepEqual(run('msys.base64.decode("Zm9vY")'), { error: 'msys.base64.decode: truncated base64 data' });
    assert.match((run('msys.base64.decode()') as { error: string }).error, /bad argument #1 to '(decode|\?)' \(string expected, got no value\)/);
  });

  it('converts from UTF-8 before encoding, and to UTF-8 after decoding, with a charset', () => {
    assert.equal(run('msys.base64.encode("café", false, "iso-8859-1")'), Buffer.from([0x63, 0x61, 0x66, 0xe9]).toString('base64'));
    assert.equal(run(`msys.base64.decode("${Buffer.from([0xf0, 0xd2, 0xc9, 0xd7, 0xc5, 0xd4]).toString('base64')}", "koi8-r")`), 'Привет');
    assert.equal(run('msys.base64.decode(msys.base64.encode("日本語", false, "shift_jis"), "shift_jis")'), '日本語');
  });

  it('raises on an unknown charset, and on text that is not UTF-8 when encoding to a charset', () => {
    assert.deepEqual(run('msys.base64.decode("Zm9v", "x-nonesuch")'), { error: "msys.base64.decode: unknown charset 'x-nonesuch'" });
    assert.deepEqual(run('msys.base64.encode("foo", false, "x-nonesuch")'), { error: "msys.base64.encode: unknown charset (charset 'x-nonesuch')" });
    assert.deepEqual(run('msys.base64.encode("\\255", false, "iso-8859-1")'), { error: "msys.base64.encode: text is not valid UTF-8 (charset 'iso-8859-1')" });
  });

  it('writes a character the charset lacks as ?', () => {
    assert.equal(run('msys.base64.decode(msys.base64.encode("a✓b", false, "iso-8859-1"))'), 'a?b');
  });
});

describe('msys.qp', () => {
  it('encodes what is not printable ASCII, "=" and white space at a line end', () => {
    assert.equal(run('msys.qp.encode("café = ok \\nnext\\t")'), 'caf=C3=A9 =3D ok=20\r\nnext=09');
  });

  it('breaks lines longer than 76 characters with soft line breaks', () => {
    const out = run('msys.qp.encode(string.rep("a", 200))') as string;
    for (const line of out.split('\r\n')) assert.ok(line.length <= 76, line);
    assert.equal(run('msys.qp.decode(msys.qp.encode(string.rep("é", 100))) == string.rep("é", 100)'), true);
  });

  it('decodes escapes (either case), soft line breaks and drops trailing white space', () => {
    assert.equal(run('msys.qp.decode("caf=c3=A9 =\\r\\nau lait  \\r\\nx")'), 'café au lait\r\nx');
  });

  it('raises on a bad escape', () => {
    assert.deepEqual(run('msys.qp.decode("a=ZZ")'), { error: 'msys.qp.decode: invalid quoted-printable escape' });
    assert.deepEqual(run('msys.qp.decode("a=4")'), { error: 'msys.qp.decode: invalid quoted-printable escape' });
  });

  it('converts with a charset both ways', () => {
    assert.equal(run('msys.qp.encode("café", "iso-8859-1")'), 'caf=E9');
    assert.equal(run('msys.qp.decode("caf=E9", "iso-8859-1")'), 'café');
    assert.equal(run('msys.qp.decode("=1B$B$3$s=1B(B", "iso-2022-jp")'), 'こん');
  });
});

describe('require', () => {
  it('gives msys.base64 and msys.qp for require("msys.base64") and require("msys.qp")', () => {
    assert.deepEqual(run('require("msys.base64") == msys.base64, require("msys.qp") == msys.qp, type(msys.qp.encode)'), [true, true, 'function']);
  });
});

