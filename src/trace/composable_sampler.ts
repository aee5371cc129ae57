/**
 * OpenTelemetry's composable samplers (trace SDK specification,
 * "CompositeSampler"): a {@linkcode ComposableSampler} says how likely a span
 * should be sampled, as a threshold, without deciding; a
 * {@linkcode CompositeSampler} makes the decision from it and the trace's
 * randomness, and keeps the threshold in the `ot` trace state entry.
 *
 * @module
 */

import type { Attributes } from "../span/attributes.ts";
import { TraceFlags } from "../span/span_context.ts";
import { isValidTraceState, traceStateDrops } from "../span/_tracestate_grammar.ts";
import { recordArgument } from "../platform/_arguments.ts";
import { describe } from "../platform/_describe.ts";
import { errorOnce } from "../platform/_diagnostics.ts";
import { errorMessage, warnOnce } from "../platform/_warn.ts";
import type { Sampler, SamplingParameters, SamplingResult } from "./sampler.ts";
import { type OtTraceState, readOtTraceState, withoutThreshold } from "./_ot_trace_state.ts";
import {
  checkPresumedRandom,
  randomnessReachesThreshold,
  sampledTraceState,
} from "./_consistent_sampling.ts";
import { checkComposable } from "./_check_composable.ts";
import { checkProbabilityRatio, decimal } from "./_ratio.ts";
import {
  encodedThreshold,
  MAX_THRESHOLD,
  newRandomnessValue,
  parseThreshold,
  probabilityThreshold,
  randomReaches,
} from "./_threshold.ts";

/**
 * What a {@linkcode ComposableSampler} is given: the span's
 * {@linkcode SamplingParameters} but its trace id (the specification leaves
 * it out, so a composable sampler cannot make its threshold depend on the
 * randomness), and the parent's threshold, read once for all of them.
 *
 * @example
 * ```ts
 * import { type ComposableSamplingParameters, ComposableParentThreshold, ComposableAlwaysOff } from "@codomyrmex/spans";
 * import assert from "node:assert/strict";
 *
 * const root: ComposableSamplingParameters = {
 *   parent: undefined,
 *   name: "GET /",
 *   kind: "server",
 *   attributes: undefined,
 *   parentThreshold: undefined,
 * };
 * const intent = new ComposableParentThreshold(new ComposableAlwaysOff()).getSamplingIntent(root);
 * assert.equal(intent.threshold, undefined);
 * ```
 */
export interface ComposableSamplingParameters extends Omit<SamplingParameters, "traceId"> {
  /**
   * The parent's threshold: the `th` of its `ot` trace state entry, when it
   * has a valid one that agrees with its sampled flag (sampled exactly when
   * its randomness reaches the threshold); `undefined` otherwise, and for a
   * root. A threshold that disagrees is "apparently inconsistent", which the
   * specification asks to erase.
   */
  readonly parentThreshold: bigint | undefined;
}

/**
 * A {@linkcode ComposableSampler}'s preference for a span, which a
 * {@linkcode CompositeSampler} turns into a decision (the specification's
 * SamplingIntent).
 *
 * @example An intent to sample half of the spans, adding an attribute to those sampled
 * ```ts
 * import type { SamplingIntent } from "@codomyrmex/spans";
 * import assert from "node:assert/strict";
 *
 * const half: SamplingIntent = {
 *   threshold: 1n << 55n,
 *   adjustedCountReliable: true,
 *   attributesProvider: () => ({ "sampling.rule": "half" }),
 * };
 * assert.equal(half.threshold, 0x80000000000000n);
 * ```
 */
export interface SamplingIntent {
  /**
   * The rejection threshold T, from 0 (sample every span) to 2^56 (sample
   * none): a span is sampled when its 56-bit randomness R is at least T.
   * `undefined` (or `null`) for no threshold: the span is dropped.
   */
  readonly threshold: bigint | undefined;
  /**
   * Whether the threshold is the probability the span is really sampled at,
   * so its adjusted count can be trusted (the specification's
   * `adjusted_count_reliable`). When `true` the randomness is the trace's
   * (its `rv`, else its trace id) and a sampled span carries the threshold as
   * `th`; when `false` a new random value decides and `th` is erased.
   */
  readonly adjustedCountReliable: boolean;
  /**
   * Gives attributes to add to the span; called only when it is sampled.
   */
  readonly attributesProvider?: () => Readonly<Attributes>;
  /**
   * Gives the span's trace state from the parent's (`undefined` when it has
   * none) and the decision. The `ot` entry is not its to change: whatever it
   * returns there is replaced by the parent's, with `th` kept as the
   * specification says.
   */
  readonly traceStateProvider?: (
    traceState: string | undefined,
    decision: "recordAndSample" | "drop",
  ) => string | undefined;
}

