// Internal: an @opentelemetry/api Tracer whose spans are this library's.

import {
  type Context as OtelContext,
  context as contextApi,
  ROOT_CONTEXT,
  type Span as OtelSpan,
  type SpanOptions,
  type Tracer as OtelTracer,
} from "@opentelemetry/api";
import { SPAN_KEY } from "../context/current_span.ts";
import { getCurrentContext, withContext } from "../context/storage.ts";
import {
  isTracingSuppressed,
  SUPPRESS_TRACING_KEY,
  suppressTracing,
} from "../context/suppression.ts";
import type { Attributes } from "../span/attributes.ts";
import type { Span } from "../span/span.ts";
import type { StartSpanOptions, Tracer } from "../trace/tracer.ts";
import { linkFromOtel, OTEL_SPAN_KEY, spanOf } from "../span/_otel_span_view.ts";
import { withoutNullish } from "../span/_without_nullish.ts";
import { ApiSpan } from "./_api_span.ts";
import { startedProcessorSpan } from "./_processor_span.ts";
import { spanTimeFromOtel, timeInputToMs } from "../span/_hrtime.ts";
import { KIND_NAMES } from "./_mapping.ts";
import { enterStart, leaveStart } from "./_start_context.ts";
import { toSharedContext } from "./_shared_context.ts";
import { giveParentContext } from "../trace/_given_parent_context.ts";
import { withoutSpan } from "../context/_without_span.ts";
import { Context, ROOT_CONTEXT as OUR_ROOT_CONTEXT } from "../context/context.ts";
import { BAGGAGE_KEY } from "../propagation/baggage_context.ts";
import { OTEL_BAGGAGE_KEY } from "./_baggage_bridge.ts";

// Shared for the common call without options: nothing allocated for them.
const NO_PARENT: StartSpanOptions = Object.freeze({ parent: null });

type Fn<F> = F extends (span: OtelSpan) => unknown ? F : never;

/** Starts this library's spans for code written against @opentelemetry/api. */
export class ApiTracer implements OtelTracer {
  readonly #tracer: Tracer;

  constructor(tracer: Tracer) {
    this.#tracer = tracer;
  }

  startSpan(name: string, options?: SpanOptions, context?: OtelContext): OtelSpan {
    // A null context is none given, as before: the active one.
    return context === undefined || context === null
      ? this.#startSpan(name, options, contextApi.active(), false)
      : this.#startSpan(name, options, asContext(context), true);
  }

