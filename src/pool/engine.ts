// The policy engine on a pool of worker threads (piscina). Each worker opens
// its own Policy, so each owns its master Lua state; calls are stateless
// across the thread boundary (the envelope and contexts travel with the call
// and come back in the verdict), so any worker serves any call, and calls
// made close together travel as one task. See docs/threads.md.

import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Piscina } from 'piscina';
import type { ScriptletConfig } from '../config/scriptlet-config.js';
import { UsageError } from '../engine/errors.js';
import { PHASES, phaseIndex, type Phase } from '../engine/phases.js';
import { TUNING_KEYS, type PolicyTuning } from '../engine/options.js';
import { openPolicy } from '../engine/policy.js';
import { readScripts } from '../engine/script-set.js';
import type { CallInput, LogLine } from '../engine/verdict.js';
import type { EngineName } from '../native/addon.js';
import { Batch, CallBatcher, type CallReply } from './batcher.js';
import { checkEngineTuning, readEngineOptions, type EngineOptions, type EngineTuning, type PoolSettings } from './options.js';
import { tempfailVerdict, type PoolVerdict, type TempfailReason } from './pool-verdict.js';
import { isControlHello, type BatchResult, type BatchTask, type PolicySpec, type WorkerSettings, type WorkerSetup, type WorkerStats } from './protocol.js';
import { WorkerControls } from './worker-controls.js';
import { MessageClaims } from './message-claims.js';
import { BlockPool, messageSlot, packMessages } from './wire-inputs.js';
import { decodeVerdicts } from './wire-verdicts.js';
import { EngineMetrics } from '../metrics/engine-metrics.js';

/** Milliseconds close() waits for calls in flight by default. */
export const DEFAULT_CLOSE_DEADLINE_MS = 10_000;
/** After answering every call, how long close() lets workers finish the Lua calls they are in. */
const CLOSE_TIMEOUT_MS = 30_000;

export interface CloseOptions {
  /** When calls still running are answered with a 451: ms from now, or a Date. Default 10 s. */
  deadline?: number | Date;
}

export interface EngineStats {
  engine: EngineName;
  version: string;
  threads: number;
  /** Calls accepted, and the tasks (batches) they went to workers in. */
  calls: number;
  tasks: number;
  /** Calls waiting for a batch to be sent, and batches at a worker. */
  waitingCalls: number;
  tasksInFlight: number;
  /** Calls answered with a 451 because their worker died, or because shutdown's deadline came first. */
  tempfailed: Record<TempfailReason, number>;
  /** Workers that exited without being asked to (piscina started others). */
  workerExits: number;
  /** Errors the pool reported outside any call. */
  poolErrors: number;
  /** Every live worker's figures, by thread id. */
  workers: WorkerStats[];
}

const here = fileURLToPath(import.meta.url);
/** worker.ts beside this file under tsx, worker.js once compiled. */
const WORKER_FILE = path.join(path.dirname(here), 'worker' + path.extname(here));
const FIRST_POLICY = 1;

/** Each engine's piscina pool, for tests and diagnostics only (not exported by the package). */
const POOLS = new WeakMap<Engine, Piscina>();

/** @internal The piscina pool under an engine: its threads, for a test that must end one. */
export function enginePool(engine: Engine): Piscina {
  return POOLS.get(engine)!;
}

function closedError(): UsageError {
  return new UsageError('this engine is closed', 'ERR_SCRIPTLET_CLOSED');
}

export class Engine {
  readonly engine: EngineName;
  readonly engineVersion: string;
  /** The hash of the scripts every call runs under. */
  readonly version: string;
  /** What the scripts printed while loading and in init() (on the calling thread). */
  readonly loadLogs: LogLine[];
  readonly threads: number;
  /** Prometheus metrics (src/metrics), or null when opened with metrics: false. */
  readonly metrics: EngineMetrics | null;
  readonly #settingsOf: PoolSettings;
  readonly #pool: Piscina;
  readonly #controls: WorkerControls;
  readonly #batcher: CallBatcher;
  readonly #claims: MessageClaims | null;
  readonly #blocks: BlockPool;
  readonly #inFlight = new Set<Batch>();
  /** Every task a worker may still be running, answered or not. */
  readonly #running = new Set<Promise<unknown>>();
  readonly #capacity: number;
  readonly #policyId = FIRST_POLICY;
  #settings: WorkerSettings;
  #state: 'open' | 'closing' | 'closed' = 'open';
  #closing: Promise<void> | undefined;
  #whenIdle: (() => void) | undefined;
  #calls = 0;
  #tasks = 0;
  #tempfailed: Record<TempfailReason, number> = { worker: 0, deadline: 0 };
  #workerExits = 0;
  #poolErrors = 0;

