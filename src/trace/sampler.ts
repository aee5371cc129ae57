/**
 * Samplers decide, when a span starts, whether it is recorded and exported.
 *
 * @module
 */

import type { Attributes } from "../span/attributes.ts";
import type { SpanKind } from "../span/span.ts";
import type { SpanContext } from "../span/span_context.ts";
import { describe } from "../platform/_describe.ts";
import { warnOnce } from "../platform/_warn.ts";
import { readOtTraceState, withoutThreshold } from "./_ot_trace_state.ts";
import {
  checkPresumedRandom,
  RANDOM_AT,
  randomnessReaches,
  sampledTraceState,
} from "./_consistent_sampling.ts";
import { checkProbabilityRatio, decimal } from "./_ratio.ts";
import {
  encodeThreshold,
  highHalf,
  lowHalf,
  probabilityThreshold,
  reaches,
  TWO_POW_56,
} from "./_threshold.ts";

/**
 * What a sampler decided:
 * - `"drop"`: the span records nothing and no processor sees it;
 * - `"record"`: processors see it, but the sampled flag is clear, so
 *   exporters skip it;
 * - `"recordAndSample"`: recorded and exported.
 */
export type SamplingDecision = "drop" | "record" | "recordAndSample";

/** A sampler's answer. */
export interface SamplingResult {
  /** The decision. */
  readonly decision: SamplingDecision;
  /** Attributes to add to the span. */
  readonly attributes?: Readonly<Attributes>;
  /**
   * A new `tracestate` for the span; the parent's is kept when omitted. One
   * that is not a valid `tracestate` value (see `SpanContextInit.traceState`)
   * is dropped, counted in `propagationStats().tracestate`, and the
   * parent's kept.
   */
  readonly traceState?: string;
}

/** What a sampler knows when it decides. */
export interface SamplingParameters {
  /** The parent's context, local or remote (`isRemote`), if any. */
  readonly parent: SpanContext | undefined;
  /** The trace id the span will have. */
  readonly traceId: string;
  /** The span's name. */
  readonly name: string;
  /** The span's kind. */
  readonly kind: SpanKind;
  /** The attributes given at start. */
  readonly attributes: Readonly<Record<string, unknown>> | undefined;
  /**
   * The links given at start (`StartSpanOptions.links`), as they were given;
   * `undefined` when there are none.
   */
  readonly links?:
    | readonly { readonly context: SpanContext; readonly attributes?: Readonly<Attributes> }[]
    | undefined;
}

/**
 * Decides whether a span is recorded and exported.
 *
 * @example A sampler that keeps only server spans
 * ```ts
 * import { type Sampler, Tracer } from "@codomyrmex/spans";
 * import assert from "node:assert/strict";
 *
 * const serversOnly: Sampler = {
 *   shouldSample: (p) => ({ decision: p.kind === "server" ? "recordAndSample" : "drop" }),
 * };
 * const tracer = new Tracer({ sampler: serversOnly });
 * assert.equal(tracer.startSpan("a").isRecording, false);
 * assert.equal(tracer.startSpan("b", { kind: "server" }).isRecording, true);
 * ```
 */
export interface Sampler {
  /**
   * Decides for one span, as it starts. Must not throw; must be cheap. A
   * sampler that throws, or returns no valid `decision` (a number, a promise,
   * nothing), has its span dropped, and is reported once as an error.
   */
  shouldSample(parameters: SamplingParameters): SamplingResult;
  /** A short description, such as `TraceIdRatioBased{0.25}`. */
  toString(): string;
}

const SAMPLE: SamplingResult = Object.freeze({ decision: "recordAndSample" });
const DROP: SamplingResult = Object.freeze({ decision: "drop" });

/**
 * Samples every span.
 *
 * @example
 * ```ts
 * import { AlwaysOnSampler } from "@codomyrmex/spans";
 * import assert from "node:assert/strict";
 *
 * const r = new AlwaysOnSampler().shouldSample({
 *   parent: undefined,
 *   traceId: "0af7651916cd43dd8448eb211c80319c",
 *   name: "x",
 *   kind: "internal",
 *   attributes: undefined,
 * });
 * assert.equal(r.decision, "recordAndSample");
 * ```
 */
