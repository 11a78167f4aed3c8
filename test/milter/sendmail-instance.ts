// A throwaway Sendmail for the milter's end-to-end tests: Debian's
// sendmail-bin, which cannot be installed beside Postfix (each package is
// the system's MTA), unpacked by scripts/install-test-tools.sh into
// SENDMAIL_ROOT and run from there as a foreground daemon (-bD) with a
// sendmail.cf that m4 makes from the test's .mc: its own queue in a
// temporary directory, loopback only, relaying everything to an SMTP sink
// of the test's. It runs in a UTS namespace of its own named mx.test:
// Sendmail sleeps a minute at start when it cannot qualify the machine's
// host name. Sendmail logs only to syslog, which a test machine may lack;
// the tests read its replies, its queue and what it delivers instead.

import { execFile, spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { waitForPort } from './postfix-instance.js';

const run = promisify(execFile);
export const SENDMAIL_ROOT = process.env.SENDMAIL_ROOT ?? '/opt/scriptlet-test-tools/sendmail';
const SENDMAIL = path.join(SENDMAIL_ROOT, 'usr/libexec/sendmail/sendmail');
const CF_M4 = path.join(SENDMAIL_ROOT, 'usr/share/sendmail/cf/m4/cf.m4');
const HOST_NAME = 'mx.test';

/** Why the Sendmail tests cannot run here, or undefined when they can. */
export function sendmailMissing(): string | undefined {
  if (!fs.existsSync(SENDMAIL) || !fs.existsSync(CF_M4)) return `Sendmail is not unpacked in ${SENDMAIL_ROOT} (Debian packages sendmail-bin and sendmail-cf; scripts/install-test-tools.sh unpacks them)`;
  for (const [tool, pkg] of [['m4', 'm4'], ['unshare', 'util-linux']]) {
    if (!['/usr/bin', '/bin'].some((d) => fs.existsSync(path.join(d, tool!)))) return `${tool} is missing (Debian package ${pkg})`;
  }
  if (!fs.readdirSync('/usr/lib/x86_64-linux-gnu').some((f) => f.startsWith('libwrap.so.0'))) return "Sendmail's libwrap.so.0 is missing (Debian package libwrap0)";
  if (process.getuid?.() !== 0) return 'Sendmail instances need root (a daemon and a UTS namespace of their own)';
  return undefined;
}

export interface MailFilter {
  /** The filter's name in the .mc. */
  name: string;
  /** Its socket, as Sendmail writes it: inet:PORT@127.0.0.1 or unix:/path. */
  socket: string;
  /** F=: 'T' tempfails and 'R' rejects when the filter is unavailable; '' goes on without it. */
  onFailure: 'T' | 'R' | '';
  /** T=: seconds for sending to the filter (S), reading its answer (R) and the whole message (E). */
  timeouts?: { send: number; read: number; end: number };
}

export interface SendmailOptions {
  /** Filters the listeners may use. */
  filters: MailFilter[];
  /** One daemon per listener, on 127.0.0.1, each with its filters (by name, in order). */
  listeners: { port: number; filters: string[] }[];
  /** The SMTP sink's port on 127.0.0.1, where everything is relayed. */
  deliverTo: number;
}

export class SendmailInstance {
  readonly dir: string;
  readonly queueDir: string;
  readonly #daemon: ChildProcess;
  #output = '';

  private constructor(dir: string, daemon: ChildProcess) {
    this.dir = dir;
    this.queueDir = path.join(dir, 'queue');
    this.#daemon = daemon;
    daemon.stdout?.on('data', (d: Buffer) => (this.#output += d.toString()));
    daemon.stderr?.on('data', (d: Buffer) => (this.#output += d.toString()));
  }

  static async start(o: SendmailOptions): Promise<SendmailInstance> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'scriptlet-sendmail-'));
    fs.mkdirSync(path.join(dir, 'queue'), { mode: 0o700 });
    fs.writeFileSync(path.join(dir, 'statistics'), '');
    // Host names from /etc/hosts only: no DNS in a test.
    fs.writeFileSync(path.join(dir, 'service.switch'), 'hosts files\naliases files\n');
    fs.writeFileSync(path.join(dir, 'sendmail.mc'), mc(dir, o));
    const { stdout } = await run('m4', [path.join(dir, 'sendmail.mc')], { maxBuffer: 4 * 1024 * 1024 });
    fs.writeFileSync(path.join(dir, 'sendmail.cf'), stdout);
    const daemon = spawn('unshare', ['--uts', 'sh', '-c', `hostname ${HOST_NAME} && exec "$0" -bD -C "$1"`, SENDMAIL, path.join(dir, 'sendmail.cf')], { detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    const instance = new SendmailInstance(dir, daemon);
    try {
      const exited = () => (daemon.exitCode === null ? undefined : `sendmail exited with ${daemon.exitCode}: ${instance.#output}`);
      await Promise.all(o.listeners.map((l) => waitForPort(l.port, 15_000, 'Sendmail', exited)));
    } catch (err) {
      await instance.stop();
      throw err;
    }
    return instance;
  }

  /** The queue's files named PREFIX + id: 'qf' queued, 'hf' quarantined (held), 'df' a message's body. */
  queueFiles(prefix: 'qf' | 'hf' | 'df'): string[] {
    return fs.readdirSync(this.queueDir).filter((f) => f.startsWith(prefix));
  }

  /** Stops the daemon and the children it forked (its process group), then removes its directory. */
  async stop(): Promise<void> {
    const exited = new Promise((resolve) => (this.#daemon.exitCode !== null ? resolve(undefined) : this.#daemon.once('exit', resolve)));
    try {
      process.kill(-this.#daemon.pid!, 'SIGTERM');
    } catch {
      // Already gone.
    }
    await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
    try {
      process.kill(-this.#daemon.pid!, 'SIGKILL');
    } catch {
      // Gone, as it should be.
    }
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

/** The test's sendmail.mc: loopback listeners with their filters, everything relayed to the sink. */
function mc(dir: string, o: SendmailOptions): string {
  const timeouts = (t: MailFilter['timeouts']) => (t ? `, T=S:${t.send}s;R:${t.read}s;E:${t.end}s` : '');
  return [
    'divert(-1)',
    'divert(0)dnl',
    `include(\`${CF_M4}')dnl`,
    "VERSIONID(`scriptlet milter test')dnl",
    "OSTYPE(`linux')dnl",
    `define(\`confDOMAIN_NAME', \`${HOST_NAME}')dnl`,
    "define(`confDONT_PROBE_INTERFACES', `True')dnl",
    `define(\`QUEUE_DIR', \`${path.join(dir, 'queue')}')dnl`,
    `define(\`STATUS_FILE', \`${path.join(dir, 'statistics')}')dnl`,
    `define(\`confPID_FILE', \`${path.join(dir, 'sendmail.pid')}')dnl`,
    `define(\`confSERVICE_SWITCH_FILE', \`${path.join(dir, 'service.switch')}')dnl`,
    "define(`ALIAS_FILE', `')dnl",
    "define(`SMART_HOST', `[127.0.0.1]')dnl",
    `define(\`RELAY_MAILER_ARGS', \`TCP $h ${o.deliverTo}')dnl`,
    "FEATURE(`nocanonify')dnl",
    "FEATURE(`no_default_msa')dnl",
    "FEATURE(`promiscuous_relay')dnl",
    "FEATURE(`accept_unresolvable_domains')dnl",
    ...o.filters.map((f) => `MAIL_FILTER(\`${f.name}', \`S=${f.socket}, F=${f.onFailure}${timeouts(f.timeouts)}')dnl`),
    ...o.listeners.map((l, i) => `DAEMON_OPTIONS(\`Port=${l.port}, Addr=127.0.0.1, Name=MTA${i}, InputMailFilters=${l.filters.join(';')}')dnl`),
    "MAILER(`smtp')dnl",
    '',
  ].join('\n');
}
