/**
 * HTTP instrumentation on web standards: a traced `fetch` and a traced
 * `(request) => Response` handler for `Deno.serve`, `Bun.serve` and
 * fetch-style frameworks. Context crosses services in the W3C
 * `traceparent`, `tracestate` and `baggage` headers.
 *
 * ```ts
 * import { InMemorySpanProcessor, Tracer } from "@codomyrmex/spans";
 * import { instrumentFetch, traceHandler } from "@codomyrmex/spans/http";
 * import assert from "node:assert/strict";
 *
 * const memory = new InMemorySpanProcessor();
 * const tracer = new Tracer({ processors: [memory] });
 * const service = traceHandler(() => new Response("hi"), { tracer });
 * // Route the traced fetch straight into the handler: no network needed.
 * const fetch = instrumentFetch((input, init) => service(new Request(input, init)), { tracer });
 *
 * assert.equal(await (await fetch("http://orders.internal/list")).text(), "hi");
 * const server = memory.spans.find((span) => span.kind === "server")!;
 * const client = memory.spans.find((span) => span.kind === "client")!;
 * assert.equal(server.context.parentSpanId, client.context.spanId);
 * ```
 *
 * @module
 */

export { instrumentFetch, type InstrumentFetchOptions } from "./src/http/fetch.ts";
export { traceHandler, type TraceHandlerOptions } from "./src/http/handler.ts";
export type { FetchFunction } from "./src/platform/fetch_function.ts";
