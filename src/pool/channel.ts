// The shared-memory channel between the engine and one worker: batches go
// to the worker, and their answers come back, without a message on the
// port. A batch already lies in memory both threads share (wire-inputs.ts:
// its numbers, its text, room for its verdicts and its answer); what
// crosses is its id and the writer whose memory it lies on, in a ring of
// SUBMIT entries, and the ids of answered batches, in a ring of COMPLETE
// entries. Each side wakes the other with Atomics.notify, when the other
// waits (WORKER_WAITING); the waiting side waits with Atomics.waitAsync, so
// the worker's event loop stays free for what suspended calls wait on (DNS,
// timers) and for the control port.
//
// Waking a sleeping thread costs more than a call: on this project's 2-vCPU
// machine, a round trip between two threads that sleep in futexes takes
// 17 us and 8.5 us of CPU on each side, through their event loops 22-37 us
// (bench/README.md, "Single calls"). So each side first spins, for a
// bounded time: the worker for the next batch after answering one, the
// engine for the answer of a lone small batch (engine.ts). Either then
// sleeps.
//
// The port stays for everything else: control requests, a batch whose
// writer the worker does not know yet (it then learns it), and an answer
// that does not fit in its room, carries values (edited messages move) or
// is an error. A worker that exits takes both with it: the engine answers
// what it owed from its port's close (worker-controls.ts).

import { performance } from 'node:perf_hooks';
import { TASK_ANSWER, TASK_ANSWER_ROOM, TASK_TEXT, TASK_TEXT_LENGTH } from './protocol.js';

/** Submissions made, by the engine: the worker waits on it. */
const SUBMITTED = 0;
/** Answers made, by the worker: the engine waits on it. */
const COMPLETED = 1;
/**
 * 1 while the worker waits on SUBMITTED, and while the engine does on
 * COMPLETED: the other side notifies only then. A notify costs more than
 * the store before it, and most find the other side spinning. Each side
 * sets its flag before it waits, and the waiting checks the count again,
 * atomically: a count that moved in between is not slept through.
 */
const WORKER_WAITING = 2;
const ENGINE_WAITING = 3;
/** Entries in each ring: at least the most batches a worker holds (tasksPerWorker, at most 256). */
export const RING = 256;
const SUBMIT_AT = 8;
const COMPLETE_AT = SUBMIT_AT + 2 * RING;
export const CHANNEL_BYTES = (COMPLETE_AT + RING) * Int32Array.BYTES_PER_ELEMENT;

/** How long the worker polls for the next batch after answering one, and the engine for a lone batch's answer. */
export const WORKER_SPIN_MS = 0.05;
export const ENGINE_SPIN_MS = 0.05;
/**
 * The largest batch either side spins after: the spin is for single calls
 * (an SMTP server's, one a phase). After a larger batch the calling thread
 * spends time in proportion to it, decoding the answer and packing the next
 * batch, and a worker spinning through that time burned CPU for nothing.
 */
export const SPIN_MAX_CALLS = 4;
/** The longest the worker's event loop waits for a turn while batches keep coming. */
const WORKER_TURN_MS = 1;
/** The share of spins that must find what they wait for, lately, for spinning to go on. */
const HIT_SHARE = 0.75;
/** How much each spin weighs in that share (a moving average): the last eight or so count. */
const HIT_WEIGHT = 1 / 8;
/** Below HIT_SHARE, one chance in this many still spins, to see whether spinning pays again. */
const PROBE_EVERY = 16;

/**
 * Spins only where spinning pays for itself. A spin that finds what it
 * waits for saves this thread a sleep and the other a wake-up (17 us of
 * CPU between two threads here); one in vain burns its whole length. So it
 * pays only while nearly every spin finds: calls made one after another (a
 * sequential caller) do. Calls that come at random do not, though some spins
 * find one: scriptlet serve under 50 sessions, where a worker spinning on a
 * 2-core machine took the CPU its calling thread needed (bench/serve). Nor
 * do spins on a loaded machine, where a sleeping thread takes longer to wake
 * than a spin lasts: both sides' spins then miss, and sequential calls ran
 * twice as slow as with no spin at all (bench:single at load 15).
 * So spinning goes on while at least HIT_SHARE of recent spins found; below
 * it, one chance in PROBE_EVERY still spins, to notice when spins pay again.
 */
