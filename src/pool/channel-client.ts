// The engine's end of a worker's call channel (call-channel.ts): puts a task
// into a free slot, and hands each answer found in a slot to the one waiting
// for it. While tasks are out it waits in Atomics.waitAsync (the event loop
// runs on), and the worker notifies it as it answers.

import { INTS } from '../engine/verdict.js';
import {
  ANSWER_IN_SLOT,
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
  WORKER_PARKED,
  waitAsync,
} from './call-channel.js';
import { TASK_COUNT, TASK_VERDICTS, type BatchTask, type SentBatchResult } from './protocol.js';

/** Where an answer found in a slot goes: the task's id, and its result (read before the slot is reused). */
export type SlotAnswered = (id: number, result: SentBatchResult | undefined) => void;

export class ChannelClient {
  readonly #memory: ChannelMemory;
  readonly #free: number[] = [];
  readonly #answered: SlotAnswered;
  #requests = 0;
  #seen = 0;
  #out = 0;
  #parked = false;
  #closed = false;

  /** answered(id, result): a task answered in its slot; result undefined when its answer comes on the port. */
  constructor(sab: SharedArrayBuffer, answered: SlotAnswered) {
    this.#memory = new ChannelMemory(sab);
    for (let s = this.#memory.slots - 1; s >= 0; s--) this.#free.push(s);
    this.#answered = answered;
  }

  /** Puts task in a free slot, as task id; false when no slot is free or it does not fit (then it goes through the port). */
  post(id: number, task: BatchTask): boolean {
    if (this.#closed || this.#free.length === 0) return false;
    const memory = this.#memory;
    const ints = memory.ints;
    const slot = this.#free[this.#free.length - 1]!;
    const at = memory.slotAt(slot);
    const length = task.ints.length;
    const textAt = at + SLOT_FIELDS + length;
    if (textAt > at + SLOT_INTS) return false;
    const bytes = memory.writeText(task.text, textAt * 4, (at + SLOT_INTS) * 4, at + S_TEXT_WIDE);
    if (bytes < 0) return false;
    this.#free.pop();
    ints.set(task.ints, at + SLOT_FIELDS);
    ints[at + S_ID] = id;
    ints[at + S_INTS] = length;
    ints[at + S_TEXT_BYTES] = bytes;
    ints[memory.requestEntry(this.#requests)] = slot;
    Atomics.store(ints, REQUESTS, ++this.#requests);
    this.ring();
    this.#out++;
    // Never read here: its caller's bookkeeping would see the task answered before it was sent.
    if (!this.#parked) this.#park();
    return true;
  }

  /** Rings the worker's doorbell (after a task, or a message on its port): wakes it if it is parked. */
  ring(): void {
    const ints = this.#memory.ints;
    Atomics.add(ints, DOORBELL, 1);
    if (Atomics.load(ints, WORKER_PARKED) === 1) Atomics.notify(ints, DOORBELL);
  }

  /** The worker is gone: nothing more is posted or read (its calls are answered by the engine). */
  close(): void {
    this.#closed = true;
    if (this.#parked) Atomics.notify(this.#memory.ints, ANSWERS);
  }

  /** Waits in Atomics.waitAsync for the worker's next answer (it notifies, seeing ENGINE_PARKED). */
  #park(): void {
    const ints = this.#memory.ints;
    Atomics.store(ints, ENGINE_PARKED, 1);
    const wait = waitAsync(ints, ANSWERS, this.#seen);
    this.#parked = true;
    if (wait.async) void wait.value.then(this.#woken);
    else setImmediate(this.#woken);
  }

  #woken = (): void => {
    this.#parked = false;
    Atomics.store(this.#memory.ints, ENGINE_PARKED, 0);
    if (this.#closed) return;
    this.#read();
    if (this.#out > 0) this.#park();
  };

  /** Hands over every answer put on the ring since the last look. */
  #read(): void {
    const memory = this.#memory;
    const ints = memory.ints;
    const answers = Atomics.load(ints, ANSWERS);
    while (this.#seen !== answers) {
      const slot = ints[memory.answerEntry(this.#seen)]!;
      this.#seen++;
      this.#out--;
      const at = memory.slotAt(slot);
      const id = ints[at + S_ID]!;
      const result = ints[at + S_ANSWER] === ANSWER_IN_SLOT ? this.#result(at) : undefined;
      // The verdicts are read (decoded) before the slot is given back.
      this.#answered(id, result);
      this.#free.push(slot);
    }
  }

  #result(at: number): SentBatchResult {
    const memory = this.#memory;
    const ints = memory.ints;
    const taskAt = at + SLOT_FIELDS;
    const keysAt = taskAt + ints[at + S_INTS]!;
    const keyCount = ints[at + S_KEYS]!;
    const wide = ints[at + S_ANSWER_WIDE] === 1;
    const joined = memory.readText((keysAt + keyCount) * 4, ints[at + S_ANSWER_TEXT]!, wide);
    const keys = new Array<string>(keyCount);
    let end = joined.length;
    for (let k = keyCount - 1; k >= 0; k--) {
      const n = ints[keysAt + k]!;
      keys[k] = joined.slice(end - n, end);
      end -= n;
    }
    const verdictsAt = taskAt + ints[taskAt + TASK_VERDICTS]!;
    return {
      text: keyCount === 0 ? joined : joined.slice(0, end),
      keys,
      values: undefined,
      verdicts: ints.subarray(verdictsAt, verdictsAt + ints[taskAt + TASK_COUNT]! * INTS),
    };
  }
}
