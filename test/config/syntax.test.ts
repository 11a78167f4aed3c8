// The ecelerity.conf language: what parses, and to what tree.

import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseConfig } from '../../src/config/read.js';
import { findOptions, findScopes, getOption, stripOrigins, type ConfigScope, type ConfigValue } from '../../src/config/tree.js';

const FILE = '/virtual/ecelerity.conf';

function parse(text: string): ConfigScope {
  return parseConfig(text, FILE);
}

function valueOf(text: string): unknown {
  const tree = parse(`v = ${text}\n`);
  const option = getOption(tree, 'v');
  assert.ok(option);
  return stripOrigins(option.value);
}

const word = (text: string) => ({ kind: 'word', text });
const str = (text: string) => ({ kind: 'string', text });
const int = (value: number) => ({ kind: 'integer', value });

describe('configuration syntax', () => {
  it('parses anonymous and named scopes nested to any depth', () => {
    const tree = parse(`alerting { }\nscriptlet "scriptlet" {\n  script "boot" { source = "msys.boot" }\n}\n`);
    assert.deepEqual(stripOrigins(tree), {
      kind: 'scope', name: '', instance: null,
      body: [
        { kind: 'scope', name: 'alerting', instance: null, body: [] },
        {
          kind: 'scope', name: 'scriptlet', instance: 'scriptlet',
          body: [{ kind: 'scope', name: 'script', instance: 'boot', body: [{ kind: 'option', name: 'source', value: str('msys.boot') }] }],
        },
      ],
    });
    let nested = 'a = 1';
    for (let i = 0; i < 50; i++) nested = `level${i} { ${nested} }`;
    assert.equal(parse(nested).body.length, 1);
  });

  it('accepts a bare word or a single-quoted string as a scope instance', () => {
    const tree = parse(`Listen :25 { }\nDomain 'example.com' { }\n`);
    assert.deepEqual(tree.body.map((n) => n.kind === 'scope' && n.instance), [':25', 'example.com']);
  });

  it('keeps the spelling of names and compares them without case', () => {
    const tree = parse(`ScriptLet "x" { GC_Pause = 1 }\n`);
    const [scope] = findScopes(tree, 'scriptlet');
    assert.ok(scope);
    assert.equal(scope.name, 'ScriptLet');
    assert.equal(findOptions(scope, 'gc_pause')[0]?.name, 'GC_Pause');
  });

  it('keeps every option written, in order, the last one in force', () => {
    const tree = parse(`a = 1\nA = 2\n`);
    assert.equal(findOptions(tree, 'a').length, 2);
    assert.deepEqual(stripOrigins(getOption(tree, 'a')?.value as ConfigValue), int(2));
  });

  it('reads bare words, including paths, addresses and dotted names', () => {
    assert.deepEqual(valueOf('tempfail'), word('tempfail'));
    assert.deepEqual(valueOf('/var/spool/ecelerity'), word('/var/spool/ecelerity'));
    assert.deepEqual(valueOf('127.0.0.1:25'), word('127.0.0.1:25'));
    assert.deepEqual(valueOf('a.b-c_d@e'), word('a.b-c_d@e'));
  });

  it('reads integers, signed or not, and keeps too large ones as words', () => {
    assert.deepEqual(valueOf('200'), int(200));
    assert.deepEqual(valueOf('-5'), int(-5));
    assert.deepEqual(valueOf('+7'), int(7));
    assert.deepEqual(valueOf('-0'), int(0));
    assert.deepEqual(valueOf('12x'), word('12x'));
    assert.deepEqual(valueOf('99999999999999999999'), word('99999999999999999999'));
  });

  it('reads double-quoted strings with backslash escapes', () => {
    assert.deepEqual(valueOf(String.raw`"a\"b\\c\nd\te\x41\u00e9\u{1F600}"`), str('a"b\\c\nd\teA\u00e9\u{1F600}'));
    assert.deepEqual(valueOf(String.raw`"\d+\.example"`), str(String.raw`\d+\.example`), 'unknown escapes are kept');
    assert.deepEqual(valueOf('"# not a comment /* nor this */"'), str('# not a comment /* nor this */'));
  });

  it('reads single-quoted strings literally', () => {
    assert.deepEqual(valueOf(String.raw`'C:\new\table "q"'`), str(String.raw`C:\new\table "q"`));
  });

  it('reads lists and dictionaries, nested in each other', () => {
    assert.deepEqual(valueOf('( "a" b 3 )'), { kind: 'list', items: [str('a'), word('b'), int(3)] });
    assert.deepEqual(valueOf('()'), { kind: 'list', items: [] });
    assert.deepEqual(valueOf('[ key = "v" "other key" = ( 1 2 ) d = [ x = y ] ]'), {
      kind: 'dict',
      entries: [
        { key: 'key', value: str('v') },
        { key: 'other key', value: { kind: 'list', items: [int(1), int(2)] } },
        { key: 'd', value: { kind: 'dict', entries: [{ key: 'x', value: word('y') }] } },
      ],
    });
    assert.deepEqual(valueOf('[]'), { kind: 'dict', entries: [] });
  });

  it('spreads values over several lines and statements over one line', () => {
    const tree = parse(`list = (\n  "a"\n  "b"\n)\na = 1 b = 2 s { c = 3 }\n`);
    assert.deepEqual(tree.body.map((n) => n.name), ['list', 'a', 'b', 's']);
  });

  it('skips # and /* */ comments, and ends a bare word at either', () => {
    const tree = parse(`# header\na = 1 # trailing\n/* block\n   over lines */ b = x/* glued */\nc = y#glued\n`);
    assert.deepEqual(
      tree.body.map((n) => n.kind === 'option' && stripOrigins(n.value)),
      [int(1), word('x'), word('y')],
    );
  });

  it('keeps scopes of other modules in the tree', () => {
    const tree = parse(`esmtp_listener { listen ":25" { concurrency = 2000 } }\nspool { basedir = "/var/spool/ecelerity" }\n`);
    assert.deepEqual(tree.body.map((n) => n.name), ['esmtp_listener', 'spool']);
  });

  it('allows an option or scope that happens to be called include', () => {
    const tree = parse(`include = 1\ninclude { }\ninclude "x" { }\n`);
    assert.deepEqual(tree.body.map((n) => n.kind), ['option', 'scope', 'scope']);
  });

  it('records file, line and column on every node', () => {
    const tree = parse(`\n  alerting { }\n\tscriptlet "s" {\n    l = ( a\n      [ k = v ] )\n  }\n`);
    const [alerting, scriptlet] = tree.body;
    assert.deepEqual(tree.origin, { file: FILE, line: 1, col: 1 });
    assert.deepEqual(alerting?.origin, { file: FILE, line: 2, col: 3 });
    assert.deepEqual(scriptlet?.origin, { file: FILE, line: 3, col: 2 });
    assert.ok(scriptlet?.kind === 'scope');
    const l = scriptlet.body[0];
    assert.ok(l?.kind === 'option' && l.value.kind === 'list');
    assert.deepEqual(l.origin, { file: FILE, line: 4, col: 5 });
    assert.deepEqual(l.value.origin, { file: FILE, line: 4, col: 9 });
    assert.deepEqual(l.value.items[0]?.origin, { file: FILE, line: 4, col: 11 });
    const dict = l.value.items[1];
    assert.ok(dict?.kind === 'dict');
    assert.deepEqual(dict.origin, { file: FILE, line: 5, col: 7 });
    assert.deepEqual(dict.entries[0]?.origin, { file: FILE, line: 5, col: 9 });
    assert.deepEqual(dict.entries[0]?.value.origin, { file: FILE, line: 5, col: 13 });
  });

  it('handles CRLF line endings and a byte order mark', () => {
    const tree = parse('\uFEFFa = 1\r\nb = "x"\r\n');
    assert.deepEqual(tree.body.map((n) => [n.name, n.origin.line, n.origin.col]), [['a', 1, 1], ['b', 2, 1]]);
    assert.deepEqual(stripOrigins(getOption(tree, 'b')?.value as ConfigValue), str('x'));
  });

  it('parses empty text, and text with only comments, to an empty root', () => {
    assert.deepEqual(parse('').body, []);
    assert.deepEqual(parse('# nothing\n/* here */\n').body, []);
  });
});
