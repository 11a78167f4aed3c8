// The `check` hook that compiles each script with the real engine: its chunk
// runs (so registerModule is checked) but init() does not, so checking a
// configuration has no side effects beyond what scripts do at load time.
// All scripts of one configuration load into one master, in config order, as
// they would in service.

import type { Problem } from '../config/errors.js';
import type { ScriptletConfig, ScriptletScript } from '../config/scriptlet-config.js';
import type { NativeMaster } from '../native/types.js';
import * as fs from 'node:fs';

const masters = new WeakMap<ScriptletConfig, NativeMaster>();

async function masterFor(config: ScriptletConfig): Promise<NativeMaster> {
  let master = masters.get(config);
  if (!master) {
    const { loadAddon } = await import('../native/addon.js');
    master = new (loadAddon().Master)({ searchPath: config.searchPath });
    masters.set(config, master);
  }
  return master;
}

/** "path:line" → line, or undefined. */
function lineOf(location: string, file: string): number | undefined {
  const colon = location.lastIndexOf(':');
  const name = location.slice(0, colon);
  // LuaJIT shortens a long chunk name to "..." and its tail.
  const named = name === file || (name.startsWith('...') && file.endsWith(name.slice(3)));
  const line = Number(location.slice(colon + 1));
  return named && Number.isInteger(line) && line > 0 ? line : undefined;
}

export async function compileScript(script: ScriptletScript, config: ScriptletConfig): Promise<Problem[]> {
  const master = await masterFor(config);
  let source: string;
  try {
    source = fs.readFileSync(script.path, 'utf8');
  } catch (err) {
    return [{ ...script.origin, message: `cannot read script '${script.name}' (${script.path}): ${(err as Error).message}` }];
  }
  const problem = master.loadScript(script.name, source, script.path);
  if (!problem) return [];
  const line = lineOf(problem.location, script.path);
  const where = line === undefined ? script.origin : { file: script.path, line, col: 1 };
  const text = problem.location && problem.message.startsWith(`${problem.location}: `) ? problem.message.slice(problem.location.length + 2) : problem.message;
  return [{ file: where.file, line: where.line, col: where.col, message: text }];
}
