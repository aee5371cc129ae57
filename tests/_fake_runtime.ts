// A runtime's event loop on ManualTime, for the tests of how long the exit
// paths keep a process alive: a Scheduler and Clock that, like Node, Bun and
// Deno, keeps the "process" alive while a timer that is not a background one
// is pending, and ends it (after "beforeExit") when none is. A promise that
// never settles holds nothing, as in a real runtime. Not a test file itself.

import type { Clock, Scheduler, TimerHandle, TimerOptions } from "../mod.ts";
import { ManualTime } from "../testing.ts";

interface Pending {
  readonly at: number;
  readonly background: boolean;
}

/** ManualTime that tells the timers keeping the process alive from background ones. */
export class FakeRuntime implements Scheduler, Clock {
  readonly time: ManualTime;
  readonly #pending = new Map<TimerHandle, Pending>();

  constructor(start = 0) {
    this.time = new ManualTime(start);
  }

  now(): number {
    return this.time.now();
  }

  setTimeout(fn: () => void, ms: number, options?: TimerOptions): TimerHandle {
    const handle: TimerHandle = this.time.setTimeout(() => {
      this.#pending.delete(handle);
      fn();
    }, ms);
    this.#pending.set(handle, {
      at: this.time.now() + Math.max(0, ms || 0),
      background: options?.background === true,
    });
    return handle;
  }

  clearTimeout(handle: TimerHandle): void {
    this.#pending.delete(handle);
    this.time.clearTimeout(handle);
  }

  /** Whether a timer that keeps the process alive is pending. */
  get alive(): boolean {
    for (const timer of this.#pending.values()) if (!timer.background) return true;
    return false;
  }

  /** Every pending timer: when it fires, and whether it is a background one. */
  get pending(): Pending[] {
    return [...this.#pending.values()].sort((a, b) => a.at - b.at);
  }

  /**
   * Lets time pass as the runtime would while nothing but timers happens:
   * timer after timer, background ones included, for as long as one that
   * keeps the process alive is pending. Resolves with the time at which the
   * loop has drained. Fails past `limit` ms of manual time.
   */
  async drain(limit = 1_000_000): Promise<number> {
    for (;;) {
      await this.time.tick(0);
      if (!this.alive) return this.time.now();
      const next = this.pending[0].at;
      if (next > limit) throw new Error(`the process was still alive at ${limit} ms`);
      await this.time.tick(Math.max(0, next - this.time.now()));
    }
  }

  /**
   * Runs the loop to the end as the runtime does: each time it drains,
   * `beforeExit` is called; the process ends when that leaves nothing to
   * wait for. Resolves with the time it ends at.
   */
  async runToExit(beforeExit: () => void, limit = 1_000_000): Promise<number> {
    for (let round = 0; round < 100; round++) {
      await this.drain(limit);
      beforeExit();
      await this.time.tick(0);
      if (!this.alive) return this.time.now();
    }
    throw new Error("beforeExit kept the process running");
  }
}
