// Cost of reading and writing the W3C headers, and proof by measurement that
// an oversized header is refused at the price of a length check.
// Run: deno bench -A bench/propagation_bench.ts
import { Baggage, extractContext, injectContext, SpanContext, TraceState } from "../mod.ts";

const TRACEPARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
const TRACESTATE = "rojo=00f067aa0ba902b7,congo=t61rcWkgMzE";
const HUGE = "a=1," + "x".repeat(1_000_000);
const record = { traceparent: TRACEPARENT, tracestate: TRACESTATE };
const headers = new Headers(record);
const context = extractContext(record)!;

Deno.bench({
  group: "extract",
  name: "extractContext(record)",
  baseline: true,
  fn: () => void extractContext(record),
});
Deno.bench({
  group: "extract",
  name: "extractContext(Headers)",
  fn: () => void extractContext(headers),
});
Deno.bench({
  group: "inject",
  name: "injectContext(record, context)",
  fn: () => injectContext({}, context, { baggage: null }),
});
Deno.bench({
  group: "tracestate",
  name: "TraceState.parse(2 members)",
  baseline: true,
  fn: () => void TraceState.parse(TRACESTATE),
});
Deno.bench({
  group: "tracestate",
  name: "TraceState.parse(1 MB)",
  fn: () => void TraceState.parse(HUGE),
});
Deno.bench({
  group: "baggage",
  name: "Baggage.parse(3 members)",
  baseline: true,
  fn: () => void Baggage.parse("userId=alice,serverNode=DF%2028,isProduction=false"),
});
Deno.bench({ group: "baggage", name: "Baggage.parse(1 MB)", fn: () => void Baggage.parse(HUGE) });
Deno.bench({
  group: "inject",
  name: "new SpanContext + format",
  fn: () => void new SpanContext({ traceId: context.traceId, spanId: context.spanId }),
});
