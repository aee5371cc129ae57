// Internal: the request a server span serves, marked in the context its
// handler runs in, so that a second instrumentation of the very same request
// inside the first (a framework's handler that a library traces and the app
// traces again: `traceHandler(traceHandler(h))`, one `traceRequestListener`
// inside another, `traceHandler` inside Hono's `traceMiddleware`) passes it
// on instead of starting a second server span, the root of a trace of its
// own: one request, one server span.
//
// A request is known by its object: the `Request`, or node:http's
// `IncomingMessage`. A clone, or a `Request` built from it (`new Request(url,
// request)`), is another object and is traced as a request of its own: a
// handler may make requests of its own from the one it serves (a batch
// endpoint's parts, an internal route), and nothing tells those from a copy.
//
// The context keeps a token for the request, not the request itself, so a
// context that outlives its request (a timer the handler started) keeps no
// request alive.

import type { Context } from "../context/context.ts";
import { getCurrentContext } from "../context/storage.ts";
import { newestKeyOf } from "../context/_newest_key.ts";
import { HEADERS_WRITTEN_KEY } from "../context/_host_context.ts";

const SERVED_REQUEST_KEY: unique symbol = Symbol("@codomyrmex/spans.served-request");

// Each request's token, made the first time a server span serves it.
const tokens = new WeakMap<object, object>();

/** `context`, marked as serving `request`. */
export function markServed(context: Context, request: unknown): Context {
  if (typeof request !== "object" || request === null) return context;
  let token = tokens.get(request);
  if (token === undefined) {
    token = {};
    tokens.set(request, token);
  }
  return context.setValue(SERVED_REQUEST_KEY, token);
}

/**
 * Whether the code running now is a server span's handler for this very
 * `request` (the nearest one up the context). Not where a traced fetch
 * handed it on since (an in-process server that a fetch calls): that is a
 * new hop, with a server span of its own under the fetch's client span.
 * Not for the same request handled twice side by side: neither runs inside
 * the other.
 */
export function servedNow(request: unknown): boolean {
  // A WeakMap answers undefined for a non-object key too.
  const token = tokens.get(request as object);
  return token !== undefined && servedToken(getCurrentContext()) === token;
}

/**
 * Whether the code running in `context` is a server span's handler, for
 * whichever request, with no traced fetch since: a request served here is
 * one that handler dispatched in this process (a `Request` it built, a
 * framework's sub-app), not one from the network.
 */
export function servingIn(context: Context): boolean {
  return servedToken(context) !== undefined;
}

// The token of the request the nearest server span up `context` serves,
// unless a traced fetch has handed the work on since (its headers were
// written after).
function servedToken(context: Context): unknown {
  const token = context.getValue(SERVED_REQUEST_KEY);
  return token !== undefined &&
      newestKeyOf(context, SERVED_REQUEST_KEY, HEADERS_WRITTEN_KEY) === SERVED_REQUEST_KEY
    ? token
    : undefined;
}
