/**
 * Tracing for Hono apps, as a middleware. Hono is described by structural
 * types only: nothing here imports `hono`.
 *
 * @module
 */

import type { Context } from "../context/context.ts";
import { withContext } from "../context/storage.ts";
import type { TraceHandlerOptions } from "../http/handler.ts";
import { knownMethods, recordError, recordStatus } from "../http/_semconv.ts";
import { queryRedaction } from "../http/_redact_query.ts";
import { startRequestSpan } from "../http/_request_span.ts";
import { resolveMaxRecordedLength } from "../http/_recorded_length.ts";
import { type ResponseEnds, responseEndsFor, serverCompletion } from "../http/_response_body.ts";
import { checkOptions, resolveTracer } from "../http/_tracer.ts";
import { describe } from "../platform/_describe.ts";
import type { Span } from "../span/span.ts";

const WHO = "create trace middleware";

/** A route Hono matched for a request, as its `c.req.matchedRoutes` lists it. */
export interface HonoRouteLike {
  /** The route's path pattern, such as `/products/:sku`. */
  readonly path: string;
  /** The method it was registered for: `GET`, …, or `ALL` for `use()` and `all()`. */
  readonly method?: string;
  /** The handler or middleware; a middleware takes `next` as well. */
  readonly handler?: (...args: never[]) => unknown;
}

/** The parts of Hono's `HonoRequest` (`c.req`) the middleware reads. */
export interface HonoRequestLike {
  /** The web-standard request. */
  readonly raw: Request;
  /** The index, in `matchedRoutes`, of the handler running now. */
  readonly routeIndex?: number;
  /** The routes that matched the request: middleware and handlers, in order. */
  readonly matchedRoutes?: readonly HonoRouteLike[];
}

/** The parts of Hono's `Context` (`c`) the middleware reads. */
export interface HonoContextLike {
  /** The request. */
  readonly req: HonoRequestLike;
  /** The response, once the handlers have run. */
  readonly res: Response;
  /** What a handler threw, once Hono's `onError` has turned it into a response. */
  readonly error?: unknown;
  /** The server's extra argument: under `Deno.serve`, its `info` (with `completed`). */
  readonly env?: unknown;
  /**
   * Whether a response has been set. `false` once the handlers have run
   * means none answered: Hono then throws and answers through `onError`.
   */
  readonly finalized?: boolean;
}

/** A Hono middleware, in the shape `app.use()` takes. */
export type HonoMiddleware = (c: HonoContextLike, next: () => Promise<void>) => Promise<void>;

/**
 * How {@linkcode traceMiddleware} traces requests: the options
 * `traceHandler` takes: `tracer` (default: the default tracer, looked up per
 * request), `redactQuery`, `maxRecordedLength`, and `bodyIdleTimeoutMs` with
 * its `scheduler` (the span ends when the response body has been sent);
 * and `matchedRoutes`.
 */
export interface TraceMiddlewareOptions extends TraceHandlerOptions {
  /**
   * Lists the routes Hono matched for a request: pass Hono's own helper,
   * `matchedRoutes` from `hono/route`. Hono has deprecated the
   * `c.req.matchedRoutes` getter that is read when this is not given, so a
   * Hono without the getter still gets its spans named by route.
   */
  matchedRoutes?: (c: never) => readonly HonoRouteLike[];
}

