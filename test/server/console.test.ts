// `scriptlet console` against a running `scriptlet serve`: the commands
// change the running server.

import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { main } from '../../src/cli/main.js';
import { memoryIo } from '../cli/memory-io.js';
import { runScriptlet } from '../helpers/scriptlet-process.js';
import { vendoredEngineVersion } from '../helpers/vendored-engine.js';
import { send, startServer } from './helpers.js';

const FROM = 'alice@example.org';
const TO = ['bob@example.net'];

async function consoleRun(dir: string, socket: string, ...command: string[]): Promise<{ status: number; out: string; err: string }> {
  const io = memoryIo(dir);
  const status = await main(['console', socket, ...command], io);
  return { status, out: io.out(), err: io.err() };
}

describe('scriptlet console', () => {
  it('config get and set change a run-time option on every worker, until restart', async (t) => {
    const { server, dir } = await startServer(t);
    const sock = server.controlSocket;
    assert.deepEqual(await consoleRun(dir, sock, 'config', 'get', 'scriptlet', 'scriptlet', 'max_spare_per_master'), { status: 0, out: 'max_spare_per_master = 5000\n', err: '' });
    const set = await consoleRun(dir, sock, 'config', 'set', 'scriptlet', 'scriptlet', 'max_spare_per_master', '0');
    assert.deepEqual(set, { status: 0, out: 'max_spare_per_master = 0 (until restart)\n', err: '' });
    assert.equal(server.engine.tuning.maxSparePerMaster, 0);
    assert.equal((await consoleRun(dir, sock, 'config', 'get', 'scriptlet', 'scriptlet', 'max_spare_per_master')).out, 'max_spare_per_master = 0\n');
    assert.equal((await send(server.addresses[0]!.port, { from: FROM, to: TO })).code, 250);
    const stats = await consoleRun(dir, sock, 'scriptlet', 'stats');
    assert.equal(stats.status, 0);
    assert.ok(stats.out.startsWith(`engine ${server.engine.engine} (${vendoredEngineVersion(server.engine.engine)}), scripts version `), stats.out);
    assert.match(stats.out, /^server: 0 connections open \(1 since start\); messages accepted 1, spooled 1,/m);
    // No worker keeps a spare Lua thread any more.
    const workers = stats.out.split('\n').filter((l) => l.startsWith('worker '));
    assert.equal(workers.length, 2);
    for (const w of workers) assert.match(w, /lua threads: 0 spare/);
  });

  it('config set refuses unknown options, bad values and options that need a restart, with the messages of the file', async (t) => {
    const { server, dir } = await startServer(t);
    const sock = server.controlSocket;
    const cases: [string[], string][] = [
      [['nope', '1'], "error: invalid configuration option 'nope'\n"],
      [['gc_pase', '1'], "error: invalid configuration option 'gc_pase'; did you mean 'gc_pause'?\n"],
      [['gc_pause', '0'], "error: option 'gc_pause' expects a positive integer, found '0'\n"],
      [['threads', '4'], "error: option 'threads' cannot be changed at run time: edit the configuration and restart\n"],
    ];
    for (const [args, err] of cases) assert.deepEqual(await consoleRun(dir, sock, 'config', 'set', 'scriptlet', 'scriptlet', ...args), { status: 1, out: '', err });
    assert.equal((await consoleRun(dir, sock, 'config', 'set', 'other', 'x', 'gc_pause', '1')).err, "error: unknown module 'other': only 'scriptlet' is configured here\n");
    assert.equal((await consoleRun(dir, sock, 'frobnicate')).err, "error: unknown command 'frobnicate'; try 'help'\n");
  });

  it('config reload serves the edited policy, and a broken one leaves the old one serving', async (t) => {
    const { server, dir, port } = await startServer(t);
    const sock = server.controlSocket;
    const before = server.engine.version;
    const policy = path.join(dir, 'policy.lua');
    const original = fs.readFileSync(policy, 'utf8');
    fs.writeFileSync(policy, original.replace('"5.7.1 sender refused"', '"5.7.1 sender refused after reload"').replace('"reject@"', '"alice@"'));
    const reload = await consoleRun(dir, sock, 'config', 'reload');
    assert.equal(reload.status, 0, reload.err);
    assert.equal(reload.out, `reloaded: version ${before} -> ${server.engine.version}\n`);
    assert.equal((await send(port, { from: FROM, to: TO })).response, '550 5.7.1 sender refused after reload');

    fs.writeFileSync(policy, 'this is not lua');
    const broken = await consoleRun(dir, sock, 'config', 'reload');
    assert.equal(broken.status, 1);
    assert.match(broken.err, /^error: reload failed: .*; version [0-9a-f]+ keeps serving\n$/);
    assert.equal((await send(port, { from: FROM, to: TO })).response, '550 5.7.1 sender refused after reload');
  });

  it('shutdown stops the server: it answers, drains and refuses new connections', async (t) => {
    const { server, dir, port } = await startServer(t);
    assert.deepEqual(await consoleRun(dir, server.controlSocket, 'shutdown'), { status: 0, out: 'shutting down: draining connections\n', err: '' });
    await server.stopped;
    assert.equal(server.engine.closed, true);
    const late = await send(port, { from: FROM, to: TO });
    assert.equal(late.code, 0, late.response);
    assert.match(late.response, /ECONNREFUSED/);
  });

  it('reads commands from stdin when none is given, one answer per line, and finds the socket from the configuration', async (t) => {
    const { dir } = await startServer(t);
    const r = await runScriptlet(['console', 'ecelerity.conf'], dir, 'config get scriptlet scriptlet gc_pause\nconfig get scriptlet scriptlet on_error\nhelp\n');
    assert.equal(r.stderr, '');
    assert.equal(r.status, 0);
    assert.match(r.stdout, /^gc_pause = 200\non_error = tempfail\nconfig get scriptlet scriptlet \[OPTION\]\n/);
  });
});
