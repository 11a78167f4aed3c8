// The scriptlet scope's options: types, ranges, defaults, origins, and the
// exact messages for bad values, in files and at run time.

import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { ConfigValueError } from '../../src/config/errors.js';
import { parseConfig } from '../../src/config/read.js';
import { scriptletConfigFromTree, type ScriptletConfig } from '../../src/config/scriptlet-config.js';
import { DEFAULT_SCRIPTLET_OPTIONS, validateScriptletOption, type ScriptletOptions } from '../../src/config/scriptlet-options.js';
import { problemsOf, scriptletConf } from './fixtures.js';

const DIR = '/virtual';
const FILE = `${DIR}/ecelerity.conf`;

function load(text: string): ScriptletConfig {
  return scriptletConfigFromTree(parseConfig(text, FILE), FILE, { scriptletsDir: '/virtual/pkg/scriptlets' });
}

function options(body: string): ScriptletOptions {
  return load(scriptletConf(body)).options;
}

function problems(body: string): string[] {
  return problemsOf(() => load(scriptletConf(body)), DIR);
}

const VALID: [string, Partial<ScriptletOptions>][] = [
  ['always_gc = true', { alwaysGc: true }],
  ['always_gc = YES', { alwaysGc: true }],
  ['always_gc = on', { alwaysGc: true }],
  ['always_gc = 1', { alwaysGc: true }],
  ['always_gc = "off"', { alwaysGc: false }],
  ['always_gc = No', { alwaysGc: false }],
  ['always_gc = 0', { alwaysGc: false }],
  ['gc_pause = 100', { gcPause: 100 }],
  ['gc_stepmul = "400"', { gcStepmul: 400 }],
  ['reap_interval = 1', { reapInterval: 1 }],
  ['max_spare_per_master = 0', { maxSparePerMaster: 0 }],
  ['max_uses_per_thread = 1', { maxUsesPerThread: 1 }],
  ['script_ttl = 0', { scriptTtl: 0 }],
  ['threads = 4', { threads: 4 }],
  ['instruction_limit = 0', { instructionLimit: 0 }],
  ['call_timeout = 0.25', { callTimeout: 0.25 }],
  ['call_timeout = 30', { callTimeout: 30 }],
  ['memory_limit = 1048576', { memoryLimit: 1048576 }],
  ['memory_limit = 64K', { memoryLimit: 65536 }],
  ['memory_limit = 64m', { memoryLimit: 64 * 1024 * 1024 }],
  ['memory_limit = 2G', { memoryLimit: 2 * 1024 ** 3 }],
  ['memory_limit = 0', { memoryLimit: 0 }],
  ['sandbox = false', { sandbox: false }],
  ['on_error = tempfail', { onError: 'tempfail' }],
  ['on_error = "Continue"', { onError: 'continue' }],
  ['search_path = ( "lua" "/etc/lua" )', { searchPath: [`${DIR}/lua`, '/etc/lua'] }],
  ['search_path = "lua"', { searchPath: [`${DIR}/lua`] }],
  ['data_dirs = ( "data" "/var/lib/policy" )', { dataDirs: [`${DIR}/data`, '/var/lib/policy'] }],
  ['GC_Pause = 50', { gcPause: 50 }],
];

