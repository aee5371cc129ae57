// Internal: this library's Span seen through @opentelemetry/api's Span
// interface, with the trace state @opentelemetry/api's propagators write.

import type { Span as OtelSpan, SpanContext as OtelSpanContext } from "@opentelemetry/api";
import { OtelSpanView } from "../span/_otel_span_view.ts";
import type { Span } from "../span/span.ts";
import { toOtelSpanContext } from "./_mapping.ts";

/** An @opentelemetry/api span backed by one of this library's spans. */
export class ApiSpan extends OtelSpanView implements OtelSpan {
  #spanContext: OtelSpanContext | undefined;

  override spanContext(): OtelSpanContext {
    return this.#spanContext ??= toOtelSpanContext(this.span.context);
  }
}

const apiSpans = new WeakMap<Span, ApiSpan>();

/** The API view of one of this library's spans: the same object every time. */
export function apiSpanFor(span: Span): ApiSpan {
  let api = apiSpans.get(span);
  if (api === undefined) {
    api = new ApiSpan(span);
    apiSpans.set(span, api);
  }
  return api;
}
