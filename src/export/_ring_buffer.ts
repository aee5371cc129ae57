// Internal: a bounded FIFO queue with O(1) push and take, for processors.
// `Array.prototype.shift` on a queue of thousands copies the whole array on
// every call in some engines; a ring with a head index never does.

/**
 * A first-in, first-out queue that holds at most `capacity` items. Its
 * storage starts small and doubles up to `capacity`, so an idle processor
 * with a large bound does not reserve memory it never uses.
 */
export class RingBuffer<T> {
  readonly capacity: number;
  #items: (T | undefined)[];
  #head = 0;
  #length = 0;

  /**
   * @param capacity The most items it holds: a positive integer.
   */
  constructor(capacity: number) {
    this.capacity = capacity;
    this.#items = new Array(Math.min(capacity, 64));
  }

  /** How many items are waiting. */
  get length(): number {
    return this.#length;
  }

  /**
   * Adds an item at the tail.
   *
   * @param item The item.
   * @returns `false`, and keeps nothing, when the queue is full.
   */
  push(item: T): boolean {
    const length = this.#length;
    if (length === this.capacity) return false;
    let items = this.#items;
    if (length === items.length) items = this.#grow();
    let tail = this.#head + length;
    if (tail >= items.length) tail -= items.length;
    items[tail] = item;
    this.#length = length + 1;
    return true;
  }

  /**
   * Removes up to `max` items from the head, oldest first.
   *
   * @param max The most items to take.
   * @returns A new array of the taken items (empty when the queue is).
   */
  take(max: number): T[] {
    const n = Math.min(max, this.#length);
    const out = new Array<T>(n);
    const items = this.#items;
    const size = items.length;
    let head = this.#head;
    for (let i = 0; i < n; i++) {
      out[i] = items[head] as T;
      // Let the span be collected as soon as its export is done.
      items[head] = undefined;
      if (++head === size) head = 0;
    }
    this.#head = this.#length === n ? 0 : head;
    this.#length -= n;
    return out;
  }

  #grow(): (T | undefined)[] {
    const old = this.#items;
    const next = new Array<T | undefined>(Math.min(this.capacity, old.length * 2));
    for (let i = 0; i < this.#length; i++) next[i] = old[(this.#head + i) % old.length];
    this.#items = next;
    this.#head = 0;
    return next;
  }
}