  // `given`: the caller named `ctx`, which may be suppressed where the
  // current context is not, or the other way round.
  #startSpan(
    name: string,
    options: SpanOptions | undefined,
    ctx: OtelContext,
    given: boolean,
  ): OtelSpan {
    let parent: Span | null = null;
    const root = options?.root === true;
    if (!root) {
      const value = ctx.getValue(OTEL_SPAN_KEY);
      if (value !== undefined) parent = spanOf(value) ?? null;
    }
    // OpenTelemetry's API never throws: null options are no options.
    const start: StartSpanOptions = options === undefined || options === null
      ? (parent === null ? NO_PARENT : { parent })
      : {
        parent,
        kind: KIND_NAMES[options.kind ?? 0] ?? "internal",
        // Undefined and null values are skipped uncounted, as the SDK's
        // span skips them; other malformed ones are dropped and counted.
        attributes: startAttributes(options.attributes),
        // OpenTelemetry's API never throws: links that are no array are ignored.
        links: !Array.isArray(options.links)
          ? undefined
          : options.links.map((l) => linkFromOtel(l)),
        startTime: spanTimeFromOtel(timeInputToMs(options.startTime)),
      };
    const spanName = typeof name === "string" ? name : nameOf(name);
    const tracer = this.#tracer;
    // OpenTelemetry processors' onStart is given the context the span
    // starts in, as the SDK's span gives it (see _start_context.ts).
    const previous = enterStart(ctx, root);
    // This library's processors get it too, as their parent context.
    const previousGiven = given ? giveParentContext(() => ourParentContext(ctx, root)) : undefined;
    let span: Span;
    try {
      // As the SDK's tracer does, suppression is read from the context given.
      const suppressed = given && ctx.getValue(SUPPRESS_TRACING_KEY) === true;
      span = given && suppressed !== isTracingSuppressed()
        ? withSuppression(suppressed, () => tracer.startSpan(spanName, start))
        : tracer.startSpan(spanName, start);
    } finally {
      leaveStart(previous);
      if (given) giveParentContext(previousGiven);
    }
    // A processor's onStart was given a view of the span: the application
    // gets that same object, as the SDK's tracer returns the span its
    // processors saw, so a processor can find the span again by identity.
    return startedProcessorSpan(span) ?? new ApiSpan(span);
  }

  startActiveSpan<F extends (span: OtelSpan) => unknown>(name: string, fn: F): ReturnType<F>;
  startActiveSpan<F extends (span: OtelSpan) => unknown>(
    name: string,
    options: SpanOptions,
    fn: F,
  ): ReturnType<F>;
  startActiveSpan<F extends (span: OtelSpan) => unknown>(
    name: string,
    options: SpanOptions,
    context: OtelContext,
    fn: F,
  ): ReturnType<F>;
  startActiveSpan<F extends (span: OtelSpan) => unknown>(
    name: string,
    a?: SpanOptions | F,
    b?: OtelContext | F,
    c?: F,
  ): ReturnType<F> | undefined {
    let options: SpanOptions | undefined;
    let parentContext: OtelContext | undefined;
    let fn: Fn<F>;
    if (typeof a === "function") {
      fn = a as Fn<F>;
    } else if (typeof b === "function") {
      options = a;
      fn = b as Fn<F>;
    } else {
      options = a;
      parentContext = b;
      fn = c as Fn<F>;
    }
    if (typeof fn !== "function") return undefined;
    const given = parentContext !== undefined && parentContext !== null;
    const ctx = given ? asContext(parentContext!) : contextApi.active();
    const span = this.#startSpan(name, options, ctx, given) as ApiSpan;
    // Both keys at once, so the context manager has nothing to reconcile.
    const next = ctx.setValue(OTEL_SPAN_KEY, span).setValue(SPAN_KEY, span.span);
    return contextApi.with(next, fn as (span: OtelSpan) => ReturnType<F>, undefined, span);
  }
}

// A span name given as something else (from JavaScript, where nothing checks
// the types) as a string; one with no string form (its toString throws) is
// the empty name: OpenTelemetry's API never throws.
function nameOf(name: unknown): string {
  try {
    return String(name);
  } catch {
    return "";
  }
}

// Attributes given at start, without the undefined and null values the SDK
// skips; anything that is no object is passed on for the Tracer to refuse.
function startAttributes(attributes: SpanOptions["attributes"]): Attributes | undefined {
  return (attributes !== null && typeof attributes === "object"
    ? withoutNullish(attributes)
    : attributes) as Attributes | undefined;
}

// Runs `fn` in the current context with tracing suppressed, or not.
function withSuppression<R>(suppressed: boolean, fn: () => R): R {
  return suppressed
    ? suppressTracing(fn)
    : withContext(getCurrentContext().deleteValue(SUPPRESS_TRACING_KEY), fn);
}

// The parent context for this library's processors of a span started in
// `ctx`, given: it as this library's context (its baggage visible to
// getBaggage), without its span for a root span. A context of the API's own
// making (its ROOT_CONTEXT's, another context manager's) cannot be listed:
// the keys both libraries know are carried over to one of ours.
function ourParentContext(ctx: OtelContext, root: boolean): Context {
  // Typed as ours, but a foreign context's setValue makes one of its kind.
  const shared: OtelContext = toSharedContext(ctx);
  let ours: Context;
  if (shared instanceof Context) {
    ours = shared;
  } else {
    ours = OUR_ROOT_CONTEXT;
    for (const key of SHARED_KEYS) {
      const value = shared.getValue(key);
      if (value !== undefined) ours = ours.setValue(key, value);
    }
  }
  return root ? withoutSpan(ours) : ours;
}

const SHARED_KEYS = [SPAN_KEY, OTEL_SPAN_KEY, BAGGAGE_KEY, OTEL_BAGGAGE_KEY, SUPPRESS_TRACING_KEY];

// A parent context that is no context (from JavaScript, where nothing checks
// the types) is none, as BridgeContextManager.with takes it.
function asContext(context: OtelContext): OtelContext {
  return typeof context?.getValue === "function" ? context : ROOT_CONTEXT;
}
