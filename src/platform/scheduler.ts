/**
 * Timers that never keep a process alive.
 *
 * @module
 */

/** The opaque handle a {@linkcode Scheduler} returns for a timer. */
export type TimerHandle = unknown;

/**
 * Schedules callbacks. Processors take one through their options so tests can
 * run timers by hand; see {@linkcode ManualTime}.
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
  setTimeout(fn: () => void, ms: number): TimerHandle;
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

/**
 * The default {@linkcode Scheduler}: the platform's `setTimeout`, with every
 * timer unref'd so that a pending flush never keeps the process alive.
 *
 * @example
 * ```ts
 * import { systemScheduler } from "@codomyrmex/spans";
 * import assert from "node:assert/strict";
 *
 * // The timer is unref'd: it would not keep the process alive on its own.
 * const handle = systemScheduler.setTimeout(() => {}, 60_000);
 * systemScheduler.clearTimeout(handle);
 * assert.ok(handle !== undefined);
 * ```
 */
export const systemScheduler: Scheduler = {
  setTimeout: (fn, ms) => unrefTimer(setTimeout(fn, ms)),
  clearTimeout: (handle) => clearTimeout(handle as number),
};