const INVALID: [string, string][] = [
  ['always_gc = maybe', `ecelerity.conf:3:15: option 'always_gc' expects a boolean (true/false, yes/no, on/off, 1/0), found 'maybe'`],
  ['sandbox = ( )', `ecelerity.conf:3:13: option 'sandbox' expects a boolean (true/false, yes/no, on/off, 1/0), found a list`],
  ['gc_pause = 0', `ecelerity.conf:3:14: option 'gc_pause' expects a positive integer, found '0'`],
  ['gc_pause = 12x', `ecelerity.conf:3:14: option 'gc_pause' expects a positive integer, found '12x'`],
  ['gc_pause = 1.5', `ecelerity.conf:3:14: option 'gc_pause' expects a positive integer, found '1.5'`],
  ['gc_stepmul = -1', `ecelerity.conf:3:16: option 'gc_stepmul' expects a positive integer, found '-1'`],
  ['reap_interval = 0', `ecelerity.conf:3:19: option 'reap_interval' expects a positive integer (seconds), found '0'`],
  ['max_spare_per_master = -1', `ecelerity.conf:3:26: option 'max_spare_per_master' expects an integer >= 0, found '-1'`],
  ['max_uses_per_thread = 0', `ecelerity.conf:3:25: option 'max_uses_per_thread' expects a positive integer, found '0'`],
  ['script_ttl = "soon"', `ecelerity.conf:3:16: option 'script_ttl' expects an integer >= 0 (seconds), found "soon"`],
  ['threads = 99999999999999999999', `ecelerity.conf:3:13: option 'threads' expects an integer >= 0, found '99999999999999999999'`],
  ['instruction_limit = [ a = 1 ]', `ecelerity.conf:3:23: option 'instruction_limit' expects an integer >= 0, found a dictionary`],
  ['call_timeout = 0', `ecelerity.conf:3:18: option 'call_timeout' expects a positive number of seconds, found '0'`],
  ['call_timeout = 1e3', `ecelerity.conf:3:18: option 'call_timeout' expects a positive number of seconds, found '1e3'`],
  ['memory_limit = 12X', `ecelerity.conf:3:18: option 'memory_limit' expects a size in bytes >= 0, optionally with suffix K, M or G, found '12X'`],
  ['memory_limit = 9999999999G', `ecelerity.conf:3:18: option 'memory_limit' expects a size in bytes >= 0, optionally with suffix K, M or G, found '9999999999G'`],
  ['on_error = abort', `ecelerity.conf:3:14: option 'on_error' expects 'continue' or 'tempfail', found 'abort'`],
  ['search_path = ( "a" ( "b" ) )', `ecelerity.conf:3:17: option 'search_path' expects a list of directories, e.g. ( "lua" "/etc/lua" ), found a list`],
  ['data_dirs = ""', `ecelerity.conf:3:15: option 'data_dirs' expects a list of directories, e.g. ( "/var/lib/policy" ), found ""`],
  ['search_path = ""', `ecelerity.conf:3:17: option 'search_path' expects a list of directories, e.g. ( "lua" "/etc/lua" ), found ""`],
  ['Max_Threads = 4', `ecelerity.conf:3:3: invalid configuration option 'Max_Threads'`],
  ['gc_pase = 150', `ecelerity.conf:3:3: invalid configuration option 'gc_pase'; did you mean 'gc_pause'?`],
  ['Memory_Limt = 64M', `ecelerity.conf:3:3: invalid configuration option 'Memory_Limt'; did you mean 'memory_limit'?`],
];

