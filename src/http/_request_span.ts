// Internal: the server span for a web-standard Request, as traceHandler and
// the Hono middleware start it: the URL parsed and its query redacted, then
// startServerSpan with the request's method, headers and user agent.

import type { Tracer } from "../trace/tracer.ts";
import { type QueryRedaction, redactUrl } from "./_redact_query.ts";
import { type ServerSpan, startServerSpan } from "./_server_span.ts";
import { type KnownMethods, NO_HOST } from "./_semconv.ts";
import { isBunServer, type Peer, peerOf } from "./_forwarded.ts";
import { markServed } from "./_served_request.ts";
import { nodeIncomingOf } from "./_node_incoming.ts";

/**
 * Starts the server span for `request`, or returns `undefined` when its URL
 * does not parse (the request then goes on untraced).
 *
 * @param tracer The tracer for this request.
 * @param request The incoming request.
 * @param redaction The query parameters whose values are redacted.
 * @param maxRecordedLength The most characters kept of each recorded string.
 * @param known The known methods (`knownMethods()`).
 * @param server The server's extra argument (Deno's `info`, Bun's server, `@hono/node-server`'s
 *   env), for the connection's peer and HTTP version.
 * @param route The route the handler serves, which names the span, if its application says.
 * @returns The span and the context to run the handler in, marked as serving `request`.
 */
export function startRequestSpan(
  tracer: Tracer,
  request: Request,
  redaction: QueryRedaction,
  maxRecordedLength: number,
  known?: KnownMethods,
  server?: unknown,
  route?: string,
): ServerSpan | undefined {
  let url: URL;
  let noHost = false;
  try {
    // Read once: a request-like object's getter may throw, or change.
    const raw: unknown = request.url;
    if (typeof raw === "string" && raw.startsWith("/")) {
      // Bun.serve gives a request that names no host (HTTP/1.0 with no
      // Host header) its path alone as its url. Its path and query are read
      // against a stand-in host, never recorded, as traceRequestListener
      // reads such a request: it is traced, with no server.address.
      url = new URL(`${schemeOf(server)}://${NO_HOST}${raw}`);
      noHost = true;
    } else {
      url = new URL(raw as string);
    }
  } catch {
    return undefined;
  }
  // Read once each, as a getter may throw or change.
  const incoming = nodeIncomingOf(server);
  let socket: unknown;
  let httpVersion: unknown;
  try {
    socket = incoming?.socket;
    httpVersion = incoming?.httpVersion;
  } catch {
    // A request whose fields throw tells nothing of its connection.
  }
  const peer = incoming === undefined ? peerOf(server, request) : peerOf(socket);
  const { span, context } = startServerSpan(
    tracer,
    request.method,
    redactUrl(url, redaction),
    request.headers,
    request.headers.get("user-agent"),
    maxRecordedLength,
    known,
    undefined,
    { peer, httpVersion, noHost, route },
    // Still dispatchable with @hono/node-server's env: an app the served one
    // mounts is handed that same env, and stays in the outer request's trace.
    !fromBunSocket(server, peer),
  );
  // A traceHandler inside, given this same Request, passes it on.
  return { span, context: markServed(context, request) };
}

// The scheme Bun's server listens with (its `url`), for a request whose url
// is a path alone: "http" unless it says otherwise.
function schemeOf(server: unknown): string {
  try {
    return (server as { url?: { protocol?: unknown } } | null | undefined)?.url?.protocol ===
        "https:"
      ? "https"
      : "http";
  } catch {
    return "http";
  }
}

// Whether Bun.serve received this very request from a client: its server
// knows its own requests (requestIP answers null for one built or cloned).
// Such a request was dispatched by no handler, though Bun.serve runs its
// handler in the context it was called in: a server made inside a handler
// would otherwise have its requests join that handler's trace.
function fromBunSocket(server: unknown, peer: Peer): boolean {
  return peer.address !== undefined && isBunServer(server);
}
