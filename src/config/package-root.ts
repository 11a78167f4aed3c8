// Finds this package's own directory, so that its `scriptlets/` helpers are
// found whether the code runs from `src/` (tsx) or from `dist/src/` (built).

import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

let cached: string | undefined;

/**
 * The nearest directory above `from` holding a package.json and a
 * `scriptlets/` directory (else the nearest holding a package.json).
 */
export function findPackageRoot(from: string): string {
  let fallback: string | undefined;
  for (let dir = from; ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, 'package.json'))) {
      if (fs.existsSync(path.join(dir, 'scriptlets'))) return dir;
      fallback ??= dir;
    }
    if (path.dirname(dir) === dir) break;
  }
  if (fallback !== undefined) return fallback;
  throw new Error(`cannot find the scriptlet package directory above ${from}`);
}

/** The package's `scriptlets/` directory (ships `msys/boot.lua`). */
export function packageScriptletsDir(): string {
  cached ??= path.join(findPackageRoot(path.dirname(fileURLToPath(import.meta.url))), 'scriptlets');
  return cached;
}
