// A Policy from a loaded `scriptlet` configuration scope, and the options a
// configuration gives any engine (the pool's engineFromConfig adds its own).

import type { ScriptletConfig } from '../config/scriptlet-config.js';
import type { EngineName } from '../native/addon.js';
import { openPolicy, type Policy, type PolicyOptions } from './policy.js';

/** The scripts, search path, tuning and guard rails a configuration sets. */
export function policyOptionsFromConfig(config: ScriptletConfig): PolicyOptions {
  const o = config.options;
  return {
    scripts: config.scripts.map((s) => ({ name: s.name, path: s.path })),
    searchPath: config.searchPath,
    ...(o.dataDirs.length > 0 ? { dataDirs: o.dataDirs } : {}),
    gcPause: o.gcPause,
    gcStepmul: o.gcStepmul,
    alwaysGc: o.alwaysGc,
    maxSparePerMaster: o.maxSparePerMaster,
    maxUsesPerThread: o.maxUsesPerThread,
    onError: o.onError,
    instructionLimit: o.instructionLimit,
    callTimeout: o.callTimeout,
    memoryLimit: o.memoryLimit,
    sandbox: o.sandbox,
    ...(o.stateDir ? { stateDir: o.stateDir } : {}),
    bindings: config.bindings.map((b) => b.name),
    bindingGroups: config.bindingGroups.map((g) => ({ name: g.name, bindings: g.bindings.map((b) => b.name) })),
    ...(config.datasources?.length ? { datasources: config.datasources.map(({ origin: _origin, ...ds }) => ds) } : {}),
  };
}

export function policyFromConfig(config: ScriptletConfig, engine?: EngineName): Policy {
  return openPolicy({ ...policyOptionsFromConfig(config), ...(engine ? { engine } : {}) });
}
