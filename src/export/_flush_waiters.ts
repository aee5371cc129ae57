// Internal: promises that resolve once a processor has settled (exported or
// failed) a given number of spans. Spans settle in the order they were
// queued, so "the spans ended before this call" is a count.

interface Waiter {
  readonly target: number;
  readonly resolve: () => void;
}

/** Waiters on a monotonic count of settled spans. */
export class FlushWaiters {
  #waiters: Waiter[] = [];

  /** How many waiters there are. */
  get size(): number {
    return this.#waiters.length;
  }

  /**
   * Waits until {@linkcode FlushWaiters.settle} reports at least `target`.
   *
   * @param target The count to wait for.
   * @returns A promise that resolves then.
   */
  wait(target: number): Promise<void> {
    return new Promise<void>((resolve) => this.#waiters.push({ target, resolve }));
  }

  /**
   * Resolves every waiter whose target `settled` has reached.
   *
   * @param settled The processor's settled count.
   */
  settle(settled: number): void {
    if (this.#waiters.length === 0) return;
    const still: Waiter[] = [];
    for (const w of this.#waiters) {
      if (w.target <= settled) w.resolve();
      else still.push(w);
    }
    this.#waiters = still;
  }
}
