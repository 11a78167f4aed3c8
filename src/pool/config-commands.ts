// The console's `config get` and `config set`, on an engine and the
// configuration it was made from: the control socket (src/server) runs them
// for an operator, msys.config for a script (the engine sets that up in
// engineFromConfig).

import { SCRIPTLET_OPTION_KEYS, SCRIPTLET_OPTION_SPECS, unknownOptionMessage, validateScriptletOption, type ScriptletOptionName, type ScriptletOptionSpec } from '../config/scriptlet-options.js';
import type { ScriptletConfig } from '../config/scriptlet-config.js';
import { TUNING_KEYS } from '../engine/options.js';
import type { Engine } from './engine.js';
import type { EngineTuning } from './options.js';

export type ConsoleAnswer = { ok: true; lines: string[] } | { ok: false; error: string };

/** What a config command reads and changes. */
export interface ConfigTarget {
  engine: Engine;
  config: ScriptletConfig;
}

/**
 * Options `config set` may change while the engine runs: what the workers'
 * configure() takes, and the pool's reap interval. docs/serve.md's list is
 * generated from this (test/helpers/generated-docs.ts).
 */
const RUNTIME_KEYS = new Set<string>([...TUNING_KEYS, 'reapInterval']);

/** The options `config set` changes, as the configuration names them, in the configuration's order. */
export const RUNTIME_OPTIONS: readonly ScriptletOptionSpec[] = SCRIPTLET_OPTION_SPECS.filter((s) => RUNTIME_KEYS.has(s.key));

/** Checks `scriptlet INSTANCE`, the module and instance a config command names. */
function checkInstance(args: string[], t: ConfigTarget): string | null {
  if (args.length < 2) return `expected 'scriptlet ${t.config.instance}' after the command`;
  if (args[0]!.toLowerCase() !== 'scriptlet') return `unknown module '${args[0]}': only 'scriptlet' is configured here`;
  if (args[1] !== t.config.instance) return `unknown instance '${args[1]}' of module scriptlet: the instance is '${t.config.instance}'`;
  return null;
}

export function configGet(args: string[], t: ConfigTarget): ConsoleAnswer {
  const bad = checkInstance(args, t);
  if (bad) return { ok: false, error: bad };
  if (args.length > 3) return { ok: false, error: 'config get takes at most one option name' };
  const tuning = t.engine.tuning as Record<string, unknown>;
  const valueOf = (key: string): unknown => (RUNTIME_KEYS.has(key) && tuning[key] !== undefined ? tuning[key] : (t.config.options as unknown as Record<string, unknown>)[key]);
  if (args.length === 3) {
    const spec = SCRIPTLET_OPTION_SPECS.find((s) => s.name === args[2]!.toLowerCase());
    if (!spec) return { ok: false, error: unknownOptionMessage(args[2]!) };
    return { ok: true, lines: [`${spec.name} = ${show(valueOf(spec.key))}`] };
  }
  return { ok: true, lines: SCRIPTLET_OPTION_SPECS.map((s) => `${s.name} = ${show(valueOf(s.key))}`) };
}

export async function configSet(args: string[], line: string, t: ConfigTarget): Promise<ConsoleAnswer> {
  const bad = checkInstance(args, t);
  if (bad) return { ok: false, error: bad };
  if (args.length < 4) return { ok: false, error: 'usage: config set scriptlet scriptlet OPTION VALUE' };
  const name = args[2]!.toLowerCase();
  // The value is the rest of the line, so that a list such as ( "a" "b" ) survives.
  const value = line.trim().replace(/^(\S+\s+){5}/, '');
  const typed = validateScriptletOption(name, value);
  const key = SCRIPTLET_OPTION_KEYS[name as ScriptletOptionName];
  if (!RUNTIME_KEYS.has(key)) return { ok: false, error: `option '${name}' cannot be changed at run time: edit the configuration and restart` };
  await t.engine.configure({ [key]: typed } as EngineTuning);
  return { ok: true, lines: [`${name} = ${show(typed)} (until restart)`] };
}

/**
 * msys.config's line ("config get ..." or "config set ..."), run as the
 * console would; any other verb is refused (a script may not reload the
 * scripts it runs in, nor stop the server).
 */
export async function scriptConfigCommand(line: string, t: ConfigTarget): Promise<ConsoleAnswer> {
  const w = line.trim().split(/\s+/);
  const verb = w.slice(0, 2).join(' ').toLowerCase();
  try {
    if (verb === 'config get') return configGet(w.slice(2), t);
    if (verb === 'config set') return await configSet(w.slice(2), line, t);
  } catch (err) {
    return { ok: false, error: (err as Error).message };
  }
  return { ok: false, error: `msys.config runs only 'config get' and 'config set', not '${line.trim()}'` };
}

function show(value: unknown): string {
  if (Array.isArray(value)) return `( ${value.map((v) => JSON.stringify(v)).join(' ')} )`;
  if (value === '') return '""'; // state_dir unset: a value `config set` reads back
  return String(value);
}