export class AlwaysOnSampler implements Sampler {
  /**
   * Returns `"recordAndSample"`.
   *
   * @param _parameters Ignored.
   * @returns The decision.
   *
   * @example
   * ```ts
   * import { AlwaysOnSampler, Tracer } from "@codomyrmex/spans";
   * import assert from "node:assert/strict";
   *
   * const tracer = new Tracer({ sampler: new AlwaysOnSampler() });
   * assert.equal(tracer.startSpan("x").isRecording, true);
   * ```
   */
  shouldSample(_parameters: SamplingParameters): SamplingResult {
    return SAMPLE;
  }

  /**
   * Describes the sampler.
   *
   * @returns `"AlwaysOnSampler"`.
   *
   * @example
   * ```ts
   * import { AlwaysOnSampler } from "@codomyrmex/spans";
   * import assert from "node:assert/strict";
   *
   * assert.equal(String(new AlwaysOnSampler()), "AlwaysOnSampler");
   * ```
   */
  toString(): string {
    return "AlwaysOnSampler";
  }
}

/**
 * Samples nothing. Spans still get valid contexts, so the trace propagates
 * with the sampled flag clear.
 *
 * @example
 * ```ts
 * import { AlwaysOffSampler, Tracer } from "@codomyrmex/spans";
 * import assert from "node:assert/strict";
 *
 * const span = new Tracer({ sampler: new AlwaysOffSampler() }).startSpan("x");
 * assert.equal(span.isRecording, false);
 * assert.equal(span.context.isSampled, false);
 * ```
 */
export class AlwaysOffSampler implements Sampler {
  /**
   * Returns `"drop"`.
   *
   * @param _parameters Ignored.
   * @returns The decision.
   *
   * @example
   * ```ts
   * import { AlwaysOffSampler } from "@codomyrmex/spans";
   * import assert from "node:assert/strict";
   *
   * const r = new AlwaysOffSampler().shouldSample({
   *   parent: undefined,
   *   traceId: "0af7651916cd43dd8448eb211c80319c",
   *   name: "x",
   *   kind: "internal",
   *   attributes: undefined,
   * });
   * assert.equal(r.decision, "drop");
   * ```
   */
  shouldSample(_parameters: SamplingParameters): SamplingResult {
    return DROP;
  }

  /**
   * Describes the sampler.
   *
   * @returns `"AlwaysOffSampler"`.
   *
   * @example
   * ```ts
   * import { AlwaysOffSampler } from "@codomyrmex/spans";
   * import assert from "node:assert/strict";
   *
   * assert.equal(String(new AlwaysOffSampler()), "AlwaysOffSampler");
   * ```
   */
  toString(): string {
    return "AlwaysOffSampler";
  }
}

/**
 * Samples a fraction of traces, decided from the trace id alone, so every
 * service using this library that sees the same trace id with the same ratio
 * decides the same way (another SDK's `TraceIdRatioBased` may not: its
 * algorithm was never specified, so use this as the `root` of a
 * {@linkcode ParentBasedSampler}). As the OpenTelemetry specification's
 * consistent probability sampling does, it reads the rightmost 56 bits of
 * the trace id as a random number and samples when it is at least
 * `(1 - ratio) × 2^56`. The specification deprecates it for
 * {@linkcode ProbabilitySampler}, which compares the same 56 bits with a
 * threshold rounded to 4 significant hex digits (so at one ratio the two
 * can disagree on the traces near it: for 0.1, `e6666666666666` against
 * `e666`), takes explicit randomness into account and records its
 * threshold in the trace state; used
 * for a span with a parent (a child sampler), where the specification says
 * its behaviour may change, it warns once.
 *
 * @example
 * ```ts
 * import { TraceIdRatioSampler } from "@codomyrmex/spans";
 * import assert from "node:assert/strict";
 *
 * const half = new TraceIdRatioSampler(0.5);
 * const decide = (traceId: string) =>
 *   half.shouldSample({ parent: undefined, traceId, name: "x", kind: "internal", attributes: undefined })
 *     .decision;
 * // The rightmost 14 hex digits (56 bits) are the random part.
 * assert.equal(decide("0".repeat(18) + "f0000000000000"), "recordAndSample");
 * assert.equal(decide("f".repeat(18) + "00000000000001"), "drop");
 * assert.throws(() => new TraceIdRatioSampler(2), RangeError);
 * ```
 */
export class TraceIdRatioSampler implements Sampler {
  readonly #ratio: number;
  readonly #thresholdHigh: number;
  readonly #thresholdLow: number;

