// An unordered set of objects for the per-call path: adding and removing
// allocate nothing once it has grown to the most it held. V8's Set and Map
// give their table back when they empty and make a new one when they fill
// again: 120-150 bytes for each add and delete, and the pool added and
// deleted in four of them for every single call (a fifth of the calling
// thread's allocation, bench/README.md "Single calls"). Its members are few
// (the batches out, the tasks a worker owes): a search is a short scan.

export class SlotList<T> {
  /** Members in [0, size); undefined after, so that nothing stays reachable from here. */
  readonly #items: (T | undefined)[] = [];
  #size = 0;

  get size(): number {
    return this.#size;
  }

  /** Member i, 0 <= i < size (in no particular order). */
  at(i: number): T {
    return this.#items[i]!;
  }

  add(item: T): void {
    if (this.#size < this.#items.length) this.#items[this.#size] = item;
    else this.#items.push(item);
    this.#size++;
  }

  /** Removes member i: the last takes its place. */
  removeAt(i: number): T {
    const items = this.#items;
    const item = items[i]!;
    const last = --this.#size;
    items[i] = items[last];
    items[last] = undefined;
    return item;
  }

  /** Removes an item; false if it was not a member. */
  delete(item: T): boolean {
    const items = this.#items;
    for (let i = 0; i < this.#size; i++) {
      if (items[i] === item) {
        this.removeAt(i);
        return true;
      }
    }
    return false;
  }

  /** The members, copied: to go through while they change. */
  toArray(): T[] {
    return this.#items.slice(0, this.#size) as T[];
  }

  clear(): void {
    this.#items.fill(undefined, 0, this.#size);
    this.#size = 0;
  }
}
