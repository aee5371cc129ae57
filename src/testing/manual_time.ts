/**
 * A hand-driven clock and scheduler for tests.
 *
 * @module
 */

import { describe } from "../platform/_describe.ts";
import type { Clock } from "../platform/clock.ts";
import type { Scheduler, TimerHandle } from "../platform/scheduler.ts";

interface Timer {
  id: number;
  at: number;
  fn: () => void;
}

/**
 * A {@linkcode Clock} and {@linkcode Scheduler} that only move when told to,
 * so tests of time-dependent code are exact and never sleep.
 *
 * @example
 * ```ts
 * import { ManualTime } from "@codomyrmex/spans/testing";
 * import assert from "node:assert/strict";
 *
 * const time = new ManualTime(1_000);
 * const fired: number[] = [];
 * time.setTimeout(() => fired.push(time.now()), 50);
 * await time.tick(49);
 * assert.deepEqual(fired, []);
 * await time.tick(1);
 * assert.deepEqual(fired, [1_050]);
 * ```
 */
export class ManualTime implements Clock, Scheduler {
  #now: number;
  #nextId = 1;
  #timers: Timer[] = [];
  // The last tick asked for: each tick starts when the one before it has
  // finished, so ticks not awaited in between add up and the time never goes
  // back.
  #ticking: Promise<void> = Promise.resolve();

  /**
   * Creates a clock that reads `start` until it is advanced.
   *
   * @param start The initial time, in epoch milliseconds.
   *
   * @example
   * ```ts
   * import { ManualTime } from "@codomyrmex/spans/testing";
   * import assert from "node:assert/strict";
   *
   * assert.equal(new ManualTime(5).now(), 5);
   * ```
   */
  constructor(start = 0) {
    if (!Number.isFinite(start)) {
      throw new RangeError(
        `Cannot create ManualTime: start must be a finite number, got ${describe(start)}`,
      );
    }
    this.#now = start;
  }

  /**
   * Returns the current manual time.
   *
   * @returns Epoch milliseconds.
   *
   * @example
   * ```ts
   * import { ManualTime } from "@codomyrmex/spans/testing";
   * import assert from "node:assert/strict";
   *
   * const time = new ManualTime(10);
   * await time.tick(5);
   * assert.equal(time.now(), 15);
   * ```
   */
  now(): number {
    return this.#now;
  }

  /**
   * Schedules `fn` to run when the time reaches `now() + ms`.
   *
   * @param fn The callback.
   * @param ms The delay in milliseconds; negative counts as zero.
   * @returns A handle for {@linkcode ManualTime.clearTimeout}.
   *
   * @example
   * ```ts
   * import { ManualTime } from "@codomyrmex/spans/testing";
   * import assert from "node:assert/strict";
   *
   * const time = new ManualTime();
   * let n = 0;
   * time.setTimeout(() => n++, 10);
   * await time.tick(10);
   * assert.equal(n, 1);
   * ```
   */
  setTimeout(fn: () => void, ms: number): TimerHandle {
    if (typeof fn !== "function") {
      throw new TypeError(`Cannot set timeout: fn must be a function, got ${describe(fn)}`);
    }
    const id = this.#nextId++;
    this.#timers.push({ id, at: this.#now + Math.max(0, ms || 0), fn });
    return id;
  }

  /**
   * Cancels a pending timer.
   *
   * @param handle What {@linkcode ManualTime.setTimeout} returned.
   *
   * @example
   * ```ts
   * import { ManualTime } from "@codomyrmex/spans/testing";
   * import assert from "node:assert/strict";
   *
   * const time = new ManualTime();
   * let n = 0;
   * const h = time.setTimeout(() => n++, 10);
   * time.clearTimeout(h);
   * await time.tick(20);
   * assert.equal(n, 0);
   * ```
   */
  clearTimeout(handle: TimerHandle): void {
    this.#timers = this.#timers.filter((t) => t.id !== handle);
  }

  /** The number of timers still waiting to fire. */
  get pendingTimers(): number {
    return this.#timers.length;
  }

  /**
   * Advances the time by `ms`, firing due timers in order (timers due at the
   * same time in the order they were set). Between timers and at the end it
   * lets pending promise callbacks run, so async work started by a timer
   * makes progress as it would with real time. A tick called while another
   * is under way starts when that one has finished, so the two add up. A
   * timer that throws does not stop the others: the time still reaches its
   * target, and then the promise rejects with the first error.
   *
   * @param ms How far to move, in milliseconds.
   * @returns A promise that resolves once the time has moved.
   * @throws {RangeError} (as a rejection) When `ms` is negative, NaN or no
   * number, or would take the time past the largest finite number.
   *
   * @example
   * ```ts
   * import { ManualTime } from "@codomyrmex/spans/testing";
   * import assert from "node:assert/strict";
   *
   * const time = new ManualTime();
   * const order: string[] = [];
   * time.setTimeout(() => order.push("b"), 20);
   * time.setTimeout(() => order.push("a"), 10);
   * await time.tick(30);
   * assert.deepEqual(order, ["a", "b"]);
   * ```
   */
  tick(ms: number): Promise<void> {
    if (typeof ms !== "number" || !(ms >= 0) || ms === Infinity) {
      return Promise.reject(
        new RangeError(
          `Cannot tick: ms must be a finite non-negative number, got ${describe(ms)}`,
        ),
      );
    }
    const run = this.#ticking.then(() => this.#advance(ms));
    this.#ticking = run.then(() => {}, () => {});
    return run;
  }

  async #advance(ms: number): Promise<void> {
    const target = this.#now + ms;
    if (!Number.isFinite(target)) {
      throw new RangeError(
        `Cannot tick: the time would pass the largest number, at ${this.#now} + ${ms}`,
      );
    }
    let failed = false;
    let firstError: unknown;
    await flushMicrotasks();
    for (;;) {
      let next: Timer | undefined;
      for (const t of this.#timers) {
        if (t.at <= target && (next === undefined || t.at < next.at)) next = t;
      }
      if (next === undefined) break;
      this.#timers = this.#timers.filter((t) => t !== next);
      this.#now = Math.max(this.#now, next.at);
      try {
        next.fn();
      } catch (error) {
        if (!failed) {
          failed = true;
          firstError = error;
        }
      }
      await flushMicrotasks();
    }
    this.#now = target;
    await flushMicrotasks();
    if (failed) throw firstError;
  }
}

async function flushMicrotasks(): Promise<void> {
  // A macrotask boundary drains every queued microtask, however deep the
  // promise chain, which a fixed number of `await null` would not.
  await new Promise<void>((resolve) => setTimeout(resolve, 0));
}
