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
import { queryRedaction } from "./_redact_query.ts";
import { startRequestSpan } from "./_request_span.ts";
import { resolveTracer } from "./_tracer.ts";

/** How {@linkcode traceHandler} traces requests. */
export interface TraceHandlerOptions {
  /**
   * The tracer that creates the server spans. Default: the default tracer at
   * the time of each request (see `getDefaultTracer`), which `setupTracing()`
   * sets.
   */
  tracer?: Tracer;
  /**
   * Query parameters whose values are replaced by `REDACTED` in `url.query`,
   * as the OpenTelemetry HTTP semantic conventions ask: `true` (the default)
   * for `AWSAccessKeyId`, `Signature`, `sig` and `X-Goog-Signature` (exact
   * names), an array to add names of your own to those, `false` to record
   * the query as it is.
   */
  redactQuery?: boolean | readonly string[];
}

/**
 * Wraps a `(request) => Response` handler so that each request runs in a
 * `server` span. The span's parent is read from the request's `traceparent`
 * and `tracestate` (a new trace when they are absent or invalid), its name is
 * the HTTP method, and it carries OpenTelemetry's HTTP semantic-convention
 * attributes (`http.request.method`, `url.path`, `url.query`, `url.scheme`,
 * `server.address`, `server.port`, `user_agent.original`,
 * `http.response.status_code`). The span and the request's baggage are
 * current while the handler runs, so spans and traced fetches it makes join
 * the trace. A 5xx response, or a throw (rethrown), marks the span as an
 * error. The span ends when the handler's response is returned. Extra
 * arguments (Deno's `info`, Bun's `server`) are passed through.
 *
 * @typeParam A The handler's arguments after the request.
 * @param handler The request handler.
 * @param options The tracer, and which query parameters to redact.
 * @returns The traced handler.
 * @throws {TypeError} When `handler` is not a function.
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
  const redaction = queryRedaction(options?.redactQuery, "trace handler");
  return async function tracedHandler(request: Request, ...args: A): Promise<Response> {
    const started = startRequestSpan(tracerFor(), request, redaction);
    if (started === undefined) return handler(request, ...args);
    const { span, context } = started;
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
