// The shared-memory line between the engine and one worker (a
// SharedArrayBuffer the worker makes and hands over with its control port).
// A task and its answer cross it without postMessage: the engine writes the
// task's ints and text into a free slot and puts the slot's number on the
// request ring; the worker runs it, writes the verdicts and the answer's text
// into the same slot and puts the number on the answer ring. A side that has
// nothing to read waits (the engine in Atomics.waitAsync; the worker in
// Atomics.wait when nothing of its own runs, else in Atomics.waitAsync, so
// that calls waiting on Node go on), and is notified only when it waits;
// a worker that has just answered looks for the next task a few
// microseconds first.
// What does not fit a slot (a big batch; an answer with rare parts, or one
// that failed) goes through the control port as before (docs/threads.md).
//
// Slot layout, in ints from the slot's start: SLOT_FIELDS fields, then the
// task's ints (header, facts, layout, room for the verdicts, as over the
// port), then the task's text as bytes. The answer overwrites the text: the
// context keys' lengths (ints), then its text and the keys as bytes.

/** The header's words (ints). */
export const REQUESTS = 0;
export const ANSWERS = 1;
/** 1 while that side waits in Atomics.waitAsync: the other then notifies. */
export const WORKER_PARKED = 2;
export const ENGINE_PARKED = 3;
/**
 * Rung by the engine after each task and each control message it sends the
 * worker: a worker asleep in Atomics.wait (its event loop stopped) wakes to
 * read the port, too.
 */
export const DOORBELL = 4;
const RINGS_AT = 8;

/** A slot's fields. */
export const S_ID = 0;
export const S_INTS = 1;
export const S_TEXT_WIDE = 2;
export const S_TEXT_BYTES = 3;
/** How the answer came: in the slot, or on the port (it did not fit). */
export const S_ANSWER = 4;
export const S_ANSWER_WIDE = 5;
export const S_ANSWER_TEXT = 6;
export const S_KEYS = 7;
export const SLOT_FIELDS = 16;

export const ANSWER_IN_SLOT = 0;
export const ANSWER_ON_PORT = 1;

/** Ints per slot: 32 KB, a batch of 64 ordinary calls and its answer. */
export const SLOT_INTS = 8192;
/** Slots per worker: at most this many of its tasks cross here at once; more go through the port. */
export const MAX_SLOTS = 16;

/**
 * The longest a worker with nothing running sleeps in Atomics.wait before it
 * gives its event loop a turn (its timers: the sweep of spare Lua threads,
 * the metrics' samples).
 */
export const SLEEP_MS = 20;
/** How long a worker that has just answered, and has nothing else to run, looks for the next task before it waits (channel-server.ts). */
export const SPIN_AFTER_ANSWER_US = 30;

type WaitAsync = (ints: Int32Array, index: number, value: number) => { async: false; value: string } | { async: true; value: Promise<string> };
/** Atomics.waitAsync (ES2024; in Node since 16), which this TypeScript's lib does not declare. */
export const waitAsync = (Atomics as unknown as { waitAsync: WaitAsync }).waitAsync;

/** Texts up to this many units are written by a loop here, longer ones by Buffer.write. */
const SHORT_TEXT = 512;

/** Code units outside Latin-1: such a text crosses as UTF-16. */
const WIDE = /[^\x00-\xff]/;

export class ChannelMemory {
  readonly sab: SharedArrayBuffer;
  readonly ints: Int32Array;
  readonly bytes: Buffer;
  readonly slots: number;

  constructor(sabOrSlots: SharedArrayBuffer | number) {
    if (typeof sabOrSlots === 'number') {
      const slots = Math.min(MAX_SLOTS, Math.max(1, sabOrSlots));
      this.sab = new SharedArrayBuffer((RINGS_AT + 2 * slots + slots * SLOT_INTS) * 4);
    } else {
      this.sab = sabOrSlots;
    }
    this.ints = new Int32Array(this.sab);
    this.bytes = Buffer.from(this.sab);
    this.slots = Math.floor((this.ints.length - RINGS_AT) / (2 + SLOT_INTS));
  }

  /** Where slot s starts, in ints. */
  slotAt(s: number): number {
    return RINGS_AT + 2 * this.slots + s * SLOT_INTS;
  }

  /** The request ring's entry n (mod slots), and the answer ring's. */
  requestEntry(n: number): number {
    return RINGS_AT + (n % this.slots);
  }

  answerEntry(n: number): number {
    return RINGS_AT + this.slots + (n % this.slots);
  }

  /** Writes text at byte offset `at` (Latin-1 when it can, else UTF-16); its byte length, or -1 when it does not fit before `end`. */
  writeText(text: string, at: number, end: number, wideField: number): number {
    // A short text by hand: Buffer.write and the test for wide units cost
    // some 800 ns a call together, most of it in crossing into C++.
    if (text.length <= SHORT_TEXT && at + text.length <= end && this.#writeLatin1(text, at)) {
      this.ints[wideField] = 0;
      return text.length;
    }
    const wide = WIDE.test(text);
    const n = wide ? text.length * 2 : text.length;
    if (at + n > end) return -1;
    this.ints[wideField] = wide ? 1 : 0;
    if (n > 0) this.bytes.write(text, at, n, wide ? 'utf16le' : 'latin1');
    return n;
  }

  /** text as Latin-1 at `at`; false (and a part written) when a unit is wider. */
  #writeLatin1(text: string, at: number): boolean {
    const bytes = this.bytes;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c > 0xff) return false;
      bytes[at + i] = c;
    }
    return true;
  }

  readText(at: number, n: number, wide: boolean): string {
    return n === 0 ? '' : this.bytes.toString(wide ? 'utf16le' : 'latin1', at, at + n);
  }
}
