// Everything one worker thread holds: its policies (each its own master Lua
// state, opened on first use and touched by no other thread), the settings
// in force, the sweep of idle spare Lua threads, and the answers to the
// engine's control requests.

import type { MessagePort } from 'node:worker_threads';
import { openPolicy, type Policy } from '../engine/policy.js';
import { startDataStatsPublisher } from '../metrics/datasource-metrics.js';
import { PHASES } from '../engine/phases.js';
import type { NativeVerdictRest } from '../native/types.js';
import {
  errorData,
  type BatchResult,
  type TaskAnswer,
  type BatchTask,
  type ControlReply,
  type ControlRequest,
  type PolicySpec,
  type ScriptConsoleAsk,
  type ScriptConsoleReply,
  type WorkerSettings,
  type WorkerSetup,
  type WorkerStats,
  TASK_COUNT,
  TASK_PHASE,
  TASK_POLICY,
  TASK_SETTINGS,
} from './protocol.js';
import { packedCalls } from './wire-inputs.js';
import { WorkerRecorder } from '../metrics/worker-recorder.js';

/** Resolves when a condition, rechecked on every change, holds. */
class Waiters {
  #waiting: { ready: () => boolean; resolve: () => void }[] = [];

  until(ready: () => boolean): Promise<void> {
    if (ready()) return Promise.resolve();
    return new Promise((resolve) => this.#waiting.push({ ready, resolve }));
  }

  changed(): void {
    const still = [];
    for (const w of this.#waiting) {
      if (w.ready()) w.resolve();
      else still.push(w);
    }
    this.#waiting = still;
  }
}

/**
 * Test hook, honoured only when the worker starts with
 * SCRIPTLET_POOL_TEST_HOOKS=1 in its environment: a batch holding a call with
 * this id ends the worker thread (process.exit(1)) before running, as a
 * worker whose native state went bad would. test/pool/lifecycle.test.ts uses
 * it to kill a worker that holds calls, outside any Lua call.
 */
export const TEST_EXIT_ID = '__scriptlet_test_exit_worker__';

export class WorkerHost {
  readonly #threadId: number;
  readonly #specs = new Map<number, PolicySpec>();
  readonly #policies = new Map<number, Policy>();
  readonly #waiters = new Waiters();
  #settings: WorkerSettings;
  #reaper: NodeJS.Timeout | undefined;
  #tasks = 0;
  #calls = 0;
  #sweeps = 0;
  #reaped = 0;
  #busyNs = 0n;
  readonly #testHooks = process.env.SCRIPTLET_POOL_TEST_HOOKS === '1';
  /** Adds this worker's figures to the engine's shared metrics block (src/metrics). */
  readonly #recorder: WorkerRecorder | null;

  /** msys.config's lines sent to the engine, awaiting its answer, by id. */
  readonly #consoleAsks = new Map<number, (answer: ScriptConsoleReply['answer']) => void>();
  #nextConsoleAsk = 1;
  readonly #port: MessagePort | undefined;

  /** port: the control port, for msys.config's lines to the engine (none: msys.config answers nil, why). */
  constructor(setup: WorkerSetup, threadId: number, port?: MessagePort) {
    this.#threadId = threadId;
    this.#port = port;
    for (const { id, spec } of setup.policies) this.#specs.set(id, spec);
    this.#settings = setup.settings;
    this.#recorder = setup.metrics ? WorkerRecorder.claim(setup.metrics, threadId, () => this.#policies.values()) : null;
    if (setup.metrics?.data) startDataStatsPublisher(setup.metrics.data, threadId);
    this.#startReaper();
  }

