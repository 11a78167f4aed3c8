// SMTP AUTH in `scriptlet serve`: PLAIN and LOGIN after STARTTLS, against a
// credentials file (scrypt or plain entries) or a msys.registerAuth scheme
// run through the engine, with real clients (swaks, Python's smtplib); the
// user is auth_user in the connection context; AUTH before STARTTLS is
// refused unless allow_insecure_auth.

import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { tempTree } from '../config/fixtures.js';
import { startServer } from './helpers.js';
import { makeCertificate, requireSwaks, SECURITY_POLICY, securityConf, securityHeaders, smtplib, swaks } from './tls-fixtures.js';
import { hashPassword, parseCredentials } from '../../src/server/smtp-auth.js';
import { serve } from '../../src/server/serve.js';

const TLS_LINES = `  tls_certificate = "mx.crt"\n  tls_key = "mx.key"`;

/** alice's password is scrypt-hashed, bob's is {plain}. */
async function passwd(): Promise<string> {
  return `# user:secret\nalice:${await hashPassword('wonderland')}\nbob:{plain}builder\n`;
}

const LUA_SCHEME = SECURITY_POLICY.replace(
  'msys.registerModule("policy", mod)',
  `local scheme = {}
function scheme:authenticate(filename, params, user, password)
  -- A scheme may suspend (a directory lookup would): msys.sleep goes through the pool's suspension.
  if user == "carol" then msys.sleep(0.01) end
  if user == "carol" and password == "lua-pass" then return msys.core.EC_AUTH_OK end
  if user == "broken" then error("directory unreachable") end
  return msys.core.EC_AUTH_FAIL
end
function mod:init()
  msys.registerAuth("directory", scheme)
  return true
end
msys.registerModule("policy", mod)`,
);

function authDir(t: Parameters<typeof tempTree>[0], lines: string, files: Record<string, string>, policy = SECURITY_POLICY): string {
  const dir = tempTree(t, { 'ecelerity.conf': securityConf(lines), 'policy.lua': policy, ...files });
  makeCertificate(dir, 'mx', 'mx.test');
  return dir;
}

/** Sends the commands one by one (each after the previous reply); the whole transcript of replies. */
function rawSession(port: number, commands: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    let text = '';
    let next = 0;
    socket.on('data', (d) => {
      text += d.toString('latin1');
      // A reply is complete at a line "ddd text" (not "ddd-text").
      if (/^\d{3} [^\n]*\r\n$/m.test(text.split('\r\n').slice(-2).join('\r\n')) && next < commands.length) socket.write(commands[next++] + '\r\n');
    });
    socket.on('close', () => resolve(text));
    socket.on('error', reject);
    socket.setTimeout(10_000, () => socket.destroy());
  });
}

