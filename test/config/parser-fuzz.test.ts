// Fuzzing: random text, and truncated or mutated valid configurations, may
// only ever load or throw a ConfigError whose problems are all positioned,
// from the parser and from the scriptlet scope's checks alike. Never another
// exception, and never a slow parse.

import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { ConfigError } from '../../src/config/errors.js';
import { parseConfig } from '../../src/config/read.js';
import { scriptletConfigFromTree } from '../../src/config/scriptlet-config.js';
import { tempTree } from './fixtures.js';

const EXAMPLE = fs.readFileSync(path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../examples/ecelerity.conf'), 'utf8');

const RICH = `# all of the syntax
alerting { }
include "other.conf"
ESMTP_Listener { Listen ":25" { Concurrency = 2000 } }
scriptlet "scriptlet" {
  gc_pause = 150 /* inline */ always_gc = yes
  search_path = ( "lua" 'x\\y' /var/lib )
  d = [ a = 1 "b c" = ( x -2 ) e = [ f = "\\"q\\"\\n\\x41\\u{1F600}" ] ]
  script "boot" { source = "msys.boot" }
}
`;

/**
 * A parse must finish fast and either succeed or throw positioned problems.
 * Fast is counted in this process's CPU time, not wall time: a pathological
 * (super-linear) parse shows in both, but only wall time grows when other
 * processes share the machine's CPUs.
 */
function assertParsesOrReports(text: string, file: string): void {
  const started = process.cpuUsage();
  try {
    scriptletConfigFromTree(parseConfig(text, file), file);
  } catch (err) {
    assert.ok(err instanceof ConfigError, `not a ConfigError for ${JSON.stringify(text)}: ${String(err)}`);
    assert.ok(err.problems.length > 0);
    for (const p of err.problems) {
      assert.equal(typeof p.file, 'string');
      assert.ok(Number.isInteger(p.line) && p.line >= 1, `bad line in ${JSON.stringify(p)}`);
      assert.ok(Number.isInteger(p.col) && p.col >= 1, `bad column in ${JSON.stringify(p)}`);
      assert.ok(p.message.length > 0);
    }
  }
  const used = process.cpuUsage(started);
  const elapsed = (used.user + used.system) / 1000;
  assert.ok(elapsed < 250, `parse took ${elapsed.toFixed(0)} ms of CPU for ${JSON.stringify(text.slice(0, 200))}`);
}

const SYNTAX = [...'{}()[]="\'#/*\\ \n\r\t;,-+0123456789abcxyz_.'];
const syntaxText = fc.string({ unit: fc.constantFrom(...SYNTAX), maxLength: 200 });
/** Any code point, lone surrogates included (cheaper than the 'binary' unit, which builds a table of them all). */
const codePoint = fc.integer({ min: 0, max: 0x10ffff }).map((c) => String.fromCodePoint(c));
const anyText = fc.string({ unit: codePoint, maxLength: 200 });

const EDIT_CHARS = [...SYNTAX, '\u0000', '\u00e9', '\u{1F600}', 'include'];
const edit = fc.record({ at: fc.nat(), kind: fc.constantFrom('insert', 'delete', 'replace'), text: fc.constantFrom(...EDIT_CHARS) });

function mutate(text: string, edits: { at: number; kind: string; text: string }[]): string {
  let out = text;
  for (const e of edits) {
    const at = e.at % (out.length + 1);
    if (e.kind === 'insert') out = out.slice(0, at) + e.text + out.slice(at);
    else if (e.kind === 'delete') out = out.slice(0, at) + out.slice(at + 1);
    else out = out.slice(0, at) + e.text + out.slice(at + 1);
  }
  return out;
}

describe('parser fuzzing', { timeout: 30_000 }, () => {
  it('only ever returns a tree or throws positioned problems, on random text', (t) => {
    const file = path.join(tempTree(t), 'fuzz.conf');
    fc.assert(fc.property(fc.oneof(syntaxText, anyText), (text) => assertParsesOrReports(text, file)), { numRuns: 1500 });
  });

  it('only ever returns a tree or throws positioned problems, on every truncation of valid configurations', (t) => {
    const dir = tempTree(t, { 'other.conf': 'other = 1\n' });
    const file = path.join(dir, 'fuzz.conf');
    for (const text of [EXAMPLE, RICH]) {
      for (let end = 0; end <= text.length; end++) assertParsesOrReports(text.slice(0, end), file);
      for (let start = 0; start <= text.length; start += 7) assertParsesOrReports(text.slice(start), file);
    }
  });

  it('only ever returns a tree or throws positioned problems, on mutations of valid configurations', (t) => {
    const dir = tempTree(t, { 'other.conf': 'other = 1\n' });
    const file = path.join(dir, 'fuzz.conf');
    fc.assert(
      fc.property(fc.constantFrom(EXAMPLE, RICH), fc.array(edit, { minLength: 1, maxLength: 5 }), (text, edits) =>
        assertParsesOrReports(mutate(text, edits), file),
      ),
      { numRuns: 1500 },
    );
  });

  it('stays fast on pathological input', (t) => {
    const file = path.join(tempTree(t), 'fuzz.conf');
    assertParsesOrReports('('.repeat(20_000), file);
    assertParsesOrReports('a{'.repeat(20_000), file);
    assertParsesOrReports('['.repeat(20_000), file);
    assertParsesOrReports('}'.repeat(5_000), file);
    assertParsesOrReports('"'.repeat(20_000), file);
    assertParsesOrReports('a = ( '.repeat(5_000), file);
    assertParsesOrReports('\u0000'.repeat(5_000), file);
  });
});
