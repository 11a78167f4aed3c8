// A real PostgreSQL for the tests: Debian's binaries (package `postgresql`,
// installed by scripts/install-test-tools.sh), a fresh cluster in a temp
// directory, listening on a free loopback port with trust authentication.
// PostgreSQL refuses to run as root, so as root the cluster belongs to the
// `postgres` user (or `nobody`) and every binary runs through runuser.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';

function binDir(): string | null {
  const root = '/usr/lib/postgresql';
  if (!fs.existsSync(root)) return null;
  const versions = fs.readdirSync(root).filter((v) => fs.existsSync(path.join(root, v, 'bin', 'initdb'))).sort((a, b) => Number(b) - Number(a));
  return versions[0] ? path.join(root, versions[0], 'bin') : null;
}

/** Why the PostgreSQL tests cannot run here, or null. */
export function postgresMissing(): string | null {
  if (!binDir()) return 'PostgreSQL server binaries not found in /usr/lib/postgresql/*/bin (install the Debian package `postgresql`)';
  if (process.getuid?.() === 0 && !runAsUser()) return 'running as root, and neither a `postgres` nor a `nobody` user to run PostgreSQL as';
  return null;
}

function runAsUser(): string | null {
  for (const user of ['postgres', 'nobody']) if (spawnSync('id', ['-u', user]).status === 0) return user;
  return null;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

export class PostgresServer {
  private constructor(
    readonly dir: string,
    readonly port: number,
    private readonly proc: ChildProcess,
    private readonly stopCommand: [string, string[]],
  ) {}

  /** "pgsql:..." as a datasource uri, for database db. */
  uri(db = 'postgres'): string {
    return `pgsql:host=127.0.0.1 port=${this.port} dbname=${db} user=scriptlet`;
  }

  static async start(): Promise<PostgresServer> {
    const bin = binDir()!;
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'scriptlet-pg-'));
    const user = process.getuid?.() === 0 ? runAsUser() : null;
    const run = (cmd: string, args: string[]) => (user ? ['runuser', ['-u', user, '--', cmd, ...args]] : [cmd, args]) as [string, string[]];
    if (user) {
      fs.chmodSync(dir, 0o777);
      spawnSync('chown', [user, dir]);
    }
    const data = path.join(dir, 'data');
    const [initCmd, initArgs] = run(path.join(bin, 'initdb'), ['-D', data, '-A', 'trust', '-U', 'scriptlet', '--no-sync', '-E', 'UTF8']);
    const init = spawnSync(initCmd, initArgs, { encoding: 'utf8' });
    if (init.status !== 0) throw new Error(`initdb failed: ${init.stderr || init.stdout}`);
    const port = await freePort();
    const [cmd, args] = run(path.join(bin, 'postgres'), ['-D', data, '-p', String(port), '-c', 'listen_addresses=127.0.0.1', '-k', dir, '-c', 'fsync=off']);
    const proc = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let log = '';
    proc.stderr!.on('data', (c: Buffer) => (log += c.toString()));
    const server = new PostgresServer(dir, port, proc, run(path.join(bin, 'pg_ctl'), ['stop', '-D', data, '-m', 'immediate', '-w']));
    for (let i = 0; i < 200; i++) {
      if (await canConnect(port)) return server;
      if (proc.exitCode !== null) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    await server.stop();
    throw new Error(`PostgreSQL did not start on port ${port}: ${log}`);
  }

  async stop(): Promise<void> {
    if (this.proc.exitCode === null) {
      // pg_ctl, not a signal: runuser does not pass signals on to the server.
      const exited = new Promise((r) => this.proc.once('exit', r));
      spawnSync(this.stopCommand[0], this.stopCommand[1], { stdio: 'ignore', timeout: 20_000 });
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5000).unref())]);
    }
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

async function canConnect(port: number): Promise<boolean> {
  const { default: pg } = await import('pg');
  const c = new pg.Client({ host: '127.0.0.1', port, user: 'scriptlet', database: 'postgres', connectionTimeoutMillis: 1000 });
  try {
    await c.connect();
    await c.query('select 1');
    return true;
  } catch {
    return false;
  } finally {
    await c.end().catch(() => undefined);
  }
}
