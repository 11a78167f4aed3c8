// A growable Int32Array that keeps its memory from one batch to the next:
// the numbers of a batch are written here, then copied once into the array
// that crosses to the other thread.

export class IntWriter {
  #ints: Int32Array;
  length = 0;

  constructor(capacity = 1024) {
    this.#ints = new Int32Array(capacity);
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

  set(at: number, value: number): void {
    this.#ints[at] = value;
  }

  /** Copies what was written into target at offset. */
  copyInto(target: Int32Array, offset: number): void {
    target.set(this.#ints.subarray(0, this.length), offset);
  }

  /** What was written, as a new array; the writer starts again empty. */
  take(): Int32Array {
    const out = this.#ints.slice(0, this.length);
    this.length = 0;
    return out;
  }

  #grow(): void {
    const bigger = new Int32Array(this.#ints.length * 2);
    bigger.set(this.#ints);
    this.#ints = bigger;
  }
}