/**
 * A sampler that gives a {@linkcode SamplingIntent} rather than a decision,
 * so samplers compose; give one to a {@linkcode CompositeSampler} to use it.
 * It must not throw; one that throws, or returns something that is no
 * intent, has its span dropped, reported once as an error.
 *
 * @example A composable sampler that keeps every error span
 * ```ts
 * import { type ComposableSampler, CompositeSampler, Tracer } from "@codomyrmex/spans";
 * import assert from "node:assert/strict";
 *
 * const errors: ComposableSampler = {
 *   getSamplingIntent: (p) =>
 *     p.attributes?.["error"] === true
 *       ? { threshold: 0n, adjustedCountReliable: true }
 *       : { threshold: undefined, adjustedCountReliable: false },
 *   toString: () => "Errors",
 * };
 * const tracer = new Tracer({ sampler: new CompositeSampler(errors) });
 * assert.equal(tracer.startSpan("a", { attributes: { error: true } }).isRecording, true);
 * assert.equal(tracer.startSpan("b").isRecording, false);
 * ```
 */
export interface ComposableSampler {
  /** Says how likely the span should be sampled. Must not throw or change `parameters`. */
  getSamplingIntent(parameters: ComposableSamplingParameters): SamplingIntent;
  /** A short description, such as `ComposableProbability{0.25}`. */
  toString(): string;
}

const ALWAYS_ON: SamplingIntent = Object.freeze({ threshold: 0n, adjustedCountReliable: true });
const NEVER: SamplingIntent = Object.freeze({ threshold: undefined, adjustedCountReliable: false });
// A sampled parent without a (consistent) threshold: sampled, at a
// probability no one knows.
const PARENT_SAMPLED: SamplingIntent = Object.freeze({
  threshold: 0n,
  adjustedCountReliable: false,
});

const SAMPLE: SamplingResult = Object.freeze({ decision: "recordAndSample" });
const DROP: SamplingResult = Object.freeze({ decision: "drop" });
// The name the composite's warnings give.
const COMPOSITE_SAMPLER = "CompositeSampler";
const EMPTY_STATE: OtTraceState = Object.freeze({
  keys: [],
  values: [],
  members: [],
  malformed: false,
  rv: undefined,
  th: undefined,
});

/**
 * How a {@linkcode CompositeSampler} decides for a root span.
 *
 * @example Roots of a generator whose trace ids are not random
 * ```ts
 * import { ComposableProbability, CompositeSampler, Tracer } from "@codomyrmex/spans";
 * import assert from "node:assert/strict";
 *
 * let n = 0;
 * const tracer = new Tracer({
 *   idGenerator: {
 *     traceId: () => (++n).toString(16).padStart(32, "0"),
 *     spanId: () => n.toString(16).padStart(16, "0"),
 *   },
 *   sampler: new CompositeSampler(new ComposableProbability(0.5), { explicitRandomness: true }),
 * });
 * const root = tracer.startSpan("job");
 * const rv = /[=;]rv:([0-9a-f]{14})/.exec(root.context.traceState ?? "")?.[1];
 * assert.ok(rv !== undefined);
 * // The rv, not the trace id, decides: sampled when it is at least 0x80000000000000.
 * assert.equal(root.isRecording, rv >= "80000000000000");
 * ```
 */
export interface CompositeSamplerOptions {
  /**
   * Whether each root span gets a new explicit randomness value, `rv`, in
   * its `ot` trace state entry, which then decides for it and for the spans
   * after it in the trace, in place of the trace id's rightmost 56 bits. The
   * specification lets a root sampler insert one ("Root samplers set
   * explicit randomness for non-random TraceIDs"): set this when trace ids
   * are not random, as an `IdGenerator` without `randomTraceIds`
   * makes them. The root carries the `rv` whatever the decision, since its
   * children may decide by it. Default `false`: the trace id is presumed
   * random, as the specification asks when there is no `rv`.
   */
  readonly explicitRandomness?: boolean;
}