/**
 * Returns a Hono middleware that runs each request in a `server` span, as
 * `traceHandler` from `@codomyrmex/spans/http` does (the remote parent from `traceparent`, the
 * request's baggage, OpenTelemetry's HTTP attributes, the span current while
 * the handlers run and while a streamed body is read), and once routing is
 * done names it `METHOD route`, such
 * as `GET /products/:sku`, with `http.route` set to Hono's matched route
 * (also when a middleware answers before the route's handler runs). A
 * request no route matched (a 404 from `notFound`) keeps the bare method as
 * its name. An error a handler throws, which Hono's `onError` turns into a
 * 5xx response, is recorded on the span (an `exception` event, `error.type`,
 * error status); an `HTTPException` answered with a 4xx is the client's error
 * and leaves the status unset, as the semantic conventions ask. Handlers
 * that return no response (Hono then throws "Context is not finalized" and
 * answers through `onError`, after this middleware) leave no status code on
 * the span, and an error status with `error.type` `_OTHER`.
 *
 * Register it first, so that it sees every request and every other
 * middleware runs inside its span: `app.use(traceMiddleware())`.
 *
 * @param options The tracer, which query parameters to redact, the recorded length, and the
 *   body's idle bound and its scheduler.
 * @returns The middleware.
 * @throws {TypeError} When `tracer` is not a Tracer, `redactQuery` is malformed or
 *   `scheduler` has no timers.
 * @throws {RangeError} When `maxRecordedLength` or `bodyIdleTimeoutMs` is out of range.
 *
 * @example
 * ```ts
 * import { InMemorySpanProcessor, Tracer } from "@codomyrmex/spans";
 * import { traceMiddleware } from "@codomyrmex/spans/hono";
 * import { Hono } from "hono";
 * import assert from "node:assert/strict";
 *
 * const memory = new InMemorySpanProcessor();
 * const app = new Hono();
 * app.use(traceMiddleware({ tracer: new Tracer({ processors: [memory] }) }));
 * app.get("/products/:sku", (c) => c.json({ sku: c.req.param("sku") }));
 *
 * await app.request("/products/42?sig=secret");
 * const [span] = memory.spans;
 * assert.equal(span.name, "GET /products/:sku");
 * assert.equal(span.attributes["http.route"], "/products/:sku");
 * assert.equal(span.attributes["url.query"], "sig=REDACTED");
 * assert.equal(span.attributes["http.response.status_code"], 200);
 * ```
 */
export function traceMiddleware(options?: TraceMiddlewareOptions): HonoMiddleware {
  checkOptions(options, WHO, "traceMiddleware({ tracer })");
  const tracerFor = resolveTracer(options?.tracer, WHO);
  const redaction = queryRedaction(options?.redactQuery, WHO);
  const maxRecordedLength = resolveMaxRecordedLength(options?.maxRecordedLength, WHO);
  const ends = responseEndsFor(options, WHO);
  const routesOf = matchedRoutesOption(options?.matchedRoutes);
  const known = knownMethods();
  return async function tracingMiddleware(c, next) {
    const started = startRequestSpan(
      tracerFor(),
      c.req.raw,
      redaction,
      maxRecordedLength,
      known,
      envOf(c),
    );
    if (started === undefined) return next();
    const { span, context } = started;
    const methodName = span.name;
    const ownIndex = c.req.routeIndex;
    try {
      await withContext(context, next);
    } catch (error) {
      // Hono rethrows what onError does not take (a thrown non-Error).
      nameByRoute(span, c, ownIndex, methodName, routesOf);
      recordError(span, error);
      span.end();
      throw error;
    }
    nameByRoute(span, c, ownIndex, methodName, routesOf);
    if (unanswered(c)) {
      // Hono throws "Context is not finalized" once this returns, and answers
      // through onError, out of sight: c.res is only a placeholder 200.
      span.setAttribute("error.type", "_OTHER");
      span.setStatus(
        "error",
        "the handlers returned no response (Hono's context is not finalized)",
      );
      span.end();
      return;
    }
    let status: number | undefined;
    try {
      status = c.res.status;
      recordStatus(span, status, "server");
    } catch {
      // No readable response: the span still ends.
    }
    const error = c.error;
    if (error !== undefined && error !== null && (status === undefined || status >= 500)) {
      recordError(span, error);
    }
    await endWithBody(c, span, context, ends);
  };
}

