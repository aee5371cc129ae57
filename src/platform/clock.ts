/**
 * The clock spans read their times from.
 *
 * @module
 */

import { systemAnchor } from "./_wall_anchor.ts";

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

// Read once: the clock is read three times for a span with one event, so
// each look-up saved counts, and its reading is WallAnchor#now's, inlined
// (a call through the anchor made spans 4-11% slower).
const PERFORMANCE = performance;
const ANCHOR = systemAnchor;

/**
 * The default {@linkcode Clock}: `performance.timeOrigin + performance.now()`,
 * kept up with the wall clock. Readings come from the monotonic clock, so
 * they never go backwards, even when the wall clock is set back while the
 * process runs. The monotonic clock stops while the machine sleeps or a VM
 * is paused, and the wall clock does not: once a second at most, a reading
 * compares the two, and when the wall clock has run ahead by more than 5 ms,
 * readings jump forward to it, so spans after a resume carry the time other
 * services' spans do (a span open across the jump lasts that much longer, as
 * it did by the wall clock).
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
  now: () => {
    const mono = PERFORMANCE.now();
    return mono < ANCHOR.nextCheck ? ANCHOR.offset + mono : ANCHOR.checked(mono);
  },
};