/**
 * The {@linkcode Sampler} that decides from a {@linkcode ComposableSampler}'s
 * intent, as the specification's CompositeSampler: a span with no threshold
 * is dropped; one whose threshold is reliable is sampled when the trace's
 * randomness (a valid `rv` in the parent's `ot` trace state entry, else the
 * trace id's rightmost 56 bits) is at least the threshold, and then carries
 * it as `th` in that entry; one whose threshold is not reliable is decided by
 * a new random value, and `th` is erased. A dropped span has `th` erased too.
 * The entry's other sub-keys, `rv` among them, and other vendors' entries
 * are kept; a malformed part of it is left out where it is written, counted
 * in `propagationStats().tracestate`, never thrown. With
 * {@linkcode CompositeSamplerOptions.explicitRandomness}, a root is given a
 * new `rv` and decided by it.
 *
 * @example Checkouts always, health checks never, 10% of the other roots, children as their parent
 * ```ts
 * import {
 *   ComposableAlwaysOff,
 *   ComposableAlwaysOn,
 *   ComposableParentThreshold,
 *   ComposableProbability,
 *   ComposableRuleBased,
 *   CompositeSampler,
 *   Tracer,
 * } from "@codomyrmex/spans";
 * import assert from "node:assert/strict";
 *
 * const tracer = new Tracer({
 *   sampler: new CompositeSampler(
 *     new ComposableParentThreshold(
 *       new ComposableRuleBased([
 *         [(p) => p.name === "GET /health", new ComposableAlwaysOff()],
 *         [(p) => p.name === "POST /checkout", new ComposableAlwaysOn()],
 *         [() => true, new ComposableProbability(0.1)],
 *       ]),
 *     ),
 *   ),
 * });
 * assert.equal(tracer.startSpan("GET /health").isRecording, false);
 * const checkout = tracer.startSpan("POST /checkout");
 * assert.equal(checkout.context.traceState, "ot=th:0");
 * const child = tracer.startSpan("db", { parent: checkout });
 * assert.equal(child.context.isSampled, true);
 * ```
 */
export class CompositeSampler implements Sampler {
  readonly #delegate: ComposableSampler;
  readonly #explicitRandomness: boolean;

  /**
   * Creates the sampler.
   *
   * @param delegate The composable sampler whose intent it decides from.
   * @param options How it decides for a root span.
   * @throws {TypeError} When `delegate` lacks `getSamplingIntent`, or
   *   `options` is no record, or its `explicitRandomness` no boolean.
   *
   * @example
   * ```ts
   * import { ComposableAlwaysOn, CompositeSampler, ProbabilitySampler } from "@codomyrmex/spans";
   * import assert from "node:assert/strict";
   *
   * assert.equal(String(new CompositeSampler(new ComposableAlwaysOn())), "CompositeSampler{ComposableAlwaysOn}");
   * assert.throws(() => new CompositeSampler(new ProbabilitySampler(0.5) as never), TypeError);
   * assert.throws(
   *   () => new CompositeSampler(new ComposableAlwaysOn(), { explicitRandomness: "yes" as never }),
   *   TypeError,
   * );
   * ```
   */
  constructor(delegate: ComposableSampler, options?: CompositeSamplerOptions) {
    this.#delegate = checkComposable(delegate, "delegate", "CompositeSampler");
    const explicit = options === undefined
      ? undefined
      : recordArgument(options, "create CompositeSampler", "options").explicitRandomness;
    if (explicit !== undefined && typeof explicit !== "boolean") {
      throw new TypeError(
        `Cannot create CompositeSampler: explicitRandomness must be a boolean, got ${
          describe(explicit)
        }`,
      );
    }
    this.#explicitRandomness = explicit === true;
  }

  /**
   * Asks the delegate for its intent and decides.
   *
   * @param parameters The span being decided.
   * @returns The decision, with the span's trace state when it differs from
   *   the parent's, and the intent's attributes when sampled.
   *
   * @example
   * ```ts
   * import { ComposableProbability, CompositeSampler } from "@codomyrmex/spans";
   * import assert from "node:assert/strict";
   *
   * const quarter = new CompositeSampler(new ComposableProbability(0.25));
   * const decide = (traceId: string) =>
   *   quarter.shouldSample({ parent: undefined, traceId, name: "x", kind: "internal", attributes: undefined });
   * // The threshold for 0.25 is c0000000000000: R at it samples, R below drops.
   * assert.deepEqual(decide("0af7651916cd43dd84c0000000000000"), {
   *   decision: "recordAndSample",
   *   traceState: "ot=th:c",
   * });
   * assert.deepEqual(decide("0af7651916cd43dd84bfffffffffffff"), { decision: "drop" });
   * ```
   */
  shouldSample(parameters: SamplingParameters): SamplingResult {
    const parent = parameters.parent;
    const traceId = parameters.traceId;
    const parentTraceState = parent?.traceState;
    let state: OtTraceState | undefined;
    let parentThreshold: bigint | undefined;
    if (typeof parentTraceState === "string" && parentTraceState !== "") {
      state = readOtTraceState(parentTraceState);
      if (state.th !== undefined) {
        const threshold = parseThreshold(state.th);
        if (threshold === undefined) {
          // A th that is no threshold is erased or replaced, and counted.
          state = { ...state, malformed: true };
        } else if (
          ((parent!.traceFlags & TraceFlags.SAMPLED) !== 0) ===
            randomnessReachesThreshold(traceId, state.rv, threshold)
        ) {
          parentThreshold = threshold;
        }
      }
    }
    // Only a root may set the trace's explicit randomness; it has no trace
    // state yet, so no rv to overwrite.
    let rv: string | undefined;
    if (parent === undefined && this.#explicitRandomness) {
      rv = newRandomnessValue();
      state = { ...EMPTY_STATE, members: [`rv:${rv}`], rv };
    }
    let result: SamplingResult;
    try {
      result = this.#decide(parameters, parentTraceState, state, parentThreshold);
    } catch (error) {
      errorOnce(
        "composable-sampler-threw",
        `a composable sampler threw, so its spans are dropped: ${errorMessage(error)}`,
      );
      result = dropped(state);
    }
    // A trace state written above is made from `state`, so it has the rv;
    // one left to the parent's (none, for a root) would lose it, though the
    // trace's later decisions are made by it.
    if (rv !== undefined && result.traceState === undefined) {
      return { ...result, traceState: `ot=rv:${rv}` };
    }
    return result;
  }

