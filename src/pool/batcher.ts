// Calls made close together go to a worker as one task. A batch holds calls
// of one phase; it is sent when it holds maxBatch calls, or when its delay
// is up (the next turn of the event loop by default; when no batch is out,
// as soon as the code that made the call and its microtasks have run) — but while every
// worker is busy, a batch whose delay is up keeps taking calls until a worker
// frees, so that under load the batches grow instead of the queue.

import { performance } from 'node:perf_hooks';
import type { Phase } from '../engine/phases.js';
import type { CallInput } from '../engine/verdict.js';
import type { PoolVerdict } from './pool-verdict.js';
import type { PolicyVersion } from './policy-versions.js';
import { InputWriter } from './wire-inputs.js';
import { SlotList } from './slot-list.js';

export interface CallReply {
  resolve(verdict: PoolVerdict): void;
  reject(err: Error): void;
}

/** How a batch hands its outcomes (a verdict or an error per call) to its callers. */
export type Delivery = (outcomes: (PoolVerdict | Error)[], batch: Batch) => void;

export class Batch {
  readonly phase: Phase;
  /**
   * Its calls' facts, what their verdicts need of their inputs, their
   * messages (read in place by the worker), and the memory the facts and the
   * verdicts cross in: until its task has ended (then the writer serves
   * another batch).
   */
  writer: InputWriter | null = InputWriter.take();
  /** Its callers' replies (engine.run's), the first apart: a lone call's batch makes no array. */
  #firstReply: CallReply | undefined = undefined;
  #moreReplies: CallReply[] | undefined = undefined;
  /** Its delay is up: it goes as soon as a worker is free. */
  due = false;
  /** Once sent: the policy version it runs on, and where in its writer's ints the worker writes its verdicts. */
  version: PolicyVersion | null = null;
  ints: Int32Array | null = null;
  verdictsAt = 0;
  #delivery: Delivery | null;
  #settled = false;

  constructor(phase: Phase, delivery: Delivery) {
    this.phase = phase;
    this.#delivery = delivery;
  }

  /** Its calls (none once its task has ended and its writer serves another batch). */
  get size(): number {
    return this.writer?.count ?? 0;
  }

  get settled(): boolean {
    return this.#settled;
  }

  sent(version: PolicyVersion, ints: Int32Array, verdictsAt: number): void {
    this.version = version;
    this.ints = ints;
    this.verdictsAt = verdictsAt;
  }

