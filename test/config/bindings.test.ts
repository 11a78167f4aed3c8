// Momentum's binding and binding_group scopes at the top level of the
// configuration: their names reach the engine, unnamed and duplicate ones are
// problems with their positions, and `scriptlet check` reports a script's
// msg:binding("x") / msg:binding_group("x") that names nothing configured.

import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { bindingReferences } from '../../src/config/bindings.js';
import { parseConfig } from '../../src/config/read.js';
import { scriptletConfigFromTree, type ScriptletConfig } from '../../src/config/scriptlet-config.js';
import { policyOptionsFromConfig } from '../../src/engine/from-config.js';
import { main } from '../../src/cli/main.js';
import { memoryIo } from '../cli/memory-io.js';
import { problemsOf, scriptletConf, tempTree } from './fixtures.js';

const DIR = '/virtual';
const FILE = `${DIR}/ecelerity.conf`;

function load(text: string): ScriptletConfig {
  return scriptletConfigFromTree(parseConfig(text, FILE), FILE);
}

describe('binding and binding_group scopes', () => {
  it('collects the bindings, those of groups too, in configuration order', () => {
    const config = load(scriptletConf('') + [
      'binding "mta1" { bind_address = "192.0.2.1" }',
      'Binding_Group "pool" {',
      '  binding "mta2" { }',
      '  binding "mta3" { bind_address = "192.0.2.3" }',
      '}',
      'binding "default" { }',
    ].join('\n'));
    assert.deepEqual(config.bindings.map((b) => [b.name, b.group, b.origin.line]), [['mta1', null, 5], ['mta2', 'pool', 7], ['mta3', 'pool', 8], ['default', null, 10]]);
    assert.deepEqual(config.bindingGroups.map((g) => [g.name, g.bindings.map((b) => b.name)]), [['pool', ['mta2', 'mta3']]]);
    const o = policyOptionsFromConfig(config);
    assert.deepEqual(o.bindings, ['mta1', 'mta2', 'mta3', 'default']);
    assert.deepEqual(o.bindingGroups, [{ name: 'pool', bindings: ['mta2', 'mta3'] }]);
  });

  it('has none when the configuration declares none', () => {
    const config = load(scriptletConf(''));
    assert.deepEqual([config.bindings, config.bindingGroups], [[], []]);
  });

  it('reports unnamed and duplicate bindings and groups with both positions', () => {
    const text = scriptletConf('') + [
      'binding "a" { }',
      'binding_group "g" { binding "a" { } binding "b" { } }',
      'binding { }',
      'binding_group "g" { }',
      'binding_group { }',
      'binding_group "h" { binding_group "x" { } }',
    ].join('\n');
    assert.deepEqual(problemsOf(() => load(text), DIR), [
      "ecelerity.conf:6:21: duplicate binding 'a': already defined at ecelerity.conf:5:1",
      'ecelerity.conf:7:1: a binding needs a name: binding "NAME" { }',
      "ecelerity.conf:8:1: duplicate binding_group 'g': already defined at ecelerity.conf:6:1",
      'ecelerity.conf:9:1: a binding_group needs a name: binding_group "NAME" { }',
      "ecelerity.conf:10:21: a binding_group cannot hold another binding_group ('h' holds one)",
    ]);
  });

  it('names the group of the first definition of a duplicate', () => {
    const text = scriptletConf('') + 'binding_group "g" { binding "a" { } }\nbinding "a" { }';
    assert.deepEqual(problemsOf(() => load(text), DIR), ["ecelerity.conf:6:1: duplicate binding 'a': already defined in binding_group 'g' at ecelerity.conf:5:21"]);
  });
});

describe('binding names in scripts', () => {
  it('finds the literal names passed to msg:binding and msg:binding_group, with their positions', () => {
    const src = 'local x = 1\n  msg:binding("mta1")\nmsg:binding_group( \'pool\' ) msg:binding "b2"\nmsg:binding(name)\n';
    assert.deepEqual(bindingReferences(src), [
      { kind: 'binding', name: 'mta1', line: 2, col: 15 },
      { kind: 'binding_group', name: 'pool', line: 3, col: 20 },
      { kind: 'binding', name: 'b2', line: 3, col: 41 },
    ]);
  });

  it('scriptlet check reports the unknown ones, suggesting the nearest configured name', async (t) => {
    const policy = [
      'local m = {}',
      'function m:validate_set_binding(msg)',
      '  msg:binding("mta1")',
      '  msg:binding("mat2")',
      '  msg:binding("default")',
      '  msg:binding_group("pool")',
      '  msg:binding_group("poll")',
      '  return msys.core.VALIDATE_CONT',
      'end',
      'msys.registerModule("policy", m)',
      '',
    ].join('\n');
    const conf = scriptletConf('  script "policy" { source = "policy" }') + 'binding "mta1" { }\nbinding_group "pool" { binding "mta2" { } }\n';
    const dir = tempTree(t, { 'ecelerity.conf': conf, 'policy.lua': policy });
    const io = memoryIo(dir);
    assert.equal(await main(['check', 'ecelerity.conf'], io), 1);
    assert.deepEqual(io.err().trimEnd().split('\n'), [
      `policy.lua:4:15: msg:binding("mat2"): no binding 'mat2' is configured (it would return nil); did you mean 'mta2'?`,
      `policy.lua:7:21: msg:binding_group("poll"): no binding_group 'poll' is configured (it would return nil); did you mean 'pool'?`,
    ]);
  });

  it('scriptlet check lists the bindings and groups of a valid configuration', async (t) => {
    const conf = scriptletConf('') + 'binding "mta1" { }\nbinding_group "pool" { binding "mta2" { } binding "mta3" { } }\n';
    const dir = tempTree(t, { 'ecelerity.conf': conf });
    const io = memoryIo(dir);
    assert.equal(await main(['check', path.join(dir, 'ecelerity.conf')], io), 0);
    assert.match(io.out(), /\nbindings:\n {2}mta1\n\nbinding groups:\n {2}pool +\(mta2 mta3\)\n$/);
  });
});
