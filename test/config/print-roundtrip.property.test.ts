// Property: any configuration tree printed with printConfig parses back to
// the same tree (positions aside).

import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { isBareWord, printConfig } from '../../src/config/printer.js';
import { wordValue } from '../../src/config/parser.js';
import { parseConfig } from '../../src/config/read.js';
import { stripOrigins, type ConfigNode, type ConfigScope, type ConfigValue, type Origin } from '../../src/config/tree.js';

const AT: Origin = { file: '/virtual/generated.conf', line: 1, col: 1 };

/** Any code point, lone surrogates included (cheaper than the 'binary' unit, which builds a table of them all). */
const codePoint = fc.integer({ min: 0, max: 0x10ffff }).map((c) => String.fromCodePoint(c));
const WORD_CHARS = [...'abcxyzABCXYZ0123456789_-.:/@+*!$%&,;<>?\\^`|~é日'];
const wordText = fc
  .string({ unit: fc.constantFrom(...WORD_CHARS), minLength: 1, maxLength: 12 })
  .filter((text) => isBareWord(text) && wordValue(text, AT).kind === 'word');
const nameText = fc.oneof(wordText, fc.constantFrom('include', 'scriptlet', 'Script', 'gc_pause', 'alerting'));
const anyText = fc.oneof(fc.string({ maxLength: 12 }), fc.string({ unit: codePoint, maxLength: 12 }), fc.constantFrom('"', "'", '\\', '\n', '#', '/*', '*/', '\r\n', '\t', '\u0000', '\u007f', '\uFEFF'));

const { value } = fc.letrec<{ value: ConfigValue }>((tie) => ({
  value: fc.oneof(
    { maxDepth: 3, depthSize: 'small' },
    wordText.map((text): ConfigValue => ({ kind: 'word', text, origin: AT })),
    anyText.map((text): ConfigValue => ({ kind: 'string', text, origin: AT })),
    fc.maxSafeInteger().map((n): ConfigValue => ({ kind: 'integer', value: n + 0, origin: AT })),
    fc.array(tie('value'), { maxLength: 4 }).map((items): ConfigValue => ({ kind: 'list', items, origin: AT })),
    fc
      .array(fc.tuple(fc.oneof(wordText, anyText), tie('value')), { maxLength: 4 })
      .map((entries): ConfigValue => ({ kind: 'dict', entries: entries.map(([key, v]) => ({ key, value: v, origin: AT })), origin: AT })),
  ),
}));

const { node } = fc.letrec<{ node: ConfigNode }>((tie) => ({
  node: fc.oneof(
    { maxDepth: 4, depthSize: 'small' },
    fc.record({ name: nameText, value }).map(({ name, value: v }): ConfigNode => ({ kind: 'option', name, value: v, origin: AT })),
    fc
      .record({ name: nameText, instance: fc.option(anyText, { nil: null }), body: fc.array(tie('node'), { maxLength: 4 }) })
      .map(({ name, instance, body }): ConfigNode => ({ kind: 'scope', name, instance, body, origin: AT })),
  ),
}));

const tree = fc.array(node, { maxLength: 6 }).map((body): ConfigScope => ({ kind: 'scope', name: '', instance: null, body, origin: AT }));

describe('printConfig', () => {
  it('prints any tree as text that parses back to the same tree', () => {
    fc.assert(
      fc.property(tree, (t) => {
        const text = printConfig(t);
        assert.deepEqual(stripOrigins(parseConfig(text, AT.file)), stripOrigins(t), text);
      }),
      { numRuns: 300 },
    );
  });

  it('prints a parsed configuration so that it parses to the same tree', () => {
    const text = `alerting { }\nscriptlet "scriptlet" {\n  gc_pause = 150 # comment\n  search_path = ( "lua" 'x' )\n  d = [ a = 1 "b c" = ( x ) ]\n  script "boot" { source = "msys.boot" }\n}\n`;
    const first = parseConfig(text, AT.file);
    const printed = printConfig(first);
    assert.deepEqual(stripOrigins(parseConfig(printed, AT.file)), stripOrigins(first));
    assert.equal(printed, [
      'alerting { }',
      'scriptlet "scriptlet" {',
      '  gc_pause = 150',
      '  search_path = ( "lua" "x" )',
      '  d = [ a = 1 "b c" = ( x ) ]',
      '  script "boot" {',
      '    source = "msys.boot"',
      '  }',
      '}',
      '',
    ].join('\n'));
  });
});
