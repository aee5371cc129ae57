/**
 * Tracing for `fetch`: a client span per request, with the W3C headers
 * injected into a copy of the request's headers.
 *
 * @module
 */

import { describe } from "../platform/_describe.ts";
import { errorMessage, warnOnce } from "../platform/_warn.ts";
import type { FetchFunction } from "../platform/fetch_function.ts";
import { Tracer } from "../trace/tracer.ts";
import type { Span } from "../span/span.ts";
import { endByLibrary } from "../span/_library_end.ts";
import { SPAN_KEY } from "../context/current_span.ts";
import { HEADERS_WRITTEN_KEY } from "../context/_host_context.ts";
import { FETCH_CALL_KEY, SUPPRESS_TRACING_KEY } from "../context/_suppress_key.ts";
import { markOwnWork } from "../context/_own_work_context.ts";
import { getCurrentContext, withContext } from "../context/storage.ts";
import { injectContext } from "../propagation/propagation.ts";
import { requestBaggage } from "../propagation/_request_baggage.ts";
import {
  clientAttributes,
  knownMethods,
  methodInfo,
  recordError,
  recordStatus,
} from "./_semconv.ts";
import { queryRedaction, redactUrl, urlScrubber } from "./_redact_query.ts";
import { checkOptions, resolveTracer } from "./_tracer.ts";
import { capRecorded, resolveMaxRecordedLength } from "./_recorded_length.ts";
import { propagationFilter } from "./_propagate_to.ts";
import { bodyReadIn } from "./_request_body.ts";

/** How {@linkcode instrumentFetch} traces requests. */
export interface InstrumentFetchOptions {
  /**
   * The tracer that creates the client spans. Default: the default tracer at the
   * time of each request (see `getDefaultTracer`), which `setupTracing()` sets.
   */
  tracer?: Tracer;
  /**
   * Query parameters whose values are replaced by `REDACTED` in `url.full`,
   * as the OpenTelemetry HTTP semantic conventions ask: `true` (the default)
   * for `X-Amz-Signature`, `X-Amz-Credential`, `X-Amz-Security-Token`,
   * `AWSAccessKeyId`, `Signature`, `sig` and `X-Goog-Signature` (exact
   * names), an array to add names of your own to those, `false` to record
   * the query as it is.
   */
  redactQuery?: boolean | readonly string[];
  /**
   * Characters kept of each string recorded from the request (`url.full`,
   * `server.address`, an unknown method); longer ones are cut. A non-negative
   * integer or `Infinity`. Default 2,048.
   */
  maxRecordedLength?: number;
  /**
   * Which requests get the `traceparent`, `tracestate` and `baggage`
   * headers; every request is traced either way. An array of origins
   * (strings such as `"https://api.example.com"`; a path in one is ignored)
   * and RegExps (tested against the request's full URL), or a function that
   * is given the request's `URL` and returns `true` for the headers (one
   * that throws, or returns no boolean, means no headers, reported once
   * through `setDiagnostics`).
   *
   * Default: in a browser page or a web worker, where CORS applies, only
   * requests to the page's own origin (`location.origin`), which always get
   * them, also when this option is given: a cross-origin request with these
   * headers needs a preflight and fails unless the server's CORS answer
   * allows them, so list only origins whose answer does. Elsewhere (Deno,
   * Node, Bun: no CORS), every request; given this option, only the
   * requests it picks.
   *
   * @example
   * ```ts
   * import { InMemorySpanProcessor, Tracer } from "@codomyrmex/spans";
   * import { instrumentFetch } from "@codomyrmex/spans/http";
   * import assert from "node:assert/strict";
   *
   * const memory = new InMemorySpanProcessor();
   * const sent: boolean[] = [];
   * const fakeFetch = async (input: string | URL | Request, init?: RequestInit) => {
   *   sent.push(new Headers(init?.headers).has("traceparent"));
   *   return new Response("ok");
   * };
   * const fetch = instrumentFetch(fakeFetch, {
   *   tracer: new Tracer({ processors: [memory] }),
   *   propagateTo: ["https://api.example.com", /^https:\/\/[a-z]+\.internal\.example\//],
   * });
   *
   * await fetch("https://api.example.com/items");
   * await fetch("https://orders.internal.example/42");
   * await fetch("https://cdn.example.net/lib.js");
   * assert.deepEqual(sent, [true, true, false]);
   * assert.equal(memory.spans.length, 3); // every request is traced
   * ```
   */
  propagateTo?: readonly (string | RegExp)[] | ((url: URL) => boolean);
}

