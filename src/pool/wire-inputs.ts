// Call inputs on their way to a worker. A call's facts (envelope, session,
// contexts) are read when the call is made, so a caller may reuse the input
// object at once; its message Buffer is borrowed until the call is answered.
//
// Facts travel as numbers and one string per batch, which the addon reads
// in the worker without a JS object per call (native/napi/packed_input.hpp).
// Per call, in `facts`: a mask of the fields present, then for each present
// field in FIELD order its length (strings; the text follows in `text`), its
// value (ports), its count and lengths (rcptto), or its count and
// (key length, value length) pairs (contexts). Values are read the way the
// addon reads a CallInput (native/napi/call_input.cpp): a field of another
// type is absent, rcptto entries and numeric context values become strings.
//
// Messages do not cross at all (docs/threads.md): each call's slots get the
// address and length of its Buffer's bytes (native messageAddresses), which
// the worker reads in place. The engine holds the Buffers until the worker's
// task has ended.
//
// The numbers are written into memory both threads share (the facts as calls
// are added, the layout after them when the batch goes), with room after
// them for the verdicts, which the worker writes there: no array is made
// for a batch, and only the layout is copied. A writer (and its memory)
// serves its batch until the worker's task has ended, then the next.
//
// A batch holds no object of its own per call while it waits and runs: what
// its verdicts will need of each input, its messages and the pieces of its
// text go into arrays its writer keeps from one batch to the next. Batches
// of a thousand calls queued behind the workers, each call with an object
// of its own, made every young-generation GC copy megabytes, with V8's
// helper threads busy beside the workers.

import { INTS, type CallInput, type Context, type Given } from '../engine/verdict.js';
import { PHASES, type Phase } from '../engine/phases.js';
import type { PackedCalls } from '../engine/policy.js';
import { IntWriter } from './int-writer.js';
import {
  TASK_ANSWER,
  TASK_ANSWER_ROOM,
  TASK_COUNT,
  TASK_HEADER,
  TASK_FACTS,
  TASK_LAYOUT,
  TASK_PHASE,
  TASK_POLICY,
  TASK_SETTINGS,
  TASK_TEXT,
  TASK_TEXT_LENGTH,
  TASK_VERDICTS,
  type BatchTask,
} from './protocol.js';

const ID = 1;
const MAILFROM = 2;
const RCPTTO = 4;
const RCPT = 8;
const HELO = 16;
const REMOTE_ADDR = 32;
const REMOTE_PORT = 64;
const LOCAL_ADDR = 128;
const LOCAL_PORT = 256;
const CONN = 512;
const MESS = 1024;
const CONN_ID = 2048;

/** What a batch's verdicts need of its inputs: the parts a call may leave as they were. */
export interface Givens {
  readonly count: number;
  given(i: number): Given;
}

/** Slots per call in a task's layout: facts offset, text offset, message address (low, high), length (-1: none). */
export const LAYOUT = 5;
/** Where in a call's layout its message's slots are. */
const MESSAGE_SLOTS = 2;
/** Per call in a writer's givens: mailfrom, rcptto, context.conn, context.mess. */
const GIVEN = 4;
/**
 * Room for a channel answer (the verdicts' text and new context keys), in
 * ints: two UTF-16 units an int. An answer that does not fit goes through
 * the port (channel.ts).
 */
const ANSWER_ROOM_BASE = 64;
const ANSWER_ROOM_PER_CALL = 48;
/** The most shared memory (in ints) a writer keeps for the next batch: enough for 1 024 calls with a few facts each, and room for their answer. */
const MAX_KEPT_INTS = 1 << 17;

/**
 * A batch as finish() gives it: its task (its ints, with its text in them,
 * on the writer's memory: `bytes` and `memory` are that memory too), where
 * its messages' slots start (for messageAddresses), its messages, and where
 * the worker will write its verdicts.
 */
export interface FinishedBatch extends BatchTask {
  writer: number;
  bytes: Buffer;
  memory: ArrayBufferLike;
  messagesAt: number;
  messages: (Buffer | undefined)[];
  verdictsAt: number;
}

const NO_MESSAGES: (Buffer | undefined)[] = [];

/**
 * A batch's facts, written as calls are added. Writers are kept for the
 * next batch once their batch's task has ended (take / release): a batch's
 * numbers and strings then cost no garbage but the string that crosses.
 */