  #decide(
    parameters: SamplingParameters,
    parentTraceState: string | undefined,
    state: OtTraceState | undefined,
    parentThreshold: bigint | undefined,
  ): SamplingResult {
    const parent = parameters.parent;
    const intent: unknown = this.#delegate.getSamplingIntent({
      parent,
      name: parameters.name,
      kind: parameters.kind,
      attributes: parameters.attributes,
      links: parameters.links,
      parentThreshold,
    });
    if (typeof intent !== "object" || intent === null) {
      return refuse(`no intent, got ${describe(intent)}`, state);
    }
    // Read once each: an intent is the user's object.
    const {
      threshold: givenThreshold,
      adjustedCountReliable: reliable,
      attributesProvider,
      traceStateProvider,
    } = intent as SamplingIntent;
    const threshold = givenThreshold ?? undefined;
    if (
      threshold !== undefined &&
      !(typeof threshold === "bigint" && threshold >= 0n && threshold <= MAX_THRESHOLD)
    ) {
      return refuse(
        `a threshold that is no bigint from 0n to 2n ** 56n, got ${describe(threshold)}`,
        state,
      );
    }
    if (threshold !== undefined && typeof reliable !== "boolean") {
      return refuse(
        `an adjustedCountReliable that is no boolean, got ${describe(reliable)}`,
        state,
      );
    }
    if (attributesProvider !== undefined && typeof attributesProvider !== "function") {
      return refuse(
        `an attributesProvider that is no function, got ${describe(attributesProvider)}`,
        state,
      );
    }
    if (traceStateProvider !== undefined && typeof traceStateProvider !== "function") {
      return refuse(
        `a traceStateProvider that is no function, got ${describe(traceStateProvider)}`,
        state,
      );
    }

    // "If the received THRESHOLD value is null, the sampling decision is
    // DROP"; else R >= T, R the trace's randomness when the threshold is
    // reliable, "a new random 56-bit number" when it is not.
    let sampled = false;
    if (threshold === 0n) {
      sampled = true;
    } else if (threshold !== undefined) {
      if (reliable) {
        if (parent !== undefined) checkPresumedRandom(COMPOSITE_SAMPLER, parent, state?.rv);
        sampled = randomnessReachesThreshold(parameters.traceId, state?.rv, threshold);
      } else {
        sampled = randomReaches(threshold);
      }
    }

    // The trace state the intent gives, its ot entry the parent's.
    let base = state;
    let changed = false;
    if (traceStateProvider !== undefined) {
      const given: unknown = traceStateProvider(
        parentTraceState,
        sampled ? "recordAndSample" : "drop",
      );
      if (given !== parentTraceState) {
        if (given !== undefined && typeof given !== "string") {
          return refuse(`a trace state that is no string, got ${describe(given)}`, state);
        }
        if (given !== undefined && given !== "" && !isValidTraceState(given)) {
          traceStateDrops.count++;
          warnOnce(
            "composable-sampler-tracestate",
            "a composable sampler gave an invalid trace state, so the parent's is kept: " +
              describe(given),
          );
        } else {
          const read = given === undefined || given === "" ? EMPTY_STATE : readOtTraceState(given);
          const ot = state ?? EMPTY_STATE;
          base = {
            keys: read.keys,
            values: read.values,
            members: ot.members,
            malformed: ot.malformed,
            rv: ot.rv,
            th: ot.th,
          };
          changed = true;
        }
      }
    }

    let attributes: Readonly<Attributes> | undefined;
    if (sampled && attributesProvider !== undefined) {
      const given: unknown = attributesProvider();
      if (given !== undefined && (typeof given !== "object" || given === null)) {
        return refuse(`attributes that are no object, got ${describe(given)}`, state);
      }
      attributes = given as Readonly<Attributes> | undefined;
    }

    // "In case of positive sampling decision ... if the
    // adjusted_count_reliable is true it modifies the th value for the ot
    // key in the Tracestate according to the received THRESHOLD; if ...
    // false, it removes the th value"; "In case of negative sampling
    // decision, it removes the th value".
    let traceState: string | undefined;
    if (sampled && reliable) {
      const th = encodedThreshold(threshold!);
      traceState = base === undefined
        ? `ot=th:${th}`
        : sampledTraceState(base, th, COMPOSITE_SAMPLER);
    } else if (base !== undefined && (changed || base.th !== undefined)) {
      traceState = withoutThreshold(base);
    }
    if (!sampled) return traceState === undefined ? DROP : { decision: "drop", traceState };
    if (traceState === undefined && attributes === undefined) return SAMPLE;
    const result: { decision: "recordAndSample"; traceState?: string; attributes?: Attributes } = {
      decision: "recordAndSample",
    };
    if (traceState !== undefined) result.traceState = traceState;
    if (attributes !== undefined) result.attributes = attributes;
    return result;
  }

  /**
   * Describes the sampler and its delegate.
   *
   * @returns For example `CompositeSampler{ComposableProbability{0.25}}`, with
   *   `, explicitRandomness` after the delegate when that option is on.
   *
   * @example
   * ```ts
   * import { ComposableProbability, CompositeSampler } from "@codomyrmex/spans";
   * import assert from "node:assert/strict";
   *
   * const s = new CompositeSampler(new ComposableProbability(0.25));
   * assert.equal(String(s), "CompositeSampler{ComposableProbability{0.25}}");
   * ```
   */
  toString(): string {
    return `CompositeSampler{${this.#delegate}${
      this.#explicitRandomness ? ", explicitRandomness" : ""
    }}`;
  }
}

