/**
 * Tracing for Node's `http.createServer` request listener, described by
 * structural types so that no `node:` module is imported.
 *
 * @module
 */

import { describe } from "../platform/_describe.ts";
import { thenOf } from "../platform/_then_of.ts";
import { withContext } from "../context/storage.ts";
import type { Context } from "../context/context.ts";
import { bindEmitter, isEventEmitter } from "../context/_bind_emitter.ts";
import type { Tracer } from "../trace/tracer.ts";
import { knownMethods, NO_HOST, recordAborted, recordError, recordStatus } from "./_semconv.ts";
import { startServerSpan } from "./_server_span.ts";
import { endByLibrary } from "../span/_library_end.ts";
import { denoNodeServerSpan } from "../platform/_deno_telemetry.ts";
import { queryRedaction, redactUrl } from "./_redact_query.ts";
import { checkOptions, resolveTracer } from "./_tracer.ts";
import { resolveMaxRecordedLength } from "./_recorded_length.ts";
import { peerOf } from "./_forwarded.ts";
import { markServed, servedNow } from "./_served_request.ts";
import { shareHandlerSpan, unshareHandlerSpan } from "./_handler_spans.ts";

/**
 * The parts of Node's `http.IncomingMessage` the instrumentation reads. Each
 * optional property takes `undefined` too, as Node's own types declare them,
 * so an `IncomingMessage` fits under `exactOptionalPropertyTypes`.
 */
export interface IncomingMessageLike {
  /** The request method. */
  method?: string | undefined;
  /** The request target, such as `/orders?id=7`. */
  url?: string | undefined;
  /** The request headers, names lower-cased. */
  headers: Record<string, string | string[] | undefined>;
  /** The HTTP version: `1.0`, `1.1`, or `2.0` (node:http2's compatibility API). */
  httpVersion?: string | undefined;
  /** The connection; `encrypted` is set on TLS sockets. */
  socket?:
    | {
      encrypted?: boolean | undefined;
      localPort?: number | undefined;
      remoteAddress?: string | undefined;
      remotePort?: number | undefined;
    }
    | null
    | undefined;
}

/** The parts of Node's `http.ServerResponse` the instrumentation uses. */
export interface ServerResponseLike {
  /** The status code sent, or to be sent. */
  statusCode: number;
  /** Whether the headers have been sent. */
  readonly headersSent?: boolean | undefined;
  /** Whether the whole response has been handed to the system (`finish` has been emitted). */
  readonly writableFinished?: boolean | undefined;
  /**
   * The error the response was destroyed with (`res.destroy(error)`, a
   * failed `pipeline`), read when it closes before it was sent.
   */
  readonly errored?: unknown;
  /**
   * Destroys the response. On a response with no `errored` property
   * (Deno's node:http), it is wrapped on this response to note the error
   * it is destroyed with; elsewhere it is left as it is.
   */
  destroy?: (...args: never[]) => unknown;
  /**
   * Sends the status line and headers. Where there is one, it is wrapped on
   * this response to note the status code that went out (`write` and `end`
   * call it too when the headers have not been sent).
   */
  writeHead?: (...args: never[]) => unknown;
  /** Subscribes to `finish` and `close`. */
  once(event: "finish" | "close", listener: () => void): unknown;
}

/** How {@linkcode traceRequestListener} traces requests. */
export interface TraceRequestListenerOptions {
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
}

