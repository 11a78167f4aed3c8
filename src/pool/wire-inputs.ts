// Call inputs on their way to a worker. A call's facts (envelope, session,
// contexts) are read when the call is made, so a caller may reuse the input
// object at once; its message Buffer is borrowed until the call is answered.
//
// Facts travel as numbers and one string per batch, not as JSON: JSON.parse
// cost the worker ~0.7 us per call, five times the rest of unpacking. Per
// call, in `facts`: a mask of the fields present, then for each present
// field in FIELD order its length (strings; the text follows in `text`), its
// value (ports), its count and lengths (rcptto), or its count and
// (key length, value length) pairs (contexts). Values are read the way the
// addon reads them (native/napi/call_input.cpp): a field of another type is
// absent, rcptto entries and numeric context values become strings.
//
// Messages cross as bytes (docs/threads.md): packed end to end into one
// block, which is transferred and comes back with the answer to be used
// again (one copy, made on the calling thread; none on the worker), or,
// with transferMessages, moved whole when a Buffer owns its memory.

import type { CallInput, Context } from '../engine/verdict.js';
import { PHASES, type Phase } from '../engine/phases.js';
import { IntWriter } from './int-writer.js';
import { TASK_COUNT, TASK_HEADER, TASK_PHASE, TASK_POLICY, TASK_SETTINGS, type BatchTask } from './protocol.js';

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

/** What the calling thread keeps of a call to build its verdict: the parts a call leaves as they were. */
export interface Echo {
  mailfrom: string | undefined;
  rcptto: readonly string[] | undefined;
  conn: Context | undefined;
  mess: Context | undefined;
}

/** Slots per call in a task's layout: facts offset, text offset, buffer index, byte offset, byte length. */
export const LAYOUT = 5;
/** Where call i's message slots are in a task's ints. */
export const messageSlot = (i: number): number => TASK_HEADER + i * LAYOUT + 2;

/**
 * A batch's facts, written as calls are added. Writers are kept for the
 * next batch once their batch is sent (take / release): a batch's numbers
 * and strings then cost no garbage but the arrays that cross.
 */
export class InputWriter {
  static readonly #free: InputWriter[] = [];
  readonly #layout = new IntWriter(64 * LAYOUT);
  readonly #facts = new IntWriter(64 * 8);
  readonly #parts: string[] = [];
  #partCount = 0;
  #textLength = 0;

  static take(): InputWriter {
    return InputWriter.#free.pop() ?? new InputWriter();
  }

