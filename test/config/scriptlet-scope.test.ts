// The scriptlet scope as a whole: one instance (merged when repeated), the
// alerting module required, and script stanzas checked.

import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseConfig } from '../../src/config/read.js';
import { scriptletConfigFromTree, type ScriptletConfig } from '../../src/config/scriptlet-config.js';
import { problemsOf, scriptletConf } from './fixtures.js';

const DIR = '/virtual';
const FILE = `${DIR}/ecelerity.conf`;

/** Loads `text` as /virtual/ecelerity.conf; the package's own scriptlets/ serves msys.boot. */
function load(text: string): ScriptletConfig {
  return scriptletConfigFromTree(parseConfig(text, FILE), FILE);
}

function problems(text: string): string[] {
  return problemsOf(() => load(text), DIR);
}

describe('scriptlet scope', () => {
  it('merges scopes with the same instance name, later options winning', () => {
    const config = load([
      'alerting { }',
      'scriptlet "scriptlet" { gc_pause = 100 always_gc = true }',
      'esmtp_listener { }',
      'Scriptlet "scriptlet" {',
      '  gc_pause = 300',
      '}',
    ].join('\n'));
    assert.equal(config.instance, 'scriptlet');
    assert.equal(config.options.gcPause, 300);
    assert.equal(config.options.alwaysGc, true);
    assert.deepEqual(config.origins.gcPause, { file: FILE, line: 5, col: 3 });
    assert.deepEqual(config.origins.alwaysGc, { file: FILE, line: 2, col: 40 });
  });

  it('refuses two different instance names, naming both and both positions', () => {
    assert.deepEqual(problems('alerting { }\nscriptlet "one" { }\n\nscriptlet "two" { }\n'), [
      'ecelerity.conf:4:1: only one scriptlet instance is allowed: instance "two" conflicts with instance "one" at ecelerity.conf:2:1',
    ]);
  });

  it('names an anonymous scriptlet scope after the module, as Momentum does', () => {
    assert.equal(load('alerting { }\nscriptlet { }\n').instance, 'scriptlet');
    assert.equal(load('alerting { }\nscriptlet { }\nscriptlet "scriptlet" { }\n').instance, 'scriptlet');
  });

  it('requires the alerting module, reporting at the scriptlet scope', () => {
    assert.deepEqual(problems('\n  scriptlet "scriptlet" { }\n'), [
      `ecelerity.conf:2:3: the 'scriptlet' module requires the 'alerting' module to be configured`,
    ]);
  });

  it('accepts a named alerting scope, written after the scriptlet scope', () => {
    assert.equal(load('scriptlet "scriptlet" { }\nAlerting "alerting" { }\n').instance, 'scriptlet');
  });

  it('refuses a configuration with no scriptlet scope', () => {
    assert.deepEqual(problems('alerting { }\n'), [
      `ecelerity.conf:1:1: the configuration has no 'scriptlet' scope: add scriptlet "scriptlet" { ... }`,
    ]);
  });

  it('reads only top-level scriptlet scopes, and keeps the whole tree for the host', () => {
    const config = load('alerting { }\nscriptlet "scriptlet" { }\nother { scriptlet "nested" { bogus = 1 } }\n');
    assert.deepEqual(config.tree.body.map((n) => n.name), ['alerting', 'scriptlet', 'other']);
  });

  it('refuses unknown scopes and a script written as an option', () => {
    assert.deepEqual(problems(scriptletConf('  lua { }\n  script = "x"')), [
      `ecelerity.conf:3:3: unexpected scope 'lua' in 'scriptlet "scriptlet"': only script "NAME" { source = "..." } belongs here`,
      `ecelerity.conf:4:3: 'script' must be a scope: script "NAME" { source = "..." }`,
    ]);
  });
});

describe('script stanzas', () => {
  it('refuses a script without a name, without a source, or with a bad source value', () => {
    assert.deepEqual(problems(scriptletConf('  script { source = "a" }\n  script "b" { }\n  script "c" { source = ( "x" ) }')), [
      `ecelerity.conf:3:3: a script needs a name: script "NAME" { source = "..." }`,
      `ecelerity.conf:4:3: script 'b' has no 'source' option: write source = "a.b" for a/b.lua`,
      `ecelerity.conf:5:25: option 'source' expects a module name such as "msys.boot", found a list`,
      `ecelerity.conf:5:3: script 'c' has no 'source' option: write source = "a.b" for a/b.lua`,
    ]);
  });

  it('refuses unknown options and scopes inside a script', () => {
    assert.deepEqual(problems(scriptletConf('  script "boot" {\n    source = "msys.boot"\n    priority = 1\n    x { }\n  }')), [
      `ecelerity.conf:5:5: invalid configuration option 'priority'`,
      `ecelerity.conf:6:5: unexpected scope 'x' in script 'boot': a script takes only 'source = "..."'`,
    ]);
    assert.deepEqual(problems(scriptletConf('  script "boot" { sorce = "msys.boot" }')), [
      `ecelerity.conf:3:19: invalid configuration option 'sorce'; did you mean 'source'?`,
      `ecelerity.conf:3:3: script 'boot' has no 'source' option: write source = "a.b" for a/b.lua`,
    ]);
  });

  it('refuses duplicate script names, also across merged scopes', () => {
    const text = [
      'alerting { }',
      'scriptlet "scriptlet" { script "a" { source = "msys.boot" } }',
      'scriptlet "scriptlet" {',
      '  script "a" { source = "other" }',
      '}',
    ].join('\n');
    assert.deepEqual(problems(text), [
      `ecelerity.conf:4:3: duplicate script 'a': already defined at ecelerity.conf:2:25`,
    ]);
  });

  it('refuses a source ending in .lua, an empty source and an empty path segment', () => {
    assert.deepEqual(problems(scriptletConf('  script "a" { source = "policy.lua" }\n  script "b" { source = "" }\n  script "c" { source = "a..b" }\n  script "d" { source = "/etc/x" }')), [
      `ecelerity.conf:3:25: script 'a': source 'policy.lua' must not end in '.lua' (write 'policy')`,
      `ecelerity.conf:4:25: script 'b': source is empty: write a module name such as "msys.boot"`,
      `ecelerity.conf:5:25: script 'c': source 'a..b' has an empty path segment: separate directories with a single '.' or '/'`,
      `ecelerity.conf:6:25: script 'd': source '/etc/x' has an empty path segment: separate directories with a single '.' or '/'`,
    ]);
  });

  it('reports problems of options and scripts together', () => {
    assert.deepEqual(problems('scriptlet "s" {\n  gc_pause = 0\n  script "x" { }\n}\n'), [
      `ecelerity.conf:1:1: the 'scriptlet' module requires the 'alerting' module to be configured`,
      `ecelerity.conf:2:14: option 'gc_pause' expects a positive integer, found '0'`,
      `ecelerity.conf:3:3: script 'x' has no 'source' option: write source = "a.b" for a/b.lua`,
    ]);
  });
});
