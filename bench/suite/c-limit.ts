// The physical limit: the C driver (bench/c-driver/driver.cpp) runs the
// policy's validate_data through lua_pcall on the native core, with no Node.
// It reports its own ns per message; how many iterations a run takes is
// chosen so that it lasts about as long as a benchmark.js measurement.

import { execFileSync } from 'node:child_process';
import type { EngineName } from '../../src/index.js';

const DRIVERS: Record<EngineName, string> = {
  luajit: 'build/Release/c_driver',
  lua51: 'engines/lua51/build/Release/c_driver',
};

export interface DriverRun {
  nsPerMessage: number;
  code: number;
  maxRssKb: number;
}

export function runDriver(engine: EngineName, policyFile: string, module: string, messageFile: string, iterations: number): DriverRun {
  const out = execFileSync(DRIVERS[engine], [policyFile, module, messageFile, String(iterations)], { encoding: 'utf8' });
  return JSON.parse(out) as DriverRun;
}

/** Iterations that take about `seconds`, from a short first run. */
export function iterationsFor(engine: EngineName, policyFile: string, module: string, messageFile: string, seconds: number): number {
  const probe = runDriver(engine, policyFile, module, messageFile, 200);
  return Math.max(200, Math.min(5_000_000, Math.round((seconds * 1e9) / probe.nsPerMessage)));
}