  /** Adds a checked call: its facts are read now, its message when it runs. */
  add(input: CallInput, reply?: CallReply): void {
    this.writer!.add(input);
    if (!reply) return;
    if (!this.#firstReply) this.#firstReply = reply;
    else (this.#moreReplies ??= []).push(reply);
  }

  /** The reply of its call i (added with one). */
  reply(i: number): CallReply {
    return (i === 0 ? this.#firstReply : this.#moreReplies?.[i - 1])!;
  }

  /**
   * Answers every call of the batch, once: later outcomes (a worker finishing
   * after the deadline) are dropped. Then the batch lets go of its callers:
   * something may keep a settled batch reachable for a while (a stale slot
   * that only a full GC clears), and through its replies it would keep every
   * verdict alive, so each young-generation GC copied megabytes.
   */
  settle(outcomes: (PoolVerdict | Error)[]): boolean {
    if (this.#settled) return false;
    this.#settled = true;
    const delivery = this.#delivery!;
    this.#delivery = null;
    delivery(outcomes, this);
    this.#firstReply = this.#moreReplies = undefined;
    return true;
  }

  /** Its worker's task has ended: its writer lets go of the inputs (the messages the worker read in place too) and serves another batch. */
  ended(): void {
    this.writer?.release();
    this.writer = null;
  }
}

/** Each call its own promise (engine.run). */
export const deliverEach: Delivery = (outcomes, batch) => {
  for (let i = 0; i < outcomes.length; i++) {
    const o = outcomes[i]!;
    const reply = batch.reply(i);
    if (o instanceof Error) reply.reject(o);
    else reply.resolve(o);
  }
};

export interface BatcherOptions {
  maxBatch: number;
  delayMs: number;
  /** Sends a batch to the pool. */
  dispatch: (batch: Batch) => void;
  /** True while a worker can take another task. */
  hasCapacity: () => boolean;
  /** Batches are left waiting because no worker can take one. */
  starved?: () => void;
  /** True while no batch is out: with delayMs 0, a batch then goes once the current code and its microtasks have run, not on the next turn of the event loop. */
  idle?: () => boolean;
}

/**
 * A settled promise: then() on it queues a microtask, without the
 * AsyncResource and bound function queueMicrotask makes for each (250 of
 * the ~3 100 bytes a single pool call allocated on its calling thread).
 */
const SETTLED = Promise.resolve();

/**
 * The longest lone calls go from microtasks before the event loop gets a
 * turn (CallBatcher.#schedule), read every STREAK_CHECK batches. By time,
 * not by count: what a caller awaiting call after call holds up is the I/O
 * of everything else. A turn costs the call that waits for it some 10 us:
 * every 32 batches, as it was, that was 0.5 us of a 7 us single call (the
 * mean; this bound gave 7.69 against 7.91 and 6.89 against 7.41 us, two sets
 * of six alternations).
 */
export const STREAK_MS = 1;
const STREAK_CHECK = 16;

export class CallBatcher {
  /** The batches still taking calls: one at most per phase. */
  readonly #open = new SlotList<Batch>();
  readonly #ready: Batch[] = [];
  readonly #options: BatcherOptions;
  #timer: NodeJS.Immediate | NodeJS.Timeout | undefined;
  /**
   * Flushes queued as microtasks, numbered as queued; one cannot be
   * cancelled, so #cancel (and a newer #schedule) makes it stale: only the
   * flush numbered #microtask flushes. They run in the order queued, so
   * each knows its number by counting (#microtasksRun): no closure is made
   * for each.
   */
  #microtasksQueued = 0;
  #microtasksRun = 0;
  #microtask = 0;
  #microtaskDue = false;
  readonly #onMicrotask = (): void => {
    if (++this.#microtasksRun !== this.#microtask) return;
    this.#microtaskDue = false;
    this.flushNow();
  };
  /** Batches sent from a microtask since the event loop last turned, and when the first went. */
  #streak = 0;
  #streakStart = 0;

  constructor(options: BatcherOptions) {
    this.#options = options;
  }

  /** Calls accepted and not yet sent. */
  get waitingCalls(): number {
    let n = 0;
    for (let i = 0; i < this.#open.size; i++) n += this.#open.at(i).size;
    for (const b of this.#ready) n += b.size;
    return n;
  }

  /** The open batch of a phase, created (and its delay started) if none. */
  batchFor(phase: Phase): Batch {
    const open = this.#open;
    for (let i = 0; i < open.size; i++) if (open.at(i).phase === phase) return open.at(i);
    const batch = new Batch(phase, deliverEach);
    open.add(batch);
    this.#schedule();
    return batch;
  }

  /** After a call was added to batchFor(phase): sends the batch if it is full. */
  added(batch: Batch): void {
    if (batch.size < this.#options.maxBatch) return;
    this.#open.delete(batch);
    this.#ready.push(batch);
    this.pump();
  }

  /** A batch made whole by the caller (engine.runBatch): sent as soon as a worker is free. */
  enqueue(batch: Batch): void {
    this.#ready.push(batch);
    this.pump();
  }

  /** Sends what can go: full batches first, then those whose delay is up, while workers are free. */
  pump(): void {
    const { hasCapacity, dispatch } = this.#options;
    if (!hasCapacity()) {
      if (this.#ready.length > 0 || this.#open.size > 0) this.#options.starved?.();
      return;
    }
    while (hasCapacity()) {
      let batch = this.#ready.shift();
      if (!batch) {
        const open = this.#open;
        for (let i = 0; i < open.size; i++) {
          if (open.at(i).due) {
            batch = open.removeAt(i);
            break;
          }
        }
      }
      if (!batch) return;
      dispatch(batch);
    }
  }

  /** Every batch not sent yet, taken out (shutdown's deadline answers them). */
  takeAll(): Batch[] {
    const all = [...this.#ready, ...this.#open.toArray()];
    this.#ready.length = 0;
    this.#open.clear();
    this.#cancel();
    return all;
  }

  /** Marks every open batch due at once (shutdown sends what it accepted). */
  flushNow(): void {
    for (let i = 0; i < this.#open.size; i++) this.#open.at(i).due = true;
    this.pump();
  }

  #schedule(): void {
    if (this.#timer !== undefined || this.#microtaskDue) return;
    if (this.#options.delayMs === 0 && this.#options.idle?.() && this.#mayStreak()) {
      // Nothing is out: a lone call (an SMTP server's, one per phase) goes
      // without waiting for a turn of the event loop, and the calls made
      // alongside it (in the same code and its microtasks) go with it. A
      // caller that awaits call after call would then never let the event
      // loop turn (each answer comes within the engine's spin): after
      // STREAK_MS of such batches, the next waits for a turn.
      this.#microtask = ++this.#microtasksQueued;
      this.#microtaskDue = true;
      void SETTLED.then(this.#onMicrotask);
      return;
    }
    const fire = () => {
      this.#timer = undefined;
      this.flushNow();
    };
    this.#timer = this.#options.delayMs === 0 ? setImmediate(fire) : setTimeout(fire, this.#options.delayMs);
  }

  /** Whether a lone call may go from a microtask: the event loop has turned within STREAK_MS. */
  #mayStreak(): boolean {
    if (this.#streak === 0) {
      this.#streakStart = performance.now();
      setImmediate(() => (this.#streak = 0));
    } else if (this.#streak % STREAK_CHECK === 0 && performance.now() - this.#streakStart > STREAK_MS) {
      return false;
    }
    this.#streak++;
    return true;
  }

  #cancel(): void {
    this.#microtask = 0;
    this.#microtaskDue = false;
    if (this.#timer === undefined) return;
    clearImmediate(this.#timer as NodeJS.Immediate);
    clearTimeout(this.#timer as NodeJS.Timeout);
    this.#timer = undefined;
  }
}
