// Who may talk to `scriptlet serve`: the console socket is its owner's
// (0600, or 0660 for Control_Listener's group) and another user cannot
// connect (tried as `nobody` with runuser); /metrics, which has no
// authentication, binds to loopback unless Metrics_Listener says
// allow_remote = true.

import * as assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import { serve } from '../../src/server/serve.js';
import { isLoopback } from '../../src/server/access-rules.js';
import { tempTree } from '../config/fixtures.js';
import { SECURITY_POLICY, securityConf } from './tls-fixtures.js';

const NOBODY = 65534;

/** A directory anyone may enter (mkdtemp's are 0700), so that only the socket's own mode decides. */
function openDir(t: TestContext, conf: string): string {
  const dir = tempTree(t, { 'ecelerity.conf': conf, 'policy.lua': SECURITY_POLICY });
  fs.chmodSync(dir, 0o755);
  return dir;
}

async function start(t: TestContext, dir: string) {
  const server = await serve({ conf: path.join(dir, 'ecelerity.conf'), log: () => {}, drainDeadlineMs: 500 });
  t.after(() => server.shutdown());
  return server;
}

/** Connects to the socket as `nobody` and sends `help`: "answered", or the error code. */
function asNobody(socket: string): Promise<string> {
  const script = `const s = require('node:net').connect(${JSON.stringify(socket)});
s.on('connect', () => s.write('help\\n'));
s.on('data', () => { console.log('answered'); s.destroy(); });
s.on('error', (e) => console.log(e.code));`;
  // Not spawnSync: the server answering runs in this process's event loop.
  return new Promise((resolve) => {
    execFile('runuser', ['-u', 'nobody', '--', process.execPath, '-e', script], { encoding: 'utf8', timeout: 15_000 }, (err, stdout, stderr) =>
      resolve((stdout + stderr).trim() || `no answer (${err?.message ?? 'exited'})`),
    );
  });
}

function canRunAsNobody(t: TestContext): boolean {
  if (process.getuid?.() === 0 && fs.existsSync('/usr/sbin/runuser')) return true;
  t.skip('needs root and runuser to try the socket as another user');
  return false;
}

/** The gid of group nogroup (nobody's), or nobody's own number. */
function nobodysGroup(): string {
  const line = fs.readFileSync('/etc/group', 'utf8').split('\n').find((l) => l.split(':')[2] === String(NOBODY));
  return line ? line.split(':')[0]! : String(NOBODY);
}

describe('scriptlet serve access', () => {
  it('creates the console socket 0600 and another user cannot connect to it', async (t) => {
    if (!canRunAsNobody(t)) return;
    const server = await start(t, openDir(t, securityConf('')));
    fs.chmodSync(server.spool.dir, 0o755); // so that the socket's own mode is what refuses
    const st = fs.statSync(server.controlSocket);
    assert.ok(st.isSocket());
    assert.equal(st.mode & 0o777, 0o600);
    assert.equal(await asNobody(server.controlSocket), 'EACCES');
  });

  it('lets Control_Listener group members in (0660) and still no one else', async (t) => {
    if (!canRunAsNobody(t)) return;
    const socketDir = fs.mkdtempSync(path.join(os.tmpdir(), 'scriptlet-sock-'));
    t.after(() => fs.rmSync(socketDir, { recursive: true, force: true }));
    fs.chmodSync(socketDir, 0o755);
    const socket = path.join(socketDir, 'control.sock');
    const group = nobodysGroup();
    const dir = openDir(t, securityConf('', '', `Control_Listener {\n  Listen "${socket}" { }\n  group = "${group}"\n}`));
    await start(t, dir);
    const st = fs.statSync(socket);
    assert.equal(st.mode & 0o777, 0o660);
    assert.equal(st.gid, NOBODY);
    assert.equal(await asNobody(socket), 'answered', 'nobody is in the group: the console answers');
  });

  it('refuses an unknown Control_Listener group at start', async (t) => {
    const dir = openDir(t, securityConf('', '', `Control_Listener {\n  group = "no-such-group-here"\n}`));
    await assert.rejects(serve({ conf: path.join(dir, 'ecelerity.conf'), log: () => {} }), /control_listener group 'no-such-group-here': no such group in \/etc\/group/);
  });

  it('refuses a /metrics address beyond loopback unless allow_remote = true', async (t) => {
    const attempt = async (scope: string) => {
      const dir = openDir(t, securityConf('', '', scope));
      return serve({ conf: path.join(dir, 'ecelerity.conf'), log: () => {}, drainDeadlineMs: 200 }).then(
        async (s) => {
          const url = s.metricsUrl;
          await s.shutdown();
          return `served at ${url}`;
        },
        (err: Error) => err.message,
      );
    };
    assert.match(await attempt(`Metrics_Listener { Listen ":0" { } }`), /metrics_listener: every address is not a loopback address, and metrics_listener has no authentication: listen on 127\.0\.0\.1 or \[::1\], or set allow_remote = true/);
    assert.match(await attempt(`Metrics_Listener { Listen "0.0.0.0:0" { } }`), /metrics_listener: 0\.0\.0\.0 is not a loopback address/);
    assert.match(await attempt(`Metrics_Listener { Listen "127.0.0.1:0" { } }`), /^served at http:\/\/127\.0\.0\.1:\d+\/metrics$/);
    assert.match(await attempt(`Metrics_Listener { Listen "[::1]:0" { } }`), /^served at http:\/\/\[::1\]:\d+\/metrics$/);
    assert.match(await attempt(`Metrics_Listener {\n  Listen "0.0.0.0:0" { }\n  allow_remote = true\n}`), /^served at http:\/\/0\.0\.0\.0:\d+\/metrics$/);
    assert.match(await attempt(`Metrics_Listener {\n  Listen "127.0.0.1:0" { }\n  allow_remote = maybe\n}`), /option 'allow_remote' expects true or false, found 'maybe'/);
  });

  it('counts only loopback addresses as loopback', () => {
    for (const h of ['127.0.0.1', '127.1.2.3', '::1', '0:0:0:0:0:0:0:1', '::ffff:127.0.0.1', 'localhost']) assert.equal(isLoopback(h), true, h);
    for (const h of [undefined, '0.0.0.0', '::', '10.0.0.1', '128.0.0.1', 'mx.example.org', '::ffff:10.0.0.1']) assert.equal(isLoopback(h), false, String(h));
  });
});
