// A real redis-server for the replication tests: started on a free loopback
// port in a temp directory, without persistence (--save '' --appendonly no),
// stopped and started again on the same port; skipped naming the Debian
// package when it is not installed (a failure under CI=true).

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';

/** redis-server's path, or undefined after marking the test skipped. */
export function redisServerPath(t: { skip: (reason: string) => void }): string | undefined {
  const found = spawnSync('sh', ['-c', 'command -v redis-server'], { encoding: 'utf8' });
  if (found.status === 0 && found.stdout.trim()) return found.stdout.trim();
  const reason = 'redis-server is not installed (Debian package redis-server)';
  if (process.env.CI === 'true') throw new Error(reason);
  t.skip(reason);
  return undefined;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

/** Resolves once something answers PING with PONG on port. */
async function waitForPong(port: number, deadlineMs = 5000): Promise<void> {
  const until = Date.now() + deadlineMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const c = net.connect(port, '127.0.0.1');
      c.setTimeout(500);
      c.once('connect', () => c.write('PING\r\n'));
      c.once('data', (d) => {
        c.destroy();
        resolve(d.toString().startsWith('+PONG'));
      });
      c.once('error', () => resolve(false));
      c.once('timeout', () => (c.destroy(), resolve(false)));
    });
    if (ok) return;
    if (Date.now() > until) throw new Error(`redis-server did not answer on port ${port}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A redis-server in sentinel mode watching the master at masterPort as "mymaster". */
export async function startSentinel(bin: string, masterPort: number): Promise<{ address: string; close: () => Promise<void> }> {
  const port = await freePort();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'scriptlet-sentinel-'));
  const conf = path.join(dir, 'sentinel.conf');
  fs.writeFileSync(conf, `port ${port}\nbind 127.0.0.1\ndir ${dir}\nsentinel monitor mymaster 127.0.0.1 ${masterPort} 1\nsentinel down-after-milliseconds mymaster 1000\n`);
  const child = spawn(bin, [conf, '--sentinel'], { stdio: 'ignore' });
  await waitForPong(port);
  return {
    address: `127.0.0.1:${port}`,
    close: async () => {
      if (child.exitCode === null) await new Promise<void>((resolve) => (child.once('exit', () => resolve()), child.kill('SIGKILL')));
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * A real Redis Cluster of three masters (no replicas) on free loopback
 * ports, made with redis-cli --cluster create; resolves once every slot is
 * served (cluster_state:ok).
 */
export async function startCluster(bin: string): Promise<{ addresses: string[]; close: () => Promise<void> }> {
  const ports = [await freePort(), await freePort(), await freePort()];
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'scriptlet-redis-cluster-'));
  const children = ports.map((port) =>
    spawn(bin, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, '--cluster-enabled', 'yes', '--cluster-config-file', `nodes-${port}.conf`, '--cluster-node-timeout', '2000'], { stdio: 'ignore' }),
  );
  const close = async () => {
    await Promise.all(children.map((c) => (c.exitCode === null ? new Promise<void>((resolve) => (c.once('exit', () => resolve()), c.kill('SIGKILL'))) : undefined)));
    fs.rmSync(dir, { recursive: true, force: true });
  };
  try {
    await Promise.all(ports.map((p) => waitForPong(p)));
    const addresses = ports.map((p) => `127.0.0.1:${p}`);
    const cli = path.join(path.dirname(bin), 'redis-cli');
    const made = spawnSync(cli, ['--cluster', 'create', ...addresses, '--cluster-replicas', '0', '--cluster-yes'], { encoding: 'utf8' });
    if (made.status !== 0) throw new Error(`redis-cli --cluster create failed: ${made.stdout}${made.stderr}`);
    for (const until = Date.now() + 10_000; ; ) {
      const info = spawnSync(cli, ['-p', String(ports[0]), 'cluster', 'info'], { encoding: 'utf8' }).stdout;
      if (ports.every((p) => spawnSync(cli, ['-p', String(p), 'cluster', 'info'], { encoding: 'utf8' }).stdout.includes('cluster_state:ok'))) break;
      if (Date.now() > until) throw new Error(`the cluster did not come up: ${info}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    return { addresses, close };
  } catch (err) {
    await close();
    throw err;
  }
}

export class RedisServer {
  readonly port: number;
  readonly #bin: string;
  readonly #dir: string;
  #child: ChildProcess | undefined;

  private constructor(bin: string, port: number) {
    this.#bin = bin;
    this.port = port;
    this.#dir = fs.mkdtempSync(path.join(os.tmpdir(), 'scriptlet-redis-'));
  }

  static async start(bin: string): Promise<RedisServer> {
    const r = new RedisServer(bin, await freePort());
    await r.startAgain();
    return r;
  }

  get address(): string {
    return `127.0.0.1:${this.port}`;
  }

  async startAgain(): Promise<void> {
    const child = spawn(this.#bin, ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', this.#dir], { stdio: 'ignore' });
    this.#child = child;
    await waitForPong(this.port);
  }

  /** Freezes it (SIGSTOP): connections stay open, nothing is answered, as with a Redis stuck or far too slow. */
  pause(): void {
    this.#child?.kill('SIGSTOP');
  }

  resume(): void {
    this.#child?.kill('SIGCONT');
  }

  /** Stops it (SIGKILL: a crash, no goodbye to the clients) and waits for the exit. */
  async stop(): Promise<void> {
    const child = this.#child;
    this.#child = undefined;
    if (!child || child.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.kill('SIGKILL');
    });
  }

  async close(): Promise<void> {
    await this.stop();
    fs.rmSync(this.#dir, { recursive: true, force: true });
  }
}
