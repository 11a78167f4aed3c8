// msys.dumper.Dumper: Lua-literal text for logs, the same on both engines
// and from run to run (sorted keys), cycles marked, non-data values named.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { evaluator } from '../helpers/lua-eval.js';
import { twice } from '../helpers/lua-policy.js';

const lua = evaluator();
after(() => lua.close());

const dump = (expr: string) => lua.value(`local d = require("msys.dumper") local v = ${expr} return d.Dumper(v)`);

describe('msys.dumper.Dumper', () => {
  it('writes scalars as Lua literals', () => {
    assert.equal(dump('"a\\"b\\\\\\n\\0"'), '"a\\"b\\\\\\n\\000"');
    assert.equal(dump('42'), '42');
    assert.equal(dump('-0.5'), '-0.5');
    assert.equal(dump('0/0') + dump('1/0') + dump('-1/0'), '0/01/0-1/0');
    assert.equal(dump('true') + dump('nil'), 'truenil');
  });

  it('writes the array part first, then the other keys sorted, two spaces a level', () => {
    twice(() => {
      assert.equal(
        dump('{ "x", "y", zeta = 1, alpha = { 1 }, [10] = true, ["not id"] = 2, ["end"] = 3, [false] = 0 }'),
        ['{', '  "x",', '  "y",', '  [10] = true,', '  alpha = {', '    1,', '  },', '  ["end"] = 3,', '  ["not id"] = 2,', '  zeta = 1,', '  [false] = 0,', '}'].join('\n'),
      );
    });
    assert.equal(dump('{}'), '{}');
  });

  it('marks a table met again inside itself, and writes a shared one each time', () => {
    assert.equal(dump('{ a = {} } v.a.up = v'), ['{', '  a = {', '    up = nil --[[ cycle: value ]],', '  },', '}'].join('\n'));
    assert.equal(dump('{} local s = { 1 } v.p, v.q = s, s'), ['{', '  p = {', '    1,', '  },', '  q = {', '    1,', '  },', '}'].join('\n'));
  });

  it('names functions, userdata and the call handles instead of writing them', () => {
    assert.equal(dump('{ f = print, m = (...), n = json.null }'), ['{', '  f = nil --[[ function ]],', '  m = nil --[[ ec_message ]],', '  n = nil --[[ json.null ]],', '}'].join('\n'));
  });

  it('writes text that loads back to the same data', () => {
    assert.equal(
      lua.value(`local t = { 1, "two", { x = 1.5 }, k = "v\\n" }
        local back = loadstring("return " .. msys.dumper.Dumper(t))()
        return back[1] .. back[2] .. back[3].x .. back.k`),
      '1two1.5v\n',
    );
  });

  it('stops at 100 levels of nesting', () => {
    assert.match(dump('{} local t = v for i = 1, 150 do t.n = {} t = t.n end'), /\{ --\[\[ nested too deep \]\] \}/);
  });

  it('raises when called with no value', () => {
    assert.match(lua.error('local s = msys.dumper.Dumper() return s'), /msys\.dumper\.Dumper: bad argument #1 \(value expected\)/);
  });
});
