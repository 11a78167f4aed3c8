// json: decode to plain tables with json.null, encode to JSON text with
// sorted keys, json.new, strerror and the json-c error codes; bad input to
// decode returns nil, code, message, and what encode cannot write raises.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { evaluator } from '../helpers/lua-eval.js';
import { twice } from '../helpers/lua-policy.js';

const lua = evaluator();
after(() => lua.close());

/** json.encode(json.decode(text)) */
const roundTrip = (text: string) => lua.value(`return json.encode(json.decode(${JSON.stringify(text)}))`);

describe('json.decode', () => {
  it('gives plain tables that index and walk like any other', () => {
    twice(() => {
      assert.equal(
        lua.value(`local t = json.decode('{"a":[10,20,{"b":true}],"s":"x"}')
          local n = 0 for k in pairs(t) do n = n + 1 end
          return type(t) .. " " .. n .. " " .. #t.a .. " " .. t.a[2] .. " " .. tostring(t.a[3].b) .. " " .. t.s`),
        'table 2 3 20 true x',
      );
    });
  });

  it('decodes null as json.null, one value everywhere, which prints as null', () => {
    assert.equal(lua.value(`local t = json.decode('[null,{"k":null}]') return tostring(t[1] == json.null and t[2].k == json.null) .. " " .. tostring(json.null) .. " " .. type(json.null)`), 'true null userdata');
    assert.equal(lua.value(`return tostring(require("json").null == json.null)`), 'true');
  });

  it('decodes escapes, surrogate pairs and UTF-8 into UTF-8', () => {
    assert.equal(lua.value(String.raw`return json.decode([["a\"b\\c\/d\n\u00e9\ud83d\ude00é"]])`), 'a"b\\c/d\né😀é');
  });

  it('reads numbers as JSON writes them', () => {
    assert.equal(lua.value(`local t = json.decode('[0, -1.5, 1e3, 2E-2, 12345678901]') return table.concat(t, " ")`), '0 -1.5 1000 0.02 12345678901');
  });

  it('keeps the last value of a repeated key', () => {
    assert.equal(lua.value(`return json.decode('{"a":1,"a":2}').a`), '2');
  });

  const bad: [string, string, number][] = [
    ['', 'ERROR_PARSE_EOF', 2],
    ['[1,', 'ERROR_PARSE_EOF', 2],
    ['[1 2]', 'ERROR_PARSE_ARRAY', 7],
    ['{"a" 1}', 'ERROR_PARSE_OBJECT_KEY_SEP', 9],
    ['{a:1}', 'ERROR_PARSE_OBJECT_KEY_NAME', 8],
    ['{"a":1 "b":2}', 'ERROR_PARSE_OBJECT_VALUE_SEP', 10],
    ['nul', 'ERROR_PARSE_EOF', 2],
    ['nulx', 'ERROR_PARSE_NULL', 4],
    ['tru!', 'ERROR_PARSE_BOOLEAN', 5],
    ['01', 'ERROR_PARSE_NUMBER', 6],
    ['-', 'ERROR_PARSE_EOF', 2],
    ['"\\x"', 'ERROR_PARSE_STRING', 11],
    ['"\\ud800"', 'ERROR_PARSE_STRING', 11],
    ['"a\nb"', 'ERROR_PARSE_STRING', 11],
    ['1 2', 'ERROR_PARSE_UNEXPECTED', 3],
    ['@', 'ERROR_PARSE_UNEXPECTED', 3],
    ['/* c */ 1', 'ERROR_PARSE_UNEXPECTED', 3],
    ['['.repeat(600), 'ERROR_DEPTH', 1],
  ];
  for (const [text, name, code] of bad) {
    it(`returns nil, json.${name} (${code}), a message for ${JSON.stringify(text.slice(0, 12))}`, () => {
      const got = lua.value(`local v, code, msg = json.decode(${JSON.stringify(text)})
        return tostring(v) .. "|" .. code .. "|" .. tostring(code == json.${name}) .. "|" .. msg`);
      const [v, c, same, msg] = got.split('|') as [string, string, string, string];
      assert.deepEqual([v, Number(c), same], ['nil', code, 'true']);
      assert.match(msg, / at offset \d+$/);
      assert.equal(msg.replace(/ at offset \d+$/, ''), lua.value(`return json.strerror(${code})`));
    });
  }

  it('raises for an argument that is not a string', () => {
    assert.match(lua.error('local v = json.decode({}) return v'), /bad argument #1 to 'decode' \(string expected, got table\)/);
  });
});

describe('json.encode', () => {
  it('writes an array for a table with t[1], an object otherwise, keys sorted', () => {
    assert.equal(lua.value(`return json.encode({ 1, "two", true })`), '[1,"two",true]');
    assert.equal(lua.value(`return json.encode({ zeta = 1, alpha = { x = false }, mid = "m" })`), '{"alpha":{"x":false},"mid":"m","zeta":1}');
    assert.equal(lua.value(`return json.encode({})`), '{}');
  });

  it('round-trips what decode gives, empty arrays included', () => {
    assert.equal(roundTrip('{"a":[],"b":{},"c":[null,1.5,"x"]}'), '{"a":[],"b":{},"c":[null,1.5,"x"]}');
  });

  it('writes scalars, escapes, and integers without a decimal point', () => {
    assert.equal(lua.value(`return json.encode("a\\"b\\\\c\\n\\1é")`), '"a\\"b\\\\c\\n\\u0001é"');
    assert.equal(lua.value(`return json.encode(42) .. json.encode(-0.25) .. json.encode(1e20) .. json.encode(nil) .. json.encode(json.null)`), '42-0.251e+20nullnull');
  });

  it('writes holes of an array as null, and number keys of an object as strings', () => {
    assert.equal(lua.value(`return json.encode({ 1, nil, 3 })`), '[1,null,3]');
    assert.equal(lua.value(`local t = json.new() t[2] = "b" t.x = 1 return json.encode(t)`), '{"2":"b","x":1}');
    assert.equal(lua.value(`local t = json.new() t[1] = "a" return json.encode(t)`), '{"1":"a"}');
    assert.equal(lua.value(`return json.encode(setmetatable({ 1, 2 }, {})) .. json.encode(setmetatable({ a = 1 }, {}))`), '[1,2]{"a":1}');
  });

  const refused: [string, RegExp][] = [
    ['local t = {} t.self = t return json.encode(t)', /json\.encode: cannot encode a table that contains itself \(a cycle\)/],
    ['return json.encode({ 0/0 })', /json\.encode: cannot encode NaN or infinity/],
    ['return json.encode({ a = 1/0 })', /json\.encode: cannot encode NaN or infinity/],
    ['return json.encode({ f = print })', /json\.encode: cannot encode this type of value \(a function\)/],
    ['return json.encode({ [true] = 1 })', /json\.encode: cannot encode a table with a key that is not a string or a number \(a boolean key\)/],
    ['return json.encode({ 1, 2, x = 3 })', /json\.encode: cannot encode a table with both array items/],
    ['return json.encode({ [1] = 1, [100] = 2 })', /json\.encode: cannot encode a sparse array/],
  ];
  for (const [code, message] of refused) {
    it(`raises for ${code.replace(/^return json\.encode\(|\)$/g, '')}`, () => {
      twice(() => assert.match(lua.error(code), message));
    });
  }
});

describe('json.encode, again and again', () => {
  it('encodes tables of every kind thousands of times in one call', () => {
    assert.equal(lua.value(`local o = json.new() o[1] = 1 for i = 1, 5000 do json.encode({ o, setmetatable({ 1 }, {}), json.decode('[{}]') }) end return "ok"`), 'ok');
  });
});

describe('json.new and tostring', () => {
  it('gives an empty object whose tostring() is its JSON text', () => {
    assert.equal(lua.value(`local o = json.new() o.name = "n" o.list = { 1, 2 } return tostring(o)`), '{"list":[1,2],"name":"n"}');
    assert.equal(lua.value(`return tostring(json.new())`), '{}');
    assert.equal(lua.value(`return getmetatable(json.new())`), 'json.object');
  });

  it('prints decoded tables as JSON, and their metatables cannot be changed', () => {
    assert.equal(lua.value(`return tostring(json.decode(' [ 1 , {"a" : "b"} ] '))`), '[1,{"a":"b"}]');
    assert.equal(lua.value(`return getmetatable(json.decode('[]'))`), 'json.array');
    assert.match(lua.error(`setmetatable(json.decode('{}'), nil)`), /cannot change a protected metatable/);
  });
});

describe('json.strerror and json.ERROR_*', () => {
  it("gives json-c's codes and messages", () => {
    assert.equal(lua.value(`return json.ERROR_SUCCESS .. json.ERROR_DEPTH .. json.ERROR_PARSE_EOF .. json.ERROR_PARSE_COMMENT`), '01212');
    assert.equal(lua.value(`return json.strerror(json.ERROR_PARSE_EOF)`), 'unexpected end of data');
    assert.equal(lua.value(`return json.strerror(99)`), 'unknown json error 99');
  });
});