// A span dropped for a delegate's fault: th erased, as for any drop.
function dropped(state: OtTraceState | undefined): SamplingResult {
  return state?.th === undefined ? DROP : { decision: "drop", traceState: withoutThreshold(state) };
}

// A delegate's answer that is no intent: the span is dropped, reported once.
function refuse(what: string, state: OtTraceState | undefined): SamplingResult {
  errorOnce(
    "composable-sampler-intent",
    `a composable sampler gave ${what}, so its spans are dropped`,
  );
  return dropped(state);
}

/**
 * Samples every span: threshold 0, reliable (the specification's
 * ComposableAlwaysOn).
 *
 * @example
 * ```ts
 * import { ComposableAlwaysOn, CompositeSampler, Tracer } from "@codomyrmex/spans";
 * import assert from "node:assert/strict";
 *
 * const span = new Tracer({ sampler: new CompositeSampler(new ComposableAlwaysOn()) }).startSpan("x");
 * assert.equal(span.context.isSampled, true);
 * assert.equal(span.context.traceState, "ot=th:0");
 * ```
 */
export class ComposableAlwaysOn implements ComposableSampler {
  /**
   * Gives threshold 0, reliable.
   *
   * @param _parameters Ignored.
   * @returns The intent.
   *
   * @example
   * ```ts
   * import { ComposableAlwaysOn } from "@codomyrmex/spans";
   * import assert from "node:assert/strict";
   *
   * const intent = new ComposableAlwaysOn().getSamplingIntent({
   *   parent: undefined,
   *   name: "x",
   *   kind: "internal",
   *   attributes: undefined,
   *   parentThreshold: undefined,
   * });
   * assert.deepEqual(intent, { threshold: 0n, adjustedCountReliable: true });
   * ```
   */
  getSamplingIntent(_parameters: ComposableSamplingParameters): SamplingIntent {
    return ALWAYS_ON;
  }

  /**
   * Describes the sampler.
   *
   * @returns `"ComposableAlwaysOn"`.
   *
   * @example
   * ```ts
   * import { ComposableAlwaysOn } from "@codomyrmex/spans";
   * import assert from "node:assert/strict";
   *
   * assert.equal(String(new ComposableAlwaysOn()), "ComposableAlwaysOn");
   * ```
   */
  toString(): string {
    return "ComposableAlwaysOn";
  }
}

