// Options of the worker-pool engine: the options of an in-thread Policy
// (scripts, search path, engine, tuning) plus how the pool runs. Checked here,
// with exact messages, before any thread starts; the Policy options are
// checked again by openPolicy on the calling thread.

import * as os from 'node:os';
import { UsageError } from '../engine/errors.js';
import { nativeTuning, type PolicyTuning } from '../engine/options.js';
import { MAX_BATCH, type PolicyOptions } from '../engine/policy.js';
import { checkMetricsOption, type MetricsOptions } from '../metrics/engine-metrics.js';
import { resolveRedisOptions, type RedisStateOptions } from '../state/redis-options.js';

export interface EngineOptions extends PolicyOptions {
  /** Worker threads; 0 or absent: os.availableParallelism(). */
  threads?: number;
  /** Seconds between sweeps of idle spare Lua threads in each worker. Default 120. */
  reapInterval?: number;
  /**
   * Seconds a version of the scripts serves before it is re-read and rebuilt
   * (as engine.reload() does); 0: only on reload(). Default 300.
   */
  scriptTtl?: number;
  /** The most calls sent to a worker as one task. Default 64. */
  maxBatch?: number;
  /** How long a batch waits for more calls, in ms; 0 (default): the next turn of the event loop. */
  batchDelayMs?: number;
  /**
   * Batches a worker holds at once: the next is already there when one ends,
   * and while calls of one wait on Node (msys.sleep, msys.dnsLookup) the
   * worker runs another. Default 4.
   */
  tasksPerWorker?: number;
  /** Where the engine reports what it survived (a worker's death, a late call). Default: process.emitWarning. */
  log?: (message: string) => void;
  /** Prometheus metrics (engine.metrics), on a registry given here or a fresh one; false: none. */
  metrics?: MetricsOptions | false;
  /** Redis for series defined with replicate = "cluster": the process's sync loop starts with the engine (docs/scale-out.md). */
  redis?: RedisStateOptions;
  /**
   * Node's options for the worker threads. Default: this process's own
   * (process.execArgv), as Node gives any Worker. A host that runs under a
   * loader its workers do not need (tsx, say: they run the package's
   * compiled JavaScript) can leave it out here.
   */
  workerExecArgv?: string[];
}

/** What the pool runs with, every default filled in. */
export interface PoolSettings {
  threads: number;
  reapInterval: number;
  scriptTtl: number;
  maxBatch: number;
  batchDelayMs: number;
  tasksPerWorker: number;
  log: (message: string) => void;
  metrics: MetricsOptions | false;
  redis: RedisStateOptions | undefined;
  workerExecArgv: string[] | undefined;
}

export const POOL_KEYS = ['threads', 'reapInterval', 'scriptTtl', 'maxBatch', 'batchDelayMs', 'tasksPerWorker', 'log', 'metrics', 'redis', 'workerExecArgv'];
export const DEFAULT_TASKS_PER_WORKER = 4;

export const DEFAULT_REAP_INTERVAL = 120;
export const DEFAULT_SCRIPT_TTL = 300;
export const DEFAULT_MAX_BATCH = 64;
/** setInterval and setTimeout take at most 2^31 - 1 ms. */
const MAX_TIMER_MS = 2 ** 31 - 1;
const MAX_REAP_INTERVAL = Math.floor(MAX_TIMER_MS / 1000);
const MAX_THREADS = 1024;
const MAX_TASKS_PER_WORKER = 256;

function show(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value) : typeof value === 'function' ? 'a function' : String(value);
}

function integerIn(value: unknown, min: number, max: number): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max;
}

function defaultLog(message: string): void {
  process.emitWarning(message, 'ScriptletEngineWarning');
}

/**
 * Splits engine options into the Policy's and the pool's, checking the
 * pool's. The rest goes to openPolicy, which checks it (an unknown option
 * included) with its own messages.
 */