export class SpinBudget {
  /** The moving share of spins that found: starts as if they all did. */
  #hits = 1;
  #chance = 0;

  /** Whether to spin this time. */
  get spin(): boolean {
    if (this.#hits >= HIT_SHARE) return true;
    return ++this.#chance % PROBE_EVERY === 0;
  }

  /** How the spin went. */
  spun(hit: boolean): void {
    this.#hits += ((hit ? 1 : 0) - this.#hits) * HIT_WEIGHT;
  }
}

/**
 * A spin reads the clock once every this many polls (plus one): a poll
 * costs nanoseconds, performance.now() ten times that and a heap number
 * (every 32 polls it was an eighth of the calling thread's allocation per
 * single call). A spin may then overrun its time by a few microseconds.
 */
const CLOCK_MASK = 255;

/** Atomics.waitAsync (ES2024; in Node since 16), typed here: the project's lib is older. */
const waitAsync = (Atomics as unknown as {
  waitAsync(ints: Int32Array, index: number, value: number): { async: false; value: string } | { async: true; value: Promise<string> };
}).waitAsync;

export function newChannel(): SharedArrayBuffer {
  return new SharedArrayBuffer(CHANNEL_BYTES);
}

/** A batch's text, read from its memory. */
export function readTaskText(ints: Int32Array, bytes: Buffer): string {
  const at = ints[TASK_TEXT]! * 4;
  return bytes.toString('utf16le', at, at + ints[TASK_TEXT_LENGTH]! * 2);
}

/** Writes an answer's text into its batch's room: its length, then its units. False when it does not fit. */
export function writeAnswer(ints: Int32Array, bytes: Buffer, text: string): boolean {
  const at = ints[TASK_ANSWER]!;
  const unitsAt = at + 1;
  if (unitsAt + ((text.length + 1) >> 1) > at + ints[TASK_ANSWER_ROOM]! || unitsAt * 4 + text.length * 2 > bytes.length) return false;
  ints[at] = text.length;
  bytes.write(text, unitsAt * 4, 'utf16le');
  return true;
}

/** The answer writeAnswer wrote. */
export function readAnswer(ints: Int32Array, bytes: Buffer): string {
  const at = ints[TASK_ANSWER]!;
  const byte = (at + 1) * 4;
  return bytes.toString('utf16le', byte, byte + ints[at]! * 2);
}

/** The engine's end of one worker's channel. */
export class EngineChannel {
  readonly #ints: Int32Array;
  readonly #answered: (taskId: number) => void;
  #submitted = 0;
  #taken = 0;
  /** Batches submitted whose answer has not come (through the ring or the port). */
  outstanding = 0;
  #armed = false;

  /** answered(taskId): a batch's answer is in its memory. */
  constructor(memory: SharedArrayBuffer, answered: (taskId: number) => void) {
    this.#ints = new Int32Array(memory);
    this.#answered = answered;
  }

  get hasRoom(): boolean {
    return this.outstanding < RING;
  }