  /**
   * Creates a sampler that keeps `ratio` of all traces.
   *
   * @param ratio From 0 (none) to 1 (all).
   * @throws {RangeError} When `ratio` is NaN, below 0 or above 1.
   *
   * @example
   * ```ts
   * import { TraceIdRatioSampler } from "@codomyrmex/spans";
   * import assert from "node:assert/strict";
   *
   * assert.equal(new TraceIdRatioSampler(0.1).ratio, 0.1);
   * assert.throws(() => new TraceIdRatioSampler(Number.NaN), RangeError);
   * ```
   */
  constructor(ratio: number) {
    if (typeof ratio !== "number" || !(ratio >= 0 && ratio <= 1)) {
      throw new RangeError(
        `Cannot create TraceIdRatioSampler: ratio must be a number from 0 to 1, got ${
          typeof ratio === "number" ? String(ratio) : describe(ratio)
        }`,
      );
    }
    this.#ratio = ratio;
    // The smallest integer at or above (1 - ratio) × 2^56, exactly: 2^56
    // less the whole part of ratio × 2^56 (exact in a double: a power of two
    // scales it), in BigInt, since a threshold near 2^56 needs 56 bits. As
    // doubles, 1 - ratio rounded to 1 below ratio 2^-53, and such a ratio
    // never sampled, though the specification's ratios reach 2^-56.
    const threshold = (1n << 56n) - BigInt(Math.floor(ratio * TWO_POW_56));
    this.#thresholdHigh = highHalf(threshold);
    this.#thresholdLow = lowHalf(threshold);
  }

  /**
   * The fraction of traces kept.
   *
   * @example
   * ```ts
   * import { TraceIdRatioSampler } from "@codomyrmex/spans";
   * import assert from "node:assert/strict";
   *
   * assert.equal(new TraceIdRatioSampler(1).ratio, 1);
   * ```
   */
  get ratio(): number {
    return this.#ratio;
  }

