// A growable Int32Array that keeps its memory from one batch to the next:
// the numbers of a batch are written here. On shared memory, what is written
// crosses to the other thread as it is (wire-inputs.ts).

export class IntWriter {
  #ints: Int32Array;
  readonly #shared: boolean;
  /** #ints' memory, kept: a typed array's .buffer is a call into the runtime (25 ns). */
  #memory: ArrayBufferLike;
  #bytes: Buffer | undefined;
  length = 0;

  constructor(capacity = 1024, shared = false) {
    this.#shared = shared;
    this.#ints = this.#allocate(capacity);
    this.#memory = this.#ints.buffer;
  }

  /** Its memory (a new one each time it grows). */
  get memory(): ArrayBufferLike {
    return this.#memory;
  }

  /** Its memory as bytes (a Buffer on the same memory), for the text written beside the ints. */
  get bytes(): Buffer {
    return (this.#bytes ??= Buffer.from(this.#memory, 0, this.#memory.byteLength));
  }

  /** How many ints it holds before it must grow. */
  get capacity(): number {
    return this.#ints.length;
  }

  /**
   * Its memory, grown if need be to hold what was written and `room` ints
   * after it: valid until the next write. The whole array, not a view of
   * that part: a view is an object more per batch.
   */
  view(room: number): Int32Array {
    while (this.length + room > this.#ints.length) this.#grow();
    return this.#ints;
  }

  push(value: number): void {
    if (this.length === this.#ints.length) this.#grow();
    this.#ints[this.length++] = value;
  }

  push2(a: number, b: number): void {
    if (this.length + 2 > this.#ints.length) this.#grow();
    this.#ints[this.length++] = a;
    this.#ints[this.length++] = b;
  }

  push5(a: number, b: number, c: number, d: number, e: number): void {
    if (this.length + 5 > this.#ints.length) this.#grow();
    const ints = this.#ints;
    const at = this.length;
    ints[at] = a;
    ints[at + 1] = b;
    ints[at + 2] = c;
    ints[at + 3] = d;
    ints[at + 4] = e;
    this.length = at + 5;
  }

  set(at: number, value: number): void {
    this.#ints[at] = value;
  }

  /** Copies what was written into target at offset (a loop: a subarray to set() from is an object more per batch). */
  copyInto(target: Int32Array, offset: number): void {
    const ints = this.#ints;
    for (let i = 0; i < this.length; i++) target[offset + i] = ints[i]!;
  }

  #grow(): void {
    const bigger = this.#allocate(this.#ints.length * 2);
    bigger.set(this.#ints.subarray(0, this.length));
    this.#ints = bigger;
    this.#memory = bigger.buffer;
    this.#bytes = undefined;
  }

  #allocate(capacity: number): Int32Array {
    return this.#shared ? new Int32Array(new SharedArrayBuffer(capacity * Int32Array.BYTES_PER_ELEMENT)) : new Int32Array(capacity);
  }
}