export class InputWriter implements Givens {
  static readonly #free: InputWriter[] = [];
  static #lastId = 0;
  /** Names its memory to the workers that know it (channel.ts). */
  readonly id = ++InputWriter.#lastId;
  readonly #layout = new IntWriter(64 * LAYOUT);
  /** What crosses: the header, the facts, then the layout and room for the verdicts. */
  readonly #facts = new IntWriter(4096, true);
  /** The batch's text, as its pieces (the inputs' own strings), joined when the batch goes. */
  readonly #pieces: string[] = [];
  #pieceCount = 0;
  #textLength = 0;
  /** Per call, GIVEN slots: what its verdict needs of its input. */
  readonly #givens: unknown[] = [];
  /** Per call, its message (read in place by the worker). */
  readonly #messages: (Buffer | undefined)[] = [];
  /** What finish() gives: one object a writer, filled again for each of its batches (it serves one at a time). */
  readonly #finished: FinishedBatch;
  count = 0;

  private constructor() {
    this.#facts.length = TASK_HEADER;
    const facts = this.#facts;
    this.#finished = { ints: facts.view(0), writer: this.id, bytes: facts.bytes, memory: facts.memory, messagesAt: 0, messages: NO_MESSAGES, verdictsAt: 0 };
  }

  static take(): InputWriter {
    return InputWriter.#free.pop() ?? new InputWriter();
  }

