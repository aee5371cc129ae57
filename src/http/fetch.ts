/**
 * Tracing for `fetch`: a client span per request, with the W3C headers
 * injected into a copy of the request's headers.
 *
 * @module
 */

import { describe } from "../platform/_describe.ts";
import type { FetchFunction } from "../platform/fetch_function.ts";
import type { Tracer } from "../trace/tracer.ts";
import { withSpan } from "../context/current_span.ts";
import { injectContext } from "../propagation/propagation.ts";
import { clientAttributes, methodInfo, recordError, recordStatus } from "./_semconv.ts";
import { resolveTracer } from "./_tracer.ts";
import { capRecorded, resolveMaxRecordedLength } from "./_recorded_length.ts";

/** How {@linkcode instrumentFetch} traces requests. */
export interface InstrumentFetchOptions {
  /**
   * The tracer that creates the client spans. Default: the default tracer at the
   * time of each request (see `getDefaultTracer`), which `setupTracing()` sets.
   */
  tracer?: Tracer;
  /**
   * Characters kept of each string recorded from the request (`url.full`,
   * `server.address`, an unknown method); longer ones are cut. A non-negative
   * integer or `Infinity`. Default 2,048.
   */
  maxRecordedLength?: number;
}

/**
 * Returns a `fetch` that traces every request: a `client` span named by the
 * HTTP method, with OpenTelemetry's HTTP semantic-convention attributes
 * (`http.request.method`, `url.full`, `server.address`, `server.port`,
 * `http.response.status_code`, `error.type`), a child of the current span.
 * The `traceparent`, `tracestate` and `baggage` headers are written into a
 * copy of the headers, so the caller's `Request` and `Headers` are left as
 * they were. A network error, or a status of 400 or more, marks the span as
 * an error; a network error is rethrown. The span ends when the response
 * headers arrive. Each string recorded is cut to `maxRecordedLength`
 * (default 2,048), so a span's size does not follow the URL's.
 *
 * @param fetchFn The fetch to wrap. Default: `globalThis.fetch`, looked up on each call.
 * @param options The tracer and the recorded length.
 * @returns A fetch-compatible function.
 * @throws {TypeError} When `fetchFn` is given and is not a function.
 * @throws {RangeError} When `maxRecordedLength` is not a non-negative integer or `Infinity`.
 *
 * @example
 * ```ts
 * import { InMemorySpanProcessor, Tracer } from "@codomyrmex/spans";
 * import { instrumentFetch } from "@codomyrmex/spans/http";
 * import assert from "node:assert/strict";
 *
 * const memory = new InMemorySpanProcessor();
 * const seen: Headers[] = [];
 * const fakeFetch = async (input: string | URL | Request, init?: RequestInit) => {
 *   seen.push(new Headers(init?.headers));
 *   return new Response("ok", { status: 200 });
 * };
 * const fetch = instrumentFetch(fakeFetch, { tracer: new Tracer({ processors: [memory] }) });
 *
 * const headers = new Headers({ accept: "text/plain" });
 * await fetch("https://example.com/items?id=1", { headers });
 * const [span] = memory.spans;
 * assert.equal(span.name, "GET");
 * assert.equal(span.attributes["http.response.status_code"], 200);
 * assert.match(seen[0].get("traceparent")!, new RegExp(span.context.spanId));
 * assert.equal(headers.has("traceparent"), false);
 * ```
 */
export function instrumentFetch(
  fetchFn?: FetchFunction,
  options?: InstrumentFetchOptions,
): FetchFunction {
  if (fetchFn !== undefined && typeof fetchFn !== "function") {
    throw new TypeError(`Cannot instrument fetch: expected a function, got ${describe(fetchFn)}`);
  }
  const tracerFor = resolveTracer(options?.tracer, "instrument fetch");
  const maxLength = resolveMaxRecordedLength(options?.maxRecordedLength, "instrument fetch");
  // Without fetchFn the global fetch is looked up per call, so later stubs
  // are seen; but once this function is installed as the global fetch, the
  // fetch it replaced is used instead of calling itself.
  const initial: FetchFunction | undefined = fetchFn ?? globalThis.fetch;
  return function tracedFetch(input: string | URL | Request, init?: RequestInit) {
    const current: FetchFunction = globalThis.fetch;
    const target: FetchFunction = fetchFn ?? (current === tracedFetch ? initial! : current);
    let url: URL;
    let method: unknown;
    let headers: Headers;
    try {
      const isRequest = typeof Request !== "undefined" && input instanceof Request;
      url = new URL(
        isRequest ? input.url : String(input),
        (globalThis as { location?: { href?: string } }).location?.href,
      );
      method = init?.method ?? (isRequest ? input.method : "GET");
      headers = new Headers(init?.headers ?? (isRequest ? input.headers : undefined));
    } catch {
      // Input fetch itself would refuse: let it say so, untraced.
      return target(input, init);
    }
    const info = methodInfo(method);
    const span = tracerFor().startSpan(info.spanName, {
      kind: "client",
      attributes: capRecorded(clientAttributes(info, url), maxLength, url.href.length > maxLength),
    });
    injectContext(headers, span);
    let pending: Promise<Response>;
    try {
      pending = withSpan(span, () => target(input, { ...init, headers }));
    } catch (error) {
      // A fetch never throws synchronously; a fetch-like function that does
      // is turned into a rejection, as callers of fetch expect.
      recordError(span, error);
      span.end();
      return Promise.reject(error);
    }
    return Promise.resolve(pending).then(
      (response) => {
        recordStatus(span, response.status, "client");
        span.end();
        return response;
      },
      (error) => {
        recordError(span, error);
        span.end();
        throw error;
      },
    );
  };
}
