// A throwaway Postfix for the milter's end-to-end tests and bench/milter/:
// its own config_directory, queue_directory and data_directory in a
// temporary directory, loopback only, its log in a file (maillog_file),
// relaying everything to a sink (an SMTP server of the test's on loopback,
// or Postfix's discard transport). Needs Debian's postfix (installed by
// scripts/install-test-tools.sh) and root, as CI has.

import { execFile, execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
export const POSTFIX = '/usr/sbin/postfix';
export const POSTCONF = '/usr/sbin/postconf';

/** Why the Postfix tests cannot run here, or undefined when they can. */
export function postfixMissing(): string | undefined {
  if (!fs.existsSync(POSTFIX) || !fs.existsSync(POSTCONF)) return 'Postfix is not installed (Debian package postfix; scripts/install-test-tools.sh installs it)';
  if (process.getuid?.() !== 0) return 'Postfix instances need root (the tests start one in a temporary directory)';
  try {
    execFileSync('id', ['postfix'], { stdio: 'ignore' });
  } catch {
    return "the 'postfix' user is missing (Debian package postfix)";
  }
  return undefined;
}

function postfixIds(): { uid: number; gid: number } {
  const [uid, gid] = execFileSync('id', ['-u', 'postfix'], { encoding: 'utf8' }).trim().split(' ').concat(execFileSync('id', ['-g', 'postfix'], { encoding: 'utf8' }).trim());
  return { uid: Number(uid), gid: Number(gid) };
}

/** A free TCP port on 127.0.0.1 (listened on, then closed). */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

export interface SmtpListener {
  port: number;
  /** smtpd -o overrides for this listener (milter_default_action=accept, ...). */
  overrides?: Record<string, string>;
}

export interface PostfixOptions {
  /** One smtpd per listener, on 127.0.0.1. */
  listeners: SmtpListener[];
  /** main.cf settings over the defaults below (smtpd_milters, milter_* ...). */
  settings: Record<string, string>;
  /** Where mail goes: an SMTP sink's port on 127.0.0.1, or 'discard'. */
  deliverTo: number | 'discard';
}

export class PostfixInstance {
  readonly dir: string;
  readonly configDir: string;
  readonly logFile: string;

  private constructor(dir: string) {
    this.dir = dir;
    this.configDir = path.join(dir, 'etc');
    this.logFile = path.join(dir, 'maillog');
  }

  static async start(o: PostfixOptions): Promise<PostfixInstance> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'scriptlet-postfix-'));
    fs.chmodSync(dir, 0o755);
    const p = new PostfixInstance(dir);
    fs.mkdirSync(p.configDir);
    fs.mkdirSync(path.join(dir, 'queue'));
    fs.mkdirSync(path.join(dir, 'data'));
    // The master's lock file and the daemons' data belong to the mail owner.
    const owner = postfixIds();
    fs.chownSync(path.join(dir, 'data'), owner.uid, owner.gid);
    fs.writeFileSync(path.join(p.configDir, 'main.cf'), mainCf(dir, o));
    fs.writeFileSync(path.join(p.configDir, 'master.cf'), masterCf(o.listeners));
    await run(POSTFIX, ['-c', p.configDir, 'check']);
    await run(POSTFIX, ['-c', p.configDir, 'start']);
    await Promise.all(o.listeners.map((l) => waitForPort(l.port, 15_000)));
    return p;
  }

  log(): string {
    return fs.existsSync(this.logFile) ? fs.readFileSync(this.logFile, 'utf8') : '';
  }

  /** Waits until the log matches (Postfix logs through postlogd, a moment after the fact). */
  async waitForLog(pattern: RegExp, ms = 10_000): Promise<string> {
    const until = Date.now() + ms;
    for (;;) {
      const text = this.log();
      const m = pattern.exec(text);
      if (m) return m[0];
      if (Date.now() > until) throw new Error(`Postfix's log has no ${pattern} after ${ms} ms:\n${text.split('\n').slice(-30).join('\n')}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  async stop(): Promise<void> {
    try {
      await run(POSTFIX, ['-c', this.configDir, 'stop']);
    } catch (err) {
      // Already stopped, or the master is gone: abort makes sure, and a failure there is worth seeing.
      await run(POSTFIX, ['-c', this.configDir, 'abort']).catch((e: Error) => console.error(`postfix abort: ${e.message} (after stop: ${(err as Error).message})`));
    }
    await waitForExit(path.join(this.dir, 'queue', 'pid', 'master.pid'), 10_000);
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

function mainCf(dir: string, o: PostfixOptions): string {
  const settings: Record<string, string> = {
    compatibility_level: '3.6',
    queue_directory: path.join(dir, 'queue'),
    data_directory: path.join(dir, 'data'),
    maillog_file: path.join(dir, 'maillog'),
    // The log may be written only below these (default /var and /dev/stdout).
    maillog_file_prefixes: dir,
    mail_owner: 'postfix',
    setgid_group: 'postdrop',
    myhostname: 'mx.test',
    mydomain: 'test',
    myorigin: 'mx.test',
    mydestination: '',
    inet_interfaces: 'loopback-only',
    inet_protocols: 'ipv4',
    mynetworks: '127.0.0.0/8',
    smtpd_relay_restrictions: 'permit_mynetworks, reject',
    smtp_dns_support_level: 'disabled',
    smtp_tls_security_level: 'none',
    smtpd_tls_security_level: 'none',
    smtputf8_enable: 'no',
    alias_maps: '',
    alias_database: '',
    local_recipient_maps: '',
    biff: 'no',
    smtpd_banner: '$myhostname ESMTP',
    // Delivery at once, and no waiting on a deferred sink in a test.
    queue_run_delay: '1s',
    minimal_backoff_time: '1s',
    maximal_backoff_time: '2s',
    // The test's load comes from one address; no rate limits.
    smtpd_client_connection_count_limit: '0',
    smtpd_client_connection_rate_limit: '0',
    default_process_limit: '100',
    ...(o.deliverTo === 'discard' ? { default_transport: 'discard:sink', relay_transport: 'discard:sink' } : { relayhost: `[127.0.0.1]:${o.deliverTo}` }),
    ...o.settings,
  };
  return Object.entries(settings).map(([k, v]) => `${k} = ${v}\n`).join('');
}

function masterCf(listeners: SmtpListener[]): string {
  const smtpd = listeners.map((l) => [`127.0.0.1:${l.port} inet n - n - - smtpd`, ...Object.entries(l.overrides ?? {}).map(([k, v]) => `  -o ${k}=${v}`)].join('\n'));
  return `${smtpd.join('\n')}
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
smtp      unix  -       -       n       -       -       smtp
relay     unix  -       -       n       -       -       smtp
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
`;
}

/** Waits until something listens on 127.0.0.1:port; failed() may say why waiting is over (the server exited). */
export async function waitForPort(port: number, ms: number, what = 'Postfix', failed: () => string | undefined = () => undefined): Promise<void> {
  const until = Date.now() + ms;
  for (;;) {
    const why = failed();
    if (why) throw new Error(why);
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, '127.0.0.1');
      s.once('connect', () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > until) throw new Error(`${what} does not listen on 127.0.0.1:${port} after ${ms} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function waitForExit(pidFile: string, ms: number): Promise<void> {
  const until = Date.now() + ms;
  while (fs.existsSync(pidFile) && Date.now() < until) {
    const pid = Number(fs.readFileSync(pidFile, 'utf8').trim());
    try {
      process.kill(pid, 0);
    } catch {
      return;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}