  constructor(options: EngineOptions) {
    const { policy: policyOptions, pool } = readEngineOptions(options);
    // The sources are read once, here, and sent as text: every worker runs
    // the very same version even if a file changes meanwhile.
    const scripts = readScripts(policyOptions.scripts).map(({ name, path: file, source }) => (file.startsWith('=') ? { name, source } : { name, path: file, source }));
    // Compiled here first: a script that does not load fails openEngine, not every call.
    const probe = openPolicy({ ...policyOptions, scripts });
    this.engine = probe.engine;
    this.engineVersion = probe.engineVersion;
    this.version = probe.version;
    this.loadLogs = probe.loadLogs;
    probe.close();
    const tuning: Record<string, unknown> = {};
    const spec: Record<string, unknown> = { ...policyOptions, scripts, engine: this.engine };
    for (const key of TUNING_KEYS) {
      if (spec[key] !== undefined) tuning[key] = spec[key];
      delete spec[key];
    }
    this.#settingsOf = pool;
    this.threads = pool.threads;
    this.#settings = { version: 0, tuning: tuning as PolicyTuning, reapInterval: pool.reapInterval };
    this.#claims = pool.transferMessages ? new MessageClaims() : null;
    this.#capacity = pool.threads * pool.tasksPerWorker;
    this.#blocks = new BlockPool(this.#capacity + 2);
    this.#controls = new WorkerControls(
      (threadId) => this.#joined(threadId),
      (threadId) => this.#left(threadId),
    );
    this.#batcher = new CallBatcher({
      maxBatch: pool.maxBatch,
      delayMs: pool.batchDelayMs,
      dispatch: (batch) => this.#dispatch(batch),
      hasCapacity: () => this.#state !== 'closed' && this.#inFlight.size < this.#capacity,
    });
    this.metrics = pool.metrics
      ? new EngineMetrics(pool.metrics, scripts.map((s) => s.name), pool.threads, this, () => ({
          queuedCalls: this.#batcher.waitingCalls,
          tasksInFlight: this.#inFlight.size,
          taskCapacity: this.#capacity,
          workerExits: this.#workerExits,
          tempfailed: this.#tempfailed,
        }))
      : null;
    const setup: WorkerSetup = { policies: [{ id: FIRST_POLICY, spec: spec as unknown as PolicySpec }], settings: this.#settings };
    if (this.metrics) setup.metrics = this.metrics.share;
    this.#pool = new Piscina({
      filename: WORKER_FILE,
      minThreads: pool.threads,
      maxThreads: pool.threads,
      idleTimeout: pool.reapInterval * 1000,
      recordTiming: false,
      concurrentTasksPerWorker: pool.tasksPerWorker,
      // The worker's event loop must run between and during tasks: a call
      // that waits on Node (DNS, a timer) is resumed from it.
      atomics: 'disabled',
      workerData: setup,
      ...(WORKER_FILE.endsWith('.ts') ? { execArgv: ['--import', 'tsx'] } : {}),
    });
    POOLS.set(this, this.#pool);
    this.#pool.on('message', (message: unknown) => {
      if (isControlHello(message)) this.#controls.add(message);
    });
    this.#pool.on('error', (err: Error) => {
      this.#poolErrors++;
      this.#log(`scriptlet: worker pool error: ${err.message}`);
    });
  }

  /** Runs every module's callout for phase on one message, on some worker. */
  run(phase: Phase, input: CallInput = {}): Promise<PoolVerdict> {
    try {
      this.#checkPhase(phase);
      this.#check(input, 0);
      const batch = this.#batcher.batchFor(phase);
      let reply!: CallReply;
      const answer = new Promise<PoolVerdict>((resolve, reject) => (reply = { resolve, reject }));
      batch.add(input, this.#claims, reply);
      this.#calls++;
      this.#batcher.added(batch);
      return answer;
    } catch (err) {
      return Promise.reject(err);
    }
  }

  /** Many calls of one phase, sent as batches of at most maxBatch; verdicts in input order. */
  runBatch(phase: Phase, inputs: CallInput[]): Promise<PoolVerdict[]> {
    try {
      this.#checkPhase(phase);
      if (!Array.isArray(inputs)) throw new UsageError('runBatch needs an array of call inputs');
      inputs.forEach((input, i) => this.#check(input, i));
      const chunks: Promise<PoolVerdict[]>[] = [];
      for (let start = 0; start < inputs.length; start += this.#settingsOf.maxBatch) {
        chunks.push(
          new Promise<PoolVerdict[]>((resolve, reject) => {
            const batch = new Batch(phase, (outcomes) => {
              const failed = outcomes.find((o) => o instanceof Error);
              if (failed) reject(failed);
              else resolve(outcomes as PoolVerdict[]);
            });
            const end = Math.min(inputs.length, start + this.#settingsOf.maxBatch);
            for (let i = start; i < end; i++) batch.add(inputs[i]!, this.#claims);
            this.#calls += batch.size;
            this.#batcher.enqueue(batch);
          }),
        );
      }
      return Promise.all(chunks).then((parts) => parts.flat());
    } catch (err) {
      return Promise.reject(err);
    }
  }

  /**
   * Resolves once every worker has started and opened the policy: the pool
   * starts its threads at once, but each opens its Lua state on its first
   * task otherwise.
   */
  async ready(): Promise<void> {
    if (this.#state !== 'open') throw closedError();
    await this.#controls.untilCount(this.threads);
    const answers = await this.#controls.broadcast({ kind: 'open', policy: this.#policyId });
    for (const [threadId, a] of answers) if (!a.ok) this.#log(`scriptlet: worker ${threadId} could not open the policy: ${a.error.message}`);
  }

  /**
   * Changes tuning on every worker at once; remembered, so a worker started
   * later (or in place of one that died) runs with it too. Resolves when
   * every live worker has applied it.
   */
  async configure(tuning: EngineTuning): Promise<void> {
    if (this.#state !== 'open') throw closedError();
    const checked = checkEngineTuning(tuning);
    this.#settings = {
      version: this.#settings.version + 1,
      tuning: { ...this.#settings.tuning, ...checked.tuning },
      reapInterval: checked.reapInterval ?? this.#settings.reapInterval,
    };
    const answers = await this.#controls.broadcast({ kind: 'settings', settings: this.#settings });
    for (const [threadId, a] of answers) if (!a.ok) this.#log(`scriptlet: worker ${threadId} did not take the new settings: ${a.error.message}`);
  }

  /** The tuning in force (the options', then every configure's). */
  get tuning(): EngineTuning {
    return { ...this.#settings.tuning, reapInterval: this.#settings.reapInterval };
  }

  /** The engine's figures and every live worker's, asked of each worker (none once closed). */
  async stats(): Promise<EngineStats> {
    const answers = this.#state === 'open' ? await this.#controls.broadcast({ kind: 'stats' }) : new Map();
    const workers: WorkerStats[] = [];
    for (const a of answers.values()) if (a.ok) workers.push(a.value as WorkerStats);
    workers.sort((a, b) => a.threadId - b.threadId);
    return {
      engine: this.engine,
      version: this.version,
      threads: this.threads,
      calls: this.#calls,
      tasks: this.#tasks,
      waitingCalls: this.#batcher.waitingCalls,
      tasksInFlight: this.#inFlight.size,
      tempfailed: { ...this.#tempfailed },
      workerExits: this.#workerExits,
      poolErrors: this.#poolErrors,
      workers,
    };
  }

  get closed(): boolean {
    return this.#state !== 'open';
  }

  /**
   * Stops taking calls, lets the calls accepted finish, answers those still
   * running at the deadline with a 451, then stops every worker. Every call
   * is answered exactly once.
   */
  close(options: CloseOptions = {}): Promise<void> {
    if (this.#closing) return this.#closing;
    const deadline = options.deadline ?? DEFAULT_CLOSE_DEADLINE_MS;
    const ms = deadline instanceof Date ? deadline.getTime() - Date.now() : deadline;
    if (typeof ms !== 'number' || Number.isNaN(ms)) {
      return Promise.reject(new UsageError(`options.deadline must be a number of milliseconds or a Date, got ${String(deadline)}`));
    }
    this.#closing = this.#shutdown(ms);
    return this.#closing;
  }

  async #shutdown(ms: number): Promise<void> {
    this.#state = 'closing';
    this.#batcher.flushNow();
    let timer: NodeJS.Timeout | undefined;
    if (!this.#idle()) {
      await new Promise<void>((resolve) => {
        this.#whenIdle = resolve;
        timer = setTimeout(resolve, Math.max(0, ms));
      });
    }
    clearTimeout(timer);
    this.#state = 'closed';
    for (const batch of [...this.#inFlight, ...this.#batcher.takeAll()]) this.#tempfail(batch, 'deadline');
    this.#inFlight.clear();
    // Every caller has its answer. The workers still finish the Lua calls
    // they are in (a thread ended in the middle of one can take the process
    // with it: see docs/threads.md), for at most CLOSE_TIMEOUT_MS, then stop.
    // (piscina's own close() can end a worker whose task still runs.)
    if (this.#running.size > 0) {
      let grace: NodeJS.Timeout | undefined;
      await Promise.race([Promise.allSettled(this.#running), new Promise((r) => (grace = setTimeout(r, CLOSE_TIMEOUT_MS)))]);
      clearTimeout(grace);
      if (this.#running.size > 0) this.#log(`scriptlet: ${this.#running.size} batches still running ${CLOSE_TIMEOUT_MS} ms after the deadline; ending their workers`);
    }
    await this.#pool.destroy();
    this.#controls.closeAll();
  }

  #checkPhase(phase: Phase): void {
    if (this.#state !== 'open') throw closedError();
    if (phaseIndex(phase) === undefined) throw new UsageError(`unknown phase '${String(phase)}': expected one of ${PHASES.join(', ')}`);
  }

  #check(input: CallInput, i: number): void {
    if (typeof input !== 'object' || input === null) throw new UsageError(`call input ${i} must be an object`);
    if (input.message !== undefined) {
      if (!Buffer.isBuffer(input.message)) throw new UsageError(`call input ${i}: message must be a Buffer`);
      this.#claims?.check(input.message);
    }
  }

  #dispatch(batch: Batch): void {
    const writer = batch.writer!;
    const { ints, text } = writer.finish(this.#policyId, this.#settings.version, batch.phase);
    writer.release();
    batch.writer = null;
    const buffers = packMessages(ints, batch.messages, batch.transfer, this.#blocks);
    const task: BatchTask = { ints, text, buffers };
    if (batch.transfer) for (const memory of batch.transfer) this.#claims!.moved(memory);
    this.#inFlight.add(batch);
    this.#tasks++;
    const running: Promise<unknown> = this.#pool.run(task, { transferList: buffers }).then(
      (result: BatchResult) => this.#finished(batch, result, ints),
      (err: Error) => this.#failed(batch, err),
    );
    this.#running.add(running);
    void running.finally(() => this.#running.delete(running));
  }

  #finished(batch: Batch, result: BatchResult, ints: Int32Array): void {
    const returned = result.returned;
    this.#blocks.give(returned[0]);
    if (batch.settled) return;
    this.#inFlight.delete(batch);
    // Moved messages come back: call i's is a view of the buffer it went in.
    const handedBack =
      returned.length <= 1
        ? null
        : (i: number) => {
            const at = messageSlot(i);
            const index = ints[at]!;
            return index > 0 ? Buffer.from(returned[index]!, ints[at + 1], ints[at + 2]) : undefined;
          };
    batch.settle(decodeVerdicts(result, batch.phase, this.version, batch.echoes, handedBack));
    this.#next();
  }

  #failed(batch: Batch, err: Error): void {
    if (batch.settled) return;
    this.#inFlight.delete(batch);
    this.#log(`scriptlet: a worker failed a batch of ${batch.size} ${batch.phase} calls (${err.message}); they are answered with 451`);
    this.#tempfail(batch, 'worker');
    this.#next();
  }

  #tempfail(batch: Batch, reason: TempfailReason): void {
    const verdicts = batch.echoes.map((echo) => tempfailVerdict(batch.phase, echo, this.version));
    if (batch.settle(verdicts)) this.#tempfailed[reason] += batch.size;
  }

  #next(): void {
    this.#batcher.pump();
    if (this.#whenIdle && this.#idle()) this.#whenIdle();
  }

  #idle(): boolean {
    return this.#inFlight.size === 0 && this.#batcher.waitingCalls === 0;
  }

  /** A worker started (or replaced one): it gets the settings in force before anything else. */
  #joined(threadId: number): void {
    if (this.#settings.version === 0) return;
    this.#controls.request(threadId, { kind: 'settings', settings: this.#settings }).catch((err: Error) => {
      this.#log(`scriptlet: worker ${threadId} did not take the settings: ${err.message}`);
    });
  }

  /** A worker's thread ended. Unasked (the engine is open), piscina starts another. */
  #left(threadId: number): void {
    this.metrics?.workerLeft(threadId);
    if (this.#state !== 'open') return;
    this.#workerExits++;
    this.#log(`scriptlet: worker ${threadId} exited; the pool starts another`);
  }

  #log(message: string): void {
    this.#settingsOf.log(message);
  }
}

/** Loads the scripts (compiling them once here), and starts the workers. */
export function openEngine(options: EngineOptions): Engine {
  return new Engine(options);
}

/** An Engine from a loaded `scriptlet` configuration scope. */
export function engineFromConfig(config: ScriptletConfig, options: { engine?: EngineName; log?: (message: string) => void } = {}): Engine {
  const o = config.options;
  return openEngine({
    scripts: config.scripts.map((s) => ({ name: s.name, path: s.path })),
    searchPath: config.searchPath,
    gcPause: o.gcPause,
    gcStepmul: o.gcStepmul,
    alwaysGc: o.alwaysGc,
    maxSparePerMaster: o.maxSparePerMaster,
    maxUsesPerThread: o.maxUsesPerThread,
    onError: o.onError,
    threads: o.threads,
    reapInterval: o.reapInterval,
    ...options,
  });
}
