// The worker's end of its call channel (call-channel.ts): takes the tasks the
// engine put in its slots, runs each as a batch from the control port would
// be run (WorkerHost.runTask: it may wait on Node, and the others go on
// meanwhile), and writes each answer back into its slot. An answer that does
// not fit, or has rare parts (header edits, an edited message, errors, logs:
// objects, which postMessage clones), or a batch that failed, goes through
// the control port, with a copy of its verdicts' ints: the slot is free as
// soon as the engine has seen it on the answer ring.

import type { MessagePort } from 'node:worker_threads';
import { INTS } from '../engine/verdict.js';
import {
  ANSWER_IN_SLOT,
  ANSWER_ON_PORT,
  ANSWERS,
  ChannelMemory,
  DOORBELL,
  ENGINE_PARKED,
  REQUESTS,
  S_ANSWER,
  S_ANSWER_TEXT,
  S_ANSWER_WIDE,
  S_ID,
  S_INTS,
  S_KEYS,
  S_TEXT_BYTES,
  S_TEXT_WIDE,
  SLOT_FIELDS,
  SLOT_INTS,
  SLEEP_MS,
  SPIN_AFTER_ANSWER_US,
  WORKER_PARKED,
  waitAsync,
} from './call-channel.js';
import { errorData, TASK_COUNT, TASK_VERDICTS, type BatchResult, type BatchTask, type ChannelAnswer, type ControlReply } from './protocol.js';

/** How many looks in a row, found or not, the worker remembers; and how often it looks all the same when they did not pay. */
const LOOKS_KEPT = 4;
const PROBE_EVERY = 16;

type RunTask = (task: BatchTask) => Promise<{ result: BatchResult; transferList: ArrayBuffer[] }>;
/** Whether the worker has nothing running (no task, from here or the port): its event loop may stop a while. */
type Idle = () => boolean;

export class ChannelServer {
  readonly memory: ChannelMemory;
  readonly #run: RunTask;
  readonly #port: MessagePort;
  readonly #idle: Idle;
  /** Requests taken off the ring, and answers put on it. */
  #taken = 0;
  #answered = 0;
  /** Tasks taken off the ring and not started yet; what lets the next start when the one running is answered. */
  readonly #queued: number[] = [];
  #current: (() => void) | undefined;
  /** Whether looking for the next task right after an answer pays: up when a look finds one, down when not; looks while >= 0. */
  #looks = 0;
  #skipped = 0;

