// The library as the benchmarks time it: the package as built (dist/), the
// JavaScript its users run. The benchmarks start under tsx, which would
// transpile src/ with esbuild's keepNames: every named closure the code
// makes is then wrapped in a call to Object.defineProperty, which cost a
// single call through the pool 2 us (bench/README.md, "Single calls").
import * as fs from 'node:fs';
import * as path from 'node:path';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const built = path.join(root, 'dist/src/index.js');

/** The newest modification time of a .ts file under dir, in ms. */
function newestSource(dir: string): number {
  let newest = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile() && /\.c?ts$/.test(entry.name)) newest = Math.max(newest, fs.statSync(path.join(entry.parentPath, entry.name)).mtimeMs);
  }
  return newest;
}

if (!fs.existsSync(built)) throw new Error('the benchmarks time dist/: run npm run build:ts first');
if (newestSource(path.join(root, 'src')) > fs.statSync(built).mtimeMs) {
  throw new Error('src/ has changed since dist/ was built, and the benchmarks time dist/: run npm run build:ts');
}

export * from '../dist/src/index.js';
