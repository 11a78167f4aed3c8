// A CliIo that records what a command prints.

import type { CliIo } from '../../src/cli/io.js';

export interface MemoryIo extends CliIo {
  out(): string;
  err(): string;
}

export function memoryIo(cwd: string): MemoryIo {
  let out = '';
  let err = '';
  return {
    cwd,
    stdout: { write: (text: string) => (out += text) },
    stderr: { write: (text: string) => (err += text) },
    out: () => out,
    err: () => err,
  };
}
