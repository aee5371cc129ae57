/**
 * Tracing for Hono apps, as a middleware. Hono is described by structural
 * types only: nothing here imports `hono`.
 *
 * @module
 */

import type { Context } from "../context/context.ts";
import { getCurrentContext, withContext } from "../context/storage.ts";
import type { TraceHandlerOptions } from "../http/handler.ts";
import {
  knownMethods,
  methodInfo,
  recordAborted,
  recordError,
  recordStatus,
} from "../http/_semconv.ts";
import { clientGone } from "../http/_client_gone.ts";
import { SWITCHING_PROTOCOLS, upgradedByBun } from "../http/_bun_upgrade.ts";
import { queryRedaction } from "../http/_redact_query.ts";
import { startRequestSpan } from "../http/_request_span.ts";
import { nodeIncomingOf } from "../http/_node_incoming.ts";
import { markServed, servedNow } from "../http/_served_request.ts";
import { resolveMaxRecordedLength } from "../http/_recorded_length.ts";
import { type ResponseEnds, responseEndsFor, serverCompletion } from "../http/_response_body.ts";
import { checkOptions, resolveTracer } from "../http/_tracer.ts";
import {
  type HandlerSpan,
  hasHandlerSpan,
  shareHandlerSpans,
  takeHandlerSpan,
} from "../http/_handler_spans.ts";
import { describe } from "../platform/_describe.ts";
import type { TimerHandle, TimerOptions } from "../platform/scheduler.ts";
import type { Span } from "../span/span.ts";
import { endByLibrary } from "../span/_library_end.ts";

const WHO = "create trace middleware";

// Each traced request's server span, by its Hono context, for recordStreamError.
const contextSpans = new WeakMap<object, Span>();

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
  /**
   * The server's extra argument: under `Deno.serve`, its `info` (with
   * `completed`); under Bun.serve, the server; under `@hono/node-server`,
   * `{ incoming }`, node:http's request (its socket and HTTP version).
   */
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
 * its `scheduler` (the span ends when the response body has been sent;
 * `bodyIdleTimeoutMs` also bounds the wait for an `onError` answer to an
 * error that escaped the middleware, should it never come into sight, and
 * that bound's timer runs on the `scheduler`), all but `route` (Hono's
 * matched route names the span); and `matchedRoutes`.
 */
