// Shared by the STARTTLS, AUTH and access tests: a self-signed certificate
// made by openssl at test time, real SMTP clients (swaks, Python's smtplib)
// run as processes, and a configuration with the listener's security options.

import { execFile, execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { TestContext } from 'node:test';
import { TEST_POLICY } from './helpers.js';

/** Writes NAME.crt and NAME.key (RSA 2048, CN=cn) into dir with `openssl req`. */
export function makeCertificate(dir: string, name: string, cn: string): { cert: string; key: string } {
  const cert = path.join(dir, `${name}.crt`);
  const key = path.join(dir, `${name}.key`);
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '2', '-subj', `/CN=${cn}`], { stdio: 'ignore' });
  return { cert, key };
}

/** swaks with TLS, or a skip naming the Debian packages (a failure under CI, where scripts/install-test-tools.sh installs them). */
export function requireSwaks(t: TestContext): boolean {
  let missing: string | undefined;
  if (!fs.existsSync('/usr/bin/swaks')) missing = 'swaks is not installed (Debian package swaks)';
  else if (spawnSync('perl', ['-MNet::SSLeay', '-e1']).status !== 0) missing = "swaks cannot do TLS without Net::SSLeay (Debian package libnet-ssleay-perl)";
  if (missing === undefined) return true;
  if (process.env.CI === 'true') throw new Error(`${missing}: CI must have it (scripts/install-test-tools.sh)`);
  t.skip(missing);
  return false;
}

export interface ClientRun {
  status: number | null;
  out: string;
}

/** Runs swaks against 127.0.0.1:port with the given options; its whole transcript in out. */
export function swaks(port: number, args: string[]): Promise<ClientRun> {
  return new Promise((resolve) => {
    const child = execFile('/usr/bin/swaks', ['--server', '127.0.0.1', '--port', String(port), '--helo', 'client.test', '--timeout', '15', ...args], { timeout: 30_000, encoding: 'utf8' }, (_e, stdout, stderr) =>
      resolve({ status: child.exitCode, out: stdout + stderr }),
    );
  });
}

/**
 * Python's smtplib: EHLO, STARTTLS (unless plain), EHLO, AUTH with the
 * mechanism, then one message; prints one line per step, e.g.
 * `starttls 220`, `auth 235`, `auth-error 535 ...`, `mail 250`, and
 * `peer-cn CN` (the certificate's subject) after STARTTLS.
 */
const SMTPLIB = String.raw`
import json, smtplib, ssl, sys
a = json.loads(sys.argv[1])
s = smtplib.SMTP("127.0.0.1", a["port"], local_hostname="client.test", timeout=15)
s.ehlo()
print("ehlo-auth", "auth" in s.esmtp_features and s.esmtp_features["auth"].strip() or "-")
if not a.get("plain"):
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    code, _ = s.starttls(context=ctx)
    print("starttls", code)
    der = s.sock.getpeercert(binary_form=True)
    print("peer-der", der.hex())
    s.ehlo()
    print("ehlo-auth", "auth" in s.esmtp_features and s.esmtp_features["auth"].strip() or "-")
if a.get("user") is not None:
    s.user, s.password = a["user"], a["password"]
    try:
        code, resp = s.auth(a["mechanism"], getattr(s, "auth_" + a["mechanism"].lower()), initial_response_ok=a["mechanism"] == "PLAIN")
        print("auth", code)
    except smtplib.SMTPAuthenticationError as e:
        print("auth-error", e.smtp_code, e.smtp_error.decode())
    except smtplib.SMTPException as e:
        print("auth-error", getattr(e, "smtp_code", 0), str(e))
try:
    r = s.sendmail("alice@example.org", ["bob@example.net"], "From: <alice@example.org>\r\nTo: <bob@example.net>\r\nSubject: " + a.get("subject", "t") + "\r\n\r\nHello.\r\n")
    print("mail 250")
except smtplib.SMTPException as e:
    print("mail-error", getattr(e, "smtp_code", 0), str(e))
s.quit()
`;

export interface SmtplibArgs {
  port: number;
  plain?: boolean;
  user?: string;
  password?: string;
  mechanism?: 'PLAIN' | 'LOGIN';
  subject?: string;
}

export function smtplib(a: SmtplibArgs): Promise<ClientRun> {
  return new Promise((resolve) => {
    const child = execFile('python3', ['-c', SMTPLIB, JSON.stringify(a)], { timeout: 30_000, encoding: 'utf8' }, (_e, stdout, stderr) => resolve({ status: child.exitCode, out: stdout + stderr }));
  });
}

/** The policy of helpers.ts, plus a header with what the connection context says of TLS and AUTH (through msys.expandMacro). */
export const SECURITY_POLICY = TEST_POLICY.replace(
  'msys.registerModule("policy", mod)',
  `function mod:core_final_validation(msg, accept, vctx)
  msg:header("X-Security", msys.expandMacro("tls=%{vctx_conn:tls} version=%{vctx_conn:tls_version} user=%{vctx_conn:auth_user} status=%{vctx_conn:auth_status}"))
  return core.VALIDATE_CONT
end
msys.registerModule("policy", mod)`,
);

/** A configuration with these esmtp_listener lines (and optionally extra scopes). */
export function securityConf(listenerLines: string, scriptletExtra = '', scopes = ''): string {
  return `alerting { }
ESMTP_Listener {
  Listen "127.0.0.1:0" { }
  spool_dir = "spool"
  hostname = "mx.test"
${listenerLines}
}
${scopes}
scriptlet "scriptlet" {
  threads = 1
  on_error = tempfail
  ${scriptletExtra}
  script "policy" { source = "policy" }
}
`;
}

/** The X-Security header of every spooled message. */
export function securityHeaders(spoolDir: string): string[] {
  const dir = path.join(spoolDir, 'new');
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.eml'))
    .map((f) => /^X-Security: (.*)$/m.exec(fs.readFileSync(path.join(dir, f), 'utf8'))?.[1] ?? '')
    .sort();
}