  /**
   * Samples when the trace id's random part clears the threshold.
   *
   * @param parameters The span being decided.
   * @returns The decision.
   *
   * @example
   * ```ts
   * import { TraceIdRatioSampler } from "@codomyrmex/spans";
   * import assert from "node:assert/strict";
   *
   * const all = new TraceIdRatioSampler(1);
   * const r = all.shouldSample({
   *   parent: undefined,
   *   traceId: "00000000000000000000000000000001",
   *   name: "x",
   *   kind: "internal",
   *   attributes: undefined,
   * });
   * assert.equal(r.decision, "recordAndSample");
   * ```
   */
  shouldSample(parameters: SamplingParameters): SamplingResult {
    if (parameters.parent !== undefined) warnChildRatioSampler();
    if (this.#ratio === 0) return DROP;
    return reaches(parameters.traceId, RANDOM_AT, this.#thresholdHigh, this.#thresholdLow)
      ? SAMPLE
      : DROP;
  }

  /**
   * Describes the sampler.
   *
   * @returns For example `TraceIdRatioBased{0.25}`, the form the OpenTelemetry
   *   specification requires of this sampler's description: the ratio as a
   *   decimal number, never in exponent form (`TraceIdRatioBased{0.0000001}`).
   *
   * @example
   * ```ts
   * import { TraceIdRatioSampler } from "@codomyrmex/spans";
   * import assert from "node:assert/strict";
   *
   * assert.equal(String(new TraceIdRatioSampler(0.25)), "TraceIdRatioBased{0.25}");
   * assert.equal(String(new TraceIdRatioSampler(1e-7)), "TraceIdRatioBased{0.0000001}");
   * ```
   */
  toString(): string {
    return `TraceIdRatioBased{${decimal(this.#ratio)}}`;
  }
}

/**
 * OpenTelemetry's `ProbabilitySampler`: samples a fraction of traces by the
 * specification's consistent probability sampling, so every service in a
 * trace that uses it, in any SDK that follows the specification, agrees,
 * and a trace sampled at one ratio is sampled at every higher one. It turns
 * the ratio into a rejection threshold T (14 hex digits, rounded to 4
 * significant ones, more for a small ratio), takes the randomness R from the
 * explicit `rv` of the parent's OpenTelemetry trace state entry (`ot`) when
 * that holds a valid one, else from the trace id's rightmost 56 bits (W3C
 * Trace Context Level 2), and samples when R ≥ T. A sampled span's trace
 * state carries the threshold, as `th` in its `ot` entry (`ot=th:c` for
 * 0.25), which moves to the front; the entry's other sub-keys, `rv`
 * included, and other vendors' entries are kept (when `th` would take the
 * entry past its 256 characters, it is left out, and any `th` the parent's
 * held is erased, as the specification asks, with one warning). A dropped
 * span has any `th` its parent's held erased, the rest of its trace state
 * kept. What is malformed in the `ot` entry is ignored,
 * and left out, counted in `propagationStats().tracestate`, when the entry
 * is written again; it never throws.
 *
 * Like `TraceIdRatioSampler` it ignores the parent's sampled flag: make it
 * the `root` of a {@linkcode ParentBasedSampler} to follow the parent. Used
 * for a span with a parent whose trace is not marked random (the W3C random
 * flag, 0x02, clear) and that carries no `rv`, it presumes the trace id
 * random, as the specification says, and warns once.
 *
 * @example
 * ```ts
 * import { ProbabilitySampler, SpanContext } from "@codomyrmex/spans";
 * import assert from "node:assert/strict";
 *
 * const quarter = new ProbabilitySampler(0.25);
 * const decide = (traceId: string, parent?: SpanContext) =>
 *   quarter.shouldSample({ parent, traceId, name: "x", kind: "internal", attributes: undefined });
 * // The threshold is c0000000000000: 14 hex digits, the trace id's last 14 are R.
 * assert.deepEqual(decide("0".repeat(18) + "c0000000000000"), {
 *   decision: "recordAndSample",
 *   traceState: "ot=th:c",
 * });
 * assert.deepEqual(decide("f".repeat(18) + "bfffffffffffff"), { decision: "drop" });
 * // An explicit randomness value in the parent's trace state decides instead.
 * const parent = new SpanContext({
 *   traceId: "f".repeat(18) + "bfffffffffffff",
 *   spanId: "b7ad6b7169203331",
 *   traceFlags: 0x03,
 *   traceState: "vendor=1,ot=rv:d0000000000000",
 *   isRemote: true,
 * });
 * assert.equal(
 *   decide(parent.traceId, parent).traceState,
 *   "ot=th:c;rv:d0000000000000,vendor=1",
 * );
 * assert.throws(() => new ProbabilitySampler(2), RangeError);
 * ```
 */
export class ProbabilitySampler implements Sampler {
  readonly #ratio: number;
  readonly #threshold: string | undefined;
  readonly #always: boolean;
  readonly #high: number;
  readonly #low: number;
  // The answer for a span whose parent has no trace state: a root's.
  readonly #sample: SamplingResult;

  /**
   * Creates a sampler that keeps `ratio` of all traces.
   *
   * @param ratio From 2^-56 to 1, the range the specification gives; or 0,
   *   which it says is no probability, for a sampler that keeps nothing (as
   *   its composable form gives way to always-off then).
   * @throws {TypeError} When `ratio` is not a number.
   * @throws {RangeError} When `ratio` is NaN, below 0, between 0 and 2^-56,
   *   or above 1.
   *
   * @example
   * ```ts
   * import { ProbabilitySampler } from "@codomyrmex/spans";
   * import assert from "node:assert/strict";
   *
   * assert.equal(new ProbabilitySampler(0.1).ratio, 0.1);
   * assert.equal(new ProbabilitySampler(2 ** -56).ratio, 2 ** -56);
   * assert.throws(() => new ProbabilitySampler(2 ** -57), RangeError);
   * assert.throws(() => new ProbabilitySampler("0.5" as never), TypeError);
   * ```
   */
  constructor(ratio: number) {
    this.#ratio = checkProbabilityRatio(ratio, "ProbabilitySampler");
    if (ratio === 0) {
      this.#threshold = undefined;
      this.#always = false;
      this.#high = this.#low = 0;
      this.#sample = SAMPLE;
      return;
    }
    const threshold = probabilityThreshold(ratio);
    this.#threshold = encodeThreshold(threshold);
    this.#always = threshold === 0n;
    this.#high = highHalf(threshold);
    this.#low = lowHalf(threshold);
    this.#sample = Object.freeze({
      decision: "recordAndSample",
      traceState: `ot=th:${this.#threshold}`,
    });
  }