/**
 * Wraps a Node `http.createServer` request listener so that each request
 * runs in a `server` span, with the same parent, name, attributes (each
 * string cut to `maxRecordedLength`) and current baggage as
 * {@linkcode traceHandler} gives (`client.address` the socket's
 * `remoteAddress` when no proxy forwarded one; `network.peer.address` and
 * `network.peer.port` the socket's `remoteAddress` and `remotePort` always;
 * no `server.address` or `server.port` for a request that names no host, with
 * no `Host` that parses, no `:authority`, no absolute target and no proxy's
 * header, as HTTP/1.0 clients may send it), and `network.protocol.version`. The span ends when the response emits
 * `finish` (it has been sent) or `close`. The span and baggage are current
 * in the listener, after its `await`s, and in the listeners it adds to
 * `req` and `res` (`data`, `end`, `finish`, `close`: `on`, `once` and the
 * rest are wrapped on each request and response, and `removeListener` still
 * removes them). The status code recorded is the
 * one sent with the headers (`res.writeHead` is wrapped on each response to
 * see it), not a `statusCode` set after them. A 5xx status, a throw or rejection
 * from the listener (passed on unchanged), or a `close` before `finish` (the
 * client went away first: `error.type` `aborted`, and no status code when
 * none was sent; the response destroyed with an error, as a failed
 * `pipeline` does: that error, from `res.errored`, or on a runtime that
 * keeps none there (Deno) from the call: `res.destroy` is wrapped on each
 * such response to see it) marks it as an error. A `traceRequestListener`
 * inside another, called with the same `req` (a listener traced by a library
 * and again by the app), starts no second span: it calls its listener in the
 * outer one's span, so each request has one server span. A Hono app's
 * `traceMiddleware` (`@codomyrmex/spans/hono`) served inside it through
 * `@hono/node-server`'s `getRequestListener(app.fetch)` (which gives the app
 * this `req` as `c.env.incoming`) starts no second span either: it names this
 * one by route, and the error behind a 5xx Hono's `onError` answered is
 * recorded here.
 *
 * @typeParam Req The request type (Node's `IncomingMessage`).
 * @typeParam Res The response type (Node's `ServerResponse`). Inside
 *   `createServer(traceRequestListener((req, res) => …))` TypeScript cannot
 *   infer it (`createServer`'s overloads leave nothing to infer it from),
 *   so `res` would have only the members of {@linkcode ServerResponseLike}:
 *   write `res: ServerResponse`.
 * @param listener The request listener.
 * @param options The tracer, which query parameters to redact, and the recorded length.
 * @returns The traced listener.
 * @throws {TypeError} When `listener` is not a function.
 * @throws {RangeError} When `maxRecordedLength` is out of range.
 *
 * @example
 * ```ts
 * import { InMemorySpanProcessor, Tracer } from "@codomyrmex/spans";
 * import { traceRequestListener } from "@codomyrmex/spans/node";
 * import { EventEmitter } from "node:events";
 * import assert from "node:assert/strict";
 *
 * const memory = new InMemorySpanProcessor();
 * const listener = traceRequestListener((_req, res: { statusCode: number } & EventEmitter) => {
 *   res.statusCode = 204;
 * }, { tracer: new Tracer({ processors: [memory] }) });
 *
 * const res = Object.assign(new EventEmitter(), { statusCode: 200 });
 * listener({ method: "DELETE", url: "/items/1", headers: { host: "localhost:8080" } }, res);
 * res.emit("finish");
 * const [span] = memory.spans;
 * assert.equal(span.name, "DELETE");
 * assert.equal(span.attributes["http.response.status_code"], 204);
 * assert.equal(span.attributes["server.port"], 8080);
 * ```
 */
export function traceRequestListener<
  Req extends IncomingMessageLike,
  Res extends ServerResponseLike,
