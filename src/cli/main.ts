#!/usr/bin/env node
// `scriptlet <command> [args]`: the command-line entry point. Each command
// lives in its own module; this file only dispatches.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { didYouMean } from '../config/closest-name.js';
import { findPackageRoot } from '../config/package-root.js';
import { checkCommand } from './check.js';
import { compileScript } from './compile-script.js';
import { runCommand } from './run.js';
import { serveCommand } from './serve.js';
import { milterCommand } from './milter.js';
import { consoleCommand } from './console.js';
import { editorCommand } from './editor.js';
import { EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE, type CliHooks, type Command } from './command.js';
import { processIo, type CliIo } from './io.js';

/** The commands, in the order `--help` lists them. */
export const COMMANDS: readonly Command[] = [checkCommand, runCommand, serveCommand, milterCommand, consoleCommand, editorCommand];

export function usage(commands: readonly Command[] = COMMANDS): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  const list = commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`).join('\n');
  return `usage: scriptlet <command> [options]

commands:
${list}

Run 'scriptlet <command> --help' for a command's options.
  -h, --help     show this help
  -v, --version  show the version
`;
}

/** Runs the command line `argv` (without node and the script); returns the exit code. */
export async function main(argv: readonly string[], io: CliIo = processIo(), hooks: CliHooks = {}): Promise<number> {
  const [name, ...args] = argv;
  if (name === undefined) {
    io.stderr.write(usage());
    return EXIT_USAGE;
  }
  if (name === '-h' || name === '--help' || name === 'help') {
    io.stdout.write(usage());
    return EXIT_OK;
  }
  if (name === '-v' || name === '--version') {
    io.stdout.write(`${packageVersion()}\n`);
    return EXIT_OK;
  }
  const command = COMMANDS.find((c) => c.name === name);
  if (!command) {
    io.stderr.write(`scriptlet: unknown command '${name}'${didYouMean(name, COMMANDS.map((c) => c.name))}\n\n${usage()}`);
    return EXIT_USAGE;
  }
  try {
    return await command.run(args, io, hooks);
  } catch (err) {
    io.stderr.write(`scriptlet ${name}: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    return EXIT_PROBLEMS;
  }
}

function packageVersion(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const pkg = JSON.parse(fs.readFileSync(path.join(findPackageRoot(here), 'package.json'), 'utf8')) as { version?: string };
  return pkg.version ?? 'unknown';
}

/** True when this file is the program node was started with (also via a bin link). */
function isEntryPoint(): boolean {
  const script = process.argv[1];
  if (script === undefined) return false;
  try {
    return fs.realpathSync(script) === fs.realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false; // argv[1] is not a file (e.g. `node -e`): imported, not run
  }
}

if (isEntryPoint()) {
  process.exitCode = await main(process.argv.slice(2), processIo(), { compileScript });
}