/**
 * Samples nothing: no threshold, not reliable (the specification's
 * ComposableAlwaysOff).
 *
 * @example
 * ```ts
 * import { ComposableAlwaysOff, CompositeSampler, Tracer } from "@codomyrmex/spans";
 * import assert from "node:assert/strict";
 *
 * const span = new Tracer({ sampler: new CompositeSampler(new ComposableAlwaysOff()) }).startSpan("x");
 * assert.equal(span.isRecording, false);
 * ```
 */
export class ComposableAlwaysOff implements ComposableSampler {
  /**
   * Gives no threshold.
   *
   * @param _parameters Ignored.
   * @returns The intent.
   *
   * @example
   * ```ts
   * import { ComposableAlwaysOff } from "@codomyrmex/spans";
   * import assert from "node:assert/strict";
   *
   * const intent = new ComposableAlwaysOff().getSamplingIntent({
   *   parent: undefined,
   *   name: "x",
   *   kind: "internal",
   *   attributes: undefined,
   *   parentThreshold: undefined,
   * });
   * assert.deepEqual(intent, { threshold: undefined, adjustedCountReliable: false });
   * ```
   */
  getSamplingIntent(_parameters: ComposableSamplingParameters): SamplingIntent {
    return NEVER;
  }

  /**
   * Describes the sampler.
   *
   * @returns `"ComposableAlwaysOff"`.
   *
   * @example
   * ```ts
   * import { ComposableAlwaysOff } from "@codomyrmex/spans";
   * import assert from "node:assert/strict";
   *
   * assert.equal(String(new ComposableAlwaysOff()), "ComposableAlwaysOff");
   * ```
   */
  toString(): string {
    return "ComposableAlwaysOff";
  }
}

/**
 * Samples `ratio` of the traces, consistently: its threshold is the one
 * {@linkcode ProbabilitySampler} uses for the ratio, reliable (the
 * specification's ComposableProbability). `new CompositeSampler(new
 * ComposableProbability(ratio))` samples as `new ProbabilitySampler(ratio)`
 * does, the parent's sampled flag ignored.
 *
 * @example
 * ```ts
 * import { ComposableProbability } from "@codomyrmex/spans";
 * import assert from "node:assert/strict";
 *
 * const p = new ComposableProbability(0.25);
 * const intent = p.getSamplingIntent({
 *   parent: undefined,
 *   name: "x",
 *   kind: "internal",
 *   attributes: undefined,
 *   parentThreshold: undefined,
 * });
 * assert.deepEqual(intent, { threshold: 0xc0000000000000n, adjustedCountReliable: true });
 * assert.throws(() => new ComposableProbability(2), RangeError);
 * ```
 */
export class ComposableProbability implements ComposableSampler {
  readonly #ratio: number;
  readonly #intent: SamplingIntent;

  /**
   * Creates a sampler that keeps `ratio` of the traces.
   *
   * @param ratio From 2^-56 to 1; or 0, which the specification says is no
   *   probability, for a sampler that gives no threshold, as
   *   {@linkcode ComposableAlwaysOff} does.
   * @throws {TypeError} When `ratio` is not a number.
   * @throws {RangeError} When `ratio` is NaN, below 0, between 0 and 2^-56,
   *   or above 1.
   *
   * @example
   * ```ts
   * import { ComposableProbability } from "@codomyrmex/spans";
   * import assert from "node:assert/strict";
   *
   * assert.equal(new ComposableProbability(0.1).ratio, 0.1);
   * assert.throws(() => new ComposableProbability(2 ** -57), RangeError);
   * assert.throws(() => new ComposableProbability("0.5" as never), TypeError);
   * ```
   */
  constructor(ratio: number) {
    this.#ratio = checkProbabilityRatio(ratio, "ComposableProbability");
    this.#intent = ratio === 0 ? NEVER : Object.freeze({
      threshold: probabilityThreshold(ratio),
      adjustedCountReliable: true,
    });
  }

  /**
   * The fraction of traces kept, as given.
   *
   * @example
   * ```ts
   * import { ComposableProbability } from "@codomyrmex/spans";
   * import assert from "node:assert/strict";
   *
   * assert.equal(new ComposableProbability(0.5).ratio, 0.5);
   * ```
   */
  get ratio(): number {
    return this.#ratio;
  }

  /**
   * Gives the ratio's threshold, reliable; no threshold for ratio 0.
   *
   * @param _parameters Ignored.
   * @returns The intent.
   *
   * @example
   * ```ts
   * import { ComposableProbability } from "@codomyrmex/spans";
   * import assert from "node:assert/strict";
   *
   * const intent = new ComposableProbability(1).getSamplingIntent({
   *   parent: undefined,
   *   name: "x",
   *   kind: "internal",
   *   attributes: undefined,
   *   parentThreshold: undefined,
   * });
   * assert.equal(intent.threshold, 0n);
   * ```
   */
  getSamplingIntent(_parameters: ComposableSamplingParameters): SamplingIntent {
    return this.#intent;
  }

  /**
   * Describes the sampler.
   *
   * @returns For example `ComposableProbability{0.25}`, the ratio in decimal.
   *
   * @example
   * ```ts
   * import { ComposableProbability } from "@codomyrmex/spans";
   * import assert from "node:assert/strict";
   *
   * assert.equal(String(new ComposableProbability(1e-7)), "ComposableProbability{0.0000001}");
   * ```
   */
  toString(): string {
    return `ComposableProbability{${decimal(this.#ratio)}}`;
  }
}

