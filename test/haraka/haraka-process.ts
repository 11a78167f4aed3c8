// Haraka as the Haraka tests run it: the Haraka from npm (a devDependency),
// started in a process group of its own (so that a shell that started it
// stops with it), its output kept, stopped when the test ends; and the free
// loopback port it listens on.

import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import * as net from 'node:net';
import * as path from 'node:path';
import type { TestContext } from 'node:test';

/** Haraka's command, bin/haraka of the Haraka package. */
export const HARAKA_BIN = path.join(path.dirname(createRequire(import.meta.url).resolve('Haraka/package.json')), 'bin', 'haraka');

export function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

/** Whether an SMTP server on 127.0.0.1:port answers with a greeting. */
function accepting(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    s.once('data', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
    s.once('close', () => resolve(false));
  });
}

export interface HarakaProcess {
  output(): string;
  /** Resolves once the output matches pattern (it reaches the pipe after the reply reaches the client); fails, with the output, after 10 s. */
  logged(pattern: RegExp): Promise<void>;
  /** Stops it (SIGTERM to its process group, SIGKILL 5 s later) and waits for it to exit. */
  stop(): Promise<void>;
}

export interface HarakaCommand {
  command: string;
  args: string[];
  cwd: string;
  env?: NodeJS.ProcessEnv;
  /** Where its smtp.ini has it listen, on 127.0.0.1. */
  port: number;
  /** What its output shows once its plugins are ready, waited for as well as the greeting. */
  ready?: RegExp;
}

/** Starts Haraka and resolves once it greets on its port (and printed `ready`); fails with its output if it does not within 30 s. */
export async function startHaraka(t: TestContext, c: HarakaCommand): Promise<HarakaProcess> {
  let output = '';
  const child = spawn(c.command, c.args, { cwd: c.cwd, env: c.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) process.kill(-child.pid!, 'SIGTERM');
    const timer = setTimeout(() => child.exitCode === null && child.signalCode === null && process.kill(-child.pid!, 'SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  };
  t.after(stop);
  const started = (): Promise<boolean> => (c.ready && !c.ready.test(output) ? Promise.resolve(false) : accepting(c.port));
  for (let i = 0; i < 300 && child.exitCode === null && !(await started()); i++) await new Promise((r) => setTimeout(r, 100));
  assert.ok(await started(), `Haraka did not start (${c.command} ${c.args.join(' ')} in ${c.cwd}):\n${output}`);
  const logged = async (pattern: RegExp): Promise<void> => {
    for (let i = 0; i < 200 && !pattern.test(output); i++) await new Promise((r) => setTimeout(r, 50));
    assert.match(output, pattern);
  };
  return { output: () => output, logged, stop };
}
