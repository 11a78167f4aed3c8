// Everything one worker thread holds: its policies (each its own master Lua
// state, opened on first use and touched by no other thread), the settings
// in force, the sweep of idle spare Lua threads, and the answers to the
// engine's control requests.

import { performance } from 'node:perf_hooks';
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
import { readTaskText, writeAnswer, type WorkerChannel } from './channel.js';
import type { EncodedVerdicts } from '../engine/verdict.js';
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

/** What a batch gives: its result, and the edited messages that move with it. */
export interface TaskOutcome {
  result: BatchResult;
  transferList: ArrayBuffer[];
}

/** A writer's memory, as this worker sees it: batches sent through the channel lie there. */
interface WriterMemory {
  ints: Int32Array;
  bytes: Buffer;
}

export class WorkerHost {
  readonly #threadId: number;
  readonly #specs = new Map<number, PolicySpec>();
  readonly #policies = new Map<number, Policy>();
  readonly #waiters = new Waiters();
  /** The engine's writers whose memory this worker knows, by id (channel.ts). */
  readonly #writers = new Map<number, WriterMemory>();
  #channel: WorkerChannel | undefined;
  #settings: WorkerSettings;
  #reaper: NodeJS.Timeout | undefined;
  #tasks = 0;
  #calls = 0;
  #sweeps = 0;
  #reaped = 0;
  /** ms in batches: performance.now() costs a third of process.hrtime.bigint(), and no BigInt is made (two a batch). */
  #busyMs = 0;
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
   * Answered at once (no promise) when nothing had to wait: the channel
   * answers such a batch before this thread returns to its event loop.
   */
  runTask(task: BatchTask): TaskOutcome | Promise<TaskOutcome> {
    const { ints } = task;
    const id = ints[TASK_POLICY]!;
    const version = ints[TASK_SETTINGS]!;
    if (this.#settings.version < version || !this.#specs.has(id)) {
      return this.#waiters.until(() => this.#settings.version >= version && this.#specs.has(id)).then(() => this.runTask(task));
    }
    const start = performance.now();
    const policy = this.#policy(id);
    const phase = PHASES[ints[TASK_PHASE]!]!;
    const count = ints[TASK_COUNT]!;
    if (this.#testHooks && taskText(task).includes(TEST_EXIT_ID)) process.exit(1);
    this.#tasks++;
    this.#calls += count;
    const finish = (result: BatchResult): TaskOutcome => {
      const ms = performance.now() - start;
      this.#recorder?.record(policy, phase, result, count, ms);
      this.#busyMs += ms;
      return { result, transferList: movableMessages(result) };
    };
    // The addon reads a wrong-typed field as absent, so a batch throws only
    // when something is wrong with the policy itself: then every call of it
    // gets that error, and none runs twice.
    let soon: EncodedVerdicts | Promise<EncodedVerdicts>;
    try {
      soon = policy.runPackedSoon(phase, packedCalls(task));
    } catch (err) {
      return finish({ error: errorData(err) });
    }
    if (!(soon instanceof Promise)) return finish(soon);
    return soon.then(finish, (err: unknown) => finish({ error: errorData(err) }));
  }

  /** A batch from the control port: answered there, with its result or the error that ended it. Its writer's memory is kept for the channel. */
  onTask(id: number, task: BatchTask, port: MessagePort): void {
    if (task.writer !== undefined && task.writer >= 0) this.#learn(task.writer, task.ints);
    this.#answer(id, task, port, false);
  }

  /** A batch from the shared channel, on a writer's memory this worker knows. */
  onChannelTask(id: number, writer: number, port: MessagePort): number {
    const memory = this.#writers.get(writer);
    if (!memory) {
      // The engine sends a batch this way only on memory it sent before.
      port.postMessage({ id, ok: false, error: { name: 'Error', code: 'ERR_SCRIPTLET_WORKER', message: `worker ${this.#threadId} does not know writer ${writer}` } } satisfies ControlReply);
      return 0;
    }
    // The text stays where it is: the addon reads it there if a call asks for a fact.
    const task: BatchTask = { ints: memory.ints };
    // Read first: once answered, the engine may write its next batch in this memory.
    const calls = task.ints[TASK_COUNT] ?? 0;
    this.#answer(id, task, port, true, memory);
    return calls;
  }

  /** Forgets a writer's memory (the engine sends its next batch through the port). */
  forget(writer: number): void {
    this.#writers.delete(writer);
  }

  /** The channel this worker answers through (worker.ts). */
  set channel(channel: WorkerChannel) {
    this.#channel = channel;
  }

  #learn(writer: number, ints: Int32Array): void {
    const known = this.#writers.get(writer);
    if (known?.ints.buffer === ints.buffer) return;
    const buffer = ints.buffer as SharedArrayBuffer;
    this.#writers.set(writer, { ints: new Int32Array(buffer), bytes: Buffer.from(buffer, 0, buffer.byteLength) });
  }

  /** Runs a batch and answers it: through the channel when it came that way and its answer fits, else through the port. */
  #answer(id: number, task: BatchTask, port: MessagePort, viaChannel: boolean, memory?: WriterMemory): void {
    const send = ({ result, transferList }: TaskOutcome) => {
      // Through the channel when it fits there: verdicts only, no values (edited messages move through the port).
      if (viaChannel && memory && this.#channel && !('error' in result) && !result.values && writeAnswer(task.ints, memory.bytes, result.text)) {
        this.#channel.complete(id);
      } else if ('error' in result) port.postMessage({ id, ok: true, value: result } satisfies ControlReply);
      else port.postMessage([id, result.text, result.values] satisfies TaskAnswer, transferList);
    };
    const failed = (err: unknown) => port.postMessage({ id, ok: false, error: errorData(err) } satisfies ControlReply);
    let outcome: TaskOutcome | Promise<TaskOutcome>;
    try {
      outcome = this.runTask(task);
    } catch (err) {
      // The policy could not be opened (its scripts fail on this thread): the batch's calls get the error.
      failed(err);
      return;
    }
    if (outcome instanceof Promise) outcome.then(send, failed);
    else send(outcome);
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
      busyMs: this.#busyMs,
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
/** A batch's text, read from its memory (for the test hook only: the addon reads it in place). */
function taskText(task: BatchTask): string {
  const memory = task.ints.buffer;
  return readTaskText(task.ints, Buffer.from(memory, task.ints.byteOffset, task.ints.byteLength));
}

/** A transfer list with nothing in it, shared: postMessage only reads it. */
const NOTHING_TO_MOVE: ArrayBuffer[] = [];

function movableMessages(result: BatchResult): ArrayBuffer[] {
  if ('error' in result || !result.values) return NOTHING_TO_MOVE;
  const out: ArrayBuffer[] = [];
  for (let i = 1; i < result.values.length; i += 2) {
    const message = (result.values[i] as NativeVerdictRest | undefined)?.message;
    const memory = message?.buffer;
    if (memory instanceof ArrayBuffer && message!.byteOffset === 0 && message!.byteLength === memory.byteLength && !out.includes(memory)) out.push(memory);
  }
  return out;
}