/**
 * Follows the parent (the specification's ComposableParentThreshold): a span
 * with a parent gets the parent's threshold, reliable, when the parent has
 * one; else threshold 0, not reliable, when the parent is sampled; else no
 * threshold. A root is decided by `root`.
 *
 * @example
 * ```ts
 * import { ComposableAlwaysOff, ComposableParentThreshold, CompositeSampler, Tracer } from "@codomyrmex/spans";
 * import assert from "node:assert/strict";
 *
 * const tracer = new Tracer({
 *   sampler: new CompositeSampler(new ComposableParentThreshold(new ComposableAlwaysOff())),
 * });
 * const root = tracer.startSpan("root");
 * assert.equal(root.isRecording, false);
 * assert.equal(tracer.startSpan("child", { parent: root }).isRecording, false);
 * ```
 */
export class ComposableParentThreshold implements ComposableSampler {
  readonly #root: ComposableSampler;

  /**
   * Creates the sampler.
   *
   * @param root Decides for spans without a parent.
   * @throws {TypeError} When `root` lacks `getSamplingIntent`.
   *
   * @example
   * ```ts
   * import { ComposableAlwaysOn, ComposableParentThreshold } from "@codomyrmex/spans";
   * import assert from "node:assert/strict";
   *
   * const s = new ComposableParentThreshold(new ComposableAlwaysOn());
   * assert.equal(String(s), "ComposableParentThreshold{root=ComposableAlwaysOn}");
   * assert.throws(() => new ComposableParentThreshold(undefined as never), TypeError);
   * ```
   */
  constructor(root: ComposableSampler) {
    this.#root = checkComposable(root, "root", "ComposableParentThreshold");
  }

  /**
   * Gives the parent's threshold, or asks `root` for a root.
   *
   * @param parameters The span being decided.
   * @returns The intent.
   *
   * @example
   * ```ts
   * import { ComposableAlwaysOff, ComposableParentThreshold, SpanContext } from "@codomyrmex/spans";
   * import assert from "node:assert/strict";
   *
   * const parent = new SpanContext({
   *   traceId: "0af7651916cd43dd8448eb211c80319c",
   *   spanId: "b7ad6b7169203331",
   *   traceFlags: 1,
   *   isRemote: true,
   * });
   * const s = new ComposableParentThreshold(new ComposableAlwaysOff());
   * const p = { parent, name: "x", kind: "server" as const, attributes: undefined };
   * assert.deepEqual(s.getSamplingIntent({ ...p, parentThreshold: 0xcn << 52n }), {
   *   threshold: 0xc0000000000000n,
   *   adjustedCountReliable: true,
   * });
   * assert.deepEqual(s.getSamplingIntent({ ...p, parentThreshold: undefined }), {
   *   threshold: 0n,
   *   adjustedCountReliable: false,
   * });
   * ```
   */
  getSamplingIntent(parameters: ComposableSamplingParameters): SamplingIntent {
    const parent = parameters.parent;
    if (parent === undefined) return this.#root.getSamplingIntent(parameters);
    const threshold = parameters.parentThreshold;
    if (threshold !== undefined) return { threshold, adjustedCountReliable: true };
    return (parent.traceFlags & TraceFlags.SAMPLED) !== 0 ? PARENT_SAMPLED : NEVER;
  }

  /**
   * Describes the sampler and its root.
   *
   * @returns For example `ComposableParentThreshold{root=ComposableAlwaysOn}`.
   *
   * @example
   * ```ts
   * import { ComposableParentThreshold, ComposableProbability } from "@codomyrmex/spans";
   * import assert from "node:assert/strict";
   *
   * const s = new ComposableParentThreshold(new ComposableProbability(0.5));
   * assert.match(s.toString(), /root=ComposableProbability\{0\.5\}/);
   * ```
   */
  toString(): string {
    return `ComposableParentThreshold{root=${this.#root}}`;
  }
}

