// STARTTLS in `scriptlet serve`: offered when esmtp_listener names a
// certificate and key, taken by real clients (swaks, Python's smtplib),
// told to the policy as %{vctx_conn:tls} / tls_version, and reloaded from
// the files by the console's `tls reload` without a restart.

import * as assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { main } from '../../src/cli/main.js';
import { memoryIo } from '../cli/memory-io.js';
import { tempTree } from '../config/fixtures.js';
import { startServer } from './helpers.js';
import { makeCertificate, requireSwaks, SECURITY_POLICY, securityConf, securityHeaders, smtplib, swaks } from './tls-fixtures.js';
import { serve } from '../../src/server/serve.js';

const TLS_LINES = `  tls_certificate = "mx.crt"\n  tls_key = "mx.key"`;

function tlsDir(t: Parameters<typeof tempTree>[0], lines = TLS_LINES): string {
  const dir = tempTree(t, { 'ecelerity.conf': securityConf(lines), 'policy.lua': SECURITY_POLICY });
  makeCertificate(dir, 'mx', 'mx.test');
  return dir;
}

/** The CN of the certificate a STARTTLS session was given (smtplib's peer-der line). */
function peerCn(out: string): string | undefined {
  const der = /^peer-der ([0-9a-f]+)$/m.exec(out)?.[1];
  return der ? /CN=([^\n,]+)/.exec(new X509Certificate(Buffer.from(der, 'hex')).subject)?.[1] : undefined;
}

async function consoleRun(dir: string, socket: string, ...command: string[]): Promise<{ status: number; out: string; err: string }> {
  const io = memoryIo(dir);
  const status = await main(['console', socket, ...command], io);
  return { status, out: io.out(), err: io.err() };
}

describe('scriptlet serve STARTTLS', () => {
  it('offers STARTTLS with the configured certificate, and swaks sends a message over it', async (t) => {
    if (!requireSwaks(t)) return;
    const dir = tlsDir(t);
    const { port, server, logs } = await startServer(t, dir);
    assert.ok(logs.some((l) => /STARTTLS with CN=mx\.test, valid until/.test(l)), logs.join('\n'));
    const r = await swaks(port, ['--tls', '--from', 'alice@example.org', '--to', 'bob@example.net']);
    assert.equal(r.status, 0, r.out);
    assert.match(r.out, /<- {2}250-STARTTLS/);
    assert.match(r.out, /<~ {2}250 2\.0\.0 OK queued as/);
    assert.deepEqual(securityHeaders(server.spool.dir), [`tls=1 version=TLSv1.3 user= status=`]);
  });

  it('tells the policy tls=0 on a connection that stays in plaintext', async (t) => {
    const dir = tlsDir(t);
    const { port, server } = await startServer(t, dir);
    const r = await smtplib({ port, plain: true });
    assert.match(r.out, /^mail 250$/m, r.out);
    assert.deepEqual(securityHeaders(server.spool.dir), ['tls=0 version= user= status=']);
  });

  it('does not offer STARTTLS when no certificate is configured', async (t) => {
    if (!requireSwaks(t)) return;
    const dir = tempTree(t, { 'ecelerity.conf': securityConf(''), 'policy.lua': SECURITY_POLICY });
    const { port } = await startServer(t, dir);
    const r = await swaks(port, ['--tls', '--from', 'alice@example.org', '--to', 'bob@example.net']);
    assert.notEqual(r.status, 0);
    assert.doesNotMatch(r.out, /250-STARTTLS/);
    assert.match(r.out, /STARTTLS/);
  });

  it('tls reload on the console serves a renewed certificate to new sessions, and keeps the old one when the new pair is bad', async (t) => {
    const dir = tlsDir(t);
    const { port, server } = await startServer(t, dir);
    assert.equal(peerCn((await smtplib({ port })).out), 'mx.test');

    const renewed = makeCertificate(dir, 'renewed', 'renewed.test');
    fs.copyFileSync(renewed.cert, path.join(dir, 'mx.crt'));
    fs.copyFileSync(renewed.key, path.join(dir, 'mx.key'));
    assert.equal(peerCn((await smtplib({ port })).out), 'mx.test', 'nothing changes before the reload');
    const ok = await consoleRun(dir, server.controlSocket, 'tls', 'reload');
    assert.equal(ok.status, 0, ok.err);
    assert.match(ok.out, /tls reloaded: CN=renewed\.test, valid until/);
    assert.equal(peerCn((await smtplib({ port })).out), 'renewed.test');

    // A key that is not the certificate's: refused, the renewed pair stays.
    const other = makeCertificate(dir, 'other', 'other.test');
    fs.copyFileSync(other.key, path.join(dir, 'mx.key'));
    const bad = await consoleRun(dir, server.controlSocket, 'tls', 'reload');
    assert.notEqual(bad.status, 0);
    assert.match(bad.err, /tls_certificate .*mx\.crt with tls_key .*mx\.key: .*key values mismatch/i);
    const after = await smtplib({ port });
    assert.equal(peerCn(after.out), 'renewed.test');
    assert.match(after.out, /^mail 250$/m);
  });

  it('answers tls reload without TLS configured with why', async (t) => {
    const dir = tempTree(t, { 'ecelerity.conf': securityConf(''), 'policy.lua': SECURITY_POLICY });
    const { server } = await startServer(t, dir);
    const r = await consoleRun(dir, server.controlSocket, 'tls', 'reload');
    assert.notEqual(r.status, 0);
    assert.match(r.err, /no STARTTLS here: esmtp_listener sets no tls_certificate and tls_key/);
  });

  it('refuses to start on half a pair, a missing file or a bad tls_protocols, naming the option', async (t) => {
    const start = async (lines: string) => {
      const dir = tlsDir(t, lines);
      return serve({ conf: path.join(dir, 'ecelerity.conf'), log: () => {}, drainDeadlineMs: 100 }).then(
        async (s) => {
          await s.shutdown();
          return 'started';
        },
        (err: Error) => err.message,
      );
    };
    assert.match(await start(`  tls_certificate = "mx.crt"`), /STARTTLS needs both tls_certificate and tls_key in esmtp_listener; only tls_certificate is set/);
    assert.match(await start(`  tls_certificate = "mx.crt"\n  tls_key = "gone.key"`), /tls_key .*gone\.key: ENOENT/);
    assert.match(await start(`${TLS_LINES}\n  tls_protocols = "SSLv3"`), /option 'tls_protocols' expects the lowest TLS version taken, one of TLSv1, TLSv1\.1, TLSv1\.2, TLSv1\.3, found "SSLv3"/);
    assert.equal(await start(`${TLS_LINES}\n  tls_protocols = "TLSv1.3"\n  tls_ciphers = "HIGH:!aNULL"`), 'started');
  });
});
