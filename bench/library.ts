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
import { openEngine as openBuiltEngine, type EngineOptions } from '../dist/src/index.js';

/**
 * The benches' own Node options, less tsx (which runs the benches' .ts):
 * what the workers of an engine opened here start with. Its users' workers
 * run this package's compiled JavaScript and need no loader; given tsx,
 * as Node gives a Worker its process's options by default, each worker
 * held a second thread (tsx's module hooks) and two heaps' worth of V8's
 * background work more, on a 2-CPU machine where the calling thread and the
 * worker spin: a single call took 8.6 us and 16.5 us of CPU, against 6.6
 * and 12.8 without (bench:single, one run each, bench/README.md).
 */
export function benchWorkerExecArgv(argv: readonly string[] = process.execArgv): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if ((arg === '--import' || arg === '--require' || arg === '--loader') && /(^|\/)tsx(\/|$)/.test(argv[i + 1] ?? '')) i++;
    else if (!/^--(import|require|loader)=.*\btsx\b/.test(arg)) out.push(arg);
  }
  return out;
}

/** openEngine, its workers started without tsx (benchWorkerExecArgv). */
export function openEngine(options: EngineOptions): ReturnType<typeof openBuiltEngine> {
  return openBuiltEngine({ workerExecArgv: benchWorkerExecArgv(), ...options });
}
