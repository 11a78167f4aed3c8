// The engine's line to each worker: the MessagePort a worker hands over when
// it starts (piscina gives no way to address one worker). Batches go to the
// worker holding the fewest; settings, figures and policies are asked of
// every worker. A worker that exits takes its port with it; what was asked
// of it, batches included, is answered with an error, never left waiting.

import type { MessagePort } from 'node:worker_threads';
import { ScriptletError } from '../engine/errors.js';
import type { BatchTask, ControlHello, ControlReply, ControlRequest, ForgetWriter, ScriptConsoleAsk, ScriptConsoleReply, SentBatchResult, TaskAnswer, TaskMessage } from './protocol.js';
import { NO_SCRIPT_CONSOLE, type ScriptConsole } from '../engine/suspension.js';
import { ENGINE_SPIN_MS, EngineChannel, readAnswer, SpinBudget, spinForAnswers } from './channel.js';
import { errorFromData } from './wire-verdicts.js';
import { SlotList } from './slot-list.js';

type Ask = ControlRequest extends infer R ? (R extends ControlRequest ? Omit<R, 'id'> : never) : never;

/**
 * What a worker owes an answer to: a control request's promise (resolve,
 * reject), or a batch (its worker and reply: no closure is made per batch).
 */
interface Pending {
  id: number;
  resolve?: (value: unknown) => void;
  reject?: (err: Error) => void;
  worker?: Controlled;
  reply?: TaskReply<unknown>;
  context?: unknown;
  /** A batch sent through the channel: its memory, where its answer comes. */
  channelTask?: ChannelTask;
}

function resolvePending(p: Pending, value: unknown): void {
  if (!p.reply) return p.resolve!(value);
  p.worker!.tasks--;
  p.reply.answered(p.context, value as SentBatchResult);
}

function rejectPending(p: Pending, err: Error): void {
  if (!p.reply) return p.reject!(err);
  p.worker!.tasks--;
  // Failures are learnt inside other callbacks (a worker's exit, while its
  // pending calls are being rejected): answered after them.
  const { reply, context } = p;
  queueMicrotask(() => reply.failed(context, err));
}

/** A batch whose memory the engine shares with the worker: that memory, ints' (a typed array's .buffer is a call into the runtime), and bytes, a Buffer on it. */
export type ChannelTask = BatchTask & { bytes: Buffer; memory: ArrayBufferLike };

/** The most writers' memories a worker keeps (the engine tells it which to forget). */
const MAX_KNOWN_WRITERS = 128;

/**
 * Where a batch's answer goes: its result, or why it has none (the worker
 * exited), with the context it was sent with (one reply serves every batch:
 * no closure per batch).
 */
export interface TaskReply<C> {
  answered(context: C, result: SentBatchResult): void;
  failed(context: C, err: Error): void;
}

interface Controlled {
  port: MessagePort;
  /** What the worker owes an answer to, by id (SlotList: no allocation per task). */
  pending: SlotList<Pending>;
  /** Batches sent and not yet answered. */
  tasks: number;
  channel: EngineChannel;
  /** The writers whose memory the worker knows, and that memory. */
  known: Map<number, ArrayBufferLike>;
}

export class WorkerControls {
  readonly #workers = new Map<number, Controlled>();
  readonly #countWaiters: { count: number; resolve: () => void; reject: (err: Error) => void }[] = [];
  /**
   * Keeps the process up while something waits for workers to join:
   * piscina's threads do not (they are unref'd), and the thread that
   * replaces a dead worker is started from that worker's exit event, which
   * does not either.
   */
  #keepAlive: NodeJS.Timeout | undefined;
  #holdingForCalls = false;
  readonly #onJoin: (threadId: number) => void;
  readonly #onLeave: (threadId: number) => void;
  #nextId = 1;
  /** Runs msys.config's lines from the workers; none: they are answered with why not. */
  scriptConsole: ScriptConsole | undefined;
  readonly #spinBudget = new SpinBudget();
  /** Every live worker, and its channel, in arrays: looked through on every call (a Map's iterator is an object each time) and polled in a spin. */
  #live: Controlled[] = [];
  #channels: EngineChannel[] = [];
  /** In awaitAnswers' spin. */
  #spinning = false;

  /**
   * onJoin runs when a worker's port arrives, before anything else is asked
   * of it; onLeave when its port closes: the thread is gone (piscina knows it
   * only as thread -1 by then).
   */
  constructor(onJoin: (threadId: number) => void, onLeave: (threadId: number) => void) {
    this.#onJoin = onJoin;
    this.#onLeave = onLeave;
  }

  get size(): number {
    return this.#workers.size;
  }