  /** Back to the free list, empty; not to be used again by its batch. */
  release(): void {
    this.#layout.length = 0;
    this.#facts.length = 0;
    // #parts keeps its length (and memory): finish() trims it to the batch's.
    this.#partCount = 0;
    this.#textLength = 0;
    if (InputWriter.#free.length < 64) InputWriter.#free.push(this);
  }

  /** Writes input's facts; returns what the verdict will need of the input. */
  add(input: CallInput): Echo {
    const facts = this.#facts;
    const maskAt = facts.length;
    this.#layout.push(maskAt);
    this.#layout.push(this.#textLength);
    this.#layout.push(-1);
    this.#layout.push2(0, 0);
    facts.push(0);
    let mask = 0;
    if (this.#string(input.id)) mask |= ID;
    if (this.#string(input.mailfrom)) mask |= MAILFROM;
    const rcptto = input.rcptto;
    if (Array.isArray(rcptto)) {
      mask |= RCPTTO;
      facts.push(rcptto.length);
      for (const r of rcptto) this.#string(String(r));
    }
    if (this.#string(input.rcpt)) mask |= RCPT;
    if (this.#string(input.helo)) mask |= HELO;
    if (this.#string(input.remoteAddr)) mask |= REMOTE_ADDR;
    if (typeof input.remotePort === 'number') {
      mask |= REMOTE_PORT;
      facts.push(input.remotePort | 0);
    }
    if (this.#string(input.localAddr)) mask |= LOCAL_ADDR;
    if (typeof input.localPort === 'number') {
      mask |= LOCAL_PORT;
      facts.push(input.localPort | 0);
    }
    const context = input.context;
    const conn = typeof context === 'object' && context !== null ? context.conn : undefined;
    const mess = typeof context === 'object' && context !== null ? context.mess : undefined;
    if (this.#context(conn)) mask |= CONN;
    if (this.#context(mess)) mask |= MESS;
    facts.set(maskAt, mask);
    return { mailfrom: input.mailfrom, rcptto: input.rcptto, conn, mess };
  }

  /** The task's ints and text: header, layout (message slots filled by packMessages), facts. */
  finish(policy: number, settings: number, phase: Phase): { ints: Int32Array; text: string } {
    const layout = this.#layout.length;
    const ints = new Int32Array(TASK_HEADER + layout + this.#facts.length);
    ints[TASK_POLICY] = policy;
    ints[TASK_SETTINGS] = settings;
    ints[TASK_PHASE] = PHASES.indexOf(phase);
    ints[TASK_COUNT] = layout / LAYOUT;
    this.#layout.copyInto(ints, TASK_HEADER);
    this.#facts.copyInto(ints, TASK_HEADER + layout);
    if (this.#parts.length !== this.#partCount) this.#parts.length = this.#partCount;
    return { ints, text: this.#parts.join('') };
  }

  #string(value: unknown): boolean {
    if (typeof value !== 'string') return false;
    this.#facts.push(value.length);
    this.#parts[this.#partCount++] = value;
    this.#textLength += value.length;
    return true;
  }

  #context(context: unknown): boolean {
    if (typeof context !== 'object' || context === null) return false;
    const facts = this.#facts;
    const countAt = facts.length;
    facts.push(0);
    let n = 0;
    for (const key in context) {
      const raw = (context as Record<string, unknown>)[key];
      if (typeof raw !== 'string' && typeof raw !== 'number') continue;
      const value = String(raw);
      facts.push2(key.length, value.length);
      this.#parts[this.#partCount++] = key;
      this.#parts[this.#partCount++] = value;
      this.#textLength += key.length + value.length;
      n++;
    }
    facts.set(countAt, n);
    return true;
  }
}

/**
 * Blocks for packed messages, used again once a worker hands them back: a
 * fresh ArrayBuffer for every batch cost more (page faults on first touch,
 * and V8's accounting of external memory) than copying the messages into
 * it. (A SharedArrayBuffer given to every worker once would spare the moves,
 * but V8 copies into shared memory byte by byte, 7x slower than memcpy.)
 */
export class BlockPool {
  static readonly MIN_BYTES = 64 * 1024;
  /**
   * What the free blocks may hold in all. A budget of bytes, not a size per
   * block: batches of large messages (64 x 200 KB wants a 16 MB block) must
   * find their block again too, or each one pays for a fresh one.
   */
  static readonly KEPT_BYTES = 64 * 1024 * 1024;
  readonly #free: ArrayBuffer[] = [];
  readonly #keep: number;
  #keptBytes = 0;

  constructor(keep: number) {
    this.#keep = keep;
  }

  /** Bytes held by the free blocks. */
  get keptBytes(): number {
    return this.#keptBytes;
  }

  take(bytes: number): ArrayBuffer {
    for (let i = this.#free.length - 1; i >= 0; i--) {
      const block = this.#free[i]!;
      if (block.byteLength >= bytes) {
        this.#free.splice(i, 1);
        this.#keptBytes -= block.byteLength;
        return block;
      }
    }
    let size = BlockPool.MIN_BYTES;
    while (size < bytes) size *= 2;
    // Not zero-filled: a worker reads only bytes copied in.
    return Buffer.allocUnsafeSlow(size).buffer as ArrayBuffer;
  }

  give(block: ArrayBuffer | undefined): void {
    if (!block || block.byteLength < BlockPool.MIN_BYTES || this.#free.length >= this.#keep) return;
    if (this.#keptBytes + block.byteLength > BlockPool.KEPT_BYTES) return;
    this.#free.push(block);
    this.#keptBytes += block.byteLength;
  }
}

/**
 * Completes a task's layout with where each message is: packed into
 * buffers[0] (a block from blocks), or, when in `transfer`, moved as its own
 * buffers[k]. All the buffers are to be transferred.
 */
export function packMessages(
  ints: Int32Array,
  messages: readonly (Buffer | undefined)[],
  transfer: ReadonlySet<ArrayBuffer> | null,
  blocks: BlockPool,
): ArrayBuffer[] {
  const moved: ArrayBuffer[] = [];
  let packedBytes = 0;
  let movedAt: Map<ArrayBuffer, number> | undefined;
  // The same Buffer in several calls in a row is packed once.
  let previous: Buffer | undefined;
  let previousAt = 0;
  for (let i = 0; i < messages.length; i++) {
    const message = messages[i];
    if (message === undefined) continue;
    const at = TASK_HEADER + i * LAYOUT + 2;
    const memory = message.buffer as ArrayBuffer;
    if (transfer !== null && transfer.has(memory)) {
      movedAt ??= new Map();
      let index = movedAt.get(memory);
      if (index === undefined) {
        index = moved.push(memory);
        movedAt.set(memory, index);
      }
      ints[at] = index;
      // A view into memory that moves with another call reads its own part.
      ints[at + 1] = message.byteOffset;
    } else {
      if (message !== previous) {
        previous = message;
        previousAt = packedBytes;
        packedBytes += message.byteLength;
      }
      ints[at] = 0;
      ints[at + 1] = previousAt;
    }
    ints[at + 2] = message.byteLength;
  }
  if (packedBytes === 0) return [new ArrayBuffer(0), ...moved];
  const block = blocks.take(packedBytes);
  const bytes = new Uint8Array(block);
  previous = undefined;
  for (let i = 0; i < messages.length; i++) {
    const message = messages[i];
    const at = TASK_HEADER + i * LAYOUT + 2;
    if (message === undefined || ints[at] !== 0 || message === previous) continue;
    previous = message;
    bytes.set(message, ints[at + 1]!);
  }
  return [block, ...moved];
}

/** Reads one call's facts in order: f walks `facts`, t walks `text`. */
class FactReader {
  f = 0;
  t = 0;
  constructor(
    readonly facts: Int32Array,
    readonly text: string,
  ) {}

  int(): number {
    return this.facts[this.f++]!;
  }

  string(): string {
    const start = this.t;
    this.t = start + this.facts[this.f++]!;
    return this.text.slice(start, this.t);
  }

  strings(): string[] {
    const n = this.int();
    const out = new Array<string>(n);
    for (let j = 0; j < n; j++) out[j] = this.string();
    return out;
  }

  context(): Context {
    const out: Context = {};
    const n = this.int();
    for (let j = 0; j < n; j++) {
      const key = this.string();
      out[key] = this.string();
    }
    return out;
  }
}

/** The worker's side: the phase, and plain inputs (one shape for all), messages viewing the task's bytes. */
export function unpackInputs(task: BatchTask): { phase: Phase; inputs: CallInput[] } {
  const { ints, buffers } = task;
  const count = ints[TASK_COUNT]!;
  const factsAt = TASK_HEADER + count * LAYOUT;
  const r = new FactReader(ints, task.text);
  const inputs = new Array<CallInput>(count);
  for (let i = 0; i < count; i++) {
    const l = TASK_HEADER + i * LAYOUT;
    r.f = factsAt + ints[l]!;
    r.t = ints[l + 1]!;
    const mask = r.int();
    const id = mask & ID ? r.string() : undefined;
    const mailfrom = mask & MAILFROM ? r.string() : undefined;
    const rcptto = mask & RCPTTO ? r.strings() : undefined;
    const rcpt = mask & RCPT ? r.string() : undefined;
    const helo = mask & HELO ? r.string() : undefined;
    const remoteAddr = mask & REMOTE_ADDR ? r.string() : undefined;
    const remotePort = mask & REMOTE_PORT ? r.int() : undefined;
    const localAddr = mask & LOCAL_ADDR ? r.string() : undefined;
    const localPort = mask & LOCAL_PORT ? r.int() : undefined;
    const conn = mask & CONN ? r.context() : undefined;
    const mess = mask & MESS ? r.context() : undefined;
    const index = ints[l + 2]!;
    inputs[i] = {
      message: index < 0 ? undefined : Buffer.from(buffers[index]!, ints[l + 3], ints[l + 4]),
      id,
      mailfrom,
      rcptto,
      rcpt,
      helo,
      remoteAddr,
      remotePort,
      localAddr,
      localPort,
      context: mask & (CONN | MESS) ? { conn, mess } : undefined,
    };
  }
  return { phase: PHASES[ints[TASK_PHASE]!]!, inputs };
}
