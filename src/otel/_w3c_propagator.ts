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
import { errorMessage, warnOnce } from "../platform/_warn.ts";

const FIELDS = ["traceparent", "tracestate", "baggage"] as const;

/**
 * Trace context and baggage, W3C's headers, for @opentelemetry/api. Like the
 * SDK's registered propagator (a CompositePropagator, which catches what each
 * of its propagators throws), it never throws into the caller: trace context
 * and baggage are carried each on its own, and a part that fails (a setter
 * or getter that throws, no context, something that is no span under the
 * span key) is left out, with one warning.
 */
export class W3CPropagator implements TextMapPropagator {
  inject(context: OtelContext, carrier: unknown, setter: TextMapSetter): void {
    try {
      // As OpenTelemetry's own: an exporter's requests carry nothing.
      if (context.getValue(SUPPRESS_TRACING_KEY) === true) return;
    } catch (error) {
      return failed("inject", error);
    }
    try {
      const spanContext = fromOtelSpanContext(trace.getSpanContext(context));
      if (spanContext !== undefined) {
        setter.set(carrier, "traceparent", formatTraceparent(spanContext));
        if (spanContext.traceState) setter.set(carrier, "tracestate", spanContext.traceState);
      }
    } catch (error) {
      failed("inject", error);
    }
    try {
      const baggage = propagation.getBaggage(context);
      if (baggage === undefined) return;
      const value = toOurBaggage(baggage).serialize();
      if (value !== "") setter.set(carrier, "baggage", value);
    } catch (error) {
      failed("inject", error);
    }
  }

  extract(context: OtelContext, carrier: unknown, getter: TextMapGetter): OtelContext {
    let next = context;
    try {
      const remote = extractContext(read(carrier, getter, TRACE_FIELDS));
      if (remote !== undefined) {
        next = trace.setSpanContext(next, {
          traceId: remote.traceId,
          spanId: remote.spanId,
          traceFlags: remote.traceFlags,
          isRemote: true,
          ...(remote.traceState ? { traceState: toOtelTraceState(remote.traceState) } : {}),
        });
      }
    } catch (error) {
      failed("extract", error);
    }
    try {
      const baggage = extractBaggage(read(carrier, getter, BAGGAGE_FIELDS));
      if (baggage.size > 0) next = propagation.setBaggage(next, toOtelBaggage(baggage));
    } catch (error) {
      failed("extract", error);
    }
    return next;
  }

  fields(): string[] {
    return [...FIELDS];
  }
}

const TRACE_FIELDS = ["traceparent", "tracestate"] as const;
const BAGGAGE_FIELDS = ["baggage"] as const;

// The headers `names` as the getter reads them from the carrier.
function read(carrier: unknown, getter: TextMapGetter, names: readonly string[]): HeaderCarrier {
  const headers: Record<string, string | readonly string[]> = {};
  for (const name of names) {
    const value = getter.get(carrier, name);
    if (value !== undefined) headers[name] = value;
  }
  return headers as HeaderCarrier;
}

function failed(what: "inject" | "extract", error: unknown): void {
  warnOnce(
    "otel-propagator-threw",
    `propagation.${what}() with this library's W3C propagator failed (${
      errorMessage(error)
    }); the headers it could not ${
      what === "inject" ? "write" : "read"
    } are left out, the others are carried, and nothing is thrown to the caller`,
  );
}