export function readEngineOptions(options: unknown): { policy: PolicyOptions; pool: PoolSettings } {
  if (typeof options !== 'object' || options === null) throw new UsageError('openEngine needs an options object');
  const given = options as Record<string, unknown>;
  const policy: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(given)) if (!POOL_KEYS.includes(key)) policy[key] = value;
  const { threads = 0, reapInterval = DEFAULT_REAP_INTERVAL, scriptTtl = DEFAULT_SCRIPT_TTL, maxBatch = DEFAULT_MAX_BATCH, batchDelayMs = 0 } = given;
  const { tasksPerWorker = DEFAULT_TASKS_PER_WORKER, log = defaultLog } = given;
  if (!integerIn(threads, 0, MAX_THREADS)) {
    throw new UsageError(`options.threads must be an integer from 0 to ${MAX_THREADS} (0: one per CPU), got ${show(threads)}`);
  }
  if (typeof reapInterval !== 'number' || !(reapInterval > 0 && reapInterval <= MAX_REAP_INTERVAL)) {
    throw new UsageError(`options.reapInterval must be a number of seconds above 0 and at most ${MAX_REAP_INTERVAL}, got ${show(reapInterval)}`);
  }
  if (typeof scriptTtl !== 'number' || !(scriptTtl >= 0 && scriptTtl <= MAX_REAP_INTERVAL)) {
    throw new UsageError(`options.scriptTtl must be a number of seconds from 0 (never) to ${MAX_REAP_INTERVAL}, got ${show(scriptTtl)}`);
  }
  if (!integerIn(maxBatch, 1, MAX_BATCH)) {
    throw new UsageError(`options.maxBatch must be an integer from 1 to ${MAX_BATCH}, got ${show(maxBatch)}`);
  }
  if (typeof batchDelayMs !== 'number' || !(batchDelayMs >= 0 && batchDelayMs <= MAX_TIMER_MS)) {
    throw new UsageError(`options.batchDelayMs must be a number of milliseconds from 0 to ${MAX_TIMER_MS}, got ${show(batchDelayMs)}`);
  }
  if (!integerIn(tasksPerWorker, 1, MAX_TASKS_PER_WORKER)) {
    throw new UsageError(`options.tasksPerWorker must be an integer from 1 to ${MAX_TASKS_PER_WORKER}, got ${show(tasksPerWorker)}`);
  }
  if (typeof log !== 'function') throw new UsageError(`options.log must be a function, got ${show(log)}`);
  const { workerExecArgv } = given;
  if (workerExecArgv !== undefined && !(Array.isArray(workerExecArgv) && workerExecArgv.every((a) => typeof a === 'string'))) {
    throw new UsageError(`options.workerExecArgv must be an array of strings (Node's options for the workers), got ${show(workerExecArgv)}`);
  }
  return {
    policy: policy as unknown as PolicyOptions,
    pool: {
      threads: threads === 0 ? os.availableParallelism() : threads,
      reapInterval,
      scriptTtl,
      maxBatch,
      batchDelayMs,
      tasksPerWorker,
      log: log as (message: string) => void,
      metrics: checkMetricsOption(given.metrics),
      redis: given.redis === undefined ? undefined : (resolveRedisOptions(given.redis as RedisStateOptions), given.redis as RedisStateOptions),
      workerExecArgv: workerExecArgv === undefined ? undefined : [...(workerExecArgv as string[])],
    },
  };
}

/** What engine.configure takes: the Policy's tuning, and the sweep interval. */
export interface EngineTuning extends PolicyTuning {
  reapInterval?: number;
}

/** Checks run-time tuning with the messages Policy.configure uses ("tuning.gcPause ..."). */
export function checkEngineTuning(tuning: unknown): { tuning: PolicyTuning; reapInterval: number | undefined } {
  if (typeof tuning !== 'object' || tuning === null) throw new UsageError('configure needs an object of tuning options');
  const { reapInterval, ...rest } = tuning as Record<string, unknown>;
  if (reapInterval !== undefined && (typeof reapInterval !== 'number' || !(reapInterval > 0 && reapInterval <= MAX_REAP_INTERVAL))) {
    throw new UsageError(`tuning.reapInterval must be a number of seconds above 0 and at most ${MAX_REAP_INTERVAL}, got ${show(reapInterval)}`);
  }
  nativeTuning(rest, 'tuning');
  const clean: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(rest)) if (value !== undefined) clean[key] = value;
  return { tuning: clean as PolicyTuning, reapInterval: reapInterval as number | undefined };
}

