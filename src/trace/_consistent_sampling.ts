// Internal: the consistent probability decision ProbabilitySampler and
// CompositeSampler share (tracestate-probability-sampling.md, "Decision
// algorithm": "If R >= T, keep the span, else drop the span"): where the
// randomness R comes from, how a sampled span's threshold T goes into the
// `ot` trace state entry, and the specification's compatibility warning.

import type { SpanContext } from "../span/span_context.ts";
import { TraceFlags } from "../span/span_context.ts";
import { warnOnce } from "../platform/_warn.ts";
import { type OtTraceState, withoutThreshold, withThreshold } from "./_ot_trace_state.ts";
import { reaches, reachesThreshold } from "./_threshold.ts";

// The rightmost 7 bytes (56 bits, 14 hex digits) of a W3C Level 2 trace id
// are random; they start here. See _threshold.ts for how they are compared.
export const RANDOM_AT = 18;

/**
 * Whether the randomness, the explicit `rv` when there is one, else the
 * trace id's rightmost 56 bits, reaches the threshold whose halves are
 * `high` and `low`.
 */
export function randomnessReaches(
  traceId: string,
  rv: string | undefined,
  high: number,
  low: number,
): boolean {
  return rv === undefined ? reaches(traceId, RANDOM_AT, high, low) : reaches(rv, 0, high, low);
}

/** {@linkcode randomnessReaches}, for a threshold given as a bigint. */
export function randomnessReachesThreshold(
  traceId: string,
  rv: string | undefined,
  threshold: bigint,
): boolean {
  return rv === undefined
    ? reachesThreshold(traceId, RANDOM_AT, threshold)
    : reachesThreshold(rv, 0, threshold);
}

/**
 * The trace state of a span `sampler` sampled at the threshold `th`: `th` set
 * in the `ot` entry. When the entry would be over 256 characters with it, the
 * span goes without a threshold, a parent's erased (one kept would claim a
 * probability the span was not sampled at), warned once.
 */
export function sampledTraceState(state: OtTraceState, th: string, sampler: string): string {
  const next = withThreshold(state, th);
  if (next !== undefined) return next;
  warnOnce(
    `${kebab(sampler)}-ot-length`,
    `${sampler} sampled a span without its threshold (th) in the trace state: its ot ` +
      "entry would be over 256 characters with it; a th from the parent is erased",
  );
  return withoutThreshold(state);
}

// "When a ProbabilitySampler Sampler makes a decision for a non-root Span
// using TraceID randomness when the Trace random flag was not set, the SDK
// SHOULD issue a warning" (trace SDK specification).
/**
 * Warns once, for `sampler`, when it decides for a child by the trace id
 * (no `rv`) though the parent's trace is not marked random.
 */
export function checkPresumedRandom(
  sampler: string,
  parent: SpanContext,
  rv: string | undefined,
): void {
  if (rv !== undefined || (parent.traceFlags & TraceFlags.RANDOM) !== 0) return;
  warnOnce(
    `${kebab(sampler)}-presumed-random`,
    `${sampler} is presuming trace ids random, for a parent whose trace is not marked ` +
      "random (the W3C random flag, 0x02, is clear) and carries no explicit randomness (rv in " +
      "its ot trace state entry); upgrade the caller(s) to W3C Trace Context Level 2",
  );
}

// ProbabilitySampler -> probability-sampler: the warnings' keys, as they were.
function kebab(name: string): string {
  return name.replace(/([a-z])([A-Z])/g, "$1-$2").toLowerCase();
}
