// A command's options: node's parseArgs, with its messages said plainly
// (an unknown option by name, with the nearest known one), and the one way a
// usage error is printed: the problem, the command's usage line, and where
// the full help is.

import * as path from 'node:path';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { didYouMean } from '../config/closest-name.js';
import { parseListenAddress, type ListenAddress } from '../server/listener-config.js';
import { EXIT_USAGE } from './command.js';
import type { CliIo } from './io.js';

type Config = ParseArgsConfig & { options: NonNullable<ParseArgsConfig['options']> };

/** A command line that does not parse: what to tell the user. */
export interface UsageProblem {
  problem: string;
}

/** parseArgs(config), or the problem in our words. */
export function parseOptions<T extends Config>(config: T): ReturnType<typeof parseArgs<T>> | UsageProblem {
  try {
    return parseArgs(config);
  } catch (err) {
    return { problem: plainMessage(err as Error & { code?: string }, Object.keys(config.options)) };
  }
}

export function isUsageProblem(x: unknown): x is UsageProblem {
  return typeof x === 'object' && x !== null && 'problem' in x;
}

function plainMessage(err: Error & { code?: string }, longNames: string[]): string {
  if (err.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
    const flag = /^Unknown option '([^']+)'/.exec(err.message)?.[1];
    if (flag !== undefined) {
      // Compared without the dashes, which every long option shares.
      const hint = flag.startsWith('--') ? didYouMean(flag.slice(2), longNames, (near) => `--${near}`) : '';
      return `unknown option '${flag}'${hint}`;
    }
  }
  if (err.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
    const missing = /^Option '(?:-\w, )?(--[^ ']+) <value>' argument missing/.exec(err.message);
    if (missing) return `option '${missing[1]}' needs a value`;
    const extra = /^Option '(?:-\w, )?(--[^ ']+)' does not take an argument/.exec(err.message);
    if (extra) return `option '${extra[1]}' takes no value`;
  }
  return err.message;
}

/**
 * Prints `scriptlet NAME: PROBLEM`, the command's usage line and where its
 * options are described, on stderr; returns the usage exit status.
 */
export function usageError(io: CliIo, name: string, usage: string, problem: string): number {
  const usageLine = usage.slice(0, usage.indexOf('\n'));
  io.stderr.write(`scriptlet ${name}: ${problem}\n${usageLine}\nRun 'scriptlet ${name} --help' for its options.\n`);
  return EXIT_USAGE;
}

/** The flags `scriptlet serve` and `scriptlet milter` share, for parseOptions. */
export const SERVER_FLAGS = {
  'control-socket': { type: 'string' },
  'drain-deadline': { type: 'string' },
  'metrics-listen': { type: 'string' },
  engine: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

export interface ServerFlags {
  controlSocket?: string;
  metricsListen?: ListenAddress;
  drainDeadlineMs?: number;
  engine?: string;
}

/** The shared flags' values, checked; or the problem. */
export function readServerFlags(v: { 'control-socket'?: string; 'drain-deadline'?: string; 'metrics-listen'?: string; engine?: string }, cwd: string): ServerFlags | UsageProblem {
  const out: ServerFlags = {};
  if (v['metrics-listen'] !== undefined) {
    const a = parseListenAddress(v['metrics-listen']);
    if (typeof a === 'string') return { problem: `--metrics-listen: ${a}` };
    out.metricsListen = { ...a, origin: 'flag' };
  }
  if (v['control-socket'] !== undefined) out.controlSocket = path.resolve(cwd, v['control-socket']);
  if (v['drain-deadline'] !== undefined) {
    const s = Number(v['drain-deadline']);
    if (!/^[0-9]+(\.[0-9]+)?$/.test(v['drain-deadline']) || !Number.isFinite(s)) return { problem: `--drain-deadline expects a number of seconds, found ${JSON.stringify(v['drain-deadline'])}` };
    out.drainDeadlineMs = s * 1000;
  }
  if (v.engine !== undefined) out.engine = v.engine;
  return out;
}
