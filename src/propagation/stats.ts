/**
 * Counts of propagation headers that were malformed or over a limit and so
 * were ignored: bad input from the network is dropped, never thrown.
 *
 * @module
 */

import { dropCounts } from "./_drop_counts.ts";

/** How many incoming header values were ignored, by header. */
export interface PropagationStats {
  /** `traceparent` values that were invalid, duplicated or too long. */
  readonly traceparent: number;
  /**
   * `tracestate` values refused: incoming headers discarded whole (invalid
   * member, over 32 members, too long to read) or truncated (over 8,192
   * characters), a sampler's invalid `traceState`, and an invalid trace
   * state dropped at inject.
   */
  readonly tracestate: number;
  /**
   * `baggage` list members dropped (malformed, or past the 64-member or
   * 8,192-byte limit), and current baggage entries a traced fetch could not
   * add to a request's own `baggage` header (one that is no valid
   * baggage-string, or over a limit by itself).
   */
  readonly baggage: number;
}

/**
 * Returns how many incoming propagation header values this process has
 * ignored since it started.
 *
 * @returns A snapshot of the counts.
 *
 * @example
 * ```ts
 * import { extractContext, propagationStats } from "@codomyrmex/spans";
 * import assert from "node:assert/strict";
 *
 * const before = propagationStats().traceparent;
 * assert.equal(extractContext({ traceparent: "not a traceparent" }), undefined);
 * assert.equal(propagationStats().traceparent, before + 1);
 * ```
 */
export function propagationStats(): PropagationStats {
  return { ...dropCounts };
}