/**
 * Returns a `fetch` that traces every request: a `client` span named by the
 * HTTP method, with OpenTelemetry's HTTP semantic-convention attributes
 * (`http.request.method`, `url.full`, `server.address`, `server.port`,
 * `http.response.status_code`, `error.type`), a child of the current span.
 * The `traceparent`, `tracestate` and `baggage` headers are written into a
 * copy of the headers, so the caller's `Request` and `Headers` are left as
 * they were; in a browser page or a web worker, only into requests to the
 * page's own origin and those `propagateTo` lists (CORS would refuse the
 * others unless the server allows these headers), elsewhere into every
 * request, or those `propagateTo` picks. This is decided when
 * `instrumentFetch` is called. A request's own `traceparent` and
 * `tracestate` are replaced; its own `baggage` goes as it was written, and
 * the current baggage's entries whose keys it has not are added after it,
 * while the header sent stays within W3C Baggage's 64 members and 8,192
 * bytes (the request's own measured as written, whitespace included), the
 * others left out and counted in `propagationStats()`; one that is not a
 * valid baggage-string, or over those limits by itself, goes as it is,
 * without the current entries. A request that gets no headers is traced
 * all the same, and goes to fetch as the caller gave it. A network error, or
 * a status of 400 or more, marks the span as an error; a network error is
 * rethrown (its message and stack trace, where they quote the URL, are
 * recorded with the URL as `url.full` shows it). An opaque response (status
 * 0: a `no-cors` request or a manual redirect, in a browser) records no
 * status code. A request the caller aborts through
 * its `signal` is not an error, as the semantic conventions ask (the span
 * ends with its status unset and no `error.type`); a timeout
 * (`AbortSignal.timeout`) is one. The span ends when the response
 * headers arrive, or when the request fails. Like `fetch`, it never throws:
 * what fetch would refuse comes back as a rejected promise. Each string
 * recorded is cut to `maxRecordedLength` (default 2,048), so a span's size
 * does not follow the URL's. A method outside semconv's list is `_OTHER`;
 * `OTEL_INSTRUMENTATION_HTTP_KNOWN_METHODS`, read here, replaces the list.
 * The wrapped fetch is called with tracing suppressed, so an instrumentation
 * of it (`@opentelemetry/instrumentation-undici` on Node) records no second
 * client span and sends no second `traceparent`; a server handler it calls
 * in this process (`traceHandler`, say) lifts that for its own request,
 * unless tracing was suppressed already when the fetch was called (an
 * exporter's export). A streamed body given as `init.body` (a
 * `ReadableStream` or an async iterable) is read in the caller's context, so
 * the spans its own code makes are recorded as without this wrapper; the
 * body of a `Request` given as `input` is passed on as it is (a body made
 * from bytes, wrapped, would lose its `Content-Length`), and on Deno and
 * Node a stream in it is read with tracing suppressed: give a body your own
 * code produces as `init.body`.
 *
 * @param fetchFn The fetch to wrap. Default: `globalThis.fetch`, looked up on each call.
 * @param options The tracer, which query parameters to redact, the recorded
 *   length, and which requests get the headers.
 * @returns A fetch-compatible function.
 * @throws {TypeError} When `fetchFn` is given and is not a function, or
 *   `propagateTo` is not an array of origins and RegExps or a function.
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
    // Options given first (the global fetch meant) are the usual mistake,
    // and a Tracer given first, which as the options would be refused too.
    const got = (fetchFn as unknown) instanceof Tracer
      ? "a Tracer (pass it as the tracer option: instrumentFetch(fetch, { tracer }), or " +
        "instrumentFetch(undefined, { tracer }) for the global fetch)"
      : typeof fetchFn === "object" && fetchFn !== null
      ? `${describe(fetchFn)} (options come second: instrumentFetch(fetch, options), or ` +
        "instrumentFetch(undefined, options) for the global fetch)"
      : describe(fetchFn);
    throw new TypeError(`Cannot instrument fetch: expected a function, got ${got}`);
  }
  checkOptions(options, "instrument fetch", "instrumentFetch(fetch, { tracer })");
  const tracerFor = resolveTracer(options?.tracer, "instrument fetch");
  const redaction = queryRedaction(options?.redactQuery, "instrument fetch");
  const maxLength = resolveMaxRecordedLength(options?.maxRecordedLength, "instrument fetch");
  const propagates = propagationFilter(options?.propagateTo, "instrument fetch");
  const known = knownMethods();
  // Without fetchFn the global fetch is looked up per call, so later stubs
  // are seen; but once this function is installed as the global fetch, the
  // fetch it replaced is used instead of calling itself.
  const initial: FetchFunction | undefined = fetchFn ?? globalThis.fetch;
  return function tracedFetch(input: string | URL | Request, init?: RequestInit) {
    // Like fetch itself, a traced fetch never throws synchronously: what
    // fetch would refuse becomes a rejected promise, a failure of tracing
    // itself sends the request untraced, and a span that started always ends.
    let target: FetchFunction | undefined;
    let span: Span | undefined;
    let url: URL;
    // What url.full records of url, set before the span starts. An error that
    // quotes the URL is rewritten to match (urlScrubber), worked out only when
    // one is recorded, not for every request.
    let recorded: URL;
    try {
      const current: FetchFunction = globalThis.fetch;
      target = fetchFn ?? (current === tracedFetch ? initial! : current);
      let method: unknown;
      // Undefined when this request gets no trace context headers: the
      // caller's input and init then go to fetch as they are.
      let headers: Headers | undefined;
      let signal: AbortSignal | null | undefined;
      let tracedInit: RequestInit | undefined;
      let request: Request | undefined;
      try {
        if (typeof Request !== "undefined" && input instanceof Request) request = input;
        url = new URL(request?.url ?? String(input), baseUrl());
        // A data:, blob: or file: fetch is no HTTP request: no client span
        // (semconv's has a required server.address), no trace headers.
        if (url.protocol !== "http:" && url.protocol !== "https:") {
          return Promise.resolve(target(input, init));
        }
        method = init?.method ?? request?.method ?? "GET";
        signal = init?.signal !== undefined ? init.signal : request?.signal;
        if (propagates === undefined || propagates(url)) {
          headers = new Headers(init?.headers ?? request?.headers);
          tracedInit = withHeaders(init, headers, request);
        }
      } catch {
        // Input fetch itself would refuse: let it say so, untraced.
        return Promise.resolve(target(input, init));
      }
      try {
        const info = methodInfo(method, known, true);
        recorded = redactUrl(url, redaction);
        span = tracerFor().startSpan(info.spanName, {
          kind: "client",
          attributes: capRecorded(
            clientAttributes(info, recorded),
            maxLength,
            url.href.length > maxLength,
          ),
        });
        // A baggage header of the application's own goes as it was written,
        // the current baggage's entries added after it (see requestBaggage).
        if (headers !== undefined) {
          const baggage = requestBaggage(headers);
          injectContext(headers, span, baggage === undefined ? undefined : { baggage: null });
          if (typeof baggage === "string") headers.set("baggage", baggage);
        }
      } catch (error) {
        warnOnce(
          "fetch-tracing-failed",
          `tracing a fetch failed, so the request goes out untraced: ${errorMessage(error)}`,
        );
        if (span !== undefined) endByLibrary(span);
        span = undefined;
        return Promise.resolve(target(input, init));
      }
      const started = span;
      // Marked as written, so a runtime's own fetch instrumentation (Deno's,
      // with OTEL_DENO=true, which _host_context.ts hands suppression) records
      // no second span and adds no traceparent, whether or not this request
      // gets one. And suppressed, with
      // OpenTelemetry's own key, so one written against @opentelemetry/api
      // (instrumentation-undici, for Node's fetch) neither records a second
      // client span for this request nor appends a second traceparent, which
      // would make the server drop both (W3C Trace Context) and split the trace.
      // A handler in this process that the wrapped fetch calls (a test, an
      // in-process service) lifts it for its server span (_server_span.ts),
      // unless tracing was suppressed before this call (an exporter's export,
      // suppressTracing()): that suppression is not this fetch's to lift.
      const outer = getCurrentContext();
      let context = outer.setValue(SPAN_KEY, started).setValue(HEADERS_WRITTEN_KEY, true);
      if (outer.getValue(SUPPRESS_TRACING_KEY) !== true) {
        context = context.setValue(SUPPRESS_TRACING_KEY, true).setValue(FETCH_CALL_KEY, true);
      }
      // A streamed body is the caller's own code, read by fetch from inside
      // this call: each read runs in the caller's context instead.
      const streamed = bodyReadIn(init?.body, outer);
      if (streamed !== undefined) {
        tracedInit = {
          // With no trace headers to add, a Request's own go as they were:
          // init.headers, when the copy has them, replaces all of a Request's.
          ...(tracedInit ??
            withHeaders(init, new Headers(init?.headers ?? request?.headers), request)),
          body: streamed,
        };
      }
      const pending = withContext(
        markOwnWork(context),
        () => tracedInit === undefined ? target!(input, init) : target!(input, tracedInit),
      );
      return Promise.resolve(pending).then(
        (response) => {
          try {
            // An opaque response (no-cors, or a manual redirect, in a
            // browser) hides its status as 0: no status code was received.
            const status = response.status;
            if (status !== 0) recordStatus(started, status, "client");
          } catch {
            // Not a Response (a stub, a wrapper): the caller gets it as it is.
          }
          endByLibrary(started);
          return response;
        },
        (error) => {
          // A request the caller cancelled is not an error, as semconv says;
          // a timeout (AbortSignal.timeout) still is.
          if (!cancelledByCaller(signal, error)) {
            recordError(started, error, urlScrubber(url, recorded));
          }
          endByLibrary(started);
          throw error;
        },
      );
    } catch (error) {
      // A fetch-like function that throws is turned into a rejection, as
      // callers of fetch expect.
      if (span !== undefined) {
        recordError(span, error, urlScrubber(url!, recorded!));
        endByLibrary(span);
      }
      return Promise.reject(error);
    }
  };
}

/**
 * The URL fetch resolves a relative one against: in a page, the document's
 * base URL, which a `<base href>` can move to another origin; in a worker
 * (or Deno with `--location`), its location.
 */
