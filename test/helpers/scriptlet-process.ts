// `scriptlet` as a real process, run from the sources under tsx: to the end
// (exit status and both streams), or started and left serving until the
// test kills it or it exits.

import { execFile, spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import * as path from 'node:path';
import type { TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const MAIN = path.join(REPO, 'src', 'cli', 'main.ts');
/** tsx by URL, so that it is found whatever the child's working directory. */
const NODE_ARGS = ['--import', import.meta.resolve('tsx'), MAIN];

export interface Finished {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `scriptlet ...args` in cwd, with stdin as its input when given. */
export function runScriptlet(args: string[], cwd = REPO, stdin?: string): Promise<Finished> {
  return new Promise((resolve) => {
    const child = execFile(process.execPath, [...NODE_ARGS, ...args], { cwd, encoding: 'utf8', timeout: 20_000 }, (_err, stdout, stderr) =>
      resolve({ status: child.exitCode, stdout, stderr }),
    );
    if (stdin !== undefined) child.stdin!.end(stdin);
  });
}

export interface Started {
  child: ChildProcessWithoutNullStreams;
  /** What it printed on stdout so far. */
  stdout(): string;
  stderr(): string;
  /** Settles with the exit code. */
  exited: Promise<number | null>;
  /** Resolves with the first match of `pattern` in stdout; rejects if the process exits first. */
  waitFor(pattern: RegExp): Promise<RegExpExecArray>;
}

/** Starts `scriptlet ...args` in cwd; it is killed when the test ends. */
export function startScriptlet(t: TestContext, args: string[], cwd = REPO): Started {
  const child = spawn(process.execPath, [...NODE_ARGS, ...args], { cwd, stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  t.after(() => child.kill('SIGKILL'));
  const waitFor = (pattern: RegExp) =>
    new Promise<RegExpExecArray>((resolve, reject) => {
      const look = () => {
        const m = pattern.exec(stdout);
        if (!m) return false;
        child.stdout.off('data', look);
        resolve(m);
        return true;
      };
      if (look()) return;
      child.stdout.on('data', look);
      void exited.then((code) => reject(new Error(`scriptlet ${args.join(' ')} exited (${code}) before printing ${pattern}: ${stderr}`)));
    });
  return { child, stdout: () => stdout, stderr: () => stderr, exited, waitFor };
}
