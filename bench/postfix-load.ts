// What bench/milter and bench/serve share: Postfix's smtp-source as the
// load, and CPU time read from /proc (a process with its threads, a single
// thread, and Postfix's processes: the master and its children).

import { execFile, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

export const SMTP_SOURCE = '/usr/sbin/smtp-source';

/**
 * Rounds of warm-up before the measured ones, by default: 60 (3 000
 * messages a side at 50 a round). An MTA runs for days, so its steady state
 * is what counts, and a Node process takes thousands of messages to reach
 * it: after 4 rounds, V8's optimizing compiler was still at work on serve's
 * code, with 22 % of its CPU samples (`perf record`; 5 % after 60), and serve's CPU per message fell from 2.3 ms after
 * 4 rounds to 1.7 after 20 and 1.3-1.6 after 60 (bench/serve/README.md).
 */
export const WARMUP_ROUNDS = 60;
const TICK_MS = 1000 / 100;
const ROUND_TIMEOUT_MS = 120_000;

/** user + system ticks of a /proc stat line, as ms; with the waited-for children's when withChildren. */
function statCpuMs(path: string, withChildren: boolean): number {
  try {
    const stat = fs.readFileSync(path, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const own = Number(f[11]) + Number(f[12]);
    return (own + (withChildren ? Number(f[13]) + Number(f[14]) : 0)) * TICK_MS;
  } catch {
    return 0; // it has exited between the listing and the read: its time is in its parent's children figures
  }
}

/** CPU milliseconds of a process (its threads, and its children it has waited for when withChildren). */
export function processCpuMs(pid: number, withChildren: boolean): number {
  return statCpuMs(`/proc/${pid}/stat`, withChildren);
}

/** CPU milliseconds of one thread of a process (for a Node process, its own pid is the main thread). */
export function threadCpuMs(pid: number, tid: number): number {
  return statCpuMs(`/proc/${pid}/task/${tid}/stat`, false);
}

/** Postfix's CPU: the master with the children it reaped, and the children alive. */
export function postfixCpuMs(masterPid: number): number {
  let total = processCpuMs(masterPid, true);
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === masterPid) total += processCpuMs(Number(entry), false);
    } catch {
      // gone meanwhile
    }
  }
  return total;
}

/** One round of smtp-source: sessions parallel sessions of one size-byte message each; resolves with its seconds. */
export function smtpSource(port: number, sessions: number, size: number): Promise<number> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    execFile(SMTP_SOURCE, ['-s', String(sessions), '-m', String(sessions), '-l', String(size), '-M', 'client.test', '-f', 'alice@example.org', '-t', 'bob@example.net', `127.0.0.1:${port}`], { timeout: ROUND_TIMEOUT_MS }, (err, _out, stderr) => {
      if (err || stderr.trim() !== '') reject(new Error(`smtp-source: ${err?.message ?? ''} ${stderr}`));
      else resolve((performance.now() - started) / 1000);
    });
  });
}

export interface CliProcess {
  pid: number;
  stop: () => Promise<void>;
}

/**
 * Starts `scriptlet <args>` from the compiled CLI in dist/, as an installed
 * package runs it (under tsx the same code costs half as much again of
 * CPU), with the Node options nodeArgs (a profiler, say) first; resolves
 * once it has printed ready.
 */
export async function startScriptlet(repo: string, args: string[], ready: string, nodeArgs = ''): Promise<CliProcess> {
  const child = spawn(process.execPath, [...(nodeArgs ? nodeArgs.split(' ') : []), path.join(repo, 'dist/src/cli/main.js'), ...args], { cwd: repo, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  let err = '';
  child.stderr.on('data', (d) => (err += d));
  const until = Date.now() + 30_000;
  while (!out.includes(ready)) {
    if (child.exitCode !== null || Date.now() > until) throw new Error(`scriptlet ${args[0]} did not start: ${err}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    pid: child.pid!,
    stop: async () => {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    },
  };
}
