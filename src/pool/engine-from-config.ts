// An Engine made from a loaded `scriptlet` configuration scope: its
// options, its Redis scope, and the console msys.config runs on.

import type { ScriptletConfig } from '../config/scriptlet-config.js';
import { policyOptionsFromConfig } from '../engine/from-config.js';
import type { EngineName } from '../native/addon.js';
import { scriptConfigCommand } from './config-commands.js';
import { openEngine, type Engine } from './engine.js';

/** An Engine from a loaded `scriptlet` configuration scope. */
export function engineFromConfig(config: ScriptletConfig, options: { engine?: EngineName; log?: (message: string) => void } = {}): Engine {
  const o = config.options;
  const engine = openEngine({
    ...policyOptionsFromConfig(config),
    threads: o.threads,
    reapInterval: o.reapInterval,
    scriptTtl: o.scriptTtl,
    ...(config.redis ? { redis: config.redis } : {}),
    ...options,
  });
  engine.setScriptConsole((line) => scriptConfigCommand(line, { engine, config }));
  return engine;
}
