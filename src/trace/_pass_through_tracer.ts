// Internal: makes the pass-through tracer (see _pass_through.ts), for
// setupTracing's disabled branch only.

import type { Clock } from "../platform/clock.ts";
import { PASS_THROUGH_SAMPLER } from "./_pass_through.ts";
import { Tracer } from "./tracer.ts";

/**
 * A tracer whose spans pass the current trace on unchanged and record
 * nothing, as OpenTelemetry's no-op tracer's do.
 */
export function passThroughTracer(
  options: { name?: string; version?: string; clock?: Clock } = {},
): Tracer {
  return new Tracer({ ...options, sampler: PASS_THROUGH_SAMPLER });
}