  /**
   * The fraction of traces kept, as given.
   *
   * @example
   * ```ts
   * import { ProbabilitySampler } from "@codomyrmex/spans";
   * import assert from "node:assert/strict";
   *
   * assert.equal(new ProbabilitySampler(0.25).ratio, 0.25);
   * ```
   */
  get ratio(): number {
    return this.#ratio;
  }

  /**
   * Samples when the randomness, the parent's `rv` or else the trace id's
   * random part, is at least the threshold, and then sets `th` in the trace
   * state's `ot` entry.
   *
   * @param parameters The span being decided.
   * @returns The decision, with the new trace state when sampled.
   *
   * @example
   * ```ts
   * import { ProbabilitySampler } from "@codomyrmex/spans";
   * import assert from "node:assert/strict";
   *
   * const r = new ProbabilitySampler(1).shouldSample({
   *   parent: undefined,
   *   traceId: "00000000000000000000000000000001",
   *   name: "x",
   *   kind: "internal",
   *   attributes: undefined,
   * });
   * assert.deepEqual(r, { decision: "recordAndSample", traceState: "ot=th:0" });
   * ```
   */
  shouldSample(parameters: SamplingParameters): SamplingResult {
    const threshold = this.#threshold;
    if (threshold === undefined) return DROP;
    const parent = parameters.parent;
    const traceState = parent?.traceState;
    // Ratio 1 keeps every span: the decision is made on no randomness, so
    // nothing is presumed of the trace id and there is nothing to warn of.
    const always = this.#always;
    if (traceState === undefined || traceState === "") {
      if (always) return this.#sample;
      if (parent !== undefined) checkPresumedRandom(PROBABILITY_SAMPLER, parent, undefined);
      return randomnessReaches(parameters.traceId, undefined, this.#high, this.#low)
        ? this.#sample
        : DROP;
    }
    const state = readOtTraceState(traceState);
    const rv = state.rv;
    if (!always) checkPresumedRandom(PROBABILITY_SAMPLER, parent!, rv);
    const sampled = always || randomnessReaches(parameters.traceId, rv, this.#high, this.#low);
    // A dropped span carries no threshold: the parent's th would claim a
    // probability it was not sampled at. The spec's composite sampler,
    // which this one is equivalent to (Composite(ComposableProbability)),
    // "removes the th value" on a negative decision.
    if (!sampled) {
      return state.th === undefined
        ? DROP
        : { decision: "drop", traceState: withoutThreshold(state) };
    }
    return {
      decision: "recordAndSample",
      traceState: sampledTraceState(state, threshold, PROBABILITY_SAMPLER),
    };
  }

  /**
   * Describes the sampler.
   *
   * @returns For example `ProbabilitySampler{0.25}`: the ratio as a decimal
   *   number, never in exponent form, as `TraceIdRatioBased` gives its own.
   *
   * @example
   * ```ts
   * import { ProbabilitySampler } from "@codomyrmex/spans";
   * import assert from "node:assert/strict";
   *
   * assert.equal(String(new ProbabilitySampler(0.25)), "ProbabilitySampler{0.25}");
   * assert.equal(String(new ProbabilitySampler(1e-7)), "ProbabilitySampler{0.0000001}");
   * ```
   */
  toString(): string {
    return `ProbabilitySampler{${decimal(this.#ratio)}}`;
  }
}

// The name its warnings give, and their keys are made from.
const PROBABILITY_SAMPLER = "ProbabilitySampler";

// "When this sampler observes a non-empty parent span context, meaning when
// it is used not as a root sampler, the SDK SHOULD emit a warning" (trace
// SDK specification).
function warnChildRatioSampler(): void {
  warnOnce(
    "traceidratio-child-sampler",
    "TraceIdRatioSampler is deciding for a span with a parent (a child sampler), where its " +
      "behaviour is subject to change and other SDKs may decide otherwise; use " +
      "ProbabilitySampler, or make it the root of a ParentBasedSampler",
  );
}

/** The delegates of a {@linkcode ParentBasedSampler}. */
export interface ParentBasedSamplerOptions {
  /** Decides for spans without a parent. */
  root: Sampler;
  /** For a sampled remote parent. Default {@linkcode AlwaysOnSampler}. */
  remoteParentSampled?: Sampler;
  /** For an unsampled remote parent. Default {@linkcode AlwaysOffSampler}. */
  remoteParentNotSampled?: Sampler;
  /** For a sampled local parent. Default {@linkcode AlwaysOnSampler}. */
  localParentSampled?: Sampler;
  /** For an unsampled local parent. Default {@linkcode AlwaysOffSampler}. */
  localParentNotSampled?: Sampler;
}

/**
 * Follows the parent's decision, and asks `root` for spans without a
 * parent. This is the Tracer's default, with an {@linkcode AlwaysOnSampler}
 * root.
 *
 * @example
 * ```ts
 * import { AlwaysOffSampler, ParentBasedSampler, Tracer } from "@codomyrmex/spans";
 * import assert from "node:assert/strict";
 *
 * const tracer = new Tracer({ sampler: new ParentBasedSampler({ root: new AlwaysOffSampler() }) });
 * const root = tracer.startSpan("root");
 * const child = tracer.startSpan("child", { parent: root });
 * assert.equal(root.isRecording, false);
 * assert.equal(child.isRecording, false);
 * ```
 */
export class ParentBasedSampler implements Sampler {
  readonly #root: Sampler;
  readonly #remoteSampled: Sampler;
  readonly #remoteNotSampled: Sampler;
  readonly #localSampled: Sampler;
  readonly #localNotSampled: Sampler;

  /**
   * Creates the sampler.
   *
   * @param options The delegates; only `root` is required.
   * @throws {TypeError} When a delegate lacks `shouldSample`.
   *
   * @example
   * ```ts
   * import { AlwaysOnSampler, ParentBasedSampler } from "@codomyrmex/spans";
   * import assert from "node:assert/strict";
   *
   * const s = new ParentBasedSampler({ root: new AlwaysOnSampler() });
   * assert.match(String(s), /^ParentBased\{root=AlwaysOnSampler/);
   * assert.throws(() => new ParentBasedSampler({} as never), TypeError);
   * ```
   */
  constructor(options: ParentBasedSamplerOptions) {
    const on = new AlwaysOnSampler();
    const off = new AlwaysOffSampler();
    this.#root = checkSampler(options?.root, "root");
    this.#remoteSampled = checkSampler(options.remoteParentSampled ?? on, "remoteParentSampled");
    this.#remoteNotSampled = checkSampler(
      options.remoteParentNotSampled ?? off,
      "remoteParentNotSampled",
    );
    this.#localSampled = checkSampler(options.localParentSampled ?? on, "localParentSampled");
    this.#localNotSampled = checkSampler(
      options.localParentNotSampled ?? off,
      "localParentNotSampled",
    );
  }

