/**
 * Tracing for web-standard request handlers, as `Deno.serve`, `Bun.serve`
 * and fetch-style frameworks call them.
 *
 * @module
 */

import { describe } from "../platform/_describe.ts";
import type { Scheduler } from "../platform/scheduler.ts";
import { withContext } from "../context/storage.ts";
import type { Tracer } from "../trace/tracer.ts";
import {
  knownMethods,
  recordAborted,
  recordError,
  recordNoResponse,
  recordStatus,
} from "./_semconv.ts";
import { queryRedaction } from "./_redact_query.ts";
import { startRequestSpan } from "./_request_span.ts";
import { endByLibrary } from "../span/_library_end.ts";
import { checkOptions, resolveTracer } from "./_tracer.ts";
import { resolveMaxRecordedLength } from "./_recorded_length.ts";
import { responseEndsFor, serverCompletion } from "./_response_body.ts";
import { shareHandlerSpan, unshareHandlerSpan } from "./_handler_spans.ts";
import { clientGone } from "./_client_gone.ts";
import { SWITCHING_PROTOCOLS, upgradedByBun } from "./_bun_upgrade.ts";
import { servedNow } from "./_served_request.ts";

const WHO = "trace handler";

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
   * for `X-Amz-Signature`, `X-Amz-Credential`, `X-Amz-Security-Token`,
   * `AWSAccessKeyId`, `Signature`, `sig` and `X-Goog-Signature` (exact
   * names), an array to add names of your own to those, `false` to record
   * the query as it is.
   */
  redactQuery?: boolean | readonly string[];
  /**
   * Characters kept of each string recorded from the request (`url.path`,
   * `url.query`, `server.address`, `user_agent.original`, an unknown
   * method); longer ones are cut. A non-negative integer or `Infinity`.
   * Default 2,048.
   */
  maxRecordedLength?: number;
  /**
   * How long, in milliseconds, a streamed response body may go unread
   * before its span ends anyway (without an error status), so a response
   * that nobody reads cannot keep its span open forever. Each read starts
   * the wait again; waiting on the handler's own stream for its next chunk
   * does not count. One sweep every `bodyIdleTimeoutMs` checks the open
   * bodies, so the span ends between once and twice this after the last
   * read. A positive integer up to 2³¹−1, or `Infinity`. Default 300,000
   * (five minutes).
   */
  bodyIdleTimeoutMs?: number;
  /**
   * Where the `bodyIdleTimeoutMs` sweep's timer runs. Default:
   * `systemScheduler`, whose timers do not keep the process alive (nothing
   * awaits this one).
   */
  scheduler?: Scheduler;
  /**
   * The route this handler serves, such as `/users/:id`, where the
   * application's router knows it and the request does not say it (the
   * handler of one of `Bun.serve`'s `routes`, whose request carries the
   * route's `params` but not the route): each span is named
   * `{method} {route}`, such as `GET /users/:id`, with `http.route`, from its
   * start (a sampler sees both). A non-empty string. Default: none, and the
   * span is named by its method alone.
   *
   * @example A handler for one of Bun.serve's routes
   * ```ts
   * import { InMemorySpanProcessor, Tracer } from "@codomyrmex/spans";
   * import { traceHandler } from "@codomyrmex/spans/http";
   * import assert from "node:assert/strict";
   *
   * const memory = new InMemorySpanProcessor();
   * const tracer = new Tracer({ processors: [memory] });
   * const routes = {
   *   "/users/:id": traceHandler(() => new Response("user"), { tracer, route: "/users/:id" }),
   * };
   * // Bun.serve({ routes }) calls it so:
   * await (await routes["/users/:id"](new Request("http://localhost/users/42"))).text();
   * assert.equal(memory.spans[0].name, "GET /users/:id");
   * assert.equal(memory.spans[0].attributes["http.route"], "/users/:id");
   * assert.equal(memory.spans[0].attributes["url.path"], "/users/42");
   * ```
   */
  route?: string;
}