// As traceHandler does, the span ends once the body has been sent, not when
// the handlers return. Hono's `c.res` setter merges the previous response's
// headers into a new one, so it is cleared first: the wrapped response
// already carries them all.
async function endWithBody(
  c: HonoContextLike,
  span: Span,
  context: Context,
  ends: ResponseEnds,
): Promise<void> {
  let response: unknown;
  try {
    response = c.res;
  } catch {
    // No readable response.
  }
  if (!(response instanceof Response) || c.req.raw.method === "HEAD") {
    span.end();
    return;
  }
  const completed = serverCompletion(envOf(c));
  const wrapped = await ends.endWithBody(response, span, completed, context);
  if (wrapped === response) return;
  try {
    const writable = c as unknown as { res: Response | undefined };
    writable.res = undefined;
    writable.res = wrapped;
  } catch {
    // A context that refuses a new response keeps its own; the span ends now.
    span.end();
  }
}

// Whether the handlers ran to their end without a response.
function unanswered(c: HonoContextLike): boolean {
  try {
    return c.finalized === false;
  } catch {
    return false;
  }
}

// The server's extra argument, as Hono keeps it: Deno.serve's info, Bun's server.
function envOf(c: HonoContextLike): unknown {
  try {
    return c.env;
  } catch {
    // An env that throws on access gives nothing.
    return undefined;
  }
}

// After next() Hono's routeIndex points at the last handler that ran. That
// handler's route is the request's route when it was registered for a method
// (get, post, …) or is an all() handler (it takes no next). Otherwise a
// middleware answered, or passed the request on to notFound: the route is
// then the first route after this middleware registered for a method, and
// without one no route matched (a 404), so there is none to name.
function routeOf(
  c: HonoContextLike,
  ownIndex: number | undefined,
  routesOf: RoutesOf,
): string | undefined {
  const index = c.req.routeIndex;
  const routes = routesOf(c);
  if (typeof index !== "number" || typeof ownIndex !== "number" || routes === undefined) {
    return undefined;
  }
  const last = index > ownIndex ? routes[index] : undefined;
  if (last !== undefined && (last.method !== "ALL" || arityOf(last.handler) < 2)) {
    return last.path;
  }
  for (let i = ownIndex + 1; i < routes.length; i++) {
    if (routes[i].method !== undefined && routes[i].method !== "ALL") return routes[i].path;
  }
  return undefined;
}

// Hono's app.route() wraps the handlers of a sub-app that has its own
// onError in a (c, next) function, and keeps the original on this key: the
// original's arity tells an all() handler from a middleware.
const COMPOSED_HANDLER = "__COMPOSED_HANDLER";

function arityOf(handler: unknown): number {
  let h = handler;
  // Bounded: each nested sub-app with an onError adds one wrapper.
  for (let i = 0; i < 64 && typeof h === "function"; i++) {
    const original = (h as { [COMPOSED_HANDLER]?: unknown })[COMPOSED_HANDLER];
    if (typeof original !== "function") break;
    h = original;
  }
  return typeof h === "function" ? h.length : 0;
}

type RoutesOf = (c: HonoContextLike) => readonly HonoRouteLike[] | undefined;

const fromRequest: RoutesOf = (c) => c.req.matchedRoutes;

// The caller's helper, or the deprecated getter when none is given.
function matchedRoutesOption(given: unknown): RoutesOf {
  if (given === undefined) return fromRequest;
  if (typeof given !== "function") {
    throw new TypeError(
      `Cannot ${WHO}: matchedRoutes must be a function, such as Hono's from "hono/route", got ${
        describe(given)
      }`,
    );
  }
  return given as RoutesOf;
}

function nameByRoute(
  span: Span,
  c: HonoContextLike,
  ownIndex: number | undefined,
  methodName: string,
  routesOf: RoutesOf,
): void {
  let route: string | undefined;
  try {
    route = routeOf(c, ownIndex, routesOf);
  } catch {
    // A request object that throws on access just leaves the span unnamed.
  }
  if (typeof route !== "string" || route === "") return;
  span.setAttribute("http.route", route);
  // A name the application set itself is kept.
  if (span.name === methodName) span.updateName(`${methodName} ${route}`);
}
