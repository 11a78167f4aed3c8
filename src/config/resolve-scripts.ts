// Where scripts are looked for, and how a `source = "a.b"` becomes a file.

import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * The search path: `search_path` entries first, then the config file's
 * `global/` and `default/` sub-directories, its directory, and the package's
 * `scriptlets/` directory. Duplicates are dropped, keeping the first.
 */
export function effectiveSearchPath(configFile: string, extra: readonly string[], scriptletsDir: string): string[] {
  const dir = path.dirname(configFile);
  const all = [...extra, path.join(dir, 'global'), path.join(dir, 'default'), dir, scriptletsDir];
  return [...new Set(all.map((d) => path.resolve(d)))];
}

/**
 * The path segments of a source (`a.b` and `a/b` both give `[a, b]`), or a
 * message saying what is wrong with it.
 */
export function sourceSegments(source: string): string[] | { error: string } {
  if (source === '') return { error: `source is empty: write a module name such as "msys.boot"` };
  if (/\.lua$/i.test(source)) {
    return { error: `source '${source}' must not end in '.lua' (write '${source.slice(0, -4)}')` };
  }
  const segments = source.split(/[./]/);
  if (segments.some((s) => s === '')) {
    return { error: `source '${source}' has an empty path segment: separate directories with a single '.' or '/'` };
  }
  return segments;
}

/** The relative file a source names: `a.b` gives `a/b.lua`. */
export function sourceFile(segments: readonly string[]): string {
  return `${path.join(...segments)}.lua`;
}

export type Resolution = { path: string } | { tried: string[] };

/** The first `dir/a/b.lua` along the search path that is a regular file. */
export function resolveSource(segments: readonly string[], searchPath: readonly string[]): Resolution {
  const file = sourceFile(segments);
  for (const dir of searchPath) {
    const candidate = path.join(dir, file);
    if (isRegularFile(candidate)) return { path: candidate };
  }
  return { tried: [...searchPath] };
}

function isRegularFile(file: string): boolean {
  try {
    return fs.statSync(file).isFile();
  } catch {
    return false; // missing or unreadable: keep looking along the path
  }
}
