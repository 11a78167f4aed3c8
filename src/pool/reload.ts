// Building a version of the policy for the pool: the sources are read once,
// here, and sent to the workers as text, so every call of a version runs the
// very same scripts even if a file changes meanwhile. The version is loaded
// on the calling thread first (init() included): scripts that do not load
// never reach a worker.

import { TUNING_KEYS, type PolicyTuning } from '../engine/options.js';
import { openPolicy, type PolicyOptions } from '../engine/policy.js';
import { readScripts } from '../engine/script-set.js';
import type { LogLine } from '../engine/verdict.js';
import type { EngineName } from '../native/addon.js';
import type { PolicySpec } from './protocol.js';

/** What engine.reload() resolves with, and what the 'reload' event carries. */
export interface ReloadResult {
  ok: boolean;
  /** The version serving now: the new one, or (on failure) the old one, still serving. */
  version: string;
  /** The version that served before. */
  previous: string;
  /** Why the new sources were refused. */
  error?: Error;
}

/** What the 'alert' event carries: something an operator must hear of. */
export interface Alert {
  kind: 'reload' | 'state_backend';
  message: string;
}

export interface BuiltVersion {
  version: string;
  engineVersion: string;
  spec: PolicySpec;
  loadLogs: LogLine[];
}

/** The run-time tuning among a Policy's options. */
export function tuningOf(options: PolicyOptions): PolicyTuning {
  const given = options as unknown as Record<string, unknown>;
  const tuning: Record<string, unknown> = {};
  for (const key of TUNING_KEYS) if (given[key] !== undefined) tuning[key] = given[key];
  return tuning as PolicyTuning;
}

/** Reads the scripts and loads them once with the tuning in force; throws what openPolicy throws. */
export function buildVersion(options: PolicyOptions, tuning: PolicyTuning, engine?: EngineName): BuiltVersion {
  const scripts = readScripts(options.scripts).map(({ name, path, source }) => (path.startsWith('=') ? { name, source } : { name, path, source }));
  const probe = openPolicy({ ...options, ...tuning, ...(engine ? { engine } : {}), scripts });
  const built = { version: probe.version, engineVersion: probe.engineVersion, loadLogs: probe.loadLogs, engine: probe.engine };
  probe.close();
  const spec: Record<string, unknown> = { ...options, scripts, engine: built.engine };
  for (const key of TUNING_KEYS) delete spec[key];
  return { version: built.version, engineVersion: built.engineVersion, loadLogs: built.loadLogs, spec: spec as unknown as PolicySpec };
}