  constructor(slots: number, run: RunTask, idle: Idle, port: MessagePort) {
    this.memory = new ChannelMemory(slots);
    this.#run = run;
    // Idle when nothing runs and nothing waits to start.
    this.#idle = () => this.#queued.length === 0 && idle();
    this.#port = port;
    setImmediate(this.#park);
  }

  /**
   * Starts the tasks on the ring, then waits for the doorbell: asleep in
   * Atomics.wait when nothing of its own runs (its event loop has nothing to
   * do, and the futex's wake-up costs less than the event loop's: 8 against
   * 14 us of CPU here), for at most SLEEP_MS at a time; else in
   * Atomics.waitAsync, so that the calls waiting on Node (DNS, msys.sleep)
   * go on. The engine rings the doorbell after every task and control
   * message it sends, which wakes either wait.
   */
  #park = (): void => {
    const ints = this.memory.ints;
    Atomics.store(ints, WORKER_PARKED, 1);
    const bell = Atomics.load(ints, DOORBELL);
    if (this.#take()) {
      // Looked at again next turn: most tasks have ended by then (in this turn's microtasks).
      Atomics.store(ints, WORKER_PARKED, 0);
      setImmediate(this.#park);
      return;
    }
    if (this.#idle()) {
      Atomics.wait(ints, DOORBELL, bell, SLEEP_MS);
      Atomics.store(ints, WORKER_PARKED, 0);
      // A task starts at once; a control message, and the timers, on the event loop's next turn.
      this.#take();
      setImmediate(this.#park);
      return;
    }
    const wait = waitAsync(ints, DOORBELL, bell);
    if (wait.async) void wait.value.then(this.#woken);
    else setImmediate(this.#woken);
  };

  #woken = (): void => {
    Atomics.store(this.memory.ints, WORKER_PARKED, 0);
    this.#park();
  };

  /** Queues every task put on the ring since the last look, and starts the first; whether there was one. */
  #take(): boolean {
    const memory = this.memory;
    const ints = memory.ints;
    const requests = Atomics.load(ints, REQUESTS);
    if (requests === this.#taken) return false;
    while (this.#taken !== requests) this.#queued.push(ints[memory.requestEntry(this.#taken++)]!);
    if (this.#current) setImmediate(this.#current);
    else this.#next();
    return true;
  }

  /**
   * Starts the next queued task. Tasks start one after another, each once
   * the one before has been answered, as they did from the port (one
   * message each): all started at once, a task's end would be noted only
   * after the others had run, and the figures (busyMs, the call duration
   * histogram) would count the others' time in it. A task still running at
   * the next turn of the event loop (it waits on Node) lets the next start.
   */
  #next = (): void => {
    const slot = this.#queued.shift();
    if (slot === undefined) return;
    let released = false;
    const release = (): void => {
      if (released) return;
      released = true;
      if (this.#current === release) this.#current = undefined;
      this.#next();
    };
    this.#current = release;
    void this.#start(slot).then(release);
    // Those behind it start a turn later at the latest, answered or not.
    if (this.#queued.length > 0) setImmediate(release);
  };

  /** Runs the task in slot; settles once it is answered. */
  #start(slot: number): Promise<void> {
    const memory = this.memory;
    const ints = memory.ints;
    const at = memory.slotAt(slot);
    const id = ints[at + S_ID]!;
    const length = ints[at + S_INTS]!;
    const taskAt = at + SLOT_FIELDS;
    const task: BatchTask = {
      ints: ints.subarray(taskAt, taskAt + length),
      text: memory.readText((taskAt + length) * 4, ints[at + S_TEXT_BYTES]!, ints[at + S_TEXT_WIDE] === 1),
    };
    return this.#run(task).then(
      ({ result, transferList }) => this.#answer(slot, id, task.ints, result, transferList),
      (err: unknown) => {
        this.#port.postMessage({ id, ok: false, error: errorData(err) } satisfies ControlReply);
        this.#publish(slot, ANSWER_ON_PORT);
      },
    );
  }

  #answer(slot: number, id: number, taskInts: Int32Array, result: BatchResult, transferList: ArrayBuffer[]): void {
    if ('error' in result) {
      this.#port.postMessage({ id, ok: true, value: result } satisfies ControlReply);
      this.#publish(slot, ANSWER_ON_PORT);
      return;
    }
    if (result.values === undefined && this.#write(slot, taskInts.length, result.text, result.keys)) {
      this.#publish(slot, ANSWER_IN_SLOT);
      return;
    }
    // Its verdicts' ints are copied: the slot serves another task as soon as the engine sees this one answered.
    const verdictsAt = taskInts[TASK_VERDICTS]!;
    const verdicts = taskInts.slice(verdictsAt, verdictsAt + taskInts[TASK_COUNT]! * INTS);
    this.#port.postMessage([id, result.text, result.keys, result.values, verdicts] satisfies ChannelAnswer, transferList);
    this.#publish(slot, ANSWER_ON_PORT);
  }

  /** The answer's text and keys into the slot, after the task's ints; false when they do not fit. */
  #write(slot: number, length: number, text: string, keys: string[]): boolean {
    const memory = this.memory;
    const ints = memory.ints;
    const at = memory.slotAt(slot);
    const keysAt = at + SLOT_FIELDS + length;
    const end = (at + SLOT_INTS) * 4;
    if (keysAt + keys.length > at + SLOT_INTS) return false;
    const joined = keys.length === 0 ? text : text + keys.join('');
    const bytes = memory.writeText(joined, (keysAt + keys.length) * 4, end, at + S_ANSWER_WIDE);
    if (bytes < 0) return false;
    for (let k = 0; k < keys.length; k++) ints[keysAt + k] = keys[k]!.length;
    ints[at + S_ANSWER_TEXT] = bytes;
    ints[at + S_KEYS] = keys.length;
    return true;
  }

  /** Puts slot on the answer ring; wakes the engine if it is parked. */
  #publish(slot: number, how: number): void {
    const memory = this.memory;
    const ints = memory.ints;
    ints[memory.slotAt(slot) + S_ANSWER] = how;
    ints[memory.answerEntry(this.#answered)] = slot;
    Atomics.store(ints, ANSWERS, ++this.#answered);
    if (Atomics.load(ints, ENGINE_PARKED) === 1) Atomics.notify(ints, ANSWERS);
    if (this.#idle()) this.#awaitNext();
  }

  /**
   * Right after an answer, with nothing else of its own to run, the worker
   * looks for the engine's next task for up to SPIN_AFTER_ANSWER_US before
   * it goes back to waiting: a caller that makes its calls one after another
   * (an SMTP session, phase by phase) sends the next within microseconds,
   * and finding it here spares both threads a wake-up. It pays only while
   * the engine's thread gets a CPU at once: so the worker stops looking
   * after looks that found nothing (the calls come spaced out, or the CPUs
   * are busy with other work), and looks once in PROBE_EVERY answers to see
   * whether it pays again. Measured (bench/README.md, "Single calls across
   * threads"): at load 3, a sequential call 52 -> 33 us wall and 60 -> 52
   * us of CPU in all; looking every time cost 10-15 % more CPU at load 8-10.
   */
  #awaitNext(): void {
    if (this.#looks < 0 && ++this.#skipped % PROBE_EVERY !== 0) return;
    const ints = this.memory.ints;
    const until = performance.now() + SPIN_AFTER_ANSWER_US / 1000;
    while (Atomics.load(ints, REQUESTS) === this.#taken && performance.now() < until);
    const found = this.#take();
    this.#looks = found ? Math.min(LOOKS_KEPT, this.#looks + 1) : Math.max(-LOOKS_KEPT, this.#looks - 1);
  }
}