  /** Back to the free list, empty, once its batch's task has ended (the worker no longer reads or writes its memory). */
  release(): void {
    this.#layout.length = 0;
    this.#facts.length = TASK_HEADER;
    // Emptied in place: the arrays keep their room for the next batch, and
    // hold on to nothing of this one. (Loops: fill() is a call into the
    // runtime each, more than a batch of one call has to clear.)
    const pieces = this.#pieces;
    for (let i = 0; i < this.#pieceCount; i++) pieces[i] = '';
    const givens = this.#givens;
    for (let i = 0; i < this.count * GIVEN; i++) givens[i] = undefined;
    const messages = this.#messages;
    for (let i = 0; i < this.count; i++) messages[i] = undefined;
    this.#finished.messages = NO_MESSAGES;
    this.#pieceCount = 0;
    this.#textLength = 0;
    this.count = 0;
    // A writer grown by a big batch (4 096 calls need some 400 KB) is not
    // kept: up to 64 of them would hold their memory for good.
    if (InputWriter.#free.length < 64 && this.#facts.capacity <= MAX_KEPT_INTS) InputWriter.#free.push(this);
  }

  /** Writes input's facts, and keeps what its verdict will need of it. */
  add(input: CallInput): void {
    const facts = this.#facts;
    const maskAt = facts.length;
    // Facts and text offsets; the message's slots (written by messageAddresses when the batch goes).
    this.#layout.push5(maskAt - TASK_HEADER, this.#textLength, 0, 0, -1);
    facts.push(0);
    let mask = 0;
    const { id, connId, mailfrom, rcptto, rcpt, helo, remoteAddr, remotePort, localAddr, localPort, context, message } = input;
    // Spelled out field by field: a helper that puts a field and says
    // whether it was there (if (this.#string(rcpt)) mask |= RCPT) measured
    // 12-48 ns more a call, packing 64 calls with finish and release.
    if (typeof id === 'string') {
      mask |= ID;
      this.#put(id);
    }
    if (typeof mailfrom === 'string') {
      mask |= MAILFROM;
      this.#put(mailfrom);
    }
    if (Array.isArray(rcptto)) {
      mask |= RCPTTO;
      facts.push(rcptto.length);
      for (const r of rcptto) this.#put(typeof r === 'string' ? r : String(r));
    }
    if (typeof rcpt === 'string') {
      mask |= RCPT;
      this.#put(rcpt);
    }
    if (typeof helo === 'string') {
      mask |= HELO;
      this.#put(helo);
    }
    if (typeof remoteAddr === 'string') {
      mask |= REMOTE_ADDR;
      this.#put(remoteAddr);
    }
    if (typeof remotePort === 'number') {
      mask |= REMOTE_PORT;
      facts.push(remotePort | 0);
    }
    if (typeof localAddr === 'string') {
      mask |= LOCAL_ADDR;
      this.#put(localAddr);
    }
    if (typeof localPort === 'number') {
      mask |= LOCAL_PORT;
      facts.push(localPort | 0);
    }
    const conn = typeof context === 'object' && context !== null ? context.conn : undefined;
    const mess = typeof context === 'object' && context !== null ? context.mess : undefined;
    if (typeof conn === 'object' && conn !== null) {
      mask |= CONN;
      this.#context(conn);
    }
    if (typeof mess === 'object' && mess !== null) {
      mask |= MESS;
      this.#context(mess);
    }
    if (typeof connId === 'string') {
      mask |= CONN_ID;
      this.#put(connId);
    }
    facts.set(maskAt, mask);
    const n = this.count++;
    const givens = this.#givens;
    givens[n * GIVEN] = mailfrom;
    givens[n * GIVEN + 1] = rcptto;
    givens[n * GIVEN + 2] = conn;
    givens[n * GIVEN + 3] = mess;
    this.#messages[n] = message;
  }

  /** What call i's verdict needs of its input, as its input gave it (made when asked: nothing per call waits with the batch). */
  given(i: number): Given {
    const givens = this.#givens;
    const at = i * GIVEN;
    const conn = givens[at + 2] as Context | undefined;
    const mess = givens[at + 3] as Context | undefined;
    return {
      mailfrom: givens[at] as string | undefined,
      rcptto: givens[at + 1] as string[] | undefined,
      context: conn === undefined && mess === undefined ? undefined : { conn, mess },
    };
  }

  /**
   * The task's ints and text: header, facts, layout, room for the verdicts;
   * where the messages' slots start (every LAYOUT ints, for
   * messageAddresses to fill), and where the worker will have written the
   * verdicts.
   */
  finish(policy: number, settings: number, phase: Phase): FinishedBatch {
    const layout = this.#layout.length;
    const count = layout / LAYOUT;
    const layoutAt = this.#facts.length;
    const verdictsAt = layoutAt + layout;
    // The pieces may be more than this batch's (a bigger one used the array before).
    const pieces = this.#pieces.length === this.#pieceCount ? this.#pieces : this.#pieces.slice(0, this.#pieceCount);
    const text = pieces.join('');
    // After the verdicts, the text (so that a worker reads the whole batch
    // from this memory), then room for the answer's text and keys.
    const textAt = verdictsAt + count * INTS;
    const answerAt = textAt + ((text.length + 1) >> 1);
    const answerRoom = ANSWER_ROOM_BASE + count * ANSWER_ROOM_PER_CALL;
    const ints = this.#facts.view(layout + count * INTS + (answerAt - textAt) + answerRoom);
    const bytes = this.#facts.bytes;
    bytes.write(text, textAt * 4, 'utf16le');
    ints[TASK_TEXT] = textAt;
    ints[TASK_TEXT_LENGTH] = text.length;
    ints[TASK_ANSWER] = answerAt;
    ints[TASK_ANSWER_ROOM] = answerRoom;
    ints[TASK_POLICY] = policy;
    ints[TASK_SETTINGS] = settings;
    ints[TASK_PHASE] = PHASES.indexOf(phase);
    ints[TASK_COUNT] = count;
    ints[TASK_LAYOUT] = layoutAt;
    ints[TASK_FACTS] = TASK_HEADER;
    ints[TASK_VERDICTS] = verdictsAt;
    this.#layout.copyInto(ints, layoutAt);
    // The array may be longer than this batch (a bigger one used it before).
    const messages = this.#messages.length === count ? this.#messages : this.#messages.slice(0, count);
    const out = this.#finished;
    out.ints = ints;
    out.bytes = bytes;
    out.memory = this.#facts.memory;
    out.messagesAt = layoutAt + MESSAGE_SLOTS;
    out.messages = messages;
    out.verdictsAt = verdictsAt;
    return out;
  }

  /** value into the text, its length into the facts. */
  #put(value: string): void {
    this.#facts.push(value.length);
    this.#pieces[this.#pieceCount++] = value;
    this.#textLength += value.length;
  }

  /** The context's entries into the text; their count and lengths into the facts. */
  #context(context: object): void {
    const facts = this.#facts;
    const countAt = facts.length;
    facts.push(0);
    let n = 0;
    for (const key in context) {
      const raw = (context as Record<string, unknown>)[key];
      if (typeof raw !== 'string' && typeof raw !== 'number') continue;
      const value = String(raw);
      facts.push2(key.length, value.length);
      this.#pieces[this.#pieceCount++] = key;
      this.#pieces[this.#pieceCount++] = value;
      this.#textLength += key.length + value.length;
      n++;
    }
    facts.set(countAt, n);
  }
}

/** Where the worker's addon finds a task's calls (native/napi/packed_input.hpp): the header at TASK_COUNT says where each part lies, the verdicts' room and the text too; the addon checks them. */
export function packedCalls(task: BatchTask): PackedCalls {
  return { ints: task.ints, headerAt: TASK_COUNT };
}