  /**
   * Delegates by the kind of parent.
   *
   * @param parameters The span being decided.
   * @returns The delegate's decision.
   *
   * @example
   * ```ts
   * import { AlwaysOnSampler, ParentBasedSampler, SpanContext } from "@codomyrmex/spans";
   * import assert from "node:assert/strict";
   *
   * const parent = new SpanContext({
   *   traceId: "0af7651916cd43dd8448eb211c80319c",
   *   spanId: "b7ad6b7169203331",
   *   traceFlags: 0,
   *   isRemote: true,
   * });
   * const r = new ParentBasedSampler({ root: new AlwaysOnSampler() }).shouldSample({
   *   parent,
   *   traceId: parent.traceId,
   *   name: "x",
   *   kind: "server",
   *   attributes: undefined,
   * });
   * assert.equal(r.decision, "drop");
   * ```
   */
  shouldSample(parameters: SamplingParameters): SamplingResult {
    const parent = parameters.parent;
    if (parent === undefined) return this.#root.shouldSample(parameters);
    const sampled = (parent.traceFlags & 1) === 1;
    const delegate = parent.isRemote
      ? sampled ? this.#remoteSampled : this.#remoteNotSampled
      : sampled
      ? this.#localSampled
      : this.#localNotSampled;
    return delegate.shouldSample(parameters);
  }

  /**
   * Describes the sampler and its delegates.
   *
   * @returns For example `ParentBased{root=AlwaysOnSampler, …}`.
   *
   * @example
   * ```ts
   * import { AlwaysOffSampler, ParentBasedSampler } from "@codomyrmex/spans";
   * import assert from "node:assert/strict";
   *
   * const s = new ParentBasedSampler({ root: new AlwaysOffSampler() });
   * assert.match(s.toString(), /root=AlwaysOffSampler/);
   * ```
   */
  toString(): string {
    return `ParentBased{root=${this.#root}, remoteParentSampled=${this.#remoteSampled}, ` +
      `remoteParentNotSampled=${this.#remoteNotSampled}, localParentSampled=${this.#localSampled}, ` +
      `localParentNotSampled=${this.#localNotSampled}}`;
  }
}

