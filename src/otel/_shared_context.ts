// Internal: an OpenTelemetry context as this library's, both libraries'
// keys in step: what BridgeContextManager enters for context.with(), and the
// parent context an explicitly given context is for processors' onStart.

import type { Context as OtelContext } from "@opentelemetry/api";
import { Context, ROOT_CONTEXT } from "../context/context.ts";
import { newestKeyOf } from "../context/_newest_key.ts";
import { SPAN_KEY } from "../context/current_span.ts";
import { OTEL_SPAN_KEY, spanOf } from "../span/_otel_span_view.ts";
import { BAGGAGE_KEY } from "../propagation/baggage_context.ts";
import { Baggage } from "../propagation/baggage.ts";
import { OTEL_BAGGAGE_KEY, sameBaggage, toOurBaggage } from "./_baggage_bridge.ts";

// A context entered from the OpenTelemetry side: its OpenTelemetry span and
// baggage win, and this library's keys are made to agree.
export function toSharedContext(context: OtelContext): Context {
  // Not a context at all: run with none rather than throw into the caller.
  if (typeof context?.getValue !== "function") return ROOT_CONTEXT;
  return spanToShared(baggageToShared(context as Context));
}

// This library's baggage key made to agree with the API's, unless ours is
// the newer of the two (then active() brings the API's in step).
function baggageToShared(ctx: Context): Context {
  const otel = ctx.getValue(OTEL_BAGGAGE_KEY);
  const baggage = ctx.getValue(BAGGAGE_KEY);
  if (otel === undefined && baggage === undefined) return ctx;
  if (
    ctx instanceof Context && newestKeyOf(ctx, BAGGAGE_KEY, OTEL_BAGGAGE_KEY) !== OTEL_BAGGAGE_KEY
  ) {
    return ctx;
  }
  if (otel === undefined) return ctx.deleteValue(BAGGAGE_KEY);
  if (baggage instanceof Baggage && sameBaggage(otel, baggage)) return ctx;
  return ctx.setValue(BAGGAGE_KEY, toOurBaggage(otel as Parameters<typeof toOurBaggage>[0]));
}

function spanToShared(ctx: Context): Context {
  // One of ours says which side set its span last: when it was this
  // library (getCurrentContext() handed to context.with, say), its span
  // stands, and active() brings the API's key in step.
  if (ctx instanceof Context && newestKeyOf(ctx, SPAN_KEY, OTEL_SPAN_KEY) !== OTEL_SPAN_KEY) {
    return ctx;
  }
  const api = ctx.getValue(OTEL_SPAN_KEY);
  const span = ctx.getValue(SPAN_KEY);
  if (api === undefined) return span === undefined ? ctx : ctx.deleteValue(SPAN_KEY);
  const target = spanOf(api);
  if (target === span) return ctx;
  return target === undefined ? ctx.deleteValue(SPAN_KEY) : ctx.setValue(SPAN_KEY, target);
}
