// Internal: the registries of the exit paths (normal exit, a signal, a
// crash) hold their processors' hooks weakly, so that a processor nobody
// holds (and that has nothing queued, or its pending timer would hold it)
// is not kept alive by a registry.

/** A set of hooks held weakly. */
export class WeakHooks<T extends object> {
  readonly #refs = new Set<WeakRef<T>>();
  #sweepAt = 64;

  /**
   * Adds `hook`.
   *
   * @returns A function that removes it.
   */
  add(hook: T): () => void {
    const ref = new WeakRef(hook);
    this.#refs.add(ref);
    if (this.#refs.size >= this.#sweepAt) {
      this.#sweep();
      this.#sweepAt = Math.max(64, this.#refs.size * 2);
    }
    return () => void this.#refs.delete(ref);
  }

  /** Whether no hook is registered (collected ones are forgotten first). */
  get empty(): boolean {
    this.#sweep();
    return this.#refs.size === 0;
  }

  /** The hooks still alive, in the order they were added. */
  alive(): T[] {
    const out: T[] = [];
    for (const ref of this.#refs) {
      const hook = ref.deref();
      if (hook === undefined) this.#refs.delete(ref);
      else out.push(hook);
    }
    return out;
  }

  #sweep(): void {
    for (const ref of this.#refs) if (ref.deref() === undefined) this.#refs.delete(ref);
  }
}
