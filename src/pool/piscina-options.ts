// How the engine's Piscina is made: one worker per thread for the engine's
// life, and the Node options its workers start with.

import type { Piscina } from 'piscina';
import { UsageError } from '../engine/errors.js';
import type { PoolSettings } from './options.js';
import type { WorkerSetup } from './protocol.js';

type PiscinaOptions = NonNullable<ConstructorParameters<typeof Piscina>[0]>;

export function piscinaOptions(workerFile: string, pool: PoolSettings, setup: WorkerSetup): PiscinaOptions {
  return {
    filename: workerFile,
    minThreads: pool.threads,
    maxThreads: pool.threads,
    idleTimeout: pool.reapInterval * 1000,
    recordTiming: false,
    // The worker's event loop must run between and during tasks: a call
    // that waits on Node (DNS, a timer) is resumed from it. (Batches come
    // through each worker's control port, not piscina.run: see #dispatch.)
    atomics: 'disabled',
    workerData: setup,
    ...workerNodeOptions(workerFile, pool.workerExecArgv),
  };
}

/**
 * The workers' Node options: those given, else the process's (Piscina's
 * default, as for any Worker). Run from src/ (under tsx), the worker file
 * is TypeScript: tsx is added, from where this package found it, whatever
 * the working directory.
 */
export function workerNodeOptions(workerFile: string, given: string[] | undefined): { execArgv?: string[] } {
  if (!workerFile.endsWith('.ts')) return given ? { execArgv: given } : {};
  return { execArgv: [...(given ?? []), '--import', import.meta.resolve('tsx')] };
}

/** What new Piscina threw, said as the option that caused it when Node refused the workers' options. */
export function poolStartError(err: unknown): unknown {
  if ((err as { code?: unknown } | null)?.code !== 'ERR_WORKER_INVALID_EXEC_ARGV') return err;
  return new UsageError(`options.workerExecArgv: ${(err as Error).message}`);
}
