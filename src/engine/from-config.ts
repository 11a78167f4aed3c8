// A Policy from a loaded `scriptlet` configuration scope.

import type { ScriptletConfig } from '../config/scriptlet-config.js';
import type { EngineName } from '../native/addon.js';
import { openPolicy, type Policy } from './policy.js';

export function policyFromConfig(config: ScriptletConfig, engine?: EngineName): Policy {
  const o = config.options;
  return openPolicy({
    scripts: config.scripts.map((s) => ({ name: s.name, path: s.path })),
    searchPath: config.searchPath,
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
    ...(engine ? { engine } : {}),
  });
}