/**
 * Wraps a `(request) => Response` handler so that each request runs in a
 * `server` span. The span's parent is read from the request's `traceparent`
 * and `tracestate` (a new trace when they are absent or invalid). Inside
 * another server span's handler, whose span is still open, it is the
 * current span, so that a request dispatched in this process stays in its
 * trace; so it is under another instrumentation's open server span
 * (`@opentelemetry/instrumentation-http`'s, through `./otel`).
 * Its name is the HTTP method (`{method} {route}` with the `route` option,
 * and `http.route`), and it carries OpenTelemetry's HTTP
 * semantic-convention attributes (`http.request.method`, `url.path`,
 * `url.query`, `url.scheme`, `server.address`, `server.port`,
 * `client.address`, `network.peer.address`, `network.peer.port`,
 * `user_agent.original`, `http.response.status_code`, and
 * `network.protocol.version` where node:http's request is at hand),
 * each string cut to `maxRecordedLength`. Behind a proxy, the host, port and
 * scheme are the original request's, from `Forwarded` or `X-Forwarded-Host`
 * and `X-Forwarded-Proto`, and `client.address` the original client's, from
 * `Forwarded` or `X-Forwarded-For`, else the peer. `network.peer.address`
 * and `network.peer.port` are always the connection's peer (Deno's
 * `info.remoteAddr`, Bun's `server.requestIP()`, the socket of the node:http
 * request `@hono/node-server` passes as `{ incoming }`): the proxy, when there is
 * one; the port only with the address. The span and the request's baggage
 * are current while the handler runs, and while its streamed body is read (a
 * stream's `pull`, an async generator behind `ReadableStream.from`), so
 * spans and traced fetches made there join
 * the trace. Extra arguments (Deno's
 * `info`, Bun's `server`) and `this` (Bun's `server` again) are passed through.
 *
 * The span ends when the response has been sent, as the HTTP semantic
 * conventions ask, not when the handler returns it. A streamed body is
 * passed through a stream that ends the span when the server has read it to
 * its end. A 5xx response, a throw from the handler (rethrown) or a body
 * stream that errors marks the span as an error (the last two with
 * `error.type` and the exception); so does a client that goes away first
 * (`error.type` `aborted`: the server cancels the body). A streamed body
 * left unread for `bodyIdleTimeoutMs` ends the span then (within twice
 * that). A body that is all there when
 * the handler returns it (a string, bytes, JSON) is handed to the server
 * whole, as bytes, so the server sends it the fast way; its span ends when
 * Deno's `info.completed` settles (a rejection, the client gone before it was
 * sent, is `error.type` `aborted`), and elsewhere (no such signal) at once.
 * A response with no body, or to a `HEAD` request, ends the span when it is
 * returned. A client that went away before the handler answered (its
 * request's `signal` aborted by then) ends the span as `aborted`, with no
 * status code, whatever the response: on Bun, and on Deno where its
 * `request.signal` aborts only for a client gone (`--unstable-no-legacy-abort`),
 * for the requests answered once the process's first response has gone
 * (which shows what the signal does).
 * Deno's default signal aborts after every response sent too, and reading
 * it makes Deno print a warning about that, so it is not read: there such a
 * response is recorded as sent (`info.completed` resolves), unless a
 * streamed body is cancelled (`aborted`, with the status code).
 * The response returned is a new `Response` with the same status
 * and headers; a streamed one goes out in chunks on HTTP/1.1 unless a
 * `Content-Length` header is set, as any stream does. A Hono app's
 * `traceMiddleware` (`@codomyrmex/spans/hono`) under it starts no second
 * server span for the request: it names this one by route, and the error
 * behind a 5xx Hono's `onError` answered is recorded here, as the middleware
 * alone would record it. A `traceHandler` inside another, or inside Hono's
 * `traceMiddleware`, that is given the very `Request` the outer one serves
 * (a framework's handler traced by a library and again by the app) starts
 * no second span either: it calls its handler in the outer one's span, so
 * each request has one server span, and the handler's own spans are its
 * children. A clone, or a `Request` built from it, is another request, with
 * a span of its own.
 *
 * @typeParam A The handler's arguments after the request.
 * @param handler The request handler.
 * @param options The tracer, which query parameters to redact, the recorded length, the
 *   body's idle bound and the route.
 * @returns The traced handler.
 * @throws {TypeError} When `handler` is not a function, `scheduler` is not a Scheduler, or
 *   `route` is not a non-empty string.
 * @throws {RangeError} When `maxRecordedLength` or `bodyIdleTimeoutMs` is out of range.
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
  checkOptions(options, WHO, "traceHandler(handler, { tracer })");
  const tracerFor = resolveTracer(options?.tracer, WHO);
  const redaction = queryRedaction(options?.redactQuery, WHO);
  const maxRecordedLength = resolveMaxRecordedLength(options?.maxRecordedLength, WHO);
  const ends = responseEndsFor(options, WHO);
  const route = resolveRoute(options?.route);
  const known = knownMethods();
  return async function tracedHandler(
    this: unknown,
    request: Request,
    ...args: A
  ): Promise<Response> {
    // This very Request is already served by a traceHandler (or Hono's
    // traceMiddleware) this one runs inside: a framework's handler traced by
    // a library and again by the app. The outer one traces it; starting a
    // span here split the request into two server spans, in two traces.
    if (servedNow(request)) return handler.call(this, request, ...args);
    const started = startRequestSpan(
      tracerFor(),
      request,
      redaction,
      maxRecordedLength,
      known,
      args[0],
      route,
    );
    if (started === undefined) return handler.call(this, request, ...args);
    const { span, context } = started;
    // A Hono traceMiddleware inside takes this span over rather than start a second one.
    const handlerSpan = shareHandlerSpan(request, span);
    let response: Response;
    try {
      response = await withContext(context, () => handler.call(this, request, ...args));
    } catch (error) {
      recordError(span, error);
      endByLibrary(span);
      throw error;
    } finally {
      if (handlerSpan !== undefined) unshareHandlerSpan(request, handlerSpan);
    }
    if (clientGone(request, args[0])) {
      // Nothing will be sent: no status code, as on node:http.
      recordAborted(span);
      endByLibrary(span);
      return response;
    }
    let status: unknown;
    try {
      status = response.status;
    } catch {
      // Not a Response (its status getter threw): recorded as no response.
    }
    if (typeof status === "number" && status >= 100) {
      recordStatus(span, status, "server");
      // The error behind a 5xx the application answered, as the middleware saw it.
      if (handlerSpan?.answered === true && status >= 500) recordError(span, handlerSpan.error);
    } else if (response === undefined && upgradedByBun(request, args[0])) {
      recordStatus(span, SWITCHING_PROTOCOLS, "server");
    } else {
      // Nothing, or Response.error() (status 0): the server answers an
      // error of its own, not a status the handler chose.
      recordNoResponse(span, response);
    }
    if (!(response instanceof Response) || request.method === "HEAD") {
      endByLibrary(span);
      return response;
    }
    return ends.endWithBody(response, span, serverCompletion(args[0]), context);
  };
}

function resolveRoute(route: unknown): string | undefined {
  if (route === undefined || (typeof route === "string" && route !== "")) return route;
  throw new TypeError(
    `Cannot ${WHO}: route must be a non-empty string, such as "/users/:id", got ${describe(route)}`,
  );
}
