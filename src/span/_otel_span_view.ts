// Internal: this library's spans in OpenTelemetry's shape and back, with
// nothing imported. Code that knows OpenTelemetry's Span interface (the
// ./otel bridge's API tracer, Deno's built-in OpenTelemetry, libraries
// written against @opentelemetry/api) writes to this library's span through
// a view; a span of theirs stands in as one of ours, non-recording, with its
// ids, so it can be a parent.

import { isValidSpanId, isValidTraceId } from "../platform/ids.ts";
import { isTimeInput, spanTimeFromOtel, type TimeInput, timeInputToMs } from "./_hrtime.ts";
import { traceStateFrom } from "./_link_context.ts";
import { OtelTraceStateView } from "./_otel_trace_state.ts";
import { describeException } from "./_exception.ts";
import { isNullish, withoutNullish } from "./_without_nullish.ts";
import { createTrustedSpanContext } from "./_trusted_span_context.ts";
import type { Attributes, AttributeValue } from "./attributes.ts";
import { Span, type SpanStatusCode } from "./span.ts";
import type { SpanContext } from "./span_context.ts";

/**
 * The key OpenTelemetry keeps a context's span under: `trace.setSpan` and
 * `trace.getSpan` of @opentelemetry/api, and Deno's built-in OpenTelemetry.
 */
export const OTEL_SPAN_KEY: symbol = Symbol.for("OpenTelemetry Context Key SPAN");

/** OpenTelemetry's `SpanContext`, as far as this library reads and writes it. */
export interface OtelSpanContextLike {
  traceId: string;
  spanId: string;
  traceFlags: number;
  isRemote?: boolean;
  traceState?: { serialize(): string };
}

/** OpenTelemetry's `Link`, as far as this library reads it. */
export interface OtelLinkLike {
  context: OtelSpanContextLike;
  attributes?: Readonly<Record<string, unknown>>;
}

/**
 * An OpenTelemetry span context as ours, or `undefined` when its ids are
 * invalid (OpenTelemetry's own rule for "no parent").
 */
export function fromOtelSpanContext(
  sc: OtelSpanContextLike | undefined,
  parentSpanId?: string,
): SpanContext | undefined {
  if (sc === undefined || sc === null) return undefined;
  if (!isValidTraceId(sc.traceId) || !isValidSpanId(sc.spanId)) return undefined;
  return createTrustedSpanContext(
    sc.traceId,
    sc.spanId,
    isValidSpanId(parentSpanId) ? parentSpanId : undefined,
    flagsOf(sc),
    traceStateFrom(sc.traceState),
    sc.isRemote === true,
  );
}

/**
 * An OpenTelemetry link as the arguments of our span's `addLink`. Its
 * context is the SpanContext of {@linkcode fromOtelSpanContext}; or, when an
 * id is all zeros (as in OpenTelemetry's `INVALID_SPAN_CONTEXT`), a plain
 * context as it is, which `addLink` copies and keeps or drops by the rule
 * for such links (see _link_context.ts); `undefined` when it cannot be
 * read, for the span to drop and count.
 */
export function linkFromOtel(link: OtelLinkLike | undefined): {
  context: SpanContext;
  attributes: Attributes | undefined;
} {
  try {
    return {
      context: linkContextFromOtel(link?.context) as SpanContext,
      attributes: link?.attributes as Attributes | undefined,
    };
  } catch {
    // A getter or Proxy trap threw: OpenTelemetry's API never throws.
    return { context: undefined as unknown as SpanContext, attributes: undefined };
  }
}

// Ours for valid ids; any other context (all-zero ids, as in
// OpenTelemetry's INVALID_SPAN_CONTEXT) as it is, for addLink to copy and to
// keep or drop by the rule for such links (see _link_context.ts).
function linkContextFromOtel(sc: OtelSpanContextLike | undefined): unknown {
  return fromOtelSpanContext(sc) ?? sc;
}

function flagsOf(sc: OtelSpanContextLike): number {
  return Number.isInteger(sc.traceFlags) ? sc.traceFlags & 0xff : 0;
}

/** OpenTelemetry's `SpanStatusCode` (0 unset, 1 ok, 2 error) as ours; unknown codes read as unset. */
export function statusCodeFromOtel(code: unknown): SpanStatusCode {
  return code === 1 ? "ok" : code === 2 ? "error" : "unset";
}

/**
 * One of this library's spans through OpenTelemetry's `Span` interface:
 * every method writes to `span`, malformed input is dropped and counted
 * as the span itself does, nothing throws.
 */
export class OtelSpanView {
  /** The span of this library it writes to. */
  readonly span: Span;
  #spanContext: OtelSpanContextLike | undefined;