/**
 * Records every span its `root` sampler would drop, without sampling it
 * (OpenTelemetry's AlwaysRecord): a "drop" becomes "record", so processors
 * see every span (to count requests and errors, or measure durations, as
 * metrics) while exporters still get only the sampled ones. Its other
 * decisions are `root`'s own.
 *
 * @example Every span reaches the processors; about one in four is exported
 * ```ts
 * import {
 *   AlwaysRecordSampler,
 *   InMemorySpanProcessor,
 *   ParentBasedSampler,
 *   ProbabilitySampler,
 *   SimpleSpanProcessor,
 *   Tracer,
 * } from "@codomyrmex/spans";
 * import assert from "node:assert/strict";
 *
 * const all = new InMemorySpanProcessor();
 * let exported = 0;
 * const tracer = new Tracer({
 *   processors: [all, new SimpleSpanProcessor((spans) => void (exported += spans.length))],
 *   sampler: new AlwaysRecordSampler(
 *     new ParentBasedSampler({ root: new ProbabilitySampler(0.25) }),
 *   ),
 * });
 * for (let i = 0; i < 100; i++) tracer.startSpan("request").end();
 * assert.equal(all.spans.length, 100);
 * const sampled = all.spans.filter((span) => span.context.isSampled).length;
 * assert.equal(exported, sampled);
 * assert.ok(sampled < 100);
 * ```
 */
export class AlwaysRecordSampler implements Sampler {
  readonly #root: Sampler;

  /**
   * Creates the sampler.
   *
   * @param root The sampler whose "drop" decisions become "record".
   * @throws {TypeError} When `root` lacks `shouldSample`.
   *
   * @example
   * ```ts
   * import { AlwaysOffSampler, AlwaysRecordSampler } from "@codomyrmex/spans";
   * import assert from "node:assert/strict";
   *
   * assert.equal(String(new AlwaysRecordSampler(new AlwaysOffSampler())), "AlwaysRecord{AlwaysOffSampler}");
   * assert.throws(() => new AlwaysRecordSampler({} as never), TypeError);
   * ```
   */
  constructor(root: Sampler) {
    this.#root = checkSampler(root, "root", "AlwaysRecordSampler");
  }

  /**
   * Asks `root`, and turns a "drop" into "record", keeping the trace state
   * and attributes it gave.
   *
   * @param parameters The span being decided.
   * @returns `root`'s decision, "record" in place of "drop".
   *
   * @example
   * ```ts
   * import { AlwaysOffSampler, AlwaysRecordSampler, Tracer } from "@codomyrmex/spans";
   * import assert from "node:assert/strict";
   *
   * const span = new Tracer({ sampler: new AlwaysRecordSampler(new AlwaysOffSampler()) })
   *   .startSpan("x");
   * assert.equal(span.isRecording, true);
   * assert.equal(span.context.isSampled, false);
   * ```
   */
  shouldSample(parameters: SamplingParameters): SamplingResult {
    const result = this.#root.shouldSample(parameters);
    // Anything else (no result, a decision that is none of the three) goes
    // back as it came, for the Tracer to report.
    if (result?.decision !== "drop") return result;
    return {
      decision: "record",
      traceState: result.traceState,
      attributes: result.attributes,
    };
  }

  /**
   * Describes the sampler and its root.
   *
   * @returns For example `AlwaysRecord{AlwaysOffSampler}`.
   *
   * @example
   * ```ts
   * import { AlwaysOnSampler, AlwaysRecordSampler } from "@codomyrmex/spans";
   * import assert from "node:assert/strict";
   *
   * assert.equal(`${new AlwaysRecordSampler(new AlwaysOnSampler())}`, "AlwaysRecord{AlwaysOnSampler}");
   * ```
   */
  toString(): string {
    return `AlwaysRecord{${this.#root}}`;
  }
}

function checkSampler(sampler: unknown, name: string, what = "ParentBasedSampler"): Sampler {
  if (typeof (sampler as Sampler | undefined)?.shouldSample !== "function") {
    throw new TypeError(
      `Cannot create ${what}: ${name} must be a sampler with a shouldSample method`,
    );
  }
  return sampler as Sampler;
}
