/**
 * Tracing for web-standard request handlers, as `Deno.serve`, `Bun.serve`
 * and fetch-style frameworks call them.
 *
 * @module
 */

import { describe } from "../platform/_describe.ts";
import { withContext } from "../context/storage.ts";
import type { Tracer } from "../trace/tracer.ts";
import { recordError, recordStatus } from "./_semconv.ts";
import { startServerSpan } from "./_server_span.ts";
import { resolveTracer } from "./_tracer.ts";
import { resolveMaxRecordedLength } from "./_recorded_length.ts";

/** How {@linkcode traceHandler} traces requests. */
export interface TraceHandlerOptions {
  /**
   * The tracer that creates the server spans. Default: the default tracer at
   * the time of each request (see `getDefaultTracer`), which `setupTracing()`
   * sets.
   */
  tracer?: Tracer;
  /**
   * Characters kept of each string recorded from the request (`url.path`,
   * `url.query`, `server.address`, `user_agent.original`, an unknown
   * method); longer ones are cut. A non-negative integer or `Infinity`.
   * Default 2,048.
   */
  maxRecordedLength?: number;
}

/**
 * Wraps a `(request) => Response` handler so that each request runs in a
 * `server` span. The span's parent is read from the request's `traceparent`
 * and `tracestate` (a new trace when they are absent or invalid), its name is
 * the HTTP method, and it carries OpenTelemetry's HTTP semantic-convention
 * attributes (`http.request.method`, `url.path`, `url.query`, `url.scheme`,
 * `server.address`, `server.port`, `user_agent.original`,
 * `http.response.status_code`), each string cut to `maxRecordedLength`
 * (default 2,048). The span and the request's baggage are current while the
 * handler runs, so spans and traced fetches it makes join the trace. A 5xx
 * response, or a throw (rethrown), marks the span as an error. The span ends
 * when the handler's response is returned. Extra arguments (Deno's `info`,
 * Bun's `server`) are passed through.
 *
 * @typeParam A The handler's arguments after the request.
 * @param handler The request handler.
 * @param options The tracer and the recorded length.
 * @returns The traced handler.
 * @throws {TypeError} When `handler` is not a function.
 * @throws {RangeError} When `maxRecordedLength` is out of range.
 *
 * @example
 * ```ts
 * import { getCurrentSpan, InMemorySpanProcessor, Tracer } from "@codomyrmex/spans";
 * import { traceHandler } from "@codomyrmex/spans/http";
 * import assert from "node:assert/strict";
 *
 * const memory = new InMemorySpanProcessor();
 * const handler = traceHandler(
 *   (request: Request) => new Response(getCurrentSpan()?.name),
 *   { tracer: new Tracer({ processors: [memory] }) },
 * );
 * const response = await handler(new Request("http://localhost:8000/orders?id=7", {
 *   headers: { traceparent: "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01" },
 * }));
 * assert.equal(await response.text(), "GET");
 * const [span] = memory.spans;
 * assert.equal(span.kind, "server");
 * assert.equal(span.context.parentSpanId, "b7ad6b7169203331");
 * assert.equal(span.attributes["url.path"], "/orders");
 * assert.equal(span.attributes["url.query"], "id=7");
 * ```
 */
export function traceHandler<A extends unknown[]>(
  handler: (request: Request, ...args: A) => Response | Promise<Response>,
  options?: TraceHandlerOptions,
): (request: Request, ...args: A) => Promise<Response> {
  if (typeof handler !== "function") {
    throw new TypeError(`Cannot trace handler: expected a function, got ${describe(handler)}`);
  }
  const tracerFor = resolveTracer(options?.tracer, "trace handler");
  const maxRecordedLength = resolveMaxRecordedLength(options?.maxRecordedLength, "trace handler");
  return async function tracedHandler(request: Request, ...args: A): Promise<Response> {
    let url: URL;
    try {
      url = new URL(request.url);
    } catch {
      return handler(request, ...args);
    }
    const { span, context } = startServerSpan(
      tracerFor(),
      request.method,
      url,
      request.headers,
      request.headers.get("user-agent"),
      maxRecordedLength,
    );
    let response: Response;
    try {
      response = await withContext(context, () => handler(request, ...args));
    } catch (error) {
      recordError(span, error);
      span.end();
      throw error;
    }
    try {
      recordStatus(span, response.status, "server");
    } catch {
      // Not a Response: the server will complain; the span just ends.
    }
    span.end();
    return response;
  };
}