export interface TraceMiddlewareOptions extends Omit<TraceHandlerOptions, "route"> {
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
 * and leaves the status unset, as the semantic conventions ask.
 *
 * An error can also escape the middleware's `next()`: an `onError` that
 * throws (Hono then calls `onError` again, with that error), or a `notFound`
 * that throws. Hono answers it through `onError`, and the span waits for that
 * answer as long as `onError` takes (an `async` one that awaits I/O first,
 * say; up to `bodyIdleTimeoutMs`), and records its status code, and the error
 * (`exception` event, `error.type`, error status) with a 5xx. Where Hono
 * catches the error in its `compose` (a route or another middleware matched
 * too, or this is a sub-app's middleware and the sub-app has its own
 * `onError`), the answer becomes `c.res`, where the span sees it. Where no
 * route matched (this middleware alone), Hono calls the middleware itself and
 * hands the promise it returns its `onError` (the default answers 500, or an
 * `HTTPException`'s response): the span sees what that `onError` returns.
 * When `onError` throws there too, `app.fetch` rejects and the server answers
 * (`Deno.serve` and `Bun.serve` with a 500): the span has no status code.
 *
 * In a `compose` an answer may never come into sight. An `onError` that
 * rethrows the very error it was given (Hono gives it to that `onError`
 * again, in this middleware's step of the app's `compose`) is taken to
 * rethrow it again: the span ends at once (a middleware registered before
 * this one that would answer it is not waited for). One that throws a new
 * error, or returns no response, is answered in `app.fetch`, out of sight
 * (unless an enclosing `compose` answers onto `c.res`): the span ends when
 * `Deno.serve`'s `info.completed` settles (the answer was sent), elsewhere
 * after `bodyIdleTimeoutMs` (on the `scheduler`, as a background timer). A
 * thrown non-Error, which Hono never answers (`app.fetch` rejects), ends it
 * at once. Handlers that return no response make Hono throw "Context is not
 * finalized" after the middleware has returned, and answer that through
 * `onError`, out of sight too. Those spans have no status code and an error
 * status, with the error (`error.type` its name, `_OTHER` for a non-Error),
 * or `error.type` `_OTHER` for no response. To record the answer `app.fetch`
 * returns, whichever step gave it, wrap the app's `fetch` in `traceHandler`
 * as well: `Deno.serve(traceHandler(app.fetch))`. The middleware then starts
 * no span of its own (its `tracer` is not used): it takes over
 * `traceHandler`'s span for the same `Request`, names it by route and hands
 * it the error Hono answered, so each request has one server span, whose
 * status is what `app.fetch` returned. It takes over the span of a
 * `traceRequestListener` (`@codomyrmex/spans/node`) around
 * `getRequestListener(app.fetch)` from `@hono/node-server` in the same way
 * (the listener's `req` is the app's `c.env.incoming`): one server span, with
 * the listener's socket attributes, named by route, whose status is the one
 * sent. An error the callback of a streamed
 * body (`hono/streaming`) throws reaches the span through
 * {@linkcode recordStreamError}.
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
  shareHandlerSpans();
  return function tracingMiddleware(c, next) {
    const watch: AnswerWatch = { direct: false, seen: undefined };
    // The async function runs to its first await before it returns: by then
    // it has said whether Hono called this middleware itself (watch.direct).
    const done = traceRequest(c, next, watch);
    return watch.direct ? AnswerPromise.watching(done, watch) : done;
  };

  async function traceRequest(
    c: HonoContextLike,
    next: () => Promise<void>,
    watch: AnswerWatch,
  ): Promise<void> {
    // A copy of this middleware that runs inside another for the same
    // request (one in a sub-app that app.route() mounts, or on a path group
    // as well as on "*"): the outer copy traces the request, and this one
    // only passes it on. Starting a span here split the request into two
    // server spans, in two traces.
    if (contextSpans.has(c)) return next();
    const handlerSpan = takeHandlerSpan(c.req.raw);
    if (handlerSpan !== undefined) {
      return inHandlerSpan(c, next, handlerSpan, methodInfo(c.req.raw.method, known), routesOf);
    }
    const listenerSpan = takeListenerSpan(c);
    if (listenerSpan !== undefined) {
      // The Request is @hono/node-server's, made for this middleware's app
      // alone: marked as served, as traceHandler marks its own, so that the
      // app handing it on (`other.fetch(c.req.raw)`) adds no second span.
      const served = markServed(getCurrentContext(), c.req.raw);
      return inHandlerSpan(
        c,
        () => withContext(served, next),
        listenerSpan,
        methodInfo(c.req.raw.method, known),
        routesOf,
      );
    }
    // This very Request is already served by a server span up the context:
    // another app's middleware (or a traceHandler) handed it to this app,
    // as `other.fetch(c.req.raw)` does. That span traces the request, and
    // records the status this app answers; a span here was a second server
    // span for one request, the root of a trace of its own.
    if (servedNow(c.req.raw)) return next();
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
    contextSpans.set(c, span);
    const methodName = span.name;
    const ownIndex = c.req.routeIndex;
    const step = honoStep(c, ownIndex, routesOf);
    watch.direct = step === "direct" || step === "unknown";
    try {
      await withContext(context, next);
    } catch (error) {
      nameByRoute(span, c, ownIndex, methodName, routesOf);
      endWithAnswer(c, span, error, step, watch, ends);
      throw error;
    }
    nameByRoute(span, c, ownIndex, methodName, routesOf);
    if (unanswered(c)) {
      // Hono throws "Context is not finalized" once this returns, and answers
      // through onError, out of sight: c.res is only a placeholder 200.
      if (!span.ended) {
        span.setAttribute("error.type", "_OTHER");
        span.setStatus(
          "error",
          "the handlers returned no response (Hono's context is not finalized)",
        );
      }
      endByLibrary(span);
      return;
    }
    if (clientGone(c.req.raw, envOf(c))) {
      // Nothing will be sent (Bun's server, or Deno's info with a signal
      // that is not the legacy one, as Hono's env): no status code, as
      // traceHandler and node:http record it.
      recordAborted(span);
      endByLibrary(span);
      return;
    }
    let status: number | undefined;
    try {
      status = c.res.status;
      // Hono's Bun helper answers an upgraded WebSocket with an empty 200,
      // which Bun does not send: the connection switched protocols. Asked
      // of a 200 only, so other answers pay no header look-up.
      if (status === 200 && upgradedByBun(c.req.raw, envOf(c))) status = SWITCHING_PROTOCOLS;
      recordStatus(span, status, "server");
    } catch {
      // No readable response: the span still ends.
    }
    const error = c.error;
    if (error !== undefined && error !== null && (status === undefined || status >= 500)) {
      recordError(span, error);
    }
    await endWithBody(c, span, context, ends);
  }
}

/**
 * Returns an `onError` for `stream()`, `streamText()` and `streamSSE()` from
 * `hono/streaming` that records an error the stream's callback throws on the
 * request's server span (the one {@linkcode traceMiddleware} started, or
 * took over from `traceHandler`): an `exception` event, `error.type` (the
 * error's name) and an error status with its message. The status code stays
 * the one the headers were sent with (200). Hono gives the error to that
 * `onError` and nowhere else: without one it only logs it, and the body ends
 * as if it were complete, so the span cannot tell. `onError`, when given, is
 * called after, with the error and the stream, and awaited (to write a last
 * message, say); `streamSSE()` then still sends its `error` event. For a
 * context `traceMiddleware` did not trace, only `onError` is called.
 *
 * @typeParam S The stream Hono passes (`StreamingApi`, `SSEStreamingApi`).
 * @param c The request's Hono context.
 * @param onError The application's own `onError`, called after the error is recorded.
 * @returns The `onError` to pass to the streaming helper.
 * @throws {TypeError} When `onError` is given and is not a function.
 *
 * @example
 * ```ts
 * import { InMemorySpanProcessor, Tracer } from "@codomyrmex/spans";
 * import { recordStreamError, traceMiddleware } from "@codomyrmex/spans/hono";
 * import { Hono } from "hono";
 * import { streamText } from "hono/streaming";
 * import assert from "node:assert/strict";
 *
 * const memory = new InMemorySpanProcessor();
 * const app = new Hono();
 * app.use(traceMiddleware({ tracer: new Tracer({ processors: [memory] }) }));
 * app.get("/feed", (c) =>
 *   streamText(c, async (stream) => {
 *     await stream.writeln("first");
 *     throw new RangeError("feed broke");
 *   }, recordStreamError(c)));
 *
 * const response = await app.request("/feed");
 * assert.equal(await response.text(), "first\n");
 * const [span] = memory.spans;
 * assert.equal(span.attributes["http.response.status_code"], 200);
 * assert.equal(span.attributes["error.type"], "RangeError");
 * assert.deepEqual(span.status, { code: "error", message: "feed broke" });
 * ```
 */
export function recordStreamError<S = unknown>(
  c: HonoContextLike,
  onError?: (error: Error, stream: S) => void | Promise<void>,
): (error: Error, stream: S) => Promise<void> {
  if (onError !== undefined && typeof onError !== "function") {
    throw new TypeError(
      `Cannot record stream errors: onError must be a function, got ${describe(onError)}`,
    );
  }
  return async (error, stream) => {
    // A WeakMap answers undefined for a non-object key too.
    const span = contextSpans.get(c);
    if (span !== undefined) recordError(span, error);
    if (onError !== undefined) await onError(error, stream);
  };
}

// Under traceHandler(app.fetch), or traceRequestListener around
// @hono/node-server's listener, whose server span this request already has:
// that span is named by the route here, and the error the app answered (or
// that escaped) is passed on; traceHandler (or the listener) records the
// status sent (Hono's onError may answer after this middleware has returned)
// and records that error when the answer is a 5xx, and ends the span when the
// body has been sent. The handlers already run in its context.
async function inHandlerSpan(
  c: HonoContextLike,
  next: () => Promise<void>,
  handlerSpan: HandlerSpan,
  method: { readonly spanName: string },
  routesOf: RoutesOf,
): Promise<void> {
  const { span } = handlerSpan;
  contextSpans.set(c, span);
  const ownIndex = c.req.routeIndex;
  const answered = (error: unknown) => {
    handlerSpan.answered = true;
    handlerSpan.error = error;
  };
  try {
    await next();
  } catch (error) {
    nameByRoute(span, c, ownIndex, method.spanName, routesOf);
    answered(error);
    throw error;
  }
  nameByRoute(span, c, ownIndex, method.spanName, routesOf);
  let error: unknown;
  try {
    error = c.error;
  } catch {
    // Nothing to pass on.
  }
  if (error !== undefined && error !== null) answered(error);
}

// Under traceRequestListener(getRequestListener(app.fetch)): the server span
// the listener started for the IncomingMessage that @hono/node-server hands
// the app as `c.env.incoming`, with the Request it made from it. Only for
// that Request: an app mounted in it (`app.mount()`) gets the same env with
// a Request of its own, for another path, and its route would have named
// the listener's span wrongly.
function takeListenerSpan(c: HonoContextLike): HandlerSpan | undefined {
  try {
    const incoming = nodeIncomingOf(envOf(c));
    // Served by @hono/node-server without a traceRequestListener around it:
    // no URL to parse, twice, on every request.
    if (incoming === undefined || !hasHandlerSpan(incoming)) return undefined;
    return madeFrom(c.req.raw.url, incoming.url) ? takeHandlerSpan(incoming) : undefined;
  } catch {
    return undefined;
  }
}

// Whether a Request's URL is the one @hono/node-server built from node:http's
// request target: the target on the Host (for the usual origin-form), or the
// absolute target, as a URL parser reads it. Compared parsed on both sides:
// node-server passes most targets on as they came (`/users/7?`, `?q=it's`)
// and normalizes the others (dot segments), which its raw string matches in
// neither case.
function madeFrom(url: string, target: unknown): boolean {
  if (typeof target !== "string") return false;
  const parsed = new URL(url);
  return new URL(target.startsWith("/") ? parsed.origin + target : target).href === parsed.href;
}

// Where Hono runs this middleware, which says who answers an error that
// escapes it. "app": in the app's compose, with a route or other middleware,
// whose onError answers it onto c.res. "sub-app": in the compose Hono wraps
// around each handler of a sub-app with an onError of its own (the handler is
// marked so), whose onError answers it onto c.res. "direct": alone (no route
// matched): Hono's #dispatch calls it itself and answers an error through
// the promise it returns (`.catch` with onError's answer), never onto c.res.
// "unknown": no matched routes to tell by; both ways are watched.
type HonoStep = "app" | "sub-app" | "direct" | "unknown";

function honoStep(
  c: HonoContextLike,
  ownIndex: number | undefined,
  routesOf: RoutesOf,
): HonoStep {
  try {
    const routes = routesOf(c);
    if (routes === undefined || typeof ownIndex !== "number") return "unknown";
    const own = routes[ownIndex];
    if (own === undefined) return "unknown";
    const handler = own.handler as { [COMPOSED_HANDLER]?: unknown } | undefined;
    if (typeof handler?.[COMPOSED_HANDLER] === "function") return "sub-app";
    return routes.length === 1 ? "direct" : "app";
  } catch {
    return "unknown";
  }
}

// What the promise the middleware returned has seen of Hono's answer, where
// Hono called the middleware itself (or it cannot be told).
interface AnswerWatch {
  /** Whether the middleware returns an AnswerPromise. */
  direct: boolean;
  /**
   * Set once an error escaped: told what a rejection handler given the
   * promise returned (`threw` false) or threw (`threw` true).
   */
  seen: ((answer: unknown, threw: boolean) => void) | undefined;
}

// The promise the middleware returns where Hono's #dispatch calls it itself:
// Hono answers an error it rejects with in a handler it gives this promise
// (`promise.then(…).catch((err) => onError(err, c))`), and app.fetch returns
// that handler's result; nothing else shows it. Each rejection handler given
// this promise, or one derived from it (`then` makes them of this class),
// is wrapped to tell `seen` what it returned or threw, and returns or throws
// the same. An `await` of it gives a rejection handler too (the awaiting
// function's own, which returns undefined): that says nothing of an answer.
class AnswerPromise<T> extends Promise<T> {
  #watch: AnswerWatch | undefined;