/**
 * Adds `attributes` to the spans `delegate` has sampled (the specification's
 * ComposableAnnotating): its threshold, and any attributes and trace state
 * `delegate` gives, are kept; where an attribute has both, this sampler's
 * wins.
 *
 * @example
 * ```ts
 * import { ComposableAlwaysOn, ComposableAnnotating, CompositeSampler, InMemorySpanProcessor, Tracer } from "@codomyrmex/spans";
 * import assert from "node:assert/strict";
 *
 * const memory = new InMemorySpanProcessor();
 * const tracer = new Tracer({
 *   processors: [memory],
 *   sampler: new CompositeSampler(
 *     new ComposableAnnotating({ "sampling.rule": "all" }, new ComposableAlwaysOn()),
 *   ),
 * });
 * tracer.startSpan("x").end();
 * assert.equal(memory.spans[0].attributes["sampling.rule"], "all");
 * ```
 */
export class ComposableAnnotating implements ComposableSampler {
  readonly #attributes: Readonly<Attributes>;
  readonly #delegate: ComposableSampler;
  readonly #provider: () => Readonly<Attributes>;

  /**
   * Creates the sampler.
   *
   * @param attributes The attributes to add to sampled spans; copied.
   * @param delegate The sampler whose intent it gives.
   * @throws {TypeError} When `attributes` is no object, or `delegate` lacks
   *   `getSamplingIntent`.
   *
   * @example
   * ```ts
   * import { ComposableAlwaysOn, ComposableAnnotating } from "@codomyrmex/spans";
   * import assert from "node:assert/strict";
   *
   * const s = new ComposableAnnotating({ team: "checkout" }, new ComposableAlwaysOn());
   * assert.equal(String(s), "ComposableAnnotating{ComposableAlwaysOn}");
   * assert.throws(() => new ComposableAnnotating("team" as never, new ComposableAlwaysOn()), TypeError);
   * ```
   */
  constructor(attributes: Readonly<Attributes>, delegate: ComposableSampler) {
    if (typeof attributes !== "object" || attributes === null || Array.isArray(attributes)) {
      throw new TypeError(
        `Cannot create ComposableAnnotating: attributes must be an object such as { team: "checkout" }, got ${
          describe(attributes)
        }`,
      );
    }
    this.#delegate = checkComposable(delegate, "delegate", "ComposableAnnotating");
    const own = Object.freeze({ ...attributes });
    this.#attributes = own;
    this.#provider = () => own;
  }

  /**
   * Gives `delegate`'s intent, with the attributes added for a sampled span.
   *
   * @param parameters The span being decided.
   * @returns The intent.
   *
   * @example
   * ```ts
   * import { ComposableAlwaysOn, ComposableAnnotating } from "@codomyrmex/spans";
   * import assert from "node:assert/strict";
   *
   * const intent = new ComposableAnnotating({ a: 1 }, new ComposableAlwaysOn()).getSamplingIntent({
   *   parent: undefined,
   *   name: "x",
   *   kind: "internal",
   *   attributes: undefined,
   *   parentThreshold: undefined,
   * });
   * assert.equal(intent.threshold, 0n);
   * assert.deepEqual(intent.attributesProvider?.(), { a: 1 });
   * ```
   */
  getSamplingIntent(parameters: ComposableSamplingParameters): SamplingIntent {
    const intent = this.#delegate.getSamplingIntent(parameters);
    // Anything that is no intent goes back as it came, for the composite
    // sampler to report.
    if (typeof intent !== "object" || intent === null) return intent;
    const inner: unknown = intent.attributesProvider;
    let attributesProvider: unknown = this.#provider;
    if (typeof inner === "function") {
      const own = this.#attributes;
      attributesProvider = () => {
        const given: unknown = inner();
        return typeof given === "object" && given !== null ? { ...given, ...own } : given;
      };
    } else if (inner !== undefined) {
      attributesProvider = inner;
    }
    return {
      threshold: intent.threshold,
      adjustedCountReliable: intent.adjustedCountReliable,
      attributesProvider: attributesProvider as () => Readonly<Attributes>,
      traceStateProvider: intent.traceStateProvider,
    };
  }

  /**
   * Describes the sampler and its delegate.
   *
   * @returns For example `ComposableAnnotating{ComposableAlwaysOn}`.
   *
   * @example
   * ```ts
   * import { ComposableAlwaysOff, ComposableAnnotating } from "@codomyrmex/spans";
   * import assert from "node:assert/strict";
   *
   * assert.equal(`${new ComposableAnnotating({}, new ComposableAlwaysOff())}`, "ComposableAnnotating{ComposableAlwaysOff}");
   * ```
   */
  toString(): string {
    return `ComposableAnnotating{${this.#delegate}}`;
  }
}
