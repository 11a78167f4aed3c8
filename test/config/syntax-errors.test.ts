// Syntax problems: each reported as file:line:col with what was expected and
// what was found, all of them in one pass, and never a partial tree.

import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError } from '../../src/config/errors.js';
import { parseConfig } from '../../src/config/read.js';
import { problemsOf } from './fixtures.js';

const DIR = '/virtual';
const FILE = `${DIR}/t.conf`;

function problems(text: string): string[] {
  return problemsOf(() => parseConfig(text, FILE), DIR);
}

const CASES: { what: string; text: string; problems: string[] }[] = [
  {
    what: 'an unterminated double-quoted string',
    text: 'a = "abc\nb = 1\n',
    problems: [`t.conf:1:5: unterminated string: missing closing '"' before end of line`],
  },
  {
    what: 'an unterminated single-quoted string at the end of the file',
    text: "a = 'abc",
    problems: [`t.conf:1:5: unterminated string: missing closing "'" before end of file`],
  },
  {
    what: 'an unterminated comment',
    text: 'a = 1\n/* never closed\nb = 2\n',
    problems: [`t.conf:2:1: unterminated comment: '/*' at 2:1 has no closing '*/'`],
  },
  {
    what: "a missing '}'",
    text: 'spool {\n  basedir = "/var/spool"\n',
    problems: [`t.conf:3:1: expected '}' to close scope 'spool' opened at 1:1, found end of file`],
  },
  {
    what: "a name followed by neither '=' nor '{'",
    text: 'scriptlet "x" {\n  gc_pause }\n',
    problems: [`t.conf:2:12: expected '=' or '{' after option name 'gc_pause', found '}'`],
  },
  {
    what: "a scope instance not followed by '{'",
    text: 'scriptlet "x" 1\n',
    problems: [`t.conf:1:15: expected '{' after scope name 'scriptlet "x"', found '1'`],
  },
  {
    what: 'a missing value',
    text: 'a =\n',
    problems: [`t.conf:2:1: expected a value after '=' for option 'a', found end of file`],
  },
  {
    what: 'a missing value before the next statement',
    text: 'a =\nb = 2\n',
    problems: [`t.conf:2:1: expected a value after '=' for option 'a', found option or scope 'b'`],
  },
  {
    what: "a stray '}'",
    text: 'x { a = 1 } }\n',
    problems: [`t.conf:1:13: unexpected '}': no scope is open here`],
  },
  {
    what: 'a statement that does not start with a name',
    text: '= 1\n',
    problems: [`t.conf:1:1: expected an option or scope name, found '='`],
  },
  {
    what: 'a dictionary key without a value',
    text: 'a = [ k = "v" k2 ]\n',
    problems: [`t.conf:1:18: expected '=' after dictionary key 'k2', found ']'`],
  },
  {
    what: 'a dictionary entry without a key',
    text: 'a = [ = 1 ]\n',
    problems: [`t.conf:1:7: expected a dictionary key or ']' to close the dictionary opened at 1:5, found '='`],
  },
  {
    what: "a list with an '=' inside",
    text: 'a = ( "a" = )\n',
    problems: [`t.conf:1:11: expected a value or ')' to close the list opened at 1:5, found '='`],
  },
  {
    what: 'a list left open before the next option',
    text: 'a = ( "a" "b"\nb = 2\n',
    problems: [`t.conf:2:1: expected ')' to close the list opened at 1:5, found option or scope 'b'`],
  },
  {
    what: 'a bad hex escape',
    text: 'a = "\\xZZ"\n',
    problems: [`t.conf:1:6: invalid escape '\\xZZ' in string: expected two hex digits after '\\x'`],
  },
  {
    what: 'a control character outside a string',
    text: 'a = 1\u0001\n',
    problems: ['t.conf:1:6: unexpected character U+0001'],
  },
  {
    what: 'values nested too deep',
    text: `a = ${'( '.repeat(101)}\nb = 2\n`,
    problems: ['t.conf:1:205: value is nested more than 100 deep'],
  },
];

describe('syntax errors', () => {
  for (const c of CASES) {
    it(`reports ${c.what} with its position`, () => {
      assert.deepEqual(problems(c.text), c.problems);
    });
  }

  it('reports every problem in a file, in order, recovering at the next statement or brace', () => {
    const text = [
      'alerting { }',
      'scriptlet "s" {',
      '  gc_pause }',
      'other {',
      '  x = ( "a" "b"',
      '  y = 2',
      '  d = [ a = 1 b ]',
      '  s = "abc',
      '  ok = 1',
      '}',
      '/* unterminated',
    ].join('\n');
    assert.deepEqual(problems(text), [
      `t.conf:3:12: expected '=' or '{' after option name 'gc_pause', found '}'`,
      `t.conf:6:3: expected ')' to close the list opened at 5:7, found option or scope 'y'`,
      `t.conf:7:17: expected '=' after dictionary key 'b', found ']'`,
      `t.conf:8:7: unterminated string: missing closing '"' before end of line`,
      `t.conf:11:1: unterminated comment: '/*' at 11:1 has no closing '*/'`,
    ]);
  });

  it('throws a ConfigError with code ERR_SCRIPTLET_CONFIG whose message lists the problems', () => {
    let caught: unknown;
    try {
      parseConfig('a = \nb {\n', FILE);
    } catch (err) {
      caught = err;
    }
    assert.ok(caught instanceof ConfigError);
    assert.equal(caught.code, 'ERR_SCRIPTLET_CONFIG');
    assert.equal(caught.problems.length, 2);
    assert.equal(caught.message, caught.problems.map((p) => `${p.file}:${p.line}:${p.col}: ${p.message}`).join('\n'));
  });

  it('never returns a tree when any problem was found', () => {
    assert.throws(() => parseConfig('good = 1\nbad = (\n', FILE), ConfigError);
  });

  it('counts columns in characters, an astral character as one', () => {
    assert.deepEqual(problems('a = "\u{1F600}" }\n'), [`t.conf:1:9: unexpected '}': no scope is open here`]);
  });
});
