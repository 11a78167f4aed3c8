// A benchmark's results, dated and with the machine they were measured on,
// as bench/results/<date>-<name>.json (or <date>.json for the suite).
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/** Writes the results file and returns its path. */
export function writeResults(name: string, results: Record<string, unknown>): string {
  const date = new Date().toISOString().slice(0, 10);
  const file = path.join('bench', 'results', name ? `${date}-${name}.json` : `${date}.json`);
  const machine = { cpus: os.cpus().length, model: os.cpus()[0]?.model, node: process.version };
  fs.writeFileSync(file, JSON.stringify({ date, machine, ...results }, null, 2) + '\n');
  return file;
}
