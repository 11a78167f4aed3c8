// Reads configuration files and splices `include "file"` / `include "dir"`
// into the including scope. Paths are relative to the including file; a
// directory contributes its regular, non-hidden files in name order. A file
// that includes itself, directly or not, is reported with the whole chain.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { ProblemList } from './errors.js';
import { parseText } from './parser.js';
import type { ConfigNode, ConfigScope, Origin } from './tree.js';

/** Includes nested deeper than this are refused (cycles are caught first). */
export const MAX_INCLUDE_DEPTH = 64;

export class ConfigReader {
  readonly problems = new ProblemList();
  /** Files being read, outermost first: real path for cycle checks, path for messages. */
  private readonly chain: { real: string; shown: string }[] = [];

  /** Parses a top-level file; null (with a problem) if it cannot be read. */
  parseFile(file: string): ConfigScope | null {
    const text = this.read(file, { file, line: 1, col: 1 }, 'cannot read configuration file');
    return text === null ? null : this.parseText(text, file);
  }

  /** Parses `text` as if it were the content of `file` (an absolute path). */
  parseText(text: string, file: string): ConfigScope {
    this.chain.push({ real: realPath(file), shown: file });
    try {
      return parseText(text, file, this.problems, { include: (p, origin) => this.include(p, origin) });
    } finally {
      this.chain.pop();
    }
  }

  private include(target: string, origin: Origin): ConfigNode[] {
    const resolved = path.resolve(path.dirname(origin.file), target);
    let stat: fs.Stats;
    try {
      stat = fs.statSync(resolved);
    } catch (err) {
      this.problems.add(origin, `cannot include '${target}': ${reason(err)} (${resolved})`);
      return [];
    }
    if (stat.isFile()) return this.includeFile(resolved, origin);
    if (stat.isDirectory()) return this.includeDirectory(target, resolved, origin);
    this.problems.add(origin, `cannot include '${target}': not a regular file or directory (${resolved})`);
    return [];
  }

  private includeDirectory(target: string, dir: string, origin: Origin): ConfigNode[] {
    let names: string[];
    try {
      names = fs.readdirSync(dir);
    } catch (err) {
      this.problems.add(origin, `cannot include '${target}': ${reason(err)} (${dir})`);
      return [];
    }
    const nodes: ConfigNode[] = [];
    for (const name of names.filter((n) => !n.startsWith('.')).sort()) {
      const file = path.join(dir, name);
      if (isRegularFile(file)) nodes.push(...this.includeFile(file, origin));
    }
    return nodes;
  }

  private includeFile(file: string, origin: Origin): ConfigNode[] {
    const real = realPath(file);
    if (this.chain.some((c) => c.real === real)) {
      const cycle = [...this.chain.map((c) => c.shown), file].join(' -> ');
      this.problems.add(origin, `include cycle: ${cycle}`);
      return [];
    }
    if (this.chain.length >= MAX_INCLUDE_DEPTH) {
      this.problems.add(origin, `cannot include '${file}': includes nested more than ${MAX_INCLUDE_DEPTH} deep`);
      return [];
    }
    const text = this.read(file, origin, `cannot include '${file}'`);
    return text === null ? [] : this.parseText(text, file).body;
  }

  private read(file: string, origin: Origin, what: string): string | null {
    try {
      return fs.readFileSync(file, 'utf8');
    } catch (err) {
      this.problems.add(origin, `${what}: ${reason(err)}`);
      return null;
    }
  }
}

function realPath(file: string): string {
  try {
    return fs.realpathSync(file);
  } catch {
    return path.resolve(file); // not on disk (parseConfig on text): its own name
  }
}

function isRegularFile(file: string): boolean {
  try {
    return fs.statSync(file).isFile();
  } catch {
    return false; // a dangling link in an included directory is not a file
  }
}

const ERRNO_TEXT: Record<string, string> = {
  ENOENT: 'no such file or directory',
  EACCES: 'permission denied',
  EISDIR: 'is a directory',
  ENOTDIR: 'a path component is not a directory',
  ELOOP: 'too many levels of symbolic links',
};

/** A short reason for a file-system error. */
export function reason(err: unknown): string {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (code !== undefined && ERRNO_TEXT[code] !== undefined) return ERRNO_TEXT[code];
  return err instanceof Error ? err.message : String(err);
}
