// `scriptlet check`: the options in force with their origins and the scripts
// resolved, or one file:line:col: message line per problem.

import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { check } from '../../src/cli/check.js';
import { main } from '../../src/cli/main.js';
import { scriptletConf, tempTree } from '../config/fixtures.js';
import { memoryIo } from './memory-io.js';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const EXAMPLE = path.join(REPO, 'examples', 'ecelerity.conf');

describe('scriptlet check', () => {
  it('exits 0 on the example configuration and lists every option with its origin', async () => {
    const io = memoryIo(REPO);
    assert.equal(await main(['check', 'examples/ecelerity.conf'], io), 0);
    assert.equal(io.err(), '');
    const out = io.out();
    assert.match(out, /^examples\/ecelerity\.conf: ok, scriptlet "scriptlet"\n/);
    assert.match(out, /^ {2}gc_pause +150 +examples\/ecelerity\.conf:20$/m);
    assert.match(out, /^ {2}memory_limit +67108864 +examples\/ecelerity\.conf:27$/m);
    assert.match(out, /^ {2}always_gc +false +default$/m);
    assert.match(out, /^ {2}search_path +\( \) +default$/m);
    for (const name of ['always_gc', 'gc_pause', 'gc_stepmul', 'reap_interval', 'max_spare_per_master', 'max_uses_per_thread',
      'script_ttl', 'threads', 'instruction_limit', 'call_timeout', 'memory_limit', 'sandbox', 'search_path', 'on_error']) {
      assert.match(out, new RegExp(`^  ${name} `, 'm'), name);
    }
  });

  it('lists the scripts resolved, name -> path, in configuration order', async () => {
    const io = memoryIo(REPO);
    assert.equal(await main(['check', EXAMPLE], io), 0);
    assert.match(io.out(), /^scripts:\n {2}boot +-> +scriptlets\/msys\/boot\.lua\n {2}policy +-> +examples\/policy\.lua\n/m);
  });

  it('prints absolute paths for files outside the working directory', async (t) => {
    const dir = tempTree(t, { 'ecelerity.conf': scriptletConf('  gc_pause = 7') });
    const io = memoryIo(REPO);
    assert.equal(await main(['check', path.join(dir, 'ecelerity.conf')], io), 0);
    assert.match(io.out(), new RegExp(`^ {2}gc_pause +7 +${dir}/ecelerity\\.conf:3$`, 'm'));
  });

  it('exits 1 with one file:line:col: message line per problem on stderr', async (t) => {
    const dir = tempTree(t, {
      'ecelerity.conf': 'scriptlet "scriptlet" {\n  gc_pause = 0\n  bogus = 1\n  script "p" { source = "nowhere" }\n}\n',
    });
    const io = memoryIo(dir);
    assert.equal(await main(['check', 'ecelerity.conf'], io), 1);
    assert.equal(io.out(), '');
    const lines = io.err().trimEnd().split('\n');
    assert.deepEqual(lines.slice(0, 3), [
      `ecelerity.conf:1:1: the 'scriptlet' module requires the 'alerting' module to be configured`,
      `ecelerity.conf:2:14: option 'gc_pause' expects a positive integer, found '0'`,
      `ecelerity.conf:3:3: invalid configuration option 'bogus'`,
    ]);
    assert.match(lines[3] ?? '', /^ecelerity\.conf:4:25: script 'p': source 'nowhere' not found: no nowhere\.lua in /);
    assert.equal(lines.length, 4);
  });

  it('exits 1 on syntax errors, reporting each', async (t) => {
    const dir = tempTree(t, { 'broken.conf': 'alerting {\nscriptlet "s" {\n  gc_pause }\n  x = "abc\n' });
    const io = memoryIo(dir);
    assert.equal(await main(['check', 'broken.conf'], io), 1);
    assert.equal(io.err(), [
      `broken.conf:3:12: expected '=' or '{' after option name 'gc_pause', found '}'`,
      `broken.conf:4:7: unterminated string: missing closing '"' before end of line`,
      `broken.conf:5:1: expected '}' to close scope 'alerting' opened at 1:1, found end of file`,
      '',
    ].join('\n'));
  });

  it('exits 1 on a missing configuration file', async (t) => {
    const dir = tempTree(t);
    const io = memoryIo(dir);
    assert.equal(await main(['check', 'missing.conf'], io), 1);
    assert.equal(io.err(), 'missing.conf:1:1: cannot read configuration file: no such file or directory\n');
  });

  it('prints the result as JSON with --json', async () => {
    const io = memoryIo(REPO);
    assert.equal(await main(['check', '--json', EXAMPLE], io), 0);
    const result = JSON.parse(io.out()) as { ok: boolean; instance: string; options: { gcPause: number }; origins: { gcPause: unknown; threads: unknown }; scripts: { name: string }[] };
    assert.equal(result.ok, true);
    assert.equal(result.instance, 'scriptlet');
    assert.equal(result.options.gcPause, 150);
    assert.deepEqual(result.origins.gcPause, { file: EXAMPLE, line: 20, col: 3 });
    assert.equal(result.origins.threads, 'default');
    assert.deepEqual(result.scripts.map((s) => s.name), ['boot', 'policy']);
    assert.ok(!('tree' in result));
  });

  it('passes each resolved script to the compileScript hook and reports its problems', async () => {
    const seen: string[] = [];
    const compileScript = async (script: { name: string; path: string }) => {
      seen.push(script.name);
      return script.name === 'policy' ? [{ file: script.path, line: 3, col: 1, message: `script 'policy' registers 'other', expected 'policy'` }] : [];
    };
    const result = await check(EXAMPLE, { compileScript });
    assert.deepEqual(seen, ['boot', 'policy']);
    assert.deepEqual(result.problems.map((p) => p.message), [`script 'policy' registers 'other', expected 'policy'`]);
    assert.ok(result.config);

    const io = memoryIo(REPO);
    assert.equal(await main(['check', EXAMPLE], io, { compileScript }), 1);
    assert.equal(io.err(), `examples/policy.lua:3:1: script 'policy' registers 'other', expected 'policy'\n`);
  });

  it('does not call the hook when the configuration itself is invalid', async (t) => {
    const dir = tempTree(t, { 'bad.conf': 'scriptlet { }\n' });
    let calls = 0;
    const result = await check(path.join(dir, 'bad.conf'), { compileScript: async () => { calls++; return []; } });
    assert.equal(calls, 0);
    assert.equal(result.config, null);
    assert.equal(result.problems.length, 1);
  });
});
