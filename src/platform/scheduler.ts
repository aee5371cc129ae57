/**
 * Timers, injectable: a deadline that an awaited promise waits on (a
 * flush's) keeps the process alive until it fires; a background timer (the
 * batch interval, the deadline of an export nothing waits for) never does.
 *
 * @module
 */

/** The opaque handle a {@linkcode Scheduler} returns for a timer. */
export type TimerHandle = unknown;

/**
 * How a {@linkcode Scheduler} runs one timer. Every field is optional.
 */
export interface TimerOptions {
  /**
   * `true` for a timer nothing waits on (the batch interval, an export's
   * deadline, which a flush waiting for the export covers with its own): it
   * must not keep the process alive. Default `false`: a deadline or a retry
   * wait that an awaited flush depends on keeps the process alive until it
   * fires, so the flush settles by its deadline instead of the process
   * ending first.
   */
  readonly background?: boolean;
}

/**
 * Schedules callbacks. Processors take one through their options so tests can
 * run timers by hand; see {@linkcode ManualTime}. A scheduler that ignores
 * {@linkcode TimerOptions} is still correct; only the default one tells
 * background timers apart.
 *
 * @example
 * ```ts
 * import type { Scheduler } from "@codomyrmex/spans";
 * import { ManualTime } from "@codomyrmex/spans/testing";
 * import assert from "node:assert/strict";
 *
 * const scheduler: Scheduler = new ManualTime();
 * let fired = false;
 * scheduler.setTimeout(() => (fired = true), 10);
 * assert.equal(fired, false);
 * ```
 */
export interface Scheduler {
  /** Runs `fn` once after `ms` milliseconds; returns a handle for {@linkcode Scheduler.clearTimeout}. */
  setTimeout(fn: () => void, ms: number, options?: TimerOptions): TimerHandle;
  /** Cancels a timer; a handle that already fired or was cleared is ignored. */
  clearTimeout(handle: TimerHandle): void;
}

interface DenoTimers {
  unrefTimer?(id: number): void;
}

/**
 * Lets a timer not hold the process open: `unref()` on Node and Bun timer
 * objects, `Deno.unrefTimer` on Deno, nothing where neither exists (browsers).
 *
 * @param handle What `setTimeout` or `setInterval` returned.
 * @returns The same handle.
 *
 * @example
 * ```ts
 * import { unrefTimer } from "@codomyrmex/spans";
 * import assert from "node:assert/strict";
 *
 * const handle = unrefTimer(setTimeout(() => {}, 60_000));
 * clearTimeout(handle as number);
 * assert.ok(handle !== undefined);
 * ```
 */
export function unrefTimer(handle: TimerHandle): TimerHandle {
  if (typeof handle === "object" && handle !== null) {
    (handle as { unref?: () => void }).unref?.();
  } else if (typeof handle === "number") {
    const deno = (globalThis as { Deno?: DenoTimers }).Deno;
    deno?.unrefTimer?.(handle);
  }
  return handle;
}

// The longest delay setTimeout honours: 2^31 - 1 ms, about 24.8 days.
const MAX_TIMER_MS = 2147483647;

/**
 * The default {@linkcode Scheduler}: the platform's `setTimeout`. A
 * background timer is unref'd, so the batch interval never keeps a process
 * alive; any other timer (a flush's deadline, a retry wait) keeps it alive
 * until it fires or is cleared, so that an awaited flush or shutdown always
 * settles by its deadline.
 *
 * @example
 * ```ts
 * import { systemScheduler } from "@codomyrmex/spans";
 * import assert from "node:assert/strict";
 *
 * // A deadline keeps the process alive until cleared; a background timer would not.
 * const deadline = systemScheduler.setTimeout(() => {}, 60_000);
 * const interval = systemScheduler.setTimeout(() => {}, 60_000, { background: true });
 * systemScheduler.clearTimeout(deadline);
 * systemScheduler.clearTimeout(interval);
 * assert.ok(deadline !== undefined && interval !== undefined);
 * ```
 */
export const systemScheduler: Scheduler = {
  setTimeout: (fn, ms, options) => {
    // Every runtime stores the delay as a signed 32-bit integer: a longer
    // one (a timeout of 25 days or more, or "no limit") would fire at once.
    const delay = Math.min(ms, MAX_TIMER_MS);
    return options?.background === true ? unrefTimer(setTimeout(fn, delay)) : setTimeout(fn, delay);
  },
  clearTimeout: (handle) => clearTimeout(handle as number),
};
