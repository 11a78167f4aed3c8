// What a command may touch: its output streams and the working directory.
// Commands take this instead of `process`, so tests run them in-process.

import * as path from 'node:path';

export interface CliIo {
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown };
  /** Base for relative paths in arguments and in what is printed. */
  cwd: string;
}

export function processIo(): CliIo {
  return { stdout: process.stdout, stderr: process.stderr, cwd: process.cwd() };
}

/** `p` relative to `cwd` when it lies below it, else absolute. */
export function displayPath(p: string, cwd: string): string {
  const rel = path.relative(cwd, p);
  return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : p;
}
