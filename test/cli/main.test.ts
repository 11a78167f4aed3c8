// The `scriptlet` dispatcher: help, version, and usage errors.

import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { main } from '../../src/cli/main.js';
import { memoryIo } from './memory-io.js';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

describe('scriptlet command line', () => {
  it('prints the usage with the command list on --help, exit 0', async () => {
    for (const flag of ['--help', '-h', 'help']) {
      const io = memoryIo(REPO);
      assert.equal(await main([flag], io), 0);
      assert.match(io.out(), /^usage: scriptlet <command> \[options\]/);
      assert.match(io.out(), /^ {2}check +validate a configuration and its scripts$/m);
      assert.equal(io.err(), '');
    }
  });

  it('prints the usage on stderr and exits 2 without a command', async () => {
    const io = memoryIo(REPO);
    assert.equal(await main([], io), 2);
    assert.match(io.err(), /^usage: scriptlet/);
    assert.equal(io.out(), '');
  });

  it('names an unknown command, suggests a near one, prints the usage on stderr and exits 2', async () => {
    let io = memoryIo(REPO);
    assert.equal(await main(['frobnicate', 'x'], io), 2);
    assert.match(io.err(), /^scriptlet: unknown command 'frobnicate'\n\nusage: scriptlet/);
    assert.equal(io.out(), '');
    io = memoryIo(REPO);
    assert.equal(await main(['chek', 'x'], io), 2);
    assert.match(io.err(), /^scriptlet: unknown command 'chek'; did you mean 'check'\?\n\nusage: scriptlet/);
  });

  it('prints the package version', async () => {
    const io = memoryIo(REPO);
    assert.equal(await main(['--version'], io), 0);
    const pkg = JSON.parse(fs.readFileSync(path.join(REPO, 'package.json'), 'utf8')) as { version: string };
    assert.equal(io.out(), `${pkg.version}\n`);
  });

  it("prints a command's own usage on <command> --help", async () => {
    const io = memoryIo(REPO);
    assert.equal(await main(['check', '--help'], io), 0);
    assert.match(io.out(), /^usage: scriptlet check \[--json\] <conf>/);
  });

  it("documents run's exit status 3 for a callout that failed in its usage", async () => {
    const io = memoryIo(REPO);
    assert.equal(await main(['run', '--help'], io), 0);
    assert.match(io.out(), /; 3 when every message ran but a callout failed on one;/);
  });

  it('exits 2 on a bad command option or a missing argument, with the usage line', async () => {
    let io = memoryIo(REPO);
    assert.equal(await main(['check', '--bogus', 'x.conf'], io), 2);
    assert.equal(io.err(), "scriptlet check: unknown option '--bogus'\nusage: scriptlet check [--json] <conf>\nRun 'scriptlet check --help' for its options.\n");
    io = memoryIo(REPO);
    assert.equal(await main(['check'], io), 2);
    assert.match(io.err(), /^scriptlet check: expected one configuration file, got 0\nusage: scriptlet check /);
    io = memoryIo(REPO);
    assert.equal(await main(['check', 'a.conf', 'b.conf'], io), 2);
    assert.match(io.err(), /got 2/);
  });

  it('names an unknown option and suggests the nearest known one, for every command', async () => {
    const cases: [string[], string][] = [
      [['run', 'a.conf', 'a.eml', '--rcpt-to', 'x'], "scriptlet run: unknown option '--rcpt-to'; did you mean '--rcpt'?\nusage: scriptlet run <conf> <message.eml>... [options]\nRun 'scriptlet run --help' for its options.\n"],
      [['run', 'a.conf', 'a.eml', '--mail-from=x'], "scriptlet run: unknown option '--mail-from'; did you mean '--mailfrom'?\nusage: scriptlet run <conf> <message.eml>... [options]\nRun 'scriptlet run --help' for its options.\n"],
      [['check', '--jsno', 'a.conf'], "scriptlet check: unknown option '--jsno'; did you mean '--json'?\nusage: scriptlet check [--json] <conf>\nRun 'scriptlet check --help' for its options.\n"],
      [['serve', 'a.conf', '--control-sock', 'q'], "scriptlet serve: unknown option '--control-sock'; did you mean '--control-socket'?\nusage: scriptlet serve <conf> [options]\nRun 'scriptlet serve --help' for its options.\n"],
      [['run', 'a.conf', 'a.eml', '-x'], "scriptlet run: unknown option '-x'\nusage: scriptlet run <conf> <message.eml>... [options]\nRun 'scriptlet run --help' for its options.\n"],
    ];
    for (const [argv, err] of cases) {
      const io = memoryIo(REPO);
      assert.equal(await main(argv, io), 2, argv.join(' '));
      assert.equal(io.err(), err);
      assert.equal(io.out(), '');
    }
  });

  it('says which option lacks its value, or has one it does not take', async () => {
    let io = memoryIo(REPO);
    assert.equal(await main(['run', 'a.conf', 'a.eml', '--rcpt'], io), 2);
    assert.match(io.err(), /^scriptlet run: option '--rcpt' needs a value\nusage: scriptlet run /);
    io = memoryIo(REPO);
    assert.equal(await main(['check', '--json=yes', 'a.conf'], io), 2);
    assert.match(io.err(), /^scriptlet check: option '--json' takes no value\nusage: scriptlet check /);
  });
});