function baseUrl(): string | undefined {
  const g = globalThis as { document?: { baseURI?: unknown }; location?: { href?: unknown } };
  const base = g.document?.baseURI;
  if (typeof base === "string") return base;
  const href = g.location?.href;
  return typeof href === "string" ? href : undefined;
}

// The RequestInit members fetch reads. It reads them as a WebIDL dictionary,
// through [[Get]], so inherited ones count too (fetch(url, request) sends
// the request's method and body), and a spread, which copies own properties
// only, would lose them.
const REQUEST_INIT_MEMBERS = [
  "body",
  "cache",
  "credentials",
  "duplex",
  "integrity",
  "keepalive",
  "method",
  "mode",
  "priority",
  "redirect",
  "referrer",
  "referrerPolicy",
  "signal",
  "window",
] as const;

/**
 * A copy of `init`, with `headers` instead of its own, as fetch would read
 * it. A non-empty init makes fetch reset a `Request`'s referrer to "client"
 * and its referrer policy to "" (Fetch, the Request constructor), so when
 * the caller's init was empty and `request` is the input, the copy carries
 * the request's own back.
 */
function withHeaders(
  init: RequestInit | undefined,
  headers: Headers,
  request: Request | undefined,
): RequestInit {
  const isObject = typeof init === "object" && init !== null;
  const copy: Record<string, unknown> = isObject ? { ...init } : {};
  let empty = true;
  if (isObject) {
    empty = init.headers === undefined;
    for (const member of REQUEST_INIT_MEMBERS) {
      if (!Object.hasOwn(init, member) && member in init) {
        copy[member] = (init as Record<string, unknown>)[member];
      }
      if (copy[member] !== undefined) empty = false;
    }
  }
  if (empty && request !== undefined) {
    copy.referrer = request.referrer;
    copy.referrerPolicy = request.referrerPolicy;
  }
  copy.headers = headers;
  return copy as RequestInit;
}

function nameOf(value: unknown): unknown {
  try {
    return (value as { name?: unknown } | null | undefined)?.name;
  } catch {
    return undefined;
  }
}

/** Whether `error` is the caller aborting the request through its signal. */
function cancelledByCaller(signal: AbortSignal | null | undefined, error: unknown): boolean {
  try {
    if (signal === null || signal === undefined || signal.aborted !== true) return false;
    const reason = signal.reason;
    return nameOf(reason) !== "TimeoutError" &&
      (error === reason || nameOf(error) === "AbortError");
  } catch {
    return false;
  }
}