describe('scriptlet serve SMTP AUTH', () => {
  it('takes AUTH PLAIN from swaks after STARTTLS, and the policy sees auth_user', async (t) => {
    if (!requireSwaks(t)) return;
    const dir = authDir(t, `${TLS_LINES}\n  AuthPlainParameters = [ uri = "file://smtp_passwd" ]\n  AuthLoginParameters = [ uri = "file://smtp_passwd" ]`, { smtp_passwd: await passwd() });
    const { port, server } = await startServer(t, dir);
    const good = await swaks(port, ['--tls', '--auth', 'PLAIN', '--auth-user', 'alice', '--auth-password', 'wonderland', '--from', 'alice@example.org', '--to', 'bob@example.net']);
    assert.equal(good.status, 0, good.out);
    assert.match(good.out, /<~ {2}235 /);
    const bad = await swaks(port, ['--tls', '--auth', 'LOGIN', '--auth-user', 'alice', '--auth-password', 'queen', '--from', 'alice@example.org', '--to', 'bob@example.net']);
    assert.notEqual(bad.status, 0);
    assert.match(bad.out, /<~\* +535 5\.7\.8 Authentication credentials invalid/);
    assert.deepEqual(securityHeaders(server.spool.dir), ['tls=1 version=TLSv1.3 user=alice status=ok']);
  });

  it('takes AUTH LOGIN and PLAIN from smtplib against scrypt and plain entries, and refuses wrong ones with 535', async (t) => {
    const dir = authDir(t, `${TLS_LINES}\n  AuthLoginParameters = [ uri = "file://smtp_passwd" ]\n  AuthPlainParameters = [ uri = "file://smtp_passwd" ]`, { smtp_passwd: await passwd() });
    const { port, server, logs } = await startServer(t, dir);
    const login = await smtplib({ port, user: 'alice', password: 'wonderland', mechanism: 'LOGIN' });
    assert.match(login.out, /^auth 235$/m, login.out);
    assert.match(login.out, /^mail 250$/m);
    const plain = await smtplib({ port, user: 'bob', password: 'builder', mechanism: 'PLAIN' });
    assert.match(plain.out, /^auth 235$/m, plain.out);
    for (const [user, password] of [['bob', 'wonderland'], ['alice', 'builder'], ['mallory', 'x'], ['alice', '']]) {
      const r = await smtplib({ port, user, password, mechanism: 'LOGIN' });
      assert.match(r.out, /^auth-error 535 5\.7\.8 Authentication credentials invalid$/m, `${user}: ${r.out}`);
    }
    assert.ok(logs.some((l) => /auth: LOGIN for "mallory" from 127\.0\.0\.1 refused/.test(l)));
    assert.ok(!logs.some((l) => /wonderland|builder/.test(l)), 'no password in the log');
    // The unauthenticated sessions still send mail (AUTH is optional for relaying here): user empty.
    assert.deepEqual(securityHeaders(server.spool.dir).filter((h) => h.includes('user=alice') || h.includes('user=bob')), ['tls=1 version=TLSv1.3 user=alice status=ok', 'tls=1 version=TLSv1.3 user=bob status=ok']);
  });

  it('does not offer AUTH before STARTTLS, and answers an AUTH there 538', async (t) => {
    const dir = authDir(t, `${TLS_LINES}\n  AuthPlainParameters = [ uri = "file://smtp_passwd" ]`, { smtp_passwd: await passwd() });
    const { port } = await startServer(t, dir);
    const r = await smtplib({ port, plain: true, user: 'bob', password: 'builder', mechanism: 'PLAIN' });
    assert.match(r.out, /^ehlo-auth -$/m, r.out);
    assert.match(r.out, /^auth-error /m);
    // A client that sends AUTH anyway.
    const raw = await rawSession(port, ['EHLO client.test', `AUTH PLAIN ${Buffer.from('\0bob\0builder').toString('base64')}`, 'QUIT']);
    assert.match(raw, /^538 Error: Must issue a STARTTLS command first/m, raw);
    const tls = await smtplib({ port, user: 'bob', password: 'builder', mechanism: 'PLAIN' });
    assert.match(tls.out, /^ehlo-auth PLAIN$/m, tls.out);
    assert.match(tls.out, /^auth 235$/m);
  });

  it('takes AUTH on plaintext with allow_insecure_auth = true', async (t) => {
    const dir = authDir(t, `  allow_insecure_auth = true\n  AuthPlainParameters = [ uri = "file://smtp_passwd" ]`, { smtp_passwd: await passwd() });
    const { port, server } = await startServer(t, dir);
    const r = await smtplib({ port, plain: true, user: 'bob', password: 'builder', mechanism: 'PLAIN' });
    assert.match(r.out, /^auth 235$/m, r.out);
    assert.deepEqual(securityHeaders(server.spool.dir), ['tls=0 version= user=bob status=ok']);
  });

  it('checks a lua:// scheme registered with msys.registerAuth through the engine, a failing one answering 454', async (t) => {
    const dir = authDir(t, `${TLS_LINES}\n  AuthLoginParameters = [ uri = "lua://directory" ]`, {}, LUA_SCHEME);
    const { port, server, logs } = await startServer(t, dir);
    const good = await smtplib({ port, user: 'carol', password: 'lua-pass', mechanism: 'LOGIN' });
    assert.match(good.out, /^auth 235$/m, good.out);
    const bad = await smtplib({ port, user: 'carol', password: 'nope', mechanism: 'LOGIN' });
    assert.match(bad.out, /^auth-error 535 /m, bad.out);
    const broken = await smtplib({ port, user: 'broken', password: 'x', mechanism: 'LOGIN' });
    assert.match(broken.out, /^auth-error 454 4\.7\.0 Temporary authentication failure$/m, broken.out);
    assert.ok(logs.some((l) => /auth scheme directory: policy: .*directory unreachable/.test(l)), logs.join('\n'));
    assert.ok(securityHeaders(server.spool.dir).includes('tls=1 version=TLSv1.3 user=carol status=ok'));
  });

  it('reads the credentials file again when it changes, without a restart', async (t) => {
    const dir = authDir(t, `${TLS_LINES}\n  AuthPlainParameters = [ uri = "file://smtp_passwd" ]`, { smtp_passwd: 'bob:{plain}builder\n' });
    const { port } = await startServer(t, dir);
    assert.match((await smtplib({ port, user: 'dave', password: 'new', mechanism: 'PLAIN' })).out, /^auth-error 535/m);
    const file = path.join(dir, 'smtp_passwd');
    fs.writeFileSync(file, 'bob:{plain}builder\ndave:{plain}new\n');
    fs.utimesSync(file, new Date(), new Date(Date.now() + 5000));
    assert.match((await smtplib({ port, user: 'dave', password: 'new', mechanism: 'PLAIN' })).out, /^auth 235$/m);
  });

  it('refuses to start on a bad credentials file or AUTH that no client could reach, naming the line or option', async (t) => {
    const start = async (lines: string, files: Record<string, string>) => {
      const dir = authDir(t, lines, files);
      return serve({ conf: path.join(dir, 'ecelerity.conf'), log: () => {}, drainDeadlineMs: 100 }).then(
        async (s) => {
          await s.shutdown();
          return 'started';
        },
        (err: Error) => err.message,
      );
    };
    assert.match(await start(`${TLS_LINES}\n  AuthPlainParameters = [ uri = "file://smtp_passwd" ]`, { smtp_passwd: 'ok:{plain}x\nbroken-line\n' }), /smtp_passwd:2: expected user:secret/);
    assert.match(await start(`${TLS_LINES}\n  AuthPlainParameters = [ uri = "file://smtp_passwd" ]`, { smtp_passwd: 'eve:md5$abc\n' }), /smtp_passwd:1: the secret of 'eve' is neither \$scrypt\$N\$r\$p\$SALT\$HASH nor \{plain\}PASSWORD/);
    assert.match(await start(`  AuthPlainParameters = [ uri = "file://smtp_passwd" ]`, { smtp_passwd: 'a:{plain}b\n' }), /AUTH is only offered after STARTTLS, and no tls_certificate and tls_key are set/);
    assert.match(await start(`${TLS_LINES}\n  AuthPlainParameters = [ uri = "ldap://x" ]`, {}), /option 'AuthPlainParameters' expects \[ uri = "file:\/\/\/path\/to\/passwd" \] or \[ uri = "lua:\/\/SCHEME" \], found uri = "ldap:\/\/x"/);
    assert.match(await start(`${TLS_LINES}\n  AuthPlainParameters = [ uri = "file://missing" ]`, {}), /ENOENT.*missing/);
  });

  it('parses scrypt entries made by hashPassword, and checks parameters against scrypt limits', async () => {
    const users = parseCredentials(`x:${await hashPassword('p')}\n`, 'f');
    assert.equal(users.get('x')?.kind, 'scrypt');
    assert.throws(() => parseCredentials('x:$scrypt$1000$8$1$AAAA$AAAA\n', 'f'), /f:1: scrypt parameters out of range/);
    assert.throws(() => parseCredentials('x:$scrypt$1048576$8$1$AAAA$AAAA\n', 'f'), /f:1: scrypt parameters out of range/);
  });
});
