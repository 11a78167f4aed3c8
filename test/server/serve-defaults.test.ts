// `scriptlet serve <conf>` on a configuration with nothing but the scriptlet
// scope, run as a real process: it spools in `spool/` beside the
// configuration and takes the console on `spool/control.sock`, where
// `scriptlet console <conf>` finds it, as the README's synopsis says.

import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { parseConfig } from '../../src/config/read.js';
import { readServeSettings, serveLocations } from '../../src/server/listener-config.js';
import { tempTree } from '../config/fixtures.js';
import { runScriptlet, startScriptlet } from '../helpers/scriptlet-process.js';
import { send, spooled, TEST_POLICY } from './helpers.js';

const MINIMAL = 'alerting { }\nscriptlet "scriptlet" {\n  threads = 1\n  script "policy" { source = "policy" }\n}\n';

const locationsOf = (text: string, flags = {}) => serveLocations('/etc/mta/ecelerity.conf', readServeSettings(parseConfig(text, '/etc/mta/ecelerity.conf')), flags);

describe('where scriptlet serve spools and listens for the console', () => {
  it('defaults to spool/ beside the configuration and control.sock in it', () => {
    assert.deepEqual(locationsOf(''), { spoolDir: '/etc/mta/spool', controlSocket: '/etc/mta/spool/control.sock' });
  });

  it('takes the configuration over the defaults, and the flags over both', () => {
    assert.deepEqual(locationsOf('Spool_Base = "/var/spool/ecelerity"\n'), { spoolDir: '/var/spool/ecelerity', controlSocket: '/var/spool/ecelerity/control.sock' });
    const both = 'ESMTP_Listener { spool_dir = "q" }\nControl_Listener { Listen "/run/s.sock" { } }\n';
    assert.deepEqual(locationsOf(both), { spoolDir: '/etc/mta/q', controlSocket: '/run/s.sock' });
    assert.deepEqual(locationsOf(both, { spoolDir: '/x', controlSocket: '/y.sock' }), { spoolDir: '/x', controlSocket: '/y.sock' });
  });

  it('serves a minimal configuration, and console <conf> reaches it there', { timeout: 30_000 }, async (t) => {
    const dir = tempTree(t, { 'ecelerity.conf': MINIMAL, 'policy.lua': TEST_POLICY });
    const serve = startScriptlet(t, ['serve', 'ecelerity.conf', '--listen', '127.0.0.1:0'], dir);
    const port = Number((await serve.waitFor(/^listening on 127\.0\.0\.1:(\d+)$/m))[1]);
    await serve.waitFor(/^control socket .*$/m);
    assert.match(serve.stdout(), /^spool spool\ncontrol socket spool\/control\.sock\n/m);
    assert.equal((await send(port, { from: 'alice@example.org', to: ['bob@example.net'] })).code, 250);
    assert.equal(spooled(path.join(dir, 'spool')).length, 1);

    const stats = await runScriptlet(['console', 'ecelerity.conf', 'scriptlet', 'stats'], dir);
    assert.equal(stats.stderr, '');
    assert.equal(stats.status, 0);
    assert.match(stats.stdout, /^server: 0 connections open \(1 since start\); messages accepted 1, spooled 1,/m);
    const down = await runScriptlet(['console', 'ecelerity.conf', 'shutdown'], dir);
    assert.equal(down.status, 0, down.stderr);
    assert.equal(await serve.exited, 0, serve.stderr());
  });
});