  static watching<T>(promise: Promise<T>, watch: AnswerWatch): AnswerPromise<T> {
    const watched = new AnswerPromise<T>((resolve, reject) => void promise.then(resolve, reject));
    watched.#watch = watch;
    return watched;
  }

  override then<R1 = T, R2 = never>(
    onFulfilled?: ((value: T) => R1 | PromiseLike<R1>) | null,
    onRejected?: ((reason: unknown) => R2 | PromiseLike<R2>) | null,
  ): Promise<R1 | R2> {
    const watch = this.#watch;
    const rejected = watch === undefined || typeof onRejected !== "function"
      ? onRejected
      : (reason: unknown) => {
        let answer: R2 | PromiseLike<R2>;
        try {
          answer = onRejected(reason);
        } catch (error) {
          tell(watch, error, true);
          throw error;
        }
        tell(watch, answer, false);
        return answer;
      };
    const derived = super.then(onFulfilled, rejected);
    if (derived instanceof AnswerPromise) derived.#watch = watch;
    return derived;
  }
}

function tell(watch: AnswerWatch, answer: unknown, threw: boolean): void {
  try {
    watch.seen?.(answer, threw);
  } catch {
    // Telemetry never breaks the application.
  }
}

// An error escaped next(). Hono answers an Error through onError, and the
// span records that answer's status code, and the error only with a 5xx (an
// HTTPException's 4xx is the client's error), whenever it comes: in a
// compose (step "app" or "sub-app") the answer becomes c.res, through its
// setter, watched here; where Hono called this middleware itself ("direct"),
// it is what the rejection handler Hono gives the returned promise returns.
// The span ends at once, with the error and no status code, where Hono gives
// no answer: an error that is no Error (Hono rethrows it, app.fetch rejects),
// or, in the app's compose, the very error onError was just given (it
// rethrew it, and Hono gives it to that onError again: taken to be rethrown
// again). An answer that does not come into sight (onError throws a new
// error, or gives no response, and Hono answers in app.fetch) ends it, with
// no status code, when Deno's info.completed settles (the answer was sent),
// else after bodyIdleTimeoutMs, on the scheduler, as a background timer.
function endWithAnswer(
  c: HonoContextLike,
  span: Span,
  error: unknown,
  step: HonoStep,
  watch: AnswerWatch,
  ends: ResponseEnds,
): void {
  const endWithoutStatus = () => {
    recordError(span, error);
    endByLibrary(span);
  };
  if (!(error instanceof Error) || (step !== "sub-app" && rethrown(c, error))) {
    return endWithoutStatus();
  }
  let settled = false;
  let timer: TimerHandle | undefined;
  let unwatch: (() => void) | undefined;
  const settle = (response: unknown) => {
    if (settled) return;
    settled = true;
    unwatch?.();
    if (timer !== undefined) {
      try {
        ends.scheduler.clearTimeout(timer);
      } catch {
        // The bound just fires into a span already ended.
      }
    }
    let status: unknown;
    try {
      status = (response as { status?: unknown } | null | undefined)?.status;
    } catch {
      // No readable status.
    }
    if (typeof status !== "number") return endWithoutStatus();
    recordStatus(span, status, "server");
    if (status >= 500) recordError(span, error);
    endByLibrary(span);
  };
  const giveUp = () => settle(undefined);
  if (step !== "direct") unwatch = watchResponse(c, settle);
  if (watch.direct) {
    watch.seen = (answer, threw) => {
      if (threw) return giveUp();
      // An awaiting function's own rejection handler: no answer from it. Where
      // Hono would have called the middleware itself, something else awaits
      // it (a wrapper, hono/combine), and answers out of sight; else the
      // answer may still come onto c.res.
      if (answer === undefined) return step === "direct" ? giveUp() : undefined;
      if (typeof (answer as PromiseLike<unknown> | null)?.then !== "function") {
        return settle(answer);
      }
      Promise.resolve(answer).then(settle, giveUp);
    };
  } else if (unwatch === undefined) {
    return endWithoutStatus();
  }
  try {
    serverCompletion(envOf(c))?.then(giveUp, giveUp);
  } catch {
    // No completion to wait on: the bound still ends the span.
  }
  if (settled || ends.idleTimeoutMs === Infinity) return;
  try {
    timer = ends.scheduler.setTimeout(giveUp, ends.idleTimeoutMs, BACKGROUND);
  } catch {
    giveUp();
  }
}

// Nothing awaits the bound on an answer: it must never keep the process alive.
const BACKGROUND: TimerOptions = Object.freeze({ background: true });

// Whether the error that escaped is the one Hono last gave onError (c.error):
// onError rethrew it.
function rethrown(c: HonoContextLike, error: Error): boolean {
  try {
    return c.error === error;
  } catch {
    return false;
  }
}

// Calls `onSet` with the next value assigned to c.res, once, by an own
// accessor that passes reads and writes on to the one c inherits (Hono's
// Context keeps the response in a private field behind an accessor on its
// prototype). Returns what removes it, or undefined when c.res cannot be
// watched so (no inherited accessor, an own property already, a frozen c).
function watchResponse(
  c: object,
  onSet: (value: unknown) => void,
): (() => void) | undefined {
  try {
    if (Object.hasOwn(c, "res")) return undefined;
    let accessor: PropertyDescriptor | undefined;
    for (
      let o = Object.getPrototypeOf(c);
      o !== null && accessor === undefined;
      o = Object.getPrototypeOf(o)
    ) {
      accessor = Object.getOwnPropertyDescriptor(o, "res");
    }
    const get = accessor?.get;
    const set = accessor?.set;
    if (get === undefined || set === undefined) return undefined;
    const unwatch = () => void delete (c as { res?: unknown }).res;
    Object.defineProperty(c, "res", {
      configurable: true,
      enumerable: false,
      get() {
        return get.call(this);
      },
      set(value: unknown) {
        unwatch();
        set.call(this, value);
        try {
          onSet(value);
        } catch {
          // Telemetry never breaks the application.
        }
      },
    });
    return unwatch;
  } catch {
    return undefined;
  }
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
    endByLibrary(span);
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
    endByLibrary(span);
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
  // A span the application ended itself is left as it was (see recordStatus).
  if (typeof route !== "string" || route === "" || span.ended) return;
  span.setAttribute("http.route", route);
  // A name the application set itself is kept.
  if (span.name === methodName) span.updateName(`${methodName} ${route}`);
}