  get threadIds(): number[] {
    return [...this.#workers.keys()];
  }

  add(hello: ControlHello): void {
    const { threadId, scriptletControl: port } = hello;
    const pending = new SlotList<Pending>();
    const channel = new EngineChannel(hello.channel, (id) => this.#channelAnswer(worker, id));
    const worker: Controlled = { port, pending, tasks: 0, channel, known: new Map() };
    this.#workers.set(threadId, worker);
    this.#relist();
    port.on('message', (reply: TaskAnswer | ControlReply | ScriptConsoleAsk) => {
      if (!Array.isArray(reply) && 'consoleAsk' in reply) this.#runConsole(worker, reply);
      else this.#answer(worker, reply);
    });
    port.on('close', () => {
      if (this.#workers.get(threadId) === worker) this.#left(threadId);
    });
    port.unref();
    this.#onJoin(threadId);
    const waiting = this.#countWaiters.filter((w) => w.count <= this.#workers.size);
    for (const w of waiting) {
      this.#countWaiters.splice(this.#countWaiters.indexOf(w), 1);
      w.resolve();
    }
    this.#holdingForCalls = false;
    this.#releaseIfIdle();
  }

  /**
   * The workers whose threads still run, by thread id: any other has exited.
   * Its port may close only a little later, and a batch sent to it meanwhile
   * would be lost; so it is forgotten now.
   */
  keepOnly(running: ReadonlySet<number>): void {
    for (const id of this.threadIds) if (!running.has(id)) this.#left(id);
  }

  #left(threadId: number): void {
    this.remove(threadId);
    this.#onLeave(threadId);
  }

  /** Forgets a worker that exited; what it still owed is answered with an error. */
  remove(threadId: number): void {
    const worker = this.#workers.get(threadId);
    if (!worker) return;
    this.#workers.delete(threadId);
    this.#relist();
    worker.port.close();
    worker.channel.outstanding = 0;
    const owed = worker.pending.toArray();
    worker.pending.clear();
    for (const p of owed) rejectPending(p, new ScriptletError('ERR_SCRIPTLET_WORKER_EXIT', `worker ${threadId} exited`));
  }

  /** Resolves once at least count workers have joined. */
  untilCount(count: number): Promise<void> {
    if (this.#workers.size >= count) return Promise.resolve();
    this.#holdOpen();
    return new Promise((resolve, reject) => this.#countWaiters.push({ count, resolve, reject }));
  }

  /** Calls wait for a worker to join (none runs yet): the process stays up until one does. */
  holdOpenForCalls(): void {
    if (this.#workers.size > 0) return;
    this.#holdingForCalls = true;
    this.#holdOpen();
  }

  /** No worker will join (they fail as they start, or the engine closed): waiting stops, with err. */
  stopWaiting(err: Error): void {
    const waiters = this.#countWaiters.splice(0);
    for (const w of waiters) w.reject(err);
    this.#holdingForCalls = false;
    this.#releaseIfIdle();
  }

  #holdOpen(): void {
    this.#keepAlive ??= setInterval(() => {}, 60_000);
  }

  #releaseIfIdle(): void {
    if (this.#countWaiters.length > 0 || this.#holdingForCalls || this.#keepAlive === undefined) return;
    clearInterval(this.#keepAlive);
    this.#keepAlive = undefined;
  }

  /** #live and #channels again, from #workers (a worker joined or left). */
  #relist(): void {
    this.#live = [...this.#workers.values()];
    this.#channels = this.#live.map((w) => w.channel);
  }

  /** True when some worker holds fewer than `most` batches. */
  hasRoom(most: number): boolean {
    const live = this.#live;
    for (let i = 0; i < live.length; i++) if (live[i]!.tasks < most) return true;
    return false;
  }

  /**
   * Sends a batch to the worker holding the fewest (check hasRoom first);
   * reply hears of it once, with context, and never before runTask has returned. True
   * when it went through the worker's channel (its answer may then be
   * spun for), false through the port. No
   * promise stands between: with a promise per task, the answers outlived
   * young-generation collections and were promoted into the old generation,
   * 25 MB per 660 000 messages at batches of 64 against 8 MB without
   * (docs/threads.md).
   */
  runTask<C>(task: ChannelTask, reply: TaskReply<C>, context: C): boolean {
    let least: Controlled | undefined;
    const live = this.#live;
    for (let i = 0; i < live.length; i++) if (least === undefined || live[i]!.tasks < least.tasks) least = live[i];
    if (!least) {
      queueMicrotask(() => reply.failed(context, new ScriptletError('ERR_SCRIPTLET_WORKER_EXIT', 'no worker is running')));
      return false;
    }
    const worker = least;
    worker.tasks++;
    const id = this.#nextId++;
    const pending: Pending = { id, resolve: undefined, reject: undefined, worker, reply: reply as TaskReply<unknown>, context, channelTask: undefined };
    const writer = task.writer ?? -1;
    const memory = task.memory;
    if (writer >= 0 && worker.known.get(writer) === memory && worker.channel.hasRoom) {
      pending.channelTask = task;
      worker.pending.add(pending);
      worker.port.ref();
      worker.channel.submit(id, writer);
      return true;
    }
    // Through the port, with its memory: the worker learns it, and the writer's next batches take the channel.
    if (writer >= 0) this.#learnt(worker, writer, memory);
    this.#post(worker, [id, task.ints, writer] satisfies TaskMessage, pending);
    return false;
  }

  /**
   * After a batch went: a lone small one (a single call on an idle pool, as
   * an SMTP server makes them) is waited for here, spinning, for up to
   * ENGINE_SPIN_MS: waking this thread from its event loop costs more than
   * the call (channel.ts). Otherwise, or if the answer is late, the channels
   * sleep until their workers answer. A batch sent from inside the spin (an
   * answer's caller making its next call) does not spin again.
   */
  awaitAnswers(lone: boolean): void {
    if (this.#spinning) return;
    if (lone) {
      this.#spinning = true;
      try {
        spinForAnswers(this.#channels, ENGINE_SPIN_MS, this.#spinBudget);
      } finally {
        this.#spinning = false;
      }
    }
    const channels = this.#channels;
    for (let i = 0; i < channels.length; i++) channels[i]!.arm();
  }

  #learnt(worker: Controlled, writer: number, memory: ArrayBufferLike): void {
    worker.known.delete(writer);
    worker.known.set(writer, memory);
    if (worker.known.size <= MAX_KNOWN_WRITERS) return;
    const oldest = worker.known.keys().next().value as number;
    worker.known.delete(oldest);
    worker.port.postMessage(['forget', oldest] satisfies ForgetWriter);
  }

  /** A batch's answer came through the channel: its text is in its memory. */
  #channelAnswer(worker: Controlled, id: number): void {
    const p = takePending(worker, id);
    if (!p) return;
    worker.channel.outstanding--;
    if (worker.pending.size === 0) worker.port.unref();
    const task = p.channelTask!;
    resolvePending(p, { text: readAnswer(task.ints, task.bytes), values: undefined } satisfies SentBatchResult);
  }

  request(threadId: number, ask: Ask): Promise<unknown> {
    const worker = this.#workers.get(threadId);
    if (!worker) return Promise.reject(new ScriptletError('ERR_SCRIPTLET_WORKER_EXIT', `worker ${threadId} exited`));
    const id = this.#nextId++;
    return new Promise((resolve, reject) => this.#post(worker, { ...ask, id }, { id, resolve, reject, worker: undefined, reply: undefined, context: undefined, channelTask: undefined }));
  }

  #post(worker: Controlled, message: TaskMessage | ControlRequest, pending: Pending): void {
    worker.pending.add(pending);
    // Kept referenced while it owes an answer, so a process waiting for it stays up.
    worker.port.ref();
    worker.port.postMessage(message);
  }

  /** Asks every worker; each answer or error, by thread id. */
  async broadcast(ask: Ask): Promise<Map<number, { ok: true; value: unknown } | { ok: false; error: Error }>> {
    const ids = this.threadIds;
    const settled = await Promise.allSettled(ids.map((id) => this.request(id, ask)));
    const out = new Map<number, { ok: true; value: unknown } | { ok: false; error: Error }>();
    ids.forEach((id, i) => {
      const s = settled[i]!;
      out.set(id, s.status === 'fulfilled' ? { ok: true, value: s.value } : { ok: false, error: s.reason as Error });
    });
    return out;
  }

  closeAll(): void {
    for (const id of this.threadIds) this.remove(id);
    this.stopWaiting(new ScriptletError('ERR_SCRIPTLET_CLOSED', 'the engine closed'));
  }

  #runConsole(worker: Controlled, ask: ScriptConsoleAsk): void {
    const run = this.scriptConsole ?? (async () => ({ ok: false as const, error: NO_SCRIPT_CONSOLE }));
    run(ask.line)
      .catch((err: unknown) => ({ ok: false as const, error: (err as Error).message }))
      // (A port whose worker exited meanwhile drops the message.)
      .then((answer) => worker.port.postMessage({ consoleReply: ask.consoleAsk, answer } satisfies ScriptConsoleReply));
  }

  #answer(worker: Controlled, reply: TaskAnswer | ControlReply): void {
    const id = Array.isArray(reply) ? reply[0] : reply.id;
    const p = takePending(worker, id);
    if (!p) return;
    if (p.channelTask) worker.channel.outstanding--;
    if (worker.pending.size === 0) worker.port.unref();
    if (Array.isArray(reply)) resolvePending(p, { text: reply[1], values: reply[2] } satisfies SentBatchResult);
    else if (reply.ok) resolvePending(p, reply.value);
    else rejectPending(p, errorFromData(reply.error));
  }
}

/** The worker's debt with this id, taken off its list; undefined if it owes none (answered already, or forgotten when it exited). */
function takePending(worker: Controlled, id: number): Pending | undefined {
  const pending = worker.pending;
  for (let i = 0; i < pending.size; i++) if (pending.at(i).id === id) return pending.removeAt(i);
  return undefined;
}
