// Which message Buffers may be moved to a worker rather than copied
// (transferMessages: true). Only a Buffer that is the whole of its
// ArrayBuffer can move: a Buffer under 4 KB is usually a slice of Node's
// shared 8 KB pool (Buffer.from, Buffer.concat and fs.readFileSync all use
// it), and moving that ArrayBuffer would empty every other Buffer in it.

import { UsageError } from '../engine/errors.js';

/** True when buf is the whole of a (non-shared) ArrayBuffer: moving it empties nothing else. */
export function ownsItsMemory(buf: Uint8Array): boolean {
  const memory = buf.buffer;
  return memory instanceof ArrayBuffer && buf.byteOffset === 0 && buf.byteLength === memory.byteLength;
}

/**
 * The ArrayBuffers the engine has moved or is about to move. A Buffer
 * already moved is empty: using it again is a caller's mistake, refused
 * loudly rather than run as an empty message.
 */
export class MessageClaims {
  readonly #moved = new WeakSet<ArrayBuffer>();
  readonly #claimedBy = new WeakMap<ArrayBuffer, object>();

  /** Throws if message was moved to a worker by an earlier call. */
  check(message: Buffer): void {
    if (message.byteLength === 0 && this.#moved.has(message.buffer as ArrayBuffer)) {
      throw new UsageError("call input: this message Buffer was moved to a worker by an earlier call and is now empty; pass that call's verdict.message instead");
    }
  }

  /**
   * How batch sends message: moved ('transfer', its memory claimed for this
   * batch, or riding along with a call of this batch that moves it), 'copy',
   * or as a private copy (returned) when another batch has claimed the
   * memory, since that batch may move it first.
   */
  claim(message: Buffer, batch: object): 'transfer' | 'copy' | Buffer {
    const memory = message.buffer as ArrayBuffer;
    const owner = this.#claimedBy.get(memory);
    if (owner === batch) return 'transfer';
    if (owner !== undefined) return Buffer.from(message);
    if (!ownsItsMemory(message) || message.byteLength === 0) return 'copy';
    this.#claimedBy.set(memory, batch);
    return 'transfer';
  }

  moved(memory: ArrayBuffer): void {
    this.#moved.add(memory);
  }
}
