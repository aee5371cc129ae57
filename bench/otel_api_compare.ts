// The cost of one @opentelemetry/api span (startSpan, setAttribute x2,
// addEvent, end) through this library's TracerProvider against the
// OpenTelemetry SDK's BasicTracerProvider, in the same process, both with a
// processor that only counts. Runs on Deno and Bun:
//   deno run -A bench/otel_api_compare.ts
//   bun bench/otel_api_compare.ts

import { context, type Tracer as ApiTracer } from "@opentelemetry/api";
import { BasicTracerProvider, type SpanProcessor } from "@opentelemetry/sdk-trace-base";
import { BridgeContextManager, TracerProvider } from "../otel.ts";
import { median, runtimeName } from "./_runtime.ts";

/** Counts ended spans and does nothing else, for either library. */
export const counted = { ours: 0, sdk: 0 };

/** The two tracers, with the bridge context manager global for both. */
export function setup(): { ours: ApiTracer; sdk: ApiTracer } {
  context.setGlobalContextManager(new BridgeContextManager());
  const ours = new TracerProvider({
    processors: [{
      onEnd: () => void counted.ours++,
      forceFlush: () => Promise.resolve(),
      shutdown: () => Promise.resolve(),
    }],
  }).getTracer("bench");
  const counting: SpanProcessor = {
    onStart: () => {},
    onEnd: () => void counted.sdk++,
    forceFlush: () => Promise.resolve(),
    shutdown: () => Promise.resolve(),
  };
  const sdk = new BasicTracerProvider({ spanProcessors: [counting] }).getTracer("bench");
  return { ours, sdk };
}

/** One API span, as instrumented libraries make them. */
export function oneSpan(tracer: ApiTracer): void {
  const span = tracer.startSpan("op");
  span.setAttribute("http.method", "GET");
  span.setAttribute("http.status_code", 200);
  span.addEvent("cache.miss");
  span.end();
}

/** `n` child spans inside one active parent. */
export function childSpans(tracer: ApiTracer, n: number): void {
  tracer.startActiveSpan("parent", (parent) => {
    for (let i = 0; i < n; i++) oneSpan(tracer);
    parent.end();
  });
}

function nsPerSpan(fn: () => void, spans: number): number {
  const start = performance.now();
  fn();
  return ((performance.now() - start) * 1e6) / spans;
}

// `import.meta.main` exists on Deno and Bun; Node 20 runs this compiled, as the entry script.
if ((import.meta as { main?: boolean }).main ?? true) {
  const { ours, sdk } = setup();
  const N = 20_000;
  const ROUNDS = 15;
  const cases: [string, (t: ApiTracer) => void][] = [
    ["root span", (t) => {
      for (let i = 0; i < N; i++) oneSpan(t);
    }],
    ["child of an active span", (t) => childSpans(t, N)],
  ];
  for (const [label, run] of cases) {
    const results = { ours: [] as number[], sdk: [] as number[] };
    for (let r = 0; r < ROUNDS; r++) {
      // Interleaved, so both see the same machine load; the first rounds warm up.
      results.ours.push(nsPerSpan(() => run(ours), N));
      results.sdk.push(nsPerSpan(() => run(sdk), N));
    }
    const o = median(results.ours.slice(3));
    const s = median(results.sdk.slice(3));
    console.log(
      `${runtimeName()} | ${label}: ours ${o.toFixed(0)} ns/span, SDK ${s.toFixed(0)} ns/span, ` +
        `ratio ${(s / o).toFixed(2)}x`,
    );
  }
  if (counted.ours === 0 || counted.sdk === 0) throw new Error("no spans reached the processors");
  context.disable();
}
