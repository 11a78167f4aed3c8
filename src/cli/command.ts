// The shape of one `scriptlet <command>`.

import type { Problem } from '../config/errors.js';
import type { ScriptletConfig, ScriptletScript } from '../config/scriptlet-config.js';
import type { CliIo } from './io.js';

/**
 * What the engine plugs into the commands. Each is optional so that the
 * configuration commands work without the native addon.
 */
export interface CliHooks {
  /**
   * Compiles one resolved script and checks that it registers its stanza's
   * name; returns the problems found (none when it is fine).
   */
  compileScript?: (script: ScriptletScript, config: ScriptletConfig) => Promise<Problem[]>;
}

export interface Command {
  name: string;
  /** One line for the command list in `scriptlet --help`. */
  summary: string;
  /** Full usage text for `scriptlet <command> --help`. */
  usage: string;
  /** Returns the exit code: 0 success, 1 problems found, 2 usage error, 3 a callout failed (run). */
  run(args: string[], io: CliIo, hooks: CliHooks): Promise<number>;
}

export const EXIT_OK = 0;
export const EXIT_PROBLEMS = 1;
export const EXIT_USAGE = 2;
/** `scriptlet run`: every message ran, but a callout raised an error or returned no code. */
export const EXIT_SCRIPT_ERRORS = 3;
