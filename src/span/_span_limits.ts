// Internal: span limits with every default filled in and each value checked.

import { describe } from "../platform/_describe.ts";
import { DEFAULT_SPAN_LIMITS, type ResolvedSpanLimits, type SpanLimits } from "./attributes.ts";

// What resolveSpanLimits returned, so resolving again (a Tracer's limits,
// handed to every span it starts) is one look-up.
const resolved = new WeakSet<object>();

/**
 * Fills in defaults and checks each limit. A limit that is not a
 * non-negative integer (or `Infinity`) is a programming error.
 *
 * @param limits The limits to resolve.
 * @returns A frozen object with every limit set.
 * @throws {TypeError} When `limits` is not an object.
 * @throws {RangeError} When a limit is negative, fractional or NaN.
 */
export function resolveSpanLimits(limits?: SpanLimits): ResolvedSpanLimits {
  if (limits === undefined || limits === DEFAULT_SPAN_LIMITS) return DEFAULT_SPAN_LIMITS;
  if (resolved.has(limits)) return limits as ResolvedSpanLimits;
  if (typeof limits !== "object" || limits === null) {
    throw new TypeError(`Cannot resolve span limits: expected an object, got ${describe(limits)}`);
  }
  const out = { ...DEFAULT_SPAN_LIMITS };
  for (const key of Object.keys(DEFAULT_SPAN_LIMITS) as (keyof SpanLimits)[]) {
    const value = limits[key];
    if (value === undefined) continue;
    if (
      typeof value !== "number" || !(value >= 0) ||
      (value !== Infinity && !Number.isInteger(value))
    ) {
      throw new RangeError(
        `Cannot resolve span limits: ${key} must be a non-negative integer or Infinity, got ${
          describe(value)
        }`,
      );
    }
    out[key] = value;
  }
  const frozen = Object.freeze(out);
  resolved.add(frozen);
  return frozen;
}