  submit(taskId: number, writer: number): void {
    const ints = this.#ints;
    const at = SUBMIT_AT + (this.#submitted % RING) * 2;
    ints[at] = taskId;
    ints[at + 1] = writer;
    this.outstanding++;
    Atomics.store(ints, SUBMITTED, ++this.#submitted);
    if (Atomics.load(ints, WORKER_WAITING) !== 0) Atomics.notify(ints, SUBMITTED, 1);
  }

  /** Hands over the answers that came; true if any did. */
  take(): boolean {
    const ints = this.#ints;
    const done = Atomics.load(ints, COMPLETED);
    if (done === this.#taken) return false;
    while (this.#taken !== done) {
      const id = ints[COMPLETE_AT + (this.#taken % RING)]!;
      this.#taken++;
      this.#answered(id);
    }
    return true;
  }

  /** Sleeps (without holding the event loop) until the worker answers, while something is outstanding. */
  arm(): void {
    if (this.#armed || this.outstanding === 0) return;
    Atomics.store(this.#ints, ENGINE_WAITING, 1);
    const wait = waitAsync(this.#ints, COMPLETED, this.#taken);
    this.#armed = true;
    if (wait.async) void wait.value.then(() => this.#woken());
    else queueMicrotask(() => this.#woken());
  }

  #woken(): void {
    Atomics.store(this.#ints, ENGINE_WAITING, 0);
    this.#armed = false;
    this.take();
    this.arm();
  }
}

/** Polls every channel for answers until one comes or ms have passed: true if one came. */
export function spinForAnswers(channels: readonly EngineChannel[], ms: number, budget: SpinBudget): boolean {
  if (!budget.spin) return false;
  const hit = spinFor(channels, ms);
  budget.spun(hit);
  return hit;
}

function spinFor(channels: readonly EngineChannel[], ms: number): boolean {
  const until = performance.now() + ms;
  for (let i = 0; ; i++) {
    let any = false;
    for (let c = 0; c < channels.length; c++) if (channels[c]!.take()) any = true;
    if (any) return true;
    if ((i & CLOCK_MASK) === CLOCK_MASK && performance.now() > until) return false;
  }
}

/** The worker's end: runs each batch submitted (run answers it, through complete() or the port). */
export class WorkerChannel {
  readonly #ints: Int32Array;
  readonly #run: (taskId: number, writer: number) => number;
  #seen = 0;
  #completed = 0;
  /** How many calls the last batch run held: the worker spins after small ones only. */
  #lastCalls = 0;
  readonly #budget = new SpinBudget();

  /** run(taskId, writer) runs a batch and says how many calls it held. */
  constructor(memory: SharedArrayBuffer, run: (taskId: number, writer: number) => number) {
    this.#ints = new Int32Array(memory);
    this.#run = run;
  }

  complete(taskId: number): void {
    const ints = this.#ints;
    ints[COMPLETE_AT + (this.#completed % RING)] = taskId;
    Atomics.store(ints, COMPLETED, ++this.#completed);
    if (Atomics.load(ints, ENGINE_WAITING) !== 0) Atomics.notify(ints, COMPLETED);
  }

  /** Runs batches as they come, for as long as the thread lives. */
  async serve(): Promise<void> {
    const ints = this.#ints;
    let turn = performance.now();
    for (;;) {
      this.#drain();
      if (this.#spin()) {
        // Batches keep coming: the event loop still gets a turn now and then.
        if (performance.now() - turn > WORKER_TURN_MS) {
          await new Promise<void>((resolve) => setImmediate(resolve));
          turn = performance.now();
        }
        continue;
      }
      Atomics.store(ints, WORKER_WAITING, 1);
      const wait = waitAsync(ints, SUBMITTED, this.#seen);
      if (wait.async) await wait.value;
      Atomics.store(ints, WORKER_WAITING, 0);
      turn = performance.now();
    }
  }

  #drain(): void {
    const ints = this.#ints;
    let submitted = Atomics.load(ints, SUBMITTED);
    while (this.#seen !== submitted) {
      const at = SUBMIT_AT + (this.#seen % RING) * 2;
      this.#seen++;
      this.#lastCalls = this.#run(ints[at]!, ints[at + 1]!);
      submitted = Atomics.load(ints, SUBMITTED);
    }
  }

  /** Polls for a submission for WORKER_SPIN_MS (after a small batch, when spinning pays): true if one came. */
  #spin(): boolean {
    if (this.#lastCalls > SPIN_MAX_CALLS || !this.#budget.spin) return false;
    const hit = this.#poll();
    this.#budget.spun(hit);
    return hit;
  }

  #poll(): boolean {
    const ints = this.#ints;
    const until = performance.now() + WORKER_SPIN_MS;
    for (let i = 0; ; i++) {
      if (Atomics.load(ints, SUBMITTED) !== this.#seen) return true;
      if ((i & CLOCK_MASK) === CLOCK_MASK && performance.now() > until) return false;
    }
  }
}