  constructor(span: Span) {
    this.span = span;
  }

  spanContext(): OtelSpanContextLike {
    if (this.#spanContext !== undefined) return this.#spanContext;
    const ctx = this.span.context;
    const spanContext: OtelSpanContextLike = {
      traceId: ctx.traceId,
      spanId: ctx.spanId,
      traceFlags: ctx.traceFlags,
      isRemote: ctx.isRemote,
    };
    // The trace state too, so OpenTelemetry code's propagators (Deno's
    // fetch) and child spans pass it on, as W3C Trace Context requires.
    if (ctx.traceState) spanContext.traceState = new OtelTraceStateView(ctx.traceState);
    return this.#spanContext = spanContext;
  }

  // OpenTelemetry's attribute types admit undefined and null values, which
  // its SDK's span skips without counting (see _without_nullish.ts); any
  // other malformed value reaches the span, which drops and counts it.
  setAttribute(key: string, value: unknown): this {
    if (!isNullish(value)) this.span.setAttribute(key, value as AttributeValue);
    return this;
  }

  setAttributes(attributes: Readonly<Record<string, unknown>>): this {
    if (attributes !== null && typeof attributes === "object") {
      this.span.setAttributes(withoutNullish(attributes) as Attributes);
    }
    return this;
  }

  addEvent(
    name: string,
    attributesOrStartTime?: Readonly<Record<string, unknown>> | TimeInput,
    startTime?: TimeInput,
  ): this {
    if (isTimeInput(attributesOrStartTime)) {
      // As the API documents and the SDK does: the second argument is the
      // time only when no third is given.
      this.span.addEvent(
        name,
        undefined,
        timeInputToMs(isTimeInput(startTime) ? startTime : attributesOrStartTime),
      );
    } else {
      this.span.addEvent(
        name,
        attributesOrStartTime as Attributes | undefined,
        timeInputToMs(startTime),
      );
    }
    return this;
  }

  addLink(link: OtelLinkLike): this {
    const { context, attributes } = linkFromOtel(link);
    this.span.addLink(context, attributes);
    return this;
  }

  addLinks(links: OtelLinkLike[]): this {
    if (Array.isArray(links)) { for (const link of links) this.addLink(link); }
    return this;
  }

  setStatus(status: { code: number; message?: string }): this {
    this.span.setStatus(statusCodeFromOtel(status?.code), status?.message);
    return this;
  }

  updateName(name: string): this {
    if (typeof name === "string") this.span.updateName(name);
    return this;
  }

  end(endTime?: TimeInput): void {
    this.span.end(spanTimeFromOtel(timeInputToMs(endTime)));
  }

  isRecording(): boolean {
    return this.span.isRecording;
  }

  // As the OpenTelemetry SDK does: an `exception` event (an error's `code`
  // is its type), the status untouched. OpenTelemetry's API never throws, so
  // an exception whose getters throw gives what can be read.
  recordException(exception: unknown, time?: TimeInput): void {
    const { type, message, stacktrace } = describeException(exception, true);
    const attributes: Record<string, string> = {};
    if (type !== undefined) attributes["exception.type"] = type;
    if (message !== undefined) attributes["exception.message"] = message;
    if (stacktrace !== undefined) attributes["exception.stacktrace"] = stacktrace;
    this.span.addEvent("exception", attributes, timeInputToMs(time));
  }
}

const views = new WeakMap<Span, OtelSpanView>();
const standIns = new WeakMap<object, Span | null>();

/** The OpenTelemetry view of one of this library's spans: the same object every time. */
export function otelSpanViewOf(span: Span): OtelSpanView {
  let view = views.get(span);
  if (view === undefined) {
    view = new OtelSpanView(span);
    views.set(span, view);
  }
  return view;
}

/**
 * The span of this library that stands for an OpenTelemetry span: the one
 * a view wraps, or, for a span of another implementation (a remote parent
 * from a propagator, another SDK's span, Deno's), a non-recording stand-in
 * with its context, the same one every time. `undefined` when it has no
 * valid context.
 */
export function spanOf(value: unknown): Span | undefined {
  if (value instanceof OtelSpanView) return value.span;
  if (value === null || typeof value !== "object") return undefined;
  let standIn = standIns.get(value);
  if (standIn === undefined) {
    let context: SpanContext | undefined;
    try {
      context = fromOtelSpanContext(
        (value as { spanContext(): OtelSpanContextLike }).spanContext(),
      );
    } catch {
      context = undefined;
    }
    standIn = context === undefined
      ? null
      : new Span("", context, "internal", { recording: false });
    standIns.set(value, standIn);
  }
  return standIn ?? undefined;
}
