// policy.calloutModules(phase): the modules that define the phase's
// callout, in the order they run; a verdict's `callouts` counts from the
// first of them (the metrics name the modules that ran by it).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { openPolicy, UsageError } from '../../src/index.js';

const mod = (name: string, phases: string[]) =>
  `local m = {}\n${phases.map((p) => `function m:validate_${p}() return msys.core.VALIDATE_CONT end`).join('\n')}\nmsys.registerModule("${name}", m)`;

describe('policy.calloutModules', () => {
  const policy = () =>
    openPolicy({
      scripts: [
        { name: 'a', source: mod('a', ['connect', 'data']) },
        { name: 'b', source: mod('b', ['data']) },
        { name: 'c', source: mod('c', ['connect', 'data', 'rcptto']) },
      ],
    });

  it('lists the modules that define a callout, in config order', () => {
    const p = policy();
    try {
      assert.deepEqual(p.calloutModules('data'), ['a', 'b', 'c']);
      assert.deepEqual(p.calloutModules('connect'), ['a', 'c']);
      assert.deepEqual(p.calloutModules('rcptto'), ['c']);
      assert.deepEqual(p.calloutModules('set_binding'), []);
      assert.equal(p.run('connect', {}).callouts, 2);
      assert.deepEqual(p.calloutModules('connect'), ['a', 'c'], 'the same after a call');
    } finally {
      p.close();
    }
  });

  it('refuses an unknown phase', () => {
    const p = policy();
    try {
      assert.throws(() => p.calloutModules('quit' as never), UsageError);
    } finally {
      p.close();
    }
  });
});
