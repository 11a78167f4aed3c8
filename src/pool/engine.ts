// The policy engine on a pool of worker threads (piscina). Each worker opens
// its own Policy, so each owns its master Lua state; calls are stateless
// across the thread boundary (the envelope and contexts travel with the call
// and come back in the verdict), so any worker serves any call, and calls
// made close together travel as one task. See docs/threads.md.

import { EventEmitter } from 'node:events';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Piscina } from 'piscina';
import { ScriptletError, UsageError } from '../engine/errors.js';
import { checkCallInput, type ScriptSpec } from '../engine/policy.js';
import { PHASES, phaseIndex, type Phase } from '../engine/phases.js';
import type { CallInput, LogLine } from '../engine/verdict.js';
import { loadAddon, type EngineName } from '../native/addon.js';
import type { NativeAddon } from '../native/types.js';
import { Batch, CallBatcher, type CallReply } from './batcher.js';
import { SlotList } from './slot-list.js';
import { SPIN_MAX_CALLS } from './channel.js';
import { checkEngineTuning, readEngineOptions, type EngineOptions, type EngineTuning, type PoolSettings } from './options.js';
import { piscinaOptions, poolStartError } from './piscina-options.js';
import { tempfailVerdict, type PoolVerdict, type TempfailReason } from './pool-verdict.js';
import { isControlHello, type SentBatchResult, type WorkerSettings, type WorkerSetup, type WorkerStats } from './protocol.js';
import { WorkerControls, type TaskReply } from './worker-controls.js';
import type { EngineStats } from './engine-stats.js';
import { PolicyVersions, type PolicyVersion } from './policy-versions.js';
import { buildVersion, tuningOf, type Alert, type ReloadResult } from './reload.js';
import { LAYOUT } from './wire-inputs.js';
import { decodeVerdicts } from './wire-verdicts.js';
import type { ScriptConsole } from '../engine/suspension.js';
import { EngineMetrics } from '../metrics/engine-metrics.js';
import { readSharedStateStats, type SharedStateStats } from '../metrics/shared-state-metrics.js';
import { acquireRedisSync } from '../state/redis-sync.js';

/** Milliseconds close() waits for calls in flight by default. */
export const DEFAULT_CLOSE_DEADLINE_MS = 10_000;
/** After answering every call, how long close() lets workers finish the Lua calls they are in. */
const CLOSE_TIMEOUT_MS = 30_000;

export interface CloseOptions {
  /** When calls still running are answered with a 451: ms from now, or a Date. Default 10 s. */
  deadline?: number | Date;
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

/**
 * Events: 'reload' (a ReloadResult, after each reload, good or bad; with
 * engine.version, when the new version starts serving) and
 * 'alert' (an Alert: something an operator must hear of, such as a reload
 * that failed while the old policy keeps serving). Alerts are logged too.
 */
export class Engine extends EventEmitter {
  readonly engine: EngineName;
  readonly engineVersion: string;
  readonly threads: number;
  #policyOptions: EngineOptions;
  readonly #versions: PolicyVersions;
  #reloading: Promise<ReloadResult> | undefined;
  #ttlTimer: NodeJS.Timeout | undefined;
  /** Prometheus metrics (src/metrics), or null when opened with metrics: false. */
  readonly metrics: EngineMetrics | null;
  readonly #settingsOf: PoolSettings;
  readonly #pool: Piscina;
  readonly #controls: WorkerControls;
  readonly #batcher: CallBatcher;
  /** The addon, in this thread: it finds where each message's bytes are. */
  readonly #addon: NativeAddon;
  readonly #inFlight = new SlotList<Batch>();
  /** The batch of every task a worker may still be running, answered or not. */
  readonly #running = new SlotList<Batch>();
  /** Shutdown waits for the last task to end. */
  #noneRunning: (() => void) | undefined;
  readonly #capacity: number;
  #settings: WorkerSettings;
  #state: 'open' | 'closing' | 'closed' = 'open';
  #closing: Promise<void> | undefined;
  #whenIdle: (() => void) | undefined;
  #calls = 0;
  #tasks = 0;
  #tempfailed: Record<TempfailReason, number> = { worker: 0, deadline: 0 };
  #workerExits = 0;
  #poolErrors = 0;
  /** The process's Redis sync loop, joined while this engine is open (options.redis). */
  readonly #stateSync: ReturnType<typeof acquireRedisSync> | undefined;
  /** No worker runs and piscina starts none (they failed as they started): calls are answered with 451 at once. */
  #workerless = false;

