// Internal: this library's Span seen through @opentelemetry/api's Span
// interface, and the map between what each side stores in a context.

import {
  type Attributes as OtelAttributes,
  createContextKey,
  type Exception,
  type Link,
  type Span as OtelSpan,
  type SpanContext as OtelSpanContext,
  type SpanStatus as OtelSpanStatus,
  type TimeInput,
} from "@opentelemetry/api";
import type { Attributes, AttributeValue } from "../span/attributes.ts";
import { Span } from "../span/span.ts";
import type { SpanContext } from "../span/span_context.ts";
import { isTimeInput, timeInputToMs } from "./_hrtime.ts";
import { fromOtelSpanContext, statusCodeFromOtel, toOtelSpanContext } from "./_mapping.ts";

/** The key `trace.setSpan` / `trace.getSpan` use (`createContextKey` is `Symbol.for`). */
export const OTEL_SPAN_KEY: symbol = createContextKey("OpenTelemetry Context Key SPAN");

/** An @opentelemetry/api span backed by one of this library's spans. */
export class ApiSpan implements OtelSpan {
  /** The span of this library it writes to. */
  readonly span: Span;
  #spanContext: OtelSpanContext | undefined;

  constructor(span: Span) {
    this.span = span;
  }

  spanContext(): OtelSpanContext {
    return this.#spanContext ??= toOtelSpanContext(this.span.context);
  }

  // OpenTelemetry's attribute types admit undefined and null entries, which
  // ours refuse: the span drops and counts them at run time, as for any
  // JavaScript caller, so the values are passed on as they are.
  setAttribute(key: string, value: unknown): this {
    this.span.setAttribute(key, value as AttributeValue);
    return this;
  }

  setAttributes(attributes: OtelAttributes): this {
    if (attributes !== null && typeof attributes === "object") {
      this.span.setAttributes(attributes as Attributes);
    }
    return this;
  }

  addEvent(
    name: string,
    attributesOrStartTime?: OtelAttributes | TimeInput,
    startTime?: TimeInput,
  ): this {
    if (isTimeInput(attributesOrStartTime)) {
      this.span.addEvent(name, undefined, timeInputToMs(attributesOrStartTime));
    } else {
      this.span.addEvent(
        name,
        attributesOrStartTime as Attributes | undefined,
        timeInputToMs(startTime),
      );
    }
    return this;
  }

  addLink(link: Link): this {
    // An invalid context goes in as undefined, so the span drops and counts it.
    this.span.addLink(
      fromOtelSpanContext(link?.context) as SpanContext,
      link?.attributes as Attributes | undefined,
    );
    return this;
  }

  addLinks(links: Link[]): this {
    if (Array.isArray(links)) { for (const link of links) this.addLink(link); }
    return this;
  }

  setStatus(status: OtelSpanStatus): this {
    this.span.setStatus(statusCodeFromOtel(status?.code), status?.message);
    return this;
  }

  updateName(name: string): this {
    if (typeof name === "string") this.span.updateName(name);
    return this;
  }

  end(endTime?: TimeInput): void {
    this.span.end(timeInputToMs(endTime));
  }

  isRecording(): boolean {
    return this.span.isRecording;
  }

  // As the OpenTelemetry SDK does: an `exception` event, the status untouched.
  recordException(exception: Exception, time?: TimeInput): void {
    const attributes: Record<string, string> = {};
    if (typeof exception === "string") {
      attributes["exception.message"] = exception;
    } else if (exception !== null && typeof exception === "object") {
      const e = exception as { code?: unknown; name?: unknown; message?: unknown; stack?: unknown };
      if (e.code !== undefined && e.code !== null) attributes["exception.type"] = String(e.code);
      else if (typeof e.name === "string") attributes["exception.type"] = e.name;
      if (typeof e.message === "string") attributes["exception.message"] = e.message;
      if (typeof e.stack === "string") attributes["exception.stacktrace"] = e.stack;
    }
    this.span.addEvent("exception", attributes, timeInputToMs(time));
  }
}

const apiSpans = new WeakMap<Span, ApiSpan>();
const standIns = new WeakMap<object, Span | null>();

/** The API view of one of this library's spans: the same object every time. */
export function apiSpanFor(span: Span): ApiSpan {
  let api = apiSpans.get(span);
  if (api === undefined) {
    api = new ApiSpan(span);
    apiSpans.set(span, api);
  }
  return api;
}

/**
 * The span of this library that stands for an API span: the one an
 * ApiSpan wraps, or, for a span of another implementation (a remote parent
 * from a propagator, another SDK's span), a non-recording stand-in with its
 * context. `undefined` when it has no valid context.
 */
export function spanOf(value: unknown): Span | undefined {
  if (value instanceof ApiSpan) return value.span;
  if (value === null || typeof value !== "object") return undefined;
  let standIn = standIns.get(value);
  if (standIn === undefined) {
    let context: SpanContext | undefined;
    try {
      context = fromOtelSpanContext((value as OtelSpan).spanContext());
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
