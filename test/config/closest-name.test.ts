// The nearest known name to a misspelt one, behind every "did you mean"
// (configuration options, command-line flags and commands).

import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { closestName, didYouMean, editDistance } from '../../src/config/closest-name.js';

const OPTIONS = ['always_gc', 'gc_pause', 'gc_stepmul', 'threads', 'memory_limit', 'on_error', 'sandbox', 'search_path'];

describe('closest name', () => {
  it('counts insertions, deletions, substitutions and swaps of neighbours as one edit each', () => {
    assert.equal(editDistance('gc_pause', 'gc_pause'), 0);
    assert.equal(editDistance('gc_pase', 'gc_pause'), 1);
    assert.equal(editDistance('gc_pausee', 'gc_pause'), 1);
    assert.equal(editDistance('gc_pouse', 'gc_pause'), 1);
    assert.equal(editDistance('gc_paues', 'gc_pause'), 1);
    assert.equal(editDistance('rcpt-to', 'rcpt'), 3);
    assert.equal(editDistance('', 'abc'), 3);
  });

  it('suggests the nearest name, ignoring case', () => {
    assert.equal(closestName('gc_pase', OPTIONS), 'gc_pause');
    assert.equal(closestName('Memory_Limt', OPTIONS), 'memory_limit');
    assert.equal(closestName('on-error', OPTIONS), 'on_error');
    assert.equal(closestName('thread', OPTIONS), 'threads');
    assert.equal(closestName('rcpt-to', ['mailfrom', 'rcpt', 'helo']), 'rcpt');
  });

  it('suggests nothing for a name that is no near miss', () => {
    for (const name of ['nope', 'bogus', 'Max_Threads', 'x', '']) assert.equal(closestName(name, OPTIONS), undefined, name);
    assert.equal(closestName('remote-addr', ['remote-ip']), undefined);
    assert.equal(closestName('gc_pause', ['gc_pause']), undefined, 'not the very name given');
  });

  it('takes the first of names equally near', () => {
    assert.equal(closestName('abcd', ['abcx', 'abcy']), 'abcx');
  });

  it('words the hint as "; did you mean NAME?", or says nothing', () => {
    assert.equal(didYouMean('gc_pase', OPTIONS), "; did you mean 'gc_pause'?");
    assert.equal(didYouMean('rcpt-to', ['rcpt'], (n) => `--${n}`), "; did you mean '--rcpt'?");
    assert.equal(didYouMean('nope', OPTIONS), '');
  });
});
