// deno bench -A bench/otel_api_bench.ts
// One @opentelemetry/api span through this library's TracerProvider vs the
// OpenTelemetry SDK's BasicTracerProvider (counting processors on both).

import { childSpans, oneSpan, setup } from "./otel_api_compare.ts";

const { ours, sdk } = setup();

Deno.bench({
  group: "api span",
  name: "@codomyrmex/spans TracerProvider",
  baseline: true,
  fn: () => oneSpan(ours),
});
Deno.bench({
  group: "api span",
  name: "OpenTelemetry SDK BasicTracerProvider",
  fn: () => oneSpan(sdk),
});
Deno.bench({
  group: "api child spans (x100 in one active parent)",
  name: "@codomyrmex/spans TracerProvider",
  baseline: true,
  fn: () => childSpans(ours, 100),
});
Deno.bench({
  group: "api child spans (x100 in one active parent)",
  name: "OpenTelemetry SDK BasicTracerProvider",
  fn: () => childSpans(sdk, 100),
});