  constructor(options: EngineOptions) {
    super();
    const { policy: policyOptions, pool } = readEngineOptions(options);
    this.#policyOptions = policyOptions;
    // Before any script's init runs: series defined with replicate = "cluster" see Redis configured.
    this.#stateSync = pool.redis
      ? acquireRedisSync(pool.redis, policyOptions.engine, { log: (line) => pool.log(line), alert: (message) => this.#alert({ kind: 'state_backend', message }) })
      : undefined;
    const tuning = tuningOf(policyOptions);
    // Built here first: a script that does not load fails openEngine, not every call.
    let first: ReturnType<typeof buildVersion>;
    try {
      first = buildVersion(policyOptions, tuning);
    } catch (err) {
      void this.#stateSync?.release();
      throw err;
    }
    this.engine = first.spec.engine;
    this.engineVersion = first.engineVersion;
    this.#versions = new PolicyVersions({ id: FIRST_POLICY, ...first });
    this.#settingsOf = pool;
    this.threads = pool.threads;
    this.#settings = { version: 0, tuning, reapInterval: pool.reapInterval };
    this.#addon = loadAddon(this.engine);
    this.#capacity = pool.threads * pool.tasksPerWorker;
    this.#controls = new WorkerControls(
      (threadId) => this.#joined(threadId),
      (threadId) => this.#left(threadId),
    );
    this.#batcher = new CallBatcher({
      maxBatch: pool.maxBatch,
      delayMs: pool.batchDelayMs,
      dispatch: (batch) => this.#dispatch(batch),
      hasCapacity: () => this.#state !== 'closed' && this.#controls.hasRoom(pool.tasksPerWorker),
      // Calls that wait while no worker has joined yet keep the process up
      // until one does; when none can start, they are answered at once.
      starved: () => (this.#workerless ? this.#answerWithoutWorkers() : this.#controls.holdOpenForCalls()),
      idle: () => this.#inFlight.size === 0,
    });
    this.metrics = pool.metrics
      ? new EngineMetrics(pool.metrics, first.spec.scripts.map((s) => s.name), pool.threads, this, () => ({
          queuedCalls: this.#batcher.waitingCalls,
          tasksInFlight: this.#inFlight.size,
          taskCapacity: this.#capacity,
          workerExits: this.#workerExits,
          tempfailed: this.#tempfailed,
        }))
      : null;
    this.metrics?.watchDatasources((policyOptions.datasources ?? []).map((d) => d.name));
    const setup: WorkerSetup = { policies: [{ id: FIRST_POLICY, spec: first.spec }], settings: this.#settings };
    if (this.metrics) setup.metrics = this.metrics.share;
    try {
      this.#pool = new Piscina(piscinaOptions(WORKER_FILE, pool, setup));
    } catch (err) {
      void this.#stateSync?.release();
      throw poolStartError(err);
    }
    POOLS.set(this, this.#pool);
    this.#pool.on('message', (message: unknown) => {
      if (isControlHello(message)) this.#controls.add(message);
    });
    // Piscina learns of a worker's exit before its control port closes: the
    // engine forgets it at once (an exited thread's id reads -1), so that no
    // batch goes to it in between.
    this.#pool.on('workerDestroy', () => this.#controls.keepOnly(new Set(this.#pool.threads.map((w) => w.threadId))));
    this.#pool.on('error', (err: Error) => {
      this.#poolErrors++;
      this.#log(`scriptlet: worker pool error: ${err.message}`);
      this.#checkWorkersLeft();
    });
    this.#armScriptTtl();
  }

  /** The hash of the scripts new calls run under (each verdict says its own). */
  get version(): string {
    return this.#versions.current.version;
  }

  /** What the serving version's scripts printed while loading and in init() (on the calling thread). */
  get loadLogs(): LogLine[] {
    return this.#versions.current.loadLogs;
  }

  /** Master Lua states open on workers: the serving version's, and older ones' still finishing calls. */
  get masters(): { live: number; retiring: number } {
    return this.#versions.masters;
  }

  /**
   * Rebuilds the policy from the current sources: the scripts are read and
   * loaded (init() run) here, then on every worker; only when all of that
   * works do new calls go to the new version. Calls already sent finish on
   * the old one, whose masters close when its last call ends. On failure the
   * old version keeps serving, and an alert is raised. Never rejects for a
   * bad script: the result says what happened. One reload at a time; a
   * reload asked for during another shares its result. options.scripts:
   * build the new version from these scripts instead (the policy editor's
   * save, which may add a module); they stay the engine's scripts only if
   * the new version serves.
   */
  reload(options: { scripts?: ScriptSpec[] } = {}): Promise<ReloadResult> {
    if (this.#state !== 'open') return Promise.reject(closedError());
    // New scripts (the policy editor added its stanza) wait for a reload in progress, then get their own.
    if (options.scripts) return this.#reloadWith(options.scripts);
    this.#reloading ??= this.#rebuild().finally(() => {
      this.#reloading = undefined;
      this.#armScriptTtl();
    });
    return this.#reloading;
  }

  /** Runs every module's callout for phase on one message, on some worker. */
  run(phase: Phase, input: CallInput = {}): Promise<PoolVerdict> {
    try {
      this.#checkPhase(phase);
      checkCallInput(input, 0);
      const batch = this.#batcher.batchFor(phase);
      let reply!: CallReply;
      const answer = new Promise<PoolVerdict>((resolve, reject) => (reply = { resolve, reject }));
      batch.add(input, reply);
      this.#calls++;
      this.#batcher.added(batch);
      // A batch is not pumped before it is full or due: without workers, answer now.
      if (this.#workerless) this.#answerWithoutWorkers();
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
      inputs.forEach((input, i) => checkCallInput(input, i));
      const maxBatch = this.#settingsOf.maxBatch;
      const chunk = (start: number) =>
        new Promise<PoolVerdict[]>((resolve, reject) => {
          const batch = new Batch(phase, (outcomes) => {
            const failed = firstError(outcomes);
            if (failed) reject(failed);
            else resolve(outcomes as PoolVerdict[]);
          });
          const end = Math.min(inputs.length, start + maxBatch);
          for (let i = start; i < end; i++) batch.add(inputs[i]!);
          this.#calls += batch.size;
          this.#batcher.enqueue(batch);
        });
      const chunks: Promise<PoolVerdict[]>[] = [];
      for (let start = 0; start < inputs.length; start += maxBatch) chunks.push(chunk(start));
      // One chunk is answered as it is: no Promise.all, no flat.
      return chunks.length === 1 ? chunks[0]! : Promise.all(chunks).then((parts) => parts.flat());
    } catch (err) {
      return Promise.reject(err);
    }
  }

  /**
   * Resolves once every worker has started and opened the policy: the pool
   * starts its threads at once, but each opens its Lua state on its first
   * task otherwise. Rejects when no worker can start, or the engine closes
   * first.
   */
  async ready(): Promise<void> {
    if (this.#state !== 'open') throw closedError();
    if (this.#workerless) throw new ScriptletError('ERR_SCRIPTLET_WORKER_EXIT', 'no worker is running and none could start');
    await this.#controls.untilCount(this.threads);
    const current = this.#versions.current;
    const answers = await this.#controls.broadcast({ kind: 'open', policy: current.id });
    for (const [threadId, a] of answers) {
      if (a.ok) current.openOn.add(threadId);
      else this.#log(`scriptlet: worker ${threadId} could not open the policy: ${a.error.message}`);
    }
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

  /**
   * Where the scripts' msys.config lines go (engineFromConfig sets the
   * console's config get/set on the configuration); none: nil and why.
   */
  setScriptConsole(console: ScriptConsole | undefined): void {
    this.#controls.scriptConsole = console;
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

  /** @internal The process's shared store and msys.cidr figures, read from this thread's addon (the metrics read them at scrape time). */
  sharedStateStats(): SharedStateStats {
    const stats = readSharedStateStats(this.#addon);
    return this.#stateSync ? { ...stats, backend: this.#stateSync.sync.stats() } : stats;
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
    clearTimeout(this.#ttlTimer);
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
    for (const batch of [...this.#inFlight.toArray(), ...this.#batcher.takeAll()]) this.#tempfail(batch, 'deadline');
    this.#inFlight.clear();
    // Every caller has its answer. The workers still finish the Lua calls
    // they are in (see docs/threads.md), for at most CLOSE_TIMEOUT_MS, then stop.
    // (piscina's own close() can end a worker whose task still runs.)
    if (this.#running.size > 0) {
      let grace: NodeJS.Timeout | undefined;
      await Promise.race([new Promise<void>((r) => (this.#noneRunning = r)), new Promise((r) => (grace = setTimeout(r, CLOSE_TIMEOUT_MS)))]);
      this.#noneRunning = undefined;
      clearTimeout(grace);
      if (this.#running.size > 0) this.#log(`scriptlet: ${this.#running.size} batches still running ${CLOSE_TIMEOUT_MS} ms after the deadline; ending their workers`);
    }
    await this.#pool.destroy();
    this.#controls.closeAll();
    await this.#stateSync?.release();
  }

  #checkPhase(phase: Phase): void {
    if (this.#state !== 'open') throw closedError();
    if (phaseIndex(phase) === undefined) throw new UsageError(`unknown phase '${String(phase)}': expected one of ${PHASES.join(', ')}`);
  }

  #dispatch(batch: Batch): void {
    const version = this.#versions.current;
    // The worker writes the verdicts into the task's ints, which it shares
    // with this thread: the batch holds them, and the writer, until the
    // task has ended (batch.ended()).
    const task = batch.writer!.finish(version.id, this.#settings.version, batch.phase);
    // The worker reads each message where it is: the batch holds the
    // Buffers until the task has ended, answered or not (see #running).
    this.#addon.messageAddresses(task.ints, task.messagesAt, LAYOUT, ...task.messages);
    batch.sent(version, task.ints, task.verdictsAt);
    this.#inFlight.add(batch);
    this.#tasks++;
    this.#versions.taskSent(version);
    // Through the worker's control port, not piscina.run: piscina's
    // per-task machinery cost the calling thread 14 us a task and left
    // objects that outlived it, so that every young-generation GC copied
    // megabytes (docs/threads.md). Piscina keeps the threads.
    this.#running.add(batch);
    const viaChannel = this.#controls.runTask(task, this.#taskReply, batch);
    // A lone small batch (a single call on an idle pool) is waited for spinning.
    this.#controls.awaitAnswers(viaChannel && this.#inFlight.size === 1 && batch.size <= SPIN_MAX_CALLS);
  }

  // How a sent batch hears of its end (one for all: no closure per batch).
  readonly #taskReply: TaskReply<Batch> = {
    answered: (batch, result) => {
      this.#finished(batch, result);
      this.#taskEnded(batch);
    },
    failed: (batch, err) => {
      this.#failed(batch, err);
      this.#taskEnded(batch);
    },
  };

  /** A batch's task has ended, answered or not: its writer and messages are let go, and its version may retire. */
  #taskEnded(batch: Batch): void {
    const version = batch.version!;
    batch.ended();
    this.#running.delete(batch);
    if (this.#running.size === 0) this.#noneRunning?.();
    const done = this.#versions.taskEnded(version);
    if (done) void this.#retire(done);
  }

  #finished(batch: Batch, result: SentBatchResult): void {
    if (batch.settled) return;
    this.#inFlight.delete(batch);
    batch.settle(decodeVerdicts(result, batch.ints!, batch.verdictsAt, batch.phase, batch.version!.version, batch.writer!));
    this.#next();
  }

  #failed(batch: Batch, err: Error): void {
    if (batch.settled) return;
    this.#inFlight.delete(batch);
    this.#log(`scriptlet: a worker failed a batch of ${batch.size} ${batch.phase} calls (${err.message}); they are answered with 451`);
    this.#tempfail(batch, 'worker', batch.version!.version);
    this.#next();
  }

  #tempfail(batch: Batch, reason: TempfailReason, version = this.version): void {
    // A settled batch may have let go of its writer (its task ended).
    if (batch.settled) return;
    const writer = batch.writer!;
    const verdicts = Array.from({ length: writer.count }, (_, i) => tempfailVerdict(batch.phase, writer.given(i), version));
    if (batch.settle(verdicts)) this.#tempfailed[reason] += verdicts.length;
  }

  #next(): void {
    this.#batcher.pump();
    if (this.#whenIdle && this.#idle()) this.#whenIdle();
  }

  #idle(): boolean {
    return this.#inFlight.size === 0 && this.#batcher.waitingCalls === 0;
  }

  /**
   * A worker started (or replaced one): it gets the settings in force and the
   * versions built since the pool started, before anything else (its
   * workerData holds only the first).
   */
  #joined(threadId: number): void {
    this.#workerless = false;
    const warn = (what: string) => (err: Error) => this.#log(`scriptlet: worker ${threadId} did not take ${what}: ${err.message}`);
    if (this.#settings.version > 0) this.#controls.request(threadId, { kind: 'settings', settings: this.#settings }).catch(warn('the settings'));
    for (const v of this.#versions.live) {
      if (v.id !== FIRST_POLICY) this.#controls.request(threadId, { kind: 'policy', policy: v.id, spec: v.spec }).catch(warn(`policy ${v.id}`));
    }
    // Batches waiting for a worker go now, after those on the same port.
    this.#batcher.pump();
  }

  /**
   * After a pool error: when no worker is left and piscina starts no other
   * (it gives up on workers that fail as they start), nothing would ever
   * run the calls waiting, nor those to come: they are answered with a 451
   * until a worker joins again.
   */
  #checkWorkersLeft(): void {
    if (this.#state !== 'open' || this.#controls.size > 0 || this.#pool.threads.length > 0) return;
    this.#workerless = true;
    this.#log('scriptlet: no worker is running and none could start; calls are answered with 451');
    this.#answerWithoutWorkers();
    this.#controls.stopWaiting(new ScriptletError('ERR_SCRIPTLET_WORKER_EXIT', 'no worker is running and none could start'));
  }

  #answerWithoutWorkers(): void {
    for (const batch of this.#batcher.takeAll()) this.#tempfail(batch, 'worker');
  }

  /** A worker's thread ended. Unasked (the engine is open), piscina starts another. */
  #left(threadId: number): void {
    this.#versions.workerLeft(threadId);
    this.metrics?.workerLeft(threadId);
    if (this.#state !== 'open') return;
    this.#workerExits++;
    this.#log(`scriptlet: worker ${threadId} exited; the pool starts another`);
  }

  /** A reload with another list of scripts, kept only when the new version serves. */
  async #reloadWith(scripts: ScriptSpec[]): Promise<ReloadResult> {
    while (this.#reloading) await this.#reloading.catch(() => undefined);
    if (this.#state !== 'open') throw closedError();
    const options = { ...this.#policyOptions, scripts };
    this.#reloading = this.#rebuild(options).then((r) => {
      if (r.ok) this.#policyOptions = options;
      return r;
    }).finally(() => {
      this.#reloading = undefined;
      this.#armScriptTtl();
    });
    return this.#reloading;
  }

  async #rebuild(policyOptions: EngineOptions = this.#policyOptions): Promise<ReloadResult> {
    const previous = this.#versions.current;
    let candidate: PolicyVersion;
    try {
      candidate = this.#versions.add(buildVersion(policyOptions, this.#settings.tuning, this.engine));
    } catch (err) {
      return this.#reloadFailed(previous, 'the scripts did not load', err as Error);
    }
    // Every worker builds its master (init() included) before any call is sent to it.
    const answers = await this.#controls.broadcast({ kind: 'policy', policy: candidate.id, spec: candidate.spec, open: true });
    let failure: Error | undefined;
    for (const [threadId, a] of answers) {
      if (a.ok) candidate.openOn.add(threadId);
      // A worker that exited meanwhile is no reason to refuse the version; its replacement gets it on joining.
      else if ((a.error as { code?: string }).code !== 'ERR_SCRIPTLET_WORKER_EXIT') failure ??= a.error;
    }
    if (failure || this.#state !== 'open') {
      await this.#retire(candidate);
      return this.#reloadFailed(previous, failure ? 'a worker could not build it' : 'the engine closed meanwhile', failure ?? closedError());
    }
    const idle = this.#versions.serve(candidate);
    // Told as soon as engine.version changes: a listener never sees the new version before its event.
    const result: ReloadResult = { ok: true, version: candidate.version, previous: previous.version };
    this.emit('reload', result);
    if (idle) await this.#retire(idle);
    return result;
  }

  #reloadFailed(previous: PolicyVersion, why: string, error: Error): ReloadResult {
    const result: ReloadResult = { ok: false, version: previous.version, previous: previous.version, error };
    this.emit('reload', result);
    this.#alert({ kind: 'reload', message: `scriptlet: reload failed (${why}): ${error.message}; version ${previous.version} keeps serving` });
    return result;
  }

  /** Closes a version's masters everywhere: a failed candidate, or an old version whose last task ended. */
  async #retire(v: PolicyVersion): Promise<void> {
    this.#versions.close(v);
    if (this.#state === 'closed') return;
    const answers = await this.#controls.broadcast({ kind: 'retire', policy: v.id });
    for (const [threadId, a] of answers) if (!a.ok) this.#log(`scriptlet: worker ${threadId} did not close policy ${v.id}: ${a.error.message}`);
  }

  /** A reload when the serving version is script_ttl seconds old (0: never). */
  #armScriptTtl(): void {
    clearTimeout(this.#ttlTimer);
    const ttl = this.#settingsOf.scriptTtl;
    if (ttl === 0 || this.#state !== 'open') return;
    this.#ttlTimer = setTimeout(() => void this.reload().catch(() => undefined), ttl * 1000);
    this.#ttlTimer.unref();
  }

  #alert(alert: Alert): void {
    this.#log(alert.message);
    this.emit('alert', alert);
  }

  #log(message: string): void {
    this.#settingsOf.log(message);
  }
}

/** Loads the scripts (compiling them once here), and starts the workers. */
export function openEngine(options: EngineOptions): Engine {
  return new Engine(options);
}

/** The first error among a batch's outcomes (a loop: find() with a callback cost ~50 instructions a message). */
function firstError(outcomes: readonly (PoolVerdict | Error)[]): Error | undefined {
  for (let i = 0; i < outcomes.length; i++) if (outcomes[i] instanceof Error) return outcomes[i] as Error;
  return undefined;
}
