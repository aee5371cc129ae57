// Internal: span limits given in code merged over those the OTEL_*
// variables set, one limit at a time, as the SDK merges its spanLimits.

import type { SpanLimits } from "../span/attributes.ts";

/**
 * Each limit the caller gave wins over its variable; anything that is not
 * an object is returned as it is, for the Tracer to refuse.
 */
export function mergeSpanLimits(
  given: SpanLimits | undefined,
  fromEnv: Readonly<SpanLimits> | undefined,
): SpanLimits | undefined {
  if (fromEnv === undefined || given === undefined) return given ?? fromEnv;
  if (typeof given !== "object" || given === null) return given;
  const limits: SpanLimits = { ...fromEnv };
  for (const key of Object.keys(given) as (keyof SpanLimits)[]) {
    if (given[key] !== undefined) limits[key] = given[key];
  }
  return limits;
}