describe('scriptlet options', () => {
  it('defaults every option as documented', () => {
    const config = load(scriptletConf(''));
    assert.deepEqual(config.options, {
      alwaysGc: false, gcPause: 200, gcStepmul: 200, reapInterval: 120, maxSparePerMaster: 5000,
      maxUsesPerThread: 5000, scriptTtl: 300, threads: 0, instructionLimit: 10_000_000, callTimeout: 5,
      memoryLimit: 268_435_456, sandbox: true, searchPath: [], dataDirs: [], onError: 'continue', stateDir: '',
    });
    assert.deepEqual(config.options, { ...DEFAULT_SCRIPTLET_OPTIONS });
    assert.ok(Object.values(config.origins).every((o) => o === 'default'));
  });

  for (const [line, expected] of VALID) {
    it(`accepts ${line}`, () => {
      assert.deepEqual(options(line), { ...DEFAULT_SCRIPTLET_OPTIONS, ...expected });
    });
  }

  for (const [line, message] of INVALID) {
    it(`refuses ${line}`, () => {
      assert.deepEqual(problems(`  ${line}`), [message]);
    });
  }

  it('records where each option was set, the last setting winning', () => {
    const config = load(scriptletConf('  gc_pause = 1\n  gc_pause = 2'));
    assert.equal(config.options.gcPause, 2);
    assert.deepEqual(config.origins.gcPause, { file: FILE, line: 4, col: 3 });
    assert.equal(config.origins.gcStepmul, 'default');
  });

  it('resolves search_path entries relative to the file that sets them', () => {
    const text = 'alerting { }\nscriptlet "s" { search_path = ( "lua" "../shared" ) }\n';
    const config = scriptletConfigFromTree(parseConfig(text, '/etc/mta/ecelerity.conf'), '/etc/mta/ecelerity.conf', { scriptletsDir: '/pkg/scriptlets' });
    assert.deepEqual(config.options.searchPath, ['/etc/mta/lua', '/etc/shared']);
  });

  it('reports every bad option of a scope, not just the first', () => {
    assert.deepEqual(problems('  gc_pause = 0\n  bogus = 1\n  on_error = never'), [
      `ecelerity.conf:3:14: option 'gc_pause' expects a positive integer, found '0'`,
      `ecelerity.conf:4:3: invalid configuration option 'bogus'`,
      `ecelerity.conf:5:14: option 'on_error' expects 'continue' or 'tempfail', found 'never'`,
    ]);
  });
});

describe('run-time option validation (config set)', () => {
  it('returns typed values from strings, numbers, booleans and arrays', () => {
    assert.equal(validateScriptletOption('max_spare_per_master', '0'), 0);
    assert.equal(validateScriptletOption('gc_pause', 300), 300);
    assert.equal(validateScriptletOption('always_gc', 'yes'), true);
    assert.equal(validateScriptletOption('sandbox', false), false);
    assert.equal(validateScriptletOption('call_timeout', 0.5), 0.5);
    assert.equal(validateScriptletOption('memory_limit', '128M'), 128 * 1024 * 1024);
    assert.equal(validateScriptletOption('on_error', 'tempfail'), 'tempfail');
    assert.equal(validateScriptletOption('GC_STEPMUL', '"250"'), 250);
    assert.deepEqual(validateScriptletOption('search_path', '( "a" "/b" )', { baseDir: '/etc/mta' }), ['/etc/mta/a', '/b']);
    assert.deepEqual(validateScriptletOption('search_path', ['x'], { baseDir: '/etc/mta' }), ['/etc/mta/x']);
    assert.deepEqual(validateScriptletOption('search_path', 'lua'), [path.resolve('lua')]);
  });

  const REFUSED: [string, unknown, string][] = [
    ['gc_pause', '0', `option 'gc_pause' expects a positive integer, found '0'`],
    ['gc_pause', 1.5, `option 'gc_pause' expects a positive integer, found '1.5'`],
    ['always_gc', 'maybe', `option 'always_gc' expects a boolean (true/false, yes/no, on/off, 1/0), found 'maybe'`],
    ['script_ttl', 'two words', `option 'script_ttl' expects an integer >= 0 (seconds), found "two words"`],
    ['call_timeout', Number.NaN, `option 'call_timeout' expects a positive number of seconds, found 'NaN'`],
    ['threads', { n: 1 }, `option 'threads' expects an integer >= 0, found a value of type object`],
    ['nope', '1', `invalid configuration option 'nope'`],
    ['on-error', 'tempfail', `invalid configuration option 'on-error'; did you mean 'on_error'?`],
  ];
  for (const [name, value, message] of REFUSED) {
    it(`refuses ${name} = ${JSON.stringify(value) ?? String(value)} with the same message as a file`, () => {
      assert.throws(
        () => validateScriptletOption(name, value),
        (err: unknown) => err instanceof ConfigValueError && err.code === 'ERR_SCRIPTLET_CONFIG' && err.option === name && err.message === message,
      );
    });
  }
});
