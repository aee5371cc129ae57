// Internal: the `sampler` ./otel's TracerProvider is given, which may be this
// library's Sampler (one parameters object in, a decision of "drop",
// "record" or "recordAndSample" out) or OpenTelemetry's, as users bring it
// from the SDK's provider (`shouldSample(context, traceId, spanName,
// spanKind, attributes, links)`, a numeric SamplingDecision out).
//
// Nothing about the object tells the two apart before it answers: both have
// `shouldSample` and `toString`, their toString forms coincide
// (`AlwaysOnSampler`, `ParentBased{root=...}` in both), a method's arity is
// whatever its author declared, and a sampler of the user's own is of no
// class. Its answer does tell, beyond doubt: a decision is a string or a
// number. So until it has answered once, the sampler is called in a way both
// kinds read correctly (the parameters object is also an API context, the
// API's arguments follow it), and from its first answer on, in its own way.

import {
  type Context as OtelContext,
  type Link as OtelLink,
  type Sampler as OtelSampler,
  SamplingDecision as OtelDecision,
  type SamplingResult as OtelSamplingResult,
  trace,
} from "@opentelemetry/api";
import type { Attributes } from "../span/attributes.ts";
import type { SpanKind } from "../span/span.ts";
import { SpanContext } from "../span/span_context.ts";
import { withoutNullish } from "../span/_without_nullish.ts";
import type { Sampler, SamplingParameters, SamplingResult } from "../trace/sampler.ts";
import { OTEL_KINDS, toOtelSpanContext } from "./_mapping.ts";
import { startContext } from "./_start_context.ts";

const UNKNOWN = 0;
const OURS = 1;
const OTEL = 2;

// OpenTelemetry's decisions by their number.
const DECISIONS: Readonly<Record<number, SamplingResult["decision"]>> = {
  [OtelDecision.NOT_RECORD]: "drop",
  [OtelDecision.RECORD]: "record",
  [OtelDecision.RECORD_AND_SAMPLED]: "recordAndSample",
};

const NO_ATTRIBUTES: Readonly<Attributes> = Object.freeze({});
const NO_LINKS: readonly OtelLink[] = Object.freeze([]) as readonly OtelLink[];

/**
 * This library's Sampler, or OpenTelemetry's, as this library's: whichever
 * `sampler` turns out to be, from its first answer on.
 */
export class EitherSampler implements Sampler {
  readonly #sampler: Sampler | OtelSampler;
  #kind: typeof UNKNOWN | typeof OURS | typeof OTEL = UNKNOWN;

  constructor(sampler: Sampler | OtelSampler) {
    this.#sampler = sampler;
  }

  shouldSample(parameters: SamplingParameters): SamplingResult {
    const kind = this.#kind;
    if (kind === OURS) return (this.#sampler as Sampler).shouldSample(parameters);
    const context = apiContext(parameters);
    const traceId = parameters.traceId;
    const spanKind = OTEL_KINDS[parameters.kind as SpanKind] ?? 0;
    const attributes: Readonly<Record<string, unknown>> = parameters.attributes === undefined
      ? NO_ATTRIBUTES
      : withoutNullish(parameters.attributes);
    const links = parameters.links === undefined ? NO_LINKS : parameters.links.map(apiLink);
    // Either way it is called, `this` is the sampler, as its methods expect.
    const shouldSample = this.#sampler.shouldSample as (...args: unknown[]) => unknown;
    if (kind === OTEL) {
      return fromOtel(
        Reflect.apply(shouldSample, this.#sampler, [
          context,
          traceId,
          parameters.name,
          spanKind,
          attributes,
          links,
        ]) as OtelSamplingResult,
      );
    }
    const result = Reflect.apply(shouldSample, this.#sampler, [
      new Probe(parameters, context),
      traceId,
      parameters.name,
      spanKind,
      attributes,
      links,
    ]) as { decision?: unknown } | undefined;
    // Read once: a getter with a side effect runs as often as for any sampler.
    const decision = result?.decision;
    if (typeof decision === "string") {
      this.#kind = OURS;
      const ours = result as SamplingResult;
      return { decision: ours.decision, traceState: ours.traceState, attributes: ours.attributes };
    }
    if (typeof decision === "number") {
      this.#kind = OTEL;
      return fromOtel({ ...(result as OtelSamplingResult), decision });
    }
    // No answer yet (nothing, a promise): the Tracer reports it, and the
    // next span asks both ways again.
    return result as SamplingResult;
  }

  toString(): string {
    return String(this.#sampler);
  }
}

// The parameters of this library's Sampler that are also an API context
// (the API's own, the span's parent in it), for a first call that either
// kind of sampler reads right. The context's methods are not enumerable, so
// a sampler of ours that copies or lists its parameters sees only them.
class Probe implements SamplingParameters {
  readonly parent: SamplingParameters["parent"];
  readonly traceId: string;
  readonly name: string;
  readonly kind: SpanKind;
  readonly attributes: SamplingParameters["attributes"];
  readonly links: SamplingParameters["links"];
  readonly #context: OtelContext;

  constructor(parameters: SamplingParameters, context: OtelContext) {
    this.parent = parameters.parent;
    this.traceId = parameters.traceId;
    this.name = parameters.name;
    this.kind = parameters.kind;
    this.attributes = parameters.attributes;
    this.links = parameters.links;
    this.#context = context;
  }

  getValue(key: symbol): unknown {
    return this.#context.getValue(key);
  }

  setValue(key: symbol, value: unknown): OtelContext {
    return this.#context.setValue(key, value);
  }

  deleteValue(key: symbol): OtelContext {
    return this.#context.deleteValue(key);
  }
}

// The API context the span starts in, as the SDK's tracer hands its
// sampler: its span is the parent (none for a root), the rest (baggage,
// say) as the caller's context had it.
function apiContext(parameters: SamplingParameters): OtelContext {
  const context = startContext();
  const parent = parameters.parent;
  const current = trace.getSpanContext(context);
  if (parent === undefined) {
    return current === undefined ? context : trace.deleteSpan(context);
  }
  return current?.spanId === parent.spanId && current.traceId === parent.traceId
    ? context
    : trace.setSpanContext(context, toOtelSpanContext(parent));
}

// A link as the API's: a context of ours made an API one; any other (an
// all-zero one kept as it was given) passed on as it came.
function apiLink(link: NonNullable<SamplingParameters["links"]>[number]): OtelLink {
  const context: unknown = link?.context;
  return {
    context: context instanceof SpanContext
      ? toOtelSpanContext(context)
      : context as OtelLink["context"],
    attributes:
      (link?.attributes === undefined
        ? NO_ATTRIBUTES
        : withoutNullish(link.attributes)) as OtelLink["attributes"],
  };
}

// OpenTelemetry's answer as ours. A number that is no decision is passed on
// as it is, for the Tracer to report; so is a trace state that is no
// TraceState, for it to drop and count.
function fromOtel(result: OtelSamplingResult | undefined): SamplingResult {
  const decision: unknown = result?.decision;
  const state: unknown = result?.traceState;
  const traceState = typeof (state as { serialize?: unknown })?.serialize === "function"
    ? (state as { serialize(): string }).serialize()
    : state;
  const attributes = result?.attributes;
  return {
    decision: (typeof decision === "number" ? DECISIONS[decision] : undefined) ??
      decision as SamplingResult["decision"],
    traceState: traceState as string | undefined,
    attributes: attributes === undefined || attributes === null
      ? undefined
      : withoutNullish(attributes) as Attributes,
  };
}