  /**
   * Runs one batch: waits for the settings and policy it names, then runs
   * every call. The result's edited messages are to be moved, not copied.
   */
  async runTask(task: BatchTask): Promise<{ result: BatchResult; transferList: ArrayBuffer[] }> {
    const { ints } = task;
    const id = ints[TASK_POLICY]!;
    const version = ints[TASK_SETTINGS]!;
    if (this.#settings.version < version || !this.#specs.has(id)) {
      await this.#waiters.until(() => this.#settings.version >= version && this.#specs.has(id));
    }
    const start = process.hrtime.bigint();
    const policy = this.#policy(id);
    const phase = PHASES[ints[TASK_PHASE]!]!;
    const count = ints[TASK_COUNT]!;
    if (this.#testHooks && task.text.includes(TEST_EXIT_ID)) process.exit(1);
    this.#tasks++;
    this.#calls += count;
    let result: BatchResult;
    // The addon reads a wrong-typed field as absent, so a batch throws only
    // when something is wrong with the policy itself: then every call of it
    // gets that error, and none runs twice.
    try {
      result = await policy.runPackedAsync(phase, packedCalls(task));
    } catch (err) {
      result = { error: errorData(err) };
    }
    const end = process.hrtime.bigint();
    this.#recorder?.record(policy, phase, result, count, end - start);
    this.#busyNs += end - start;
    return { result, transferList: movableMessages(result) };
  }

  /** A batch from the control port: answered there, with its result or the error that ended it. */
  onTask(id: number, task: BatchTask, port: MessagePort): void {
    this.runTask(task).then(
      ({ result, transferList }) => {
        // Verdicts as a TaskAnswer; a batch that could not run, as a reply.
        if ('error' in result) port.postMessage({ id, ok: true, value: result } satisfies ControlReply);
        else port.postMessage([id, result.text, result.keys, result.values] satisfies TaskAnswer, transferList);
      },
      (err: unknown) => port.postMessage({ id, ok: false, error: errorData(err) } satisfies ControlReply),
    );
  }

  onConsoleReply(reply: ScriptConsoleReply): void {
    const answered = this.#consoleAsks.get(reply.consoleReply);
    this.#consoleAsks.delete(reply.consoleReply);
    if (this.#consoleAsks.size === 0) this.#port?.unref();
    answered?.(reply.answer);
  }

  // msys.config: the engine runs the line (a `config set` changes every worker, this one included).
  #askEngineConsole(line: string): Promise<ScriptConsoleReply['answer']> {
    const port = this.#port!;
    const id = this.#nextConsoleAsk++;
    return new Promise((resolve) => {
      this.#consoleAsks.set(id, resolve);
      port.ref(); // the thread stays up while it waits for the answer
      port.postMessage({ consoleAsk: id, line } satisfies ScriptConsoleAsk);
    });
  }

  onControl(request: ControlRequest, port: MessagePort): void {
    let reply: ControlReply;
    try {
      reply = { id: request.id, ok: true, value: this.#control(request) };
    } catch (err) {
      reply = { id: request.id, ok: false, error: errorData(err) };
    }
    port.postMessage(reply);
  }

  #control(request: ControlRequest): unknown {
    switch (request.kind) {
      case 'settings':
        this.#apply(request.settings);
        return this.#settings.version;
      case 'policy':
        this.#specs.set(request.policy, request.spec);
        this.#waiters.changed();
        if (request.open) this.#policy(request.policy);
        return true;
      case 'retire':
        this.#retire(request.policy);
        return true;
      case 'open':
        this.#policy(request.policy);
        return true;
      case 'stats':
        return this.stats();
    }
  }

  stats(): WorkerStats {
    return {
      threadId: this.#threadId,
      tasks: this.#tasks,
      calls: this.#calls,
      busyMs: Number(this.#busyNs) / 1e6,
      sweeps: this.#sweeps,
      reaped: this.#reaped,
      reapInterval: this.#settings.reapInterval,
      settingsVersion: this.#settings.version,
      policies: [...this.#policies].map(([id, p]) => ({ id, stats: p.stats(), gc: p.gcParams() })),
    };
  }

  /** The policy with this id, opened on first use with the settings in force. */
  #policy(id: number): Policy {
    const open = this.#policies.get(id);
    if (open) return open;
    const spec = this.#specs.get(id);
    if (!spec) throw new Error(`worker ${this.#threadId} has no policy ${id}`);
    const policy = openPolicy({ ...spec, ...this.#settings.tuning });
    if (this.#port) policy.setScriptConsole((line) => this.#askEngineConsole(line));
    this.#policies.set(id, policy);
    this.#recorder?.sample();
    return policy;
  }

  /** Closes a version's master (the engine sends no task for it any more) and forgets its scripts. */
  #retire(id: number): void {
    this.#policies.get(id)?.close();
    this.#policies.delete(id);
    this.#specs.delete(id);
  }

  /** Settings arrive in order of version; an older one (a late echo) is ignored. */
  #apply(settings: WorkerSettings): void {
    if (settings.version <= this.#settings.version) return;
    const restart = settings.reapInterval !== this.#settings.reapInterval;
    this.#settings = settings;
    for (const policy of this.#policies.values()) policy.configure(settings.tuning);
    if (restart) this.#startReaper();
    this.#waiters.changed();
  }

  #startReaper(): void {
    if (this.#reaper) clearInterval(this.#reaper);
    this.#reaper = setInterval(() => this.#sweep(), this.#settings.reapInterval * 1000);
    this.#reaper.unref();
  }

  #sweep(): void {
    this.#sweeps++;
    for (const policy of this.#policies.values()) this.#reaped += policy.reapSpareThreads();
    this.#recorder?.sample();
  }
}

/** The edited messages of a result that are the whole of their memory (the addon's copies): they move. */
function movableMessages(result: BatchResult): ArrayBuffer[] {
  const out: ArrayBuffer[] = [];
  if ('error' in result || !result.values) return out;
  for (let i = 1; i < result.values.length; i += 2) {
    const message = (result.values[i] as NativeVerdictRest | undefined)?.message;
    const memory = message?.buffer;
    if (memory instanceof ArrayBuffer && message!.byteOffset === 0 && message!.byteLength === memory.byteLength && !out.includes(memory)) out.push(memory);
  }
  return out;
}
