/**
 * Samplers decide, when a span starts, whether it is recorded and exported.
 *
 * @module
 */

import type { Attributes } from "../span/attributes.ts";
import type { SpanKind } from "../span/span.ts";
import type { SpanContext } from "../span/span_context.ts";
import { describe } from "../platform/_describe.ts";

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

// 2^56: the rightmost 7 bytes of a W3C Level 2 trace id are random. A
// 56-bit number does not fit a double exactly, so it is compared in two
// exact 28-bit halves (7 hex digits each), its threshold made in BigInt.
const TWO_POW_56 = 72057594037927936;

/**
 * Samples a fraction of traces, decided from the trace id alone, so every
 * service using this library that sees the same trace id with the same ratio
 * decides the same way (another SDK's `TraceIdRatioBased` may not: its
 * algorithm was never specified, so use this as the `root` of a
 * {@linkcode ParentBasedSampler}). As the OpenTelemetry specification's
 * consistent probability sampling does, it reads the rightmost 56 bits of
 * the trace id as a random number and samples when it is at least
 * `(1 - ratio) × 2^56`.
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
    this.#thresholdHigh = Number(threshold >> 28n);
    this.#thresholdLow = Number(threshold & 0xfffffffn);
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
    if (this.#ratio === 0) return DROP;
    const traceId = parameters.traceId;
    const high = parseInt(traceId.slice(18, 25), 16);
    if (high !== this.#thresholdHigh) return high > this.#thresholdHigh ? SAMPLE : DROP;
    return parseInt(traceId.slice(25, 32), 16) >= this.#thresholdLow ? SAMPLE : DROP;
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

// A ratio as a decimal number, as the description must give it: the
// shortest digits that name it exactly, with no exponent (1e-7 reads
// 0.0000001). A ratio is at most 1, so only a negative exponent occurs.
function decimal(ratio: number): string {
  const text = String(ratio);
  const e = text.indexOf("e-");
  if (e < 0) return text;
  const digits = text.slice(0, e).replace(".", "");
  return `0.${"0".repeat(Number(text.slice(e + 2)) - 1)}${digits}`;
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

function checkSampler(sampler: unknown, name: string): Sampler {
  if (typeof (sampler as Sampler | undefined)?.shouldSample !== "function") {
    throw new TypeError(
      `Cannot create ParentBasedSampler: ${name} must be a sampler with a shouldSample method`,
    );
  }
  return sampler as Sampler;
}
