// Shared by the probability sampler tests (ProbabilitySampler's and the
// composable samplers'): trace ids of a chosen randomness, parents with a
// trace state, and the specification's threshold table. Not a test file itself.

import { type IdGenerator, type SamplingParameters, SpanContext, TraceFlags } from "../mod.ts";

/** A parent's span id. */
export const SPAN = "b7ad6b7169203331";
/** The largest 56-bit randomness. */
export const TOP: bigint = (1n << 56n) - 1n;

/** A trace id whose rightmost 56 bits, the randomness R, are `r`. */
export function traceIdWith(r: bigint, prefix = "0af7651916cd43dd84"): string {
  return prefix + hex14(r);
}

/** A 56-bit value as the 14 lowercase hex digits `rv` and a trace id's random part are. */
export function hex14(value: bigint): string {
  return value.toString(16).padStart(14, "0");
}

/** The 56-bit threshold a `th` value stands for: its digits, then zeros to 14. */
export function thresholdOf(th: string): bigint {
  return BigInt("0x" + th.padEnd(14, "0"));
}

/** A remote parent, sampled and random unless `traceFlags` say otherwise. */
export function parentWith(
  traceId: string,
  traceState: string | undefined,
  traceFlags: number = TraceFlags.SAMPLED | TraceFlags.RANDOM,
): SpanContext {
  return new SpanContext({ traceId, spanId: SPAN, traceFlags, traceState, isRemote: true });
}

/** A sampler's parameters for a span named "x", with `more` set. */
export function params(
  traceId: string,
  parent?: SpanContext,
  more: Partial<SamplingParameters> = {},
): SamplingParameters {
  return { parent, traceId, name: "x", kind: "internal", attributes: undefined, ...more };
}

/** Ids whose trace ids end in the given randomness values, in turn, declared random. */
export function idsEndingIn(...randomness: bigint[]): IdGenerator {
  let n = 0;
  let span = 0;
  return {
    traceId: () => traceIdWith(randomness[n++ % randomness.length]),
    spanId: () => (++span).toString(16).padStart(16, "0"),
    randomTraceIds: true,
  };
}

/**
 * tracestate-probability-sampling.md, "Converting floating-point probability
 * to threshold value": the table of 1-in-N ratios at the recommended 4
 * digits of precision (its middle row of each threshold cell).
 */
export const SPEC_TABLE: readonly [number, string][] = [
  [1, "0"],
  [0.5, "8"],
  [1 / 3, "aaab"],
  [0.25, "c"],
  [0.2, "cccd"],
  [0.125, "e"],
  [0.1, "e666"],
  [0.0625, "f"],
  [0.01, "fd70a"],
  [0.001, "ffbe77"],
  [0.0001, "fff9724"],
  [0.00001, "ffff583a"],
  [0.000001, "ffffef39"],
];
