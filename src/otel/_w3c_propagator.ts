// Internal: W3C Trace Context and W3C Baggage as one @opentelemetry/api
// TextMapPropagator, parsed and written by this library's propagation code
// (Level 2 grammar, bounded, malformed headers dropped and counted), so
// that code instrumented with @opentelemetry/api (fetch and http
// instrumentations, frameworks) carries traces across services with the
// API alone installed.

import {
  type Context as OtelContext,
  propagation,
  type TextMapGetter,
  type TextMapPropagator,
  type TextMapSetter,
  trace,
} from "@opentelemetry/api";
import { SUPPRESS_TRACING_KEY } from "../context/suppression.ts";
import type { HeaderCarrier } from "../propagation/carrier.ts";
import { extractBaggage, extractContext } from "../propagation/propagation.ts";
import { formatTraceparent } from "../propagation/traceparent.ts";
import { fromOtelSpanContext } from "../span/_otel_span_view.ts";
import { toOtelBaggage, toOurBaggage } from "./_baggage_bridge.ts";
import { toOtelTraceState } from "./_mapping.ts";

const FIELDS = ["traceparent", "tracestate", "baggage"] as const;

/** Trace context and baggage, W3C's headers, for @opentelemetry/api. */
export class W3CPropagator implements TextMapPropagator {
  inject(context: OtelContext, carrier: unknown, setter: TextMapSetter): void {
    // As OpenTelemetry's own: an exporter's requests carry nothing.
    if (context.getValue(SUPPRESS_TRACING_KEY) === true) return;
    const spanContext = fromOtelSpanContext(trace.getSpanContext(context));
    if (spanContext !== undefined) {
      setter.set(carrier, "traceparent", formatTraceparent(spanContext));
      if (spanContext.traceState) setter.set(carrier, "tracestate", spanContext.traceState);
    }
    const baggage = propagation.getBaggage(context);
    if (baggage === undefined) return;
    const value = toOurBaggage(baggage).serialize();
    if (value !== "") setter.set(carrier, "baggage", value);
  }

  extract(context: OtelContext, carrier: unknown, getter: TextMapGetter): OtelContext {
    const headers: Record<string, string | readonly string[]> = {};
    for (const name of FIELDS) {
      const value = getter.get(carrier, name);
      if (value !== undefined) headers[name] = value;
    }
    let next = context;
    const remote = extractContext(headers as HeaderCarrier);
    if (remote !== undefined) {
      next = trace.setSpanContext(next, {
        traceId: remote.traceId,
        spanId: remote.spanId,
        traceFlags: remote.traceFlags,
        isRemote: true,
        ...(remote.traceState ? { traceState: toOtelTraceState(remote.traceState) } : {}),
      });
    }
    const baggage = extractBaggage(headers as HeaderCarrier);
    if (baggage.size > 0) next = propagation.setBaggage(next, toOtelBaggage(baggage));
    return next;
  }

  fields(): string[] {
    return [...FIELDS];
  }
}
