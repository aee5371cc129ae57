/**
 * The clock spans read their times from.
 *
 * @module
 */

/**
 * A source of time. `now()` returns epoch milliseconds, fractional, and must
 * never go backwards, because span durations are differences of two readings.
 *
 * @example An injected clock makes times exact in tests
 * ```ts
 * import { type Clock, Span } from "@codomyrmex/spans";
 * import assert from "node:assert/strict";
 *
 * let t = 1_000;
 * const clock: Clock = { now: () => t };
 * const span = new Span("work", undefined, "internal", { clock }).start();
 * t += 25;
 * span.end();
 * assert.equal(span.durationMs, 25);
 * ```
 */
export interface Clock {
  /** Returns the current time in epoch milliseconds, never less than before. */
  now(): number;
}

// Read once: timeOrigin never changes, and the clock is read three times for
// a span with one event, so each property look-up saved counts.
const PERFORMANCE = performance;
const TIME_ORIGIN = performance.timeOrigin;

/**
 * The default {@linkcode Clock}: `performance.timeOrigin + performance.now()`.
 * Both parts come from the monotonic clock, so readings never go backwards,
 * even when the wall clock is adjusted while the process runs.
 *
 * @example
 * ```ts
 * import { systemClock } from "@codomyrmex/spans";
 * import assert from "node:assert/strict";
 *
 * const a = systemClock.now();
 * assert.ok(systemClock.now() >= a);
 * assert.ok(Math.abs(a - Date.now()) < 60_000);
 * ```
 */
export const systemClock: Clock = {
  now: () => TIME_ORIGIN + PERFORMANCE.now(),
};