>(
  listener: (req: Req, res: Res) => unknown,
  options?: TraceRequestListenerOptions,
): (req: Req, res: Res) => unknown {
  if (typeof listener !== "function") {
    throw new TypeError(
      `Cannot trace request listener: expected a function, got ${describe(listener)}`,
    );
  }
  checkOptions(options, "trace request listener", "traceRequestListener(listener, { tracer })");
  const tracerFor = resolveTracer(options?.tracer, "trace request listener");
  const redaction = queryRedaction(options?.redactQuery, "trace request listener");
  const maxRecordedLength = resolveMaxRecordedLength(
    options?.maxRecordedLength,
    "trace request listener",
  );
  const known = knownMethods();
  return function tracedListener(this: unknown, req: Req, res: Res): unknown {
    // This very request is already served by a traceRequestListener this one
    // runs inside (a listener traced by a library and again by the app): the
    // outer one traces it, and a second span would split it in two traces.
    if (servedNow(req)) return listener.call(this, req, res);
    let url: URL;
    let noHost: boolean;
    try {
      const scheme = req.socket?.encrypted ? "https" : "http";
      // An empty Host is what HTTP/1.1 clients send when the target has no
      // authority: it is absent, not a host; so is one that does not parse
      // (the request is still traced). Without one (HTTP/1.0, a raw client)
      // the request names no host: semconv takes server.address and
      // server.port from the proxies' headers, :authority or Host (or an
      // absolute target) and from nothing else, so they are left out, and
      // the path and query are read against a stand-in host never recorded.
      const host = firstValue(req.headers[":authority"]) || firstValue(req.headers.host);
      const origin = host ? originOf(`${scheme}://${host}`) : undefined;
      const base = origin ?? `${scheme}://${NO_HOST}`;
      const target = req.url ?? "/";
      // An origin-form target is a path on the Host: `//x/y` (or `/\\x/y`,
      // which URL parsing reads alike) is a path, so it is appended to the
      // origin, not resolved against it as a reference to host `x`.
      const originForm = target.startsWith("/");
      url = originForm ? new URL(base + target) : new URL(target, base);
      // An absolute-form target (`GET http://shop.example/ HTTP/1.0`) names its own host.
      noHost = origin === undefined && (originForm || !namesHost(target));
    } catch {
      return listener.call(this, req, res);
    }
    const { span, context: spanContext } = startServerSpan(
      tracerFor(),
      req.method,
      redactUrl(url, redaction),
      req.headers,
      firstValue(req.headers["user-agent"]),
      maxRecordedLength,
      known,
      // Deno's node:http server span (OTEL_DENO=true), which Deno does not make current.
      denoNodeServerSpan(res),
      { peer: peerOf(req.socket), httpVersion: req.httpVersion, noHost },
    );
    const context = markServed(spanContext, req);
    // A Hono traceMiddleware inside (the app served through
    // @hono/node-server's getRequestListener, which hands it this `req` as
    // `c.env.incoming`) takes this span over rather than start a second one.
    const handlerSpan = shareHandlerSpan(req, span);
    // The status code that went out: the one writeHead sent, on every
    // runtime's node:http also when write or end sent the headers. A
    // statusCode set afterwards is not sent, so it is not recorded.
    let sentStatus: number | undefined;
    const writeHead = res.writeHead;
    if (typeof writeHead === "function") {
      try {
        res.writeHead = function (this: Res, ...args: never[]): unknown {
          const result = writeHead.apply(this, args);
          try {
            if (sentStatus === undefined && this.headersSent === true) sentStatus = this.statusCode;
          } catch {
            // Unreadable: the status code is read when the response ends.
          }
          return result;
        };
      } catch {
        // A response that refuses it (frozen, a Proxy): its statusCode is
        // read when it ends, as before.
      }
    }
    // The error the response was destroyed with: Node and Bun keep it in
    // `res.errored`, Deno's node:http nowhere the listener can read (its
    // socket's `errored` has it, and has Deno's own `aborted` ECONNRESET
    // for a client gone, as an upstream reset has too): the call says it.
    // Only there: a response with `errored` is left as it is, so Node and Bun
    // see no own `destroy` on each response.
    let destroyedWith: unknown;
    const destroy = res.destroy;
    if (typeof destroy === "function" && !keepsErrored(res)) {
      try {
        res.destroy = function (this: Res, ...args: never[]): unknown {
          const error: unknown = args[0];
          if (destroyedWith === undefined && error !== null) destroyedWith = error;
          return destroy.apply(this, args);
        };
      } catch {
        // A response that refuses it: `errored` alone, as before.
      }
    }
    let ended = false;
    // How the response ended: `finish` (sent), `close` first (the connection
    // went before it was sent), or the listener threw.
    const end = (how: "finish" | "close" | "threw") => {
      if (ended) return;
      ended = true;
      try {
        const sent = how === "finish" || res.writableFinished === true;
        // A status code is recorded only when one went out.
        if (sent || res.headersSent === true) {
          const status = sentStatus ?? res.statusCode;
          recordStatus(span, status, "server");
          // The error behind a 5xx the application answered, as the middleware saw it.
          if (handlerSpan?.answered === true && status >= 500) recordError(span, handlerSpan.error);
        }
        if (!sent && how === "close") {
          // The server's own failure (`res.destroy(error)`, a failed
          // `pipeline`) closes the response too: it is that error, not a
          // client that went away.
          const errored = res.errored ?? destroyedWith;
          if (errored !== undefined && errored !== null) recordError(span, errored);
          else recordAborted(span);
        }
      } catch {
        // A response without a readable status still ends its span.
      }
      if (handlerSpan !== undefined) unshareHandlerSpan(req, handlerSpan);
      endByLibrary(span);
    };
    res.once("finish", () => end("finish"));
    res.once("close", () => end("close"));
    // node:http emits `data`, `end`, `finish` and `close` from the
    // connection's context (Node, Bun): the app's listeners are bound to
    // the request's, as OpenTelemetry's instrumentation binds them.
    bindListeners(req, context);
    bindListeners(res, context);
    let result: unknown;
    try {
      result = withContext(context, () => listener.call(this, req, res));
    } catch (error) {
      recordError(span, error);
      end("threw");
      throw error;
    }
    // A promise's rejection is recorded; any other value (node:http ignores
    // it) is returned as it is, even one whose `then` is no function.
    const then = thenOf(result);
    if (typeof then !== "function") return result;
    return (then as PromiseLike<unknown>["then"]).call(result, undefined, (error: unknown) => {
      recordError(span, error);
      end("threw");
      throw error;
    });
  };
}

/** Has the listeners added to `emitter` from now on run in `context`. */
function bindListeners(emitter: unknown, context: Context): void {
  try {
    if (!isEventEmitter(emitter)) return;
    bindEmitter(
      emitter,
      (listener) =>
        function (this: unknown, ...args: unknown[]): unknown {
          return withContext(context, () => listener.apply(this, args));
        },
      true,
    );
  } catch {
    // An emitter that cannot be patched keeps its listeners as they are.
  }
}

// Whether a request target that is no path is an absolute URL with a host.
function namesHost(target: string): boolean {
  try {
    return new URL(target).host !== "";
  } catch {
    return false;
  }
}

function originOf(url: string): string | undefined {
  try {
    return new URL(url).origin;
  } catch {
    return undefined;
  }
}

function firstValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

// Whether a response keeps the error it was destroyed with (`errored`, on
// Node's and Bun's node:http; Deno's has none).
function keepsErrored(res: object): boolean {
  try {
    return "errored" in res;
  } catch {
    return false;
  }
}
