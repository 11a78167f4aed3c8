// `scriptlet check <conf>`: validates a configuration and (through a hook the
// engine provides) compiles every script.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { bindingReferences, unknownBindingMessage } from '../config/bindings.js';
import { ConfigError, type Problem } from '../config/errors.js';
import { loadScriptletConfig, type ScriptletConfig } from '../config/scriptlet-config.js';
import { EXIT_OK, EXIT_PROBLEMS, type CliHooks, type Command } from './command.js';
import { policyEditorProblems } from '../editor/check-generated.js';
import { formatCheckJson, formatCheckReport, formatProblems } from './check-report.js';
import type { CliIo } from './io.js';
import { isUsageProblem, parseOptions, usageError } from './options.js';

export interface CheckResult {
  /** The configuration, when it loaded (even if a script failed to compile). */
  config: ScriptletConfig | null;
  /** Every problem found; empty when the check passed. */
  problems: Problem[];
}

/** Loads `conf`, then compiles each script through `hooks.compileScript`. */
export async function check(conf: string, hooks: CliHooks = {}): Promise<CheckResult> {
  let config: ScriptletConfig;
  try {
    config = loadScriptletConfig(conf);
  } catch (err) {
    if (err instanceof ConfigError) return { config: null, problems: err.problems };
    throw err;
  }
  const problems: Problem[] = [];
  if (hooks.compileScript) {
    for (const script of config.scripts) problems.push(...(await hooks.compileScript(script, config)));
  }
  problems.push(...unknownBindings(config));
  problems.push(...policyEditorProblems(config));
  return { config, problems };
}

/** The literal msg:binding("x") / msg:binding_group("x") of the scripts that name no configured binding or group. */
function unknownBindings(config: ScriptletConfig): Problem[] {
  const problems: Problem[] = [];
  for (const script of config.scripts) {
    let source: string;
    try {
      source = fs.readFileSync(script.path, 'utf8');
    } catch {
      continue;  // compileScript reports an unreadable script
    }
    for (const ref of bindingReferences(source)) {
      const message = unknownBindingMessage(ref, config);
      if (message) problems.push({ file: script.path, line: ref.line, col: ref.col, message });
    }
  }
  return problems;
}

const USAGE = `usage: scriptlet check [--json] <conf>

Validates a configuration file (and everything it includes): syntax, the
scriptlet scope's options, the binding and binding_group scopes, that every
script's source is found and compiles, and that the names scripts pass to
msg:binding("...") and msg:binding_group("...") are configured.
Prints the options in force, where each was set, and the scripts resolved.

  --json    print the result as one JSON object
  -h, --help

Exit status: 0 when valid; 1 with one "file:line:col: message" line per
problem on stderr; 2 on a usage error.
`;

export const checkCommand: Command = {
  name: 'check',
  summary: 'validate a configuration and its scripts',
  usage: USAGE,
  async run(args: string[], io: CliIo, hooks: CliHooks): Promise<number> {
    const parsed = parseOptions({ args, allowPositionals: true, options: { json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } } });
    if (isUsageProblem(parsed)) return usageError(io, 'check', USAGE, parsed.problem);
    if (parsed.values.help) {
      io.stdout.write(USAGE);
      return EXIT_OK;
    }
    if (parsed.positionals.length !== 1) return usageError(io, 'check', USAGE, `expected one configuration file, got ${parsed.positionals.length}`);
    const conf = path.resolve(io.cwd, parsed.positionals[0] as string);
    const result = await check(conf, hooks);
    if (parsed.values.json) io.stdout.write(formatCheckJson(result));
    if (result.problems.length > 0) {
      io.stderr.write(formatProblems(result.problems, io.cwd));
      return EXIT_PROBLEMS;
    }
    if (!parsed.values.json) io.stdout.write(formatCheckReport(result.config as ScriptletConfig, io.cwd));
    return EXIT_OK;
  },
};
