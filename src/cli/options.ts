// A command's options: node's parseArgs, with its messages said plainly
// (an unknown option by name, with the nearest known one), and the one way a
// usage error is printed: the problem, the command's usage line, and where
// the full help is.

import * as path from 'node:path';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { didYouMean } from '../config/closest-name.js';
import { parseListenAddress, type ListenAddress } from '../server/listener-config.js';
import { EXIT_OK, EXIT_USAGE } from './command.js';
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

/** The help of the shared flags but --control-socket, whose default each command says. */
export const SERVER_FLAGS_HELP = `  --drain-deadline SECONDS  how long shutdown lets transactions finish (default 10)
  --metrics-listen ADDR     serve /metrics for Prometheus there (default: Metrics_Listener, else none)
  --engine NAME             luajit or lua51 (default: the default build)
  -h, --help
`;

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

/** Answers a command line that asked for help (the usage, exit 0) or was wrong (the problem and the usage line, exit 2). */
export function helpOrUsageError(a: 'help' | string, io: CliIo, name: string, usage: string): number {
  if (a === 'help') {
    io.stdout.write(usage);
    return EXIT_OK;
  }
  return usageError(io, name, usage, a);
}

export interface ServerArgs<L> extends ServerFlags {
  conf: string;
  listen?: L[];
  /** Every option's value, for the command's own. */
  values: Record<string, string | boolean | string[] | undefined>;
}

/**
 * `scriptlet serve|milter <conf> [--listen ADDR]... [shared flags] [own
 * options]`: the configuration file, the addresses read by parseListen,
 * the shared flags; 'help', or the problem.
 */
export function parseServerArgs<L>(args: string[], cwd: string, parseListen: (text: string) => L | string, own: Record<string, { type: 'string' }> = {}): ServerArgs<L> | 'help' | string {
  const parsed = parseOptions({ args, allowPositionals: true, options: { listen: { type: 'string', multiple: true }, ...SERVER_FLAGS, ...own } });
  if (isUsageProblem(parsed)) return parsed.problem;
  const v = parsed.values as ServerArgs<L>['values'] & { listen?: string[]; help?: boolean };
  if (v.help) return 'help';
  if (parsed.positionals.length !== 1) return 'expected one configuration file';
  const shared = readServerFlags(v as Parameters<typeof readServerFlags>[0], cwd);
  if (isUsageProblem(shared)) return shared.problem;
  const out: ServerArgs<L> = { conf: path.resolve(cwd, parsed.positionals[0]!), ...shared, values: v };
  if (v.listen) {
    out.listen = [];
    for (const text of v.listen) {
      const a = parseListen(text);
      if (typeof a === 'string') return `--listen: ${a}`;
      out.listen.push(a);
    }
  }
  return out;
}

/** The shared flags as the servers' options take them. */
export function serverOptions(a: ServerFlags): Omit<ServerFlags, 'engine'> {
  return {
    ...(a.controlSocket !== undefined ? { controlSocket: a.controlSocket } : {}),
    ...(a.metricsListen !== undefined ? { metricsListen: a.metricsListen } : {}),
    ...(a.drainDeadlineMs !== undefined ? { drainDeadlineMs: a.drainDeadlineMs } : {}),
  };
}
