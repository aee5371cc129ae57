// Internal: what every server instrumentation does with an incoming
// request: read the remote parent and baggage, start the server span, and
// build the context the handler runs in.

import type { Context } from "../context/context.ts";
import { getCurrentContext, withContext } from "../context/storage.ts";
import { HEADERS_WRITTEN_KEY, serverParent } from "../context/_host_context.ts";
import { FETCH_CALL_KEY, SUPPRESS_TRACING_KEY } from "../context/_suppress_key.ts";
import { SPAN_KEY } from "../context/current_span.ts";
import type { Span } from "../span/span.ts";
import type { SpanContext } from "../span/span_context.ts";
import type { Tracer } from "../trace/tracer.ts";
import { BAGGAGE_KEY } from "../propagation/baggage_context.ts";
import type { HeaderCarrier } from "../propagation/carrier.ts";
import { extractBaggage, extractContext } from "../propagation/propagation.ts";
import {
  type KnownMethods,
  methodInfo,
  serverAttributes,
  type ServerRequestInfo,
} from "./_semconv.ts";
import { capRecorded } from "./_recorded_length.ts";
import { servingIn } from "./_served_request.ts";
import { readForwarding } from "./_forwarded.ts";

/** A started server span and the context to run the handler in. */
export interface ServerSpan {
  readonly span: Span;
  readonly context: Context;
}

/**
 * Starts the server span for a request: a child of the host's own server
 * span for the request when there is one (`hostServerSpan`, see
 * serverParent); under another instrumentation's open server span, or for
 * a `Request` (`dispatchable`) served inside a handler of this library's
 * (one it dispatched in this process), a child of the current span; else of
 * the remote parent, or a new trace when there is none (never a child of
 * any other span current in the server's own code). See parentOf.
 * Recorded strings are cut to `maxRecordedLength`; a method not in `known`
 * (default: semconv's list) is `_OTHER`. The proxies' `Forwarded` and
 * `X-Forwarded-*` headers come before the URL's host and scheme, and before
 * `connection.peer` for `client.address`; `connection.peer` is always
 * `network.peer.address` and `network.peer.port`. A `connection.route`
 * names the span `{method} {route}`, with `http.route`.
 */
export function startServerSpan(
  tracer: Tracer,
  method: unknown,
  url: URL,
  headers: HeaderCarrier,
  userAgent: string | null | undefined,
  maxRecordedLength: number,
  known?: KnownMethods,
  hostServerSpan?: unknown,
  connection?: Omit<ServerRequestInfo, "forwarding">,
  dispatchable = false,
): ServerSpan {
  const info = methodInfo(method, known);
  let current = getCurrentContext();
  const forwarding = readForwarding(headers, maxRecordedLength);
  const route = connection?.route;
  const start = () =>
    // Named by its route from the start, so a sampler sees what semconv
    // names a server span: `{method} {http.route}`.
    tracer.startSpan(route === undefined ? info.spanName : `${info.spanName} ${route}`, {
      kind: "server",
      parent: parentOf(current, extractContext(headers), hostServerSpan, dispatchable),
      attributes: capRecorded(
        serverAttributes(info, url, userAgent, { ...connection, forwarding }),
        maxRecordedLength,
        url.href.length > maxRecordedLength || forwarding.fromLongSource,
      ),
    });
  let span: Span;
  if (current.getValue(FETCH_CALL_KEY) === true) {
    // A traced fetch in this process handed the request straight to this
    // handler: the suppression it set was for the network call, not for the
    // request this server now handles (see _suppress_key.ts).
    current = current.deleteValue(FETCH_CALL_KEY).deleteValue(SUPPRESS_TRACING_KEY)
      .deleteValue(HEADERS_WRITTEN_KEY);
    span = withContext(current, start);
  } else {
    span = start();
  }
  ownServerSpans.add(span);
  const context = current
    .setValue(SPAN_KEY, span)
    .setValue(BAGGAGE_KEY, extractBaggage(headers));
  return { span, context };
}

// The server spans this library's instrumentations started, to tell them
// from another instrumentation's (parentOf).
const ownServerSpans = new WeakSet<Span>();

// A server span's parent, when the host has none for it (serverParent).
//
// Another instrumentation's server span, open and current where this one
// starts (`@opentelemetry/instrumentation-http`'s around a node:http
// listener, `@hono/otel`'s, made through ./otel's TracerProvider): it traces
// this very request, or one that dispatched it, and this span is its child.
// From the headers alone this span was the root of a second trace for the
// request (or, with a traceparent, that span's sibling).
//
// A `Request` served inside a server span's handler of this library, that
// span's work still open, was dispatched by it in this process (a Request it
// built, a sub-app Hono mounted, the app a node:http listener builds a
// Request for): its span joins that trace under the current span, where its
// headers alone (none, or the outer request's own traceparent copied) made
// it the root of a trace of its own, or the outer span's sibling. A request
// from a socket is no dispatch, though a server made inside a handler serves
// its requests in the context it was made in (node:http on Node and Bun,
// Bun.serve): a node:http request always comes from one, and Bun.serve's own
// requests are known (_request_span.ts), so neither is `dispatchable`.
// Deno.serve serves each in a fresh context.
//
// Either way a traceparent of another trace is kept (the handler chose it,
// or the other instrumentation started a trace of its own), and a span that
// has ended is not taken.
function parentOf(
  current: Context,
  remote: SpanContext | undefined,
  hostServerSpan: unknown,
  dispatchable: boolean,
): Span | SpanContext | null {
  const parent = serverParent(current, remote, hostServerSpan);
  if (parent !== remote) return parent ?? null;
  const span = current.getValue(SPAN_KEY) as Span | undefined;
  if (span === undefined || span.ended) return parent ?? null;
  const foreignServer = span.kind === "server" && !ownServerSpans.has(span);
  if (!foreignServer && !(dispatchable && servingIn(current))) return parent ?? null;
  if (remote !== undefined && remote.traceId !== span.context.traceId) return remote;
  return span;
}
