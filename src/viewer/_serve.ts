// Internal: runs the viewer's handler on the runtime's own HTTP server:
// Bun.serve on Bun, node:http on Node and on Deno. The runtimes are found
// at run time; node:http is imported only off Bun.
//
// Not Deno.serve on Deno: it can neither close a connection after an answer
// (it ignores a Connection: close the handler sets, and has no other way)
// nor bound how long a client takes to send its headers, so a client that
// sent half a header, or whose body the viewer refused, held its connection
// for as long as it liked. Deno's node:http closes after Connection: close
// and hands over each socket, though it keeps neither headersTimeout nor
// requestTimeout: the deadlines here are the viewer's own, the same on Node.

import type { IncomingMessage, ServerResponse } from "node:http";
import type { Socket } from "node:net";
import type { Handler } from "./_handler.ts";
import { HeaderDeadlines } from "./_header_deadlines.ts";
import { NodeBody } from "./_node_body.ts";

/**
 * The longest a client may take to send a request's headers, from when it
 * connects or was last answered: one minute, node:http's `headersTimeout`
 * default. Past it the connection is closed.
 */
export const HEADERS_TIMEOUT_MS: number = 60_000;

/**
 * Internal: a `startViewer` option, by this key only, for a shorter
 * {@linkcode HEADERS_TIMEOUT_MS}, so tests need not wait a minute. Not part
 * of the public options.
 */
export const HEADERS_TIMEOUT_OPTION: unique symbol = Symbol(
  "@codomyrmex/spans.viewer.headersTimeoutMs",
);

/** A listening server. */
export interface RunningServer {
  /** The port it listens on. */
  readonly port: number;
  /** Stops listening and closes open connections. */
  close(): Promise<void>;
}

interface BunLike {
  serve(options: {
    hostname: string;
    port: number;
    fetch: Handler;
    maxRequestBodySize: number;
  }): { port: number; stop(closeActiveConnections?: boolean): Promise<void> | void };
}

/**
 * Serves `handler` on `hostname:port` (0 picks a free port).
 *
 * @param handler The viewer's handler.
 * @param hostname The address to listen on.
 * @param port The port.
 * @param headersTimeoutMs The longest a request's headers may take to
 *   arrive (node:http only: Bun.serve closes a connection idle for ten
 *   seconds itself).
 * @returns The running server.
 * @throws When the address cannot be listened on (a port in use).
 */
export function serve(
  handler: Handler,
  hostname: string,
  port: number,
  headersTimeoutMs: number = HEADERS_TIMEOUT_MS,
): Promise<RunningServer> {
  const g = globalThis as { Bun?: BunLike };
  if (typeof g.Bun?.serve === "function") return serveBun(g.Bun, handler, hostname, port);
  return serveNode(handler, hostname, port, headersTimeoutMs);
}

function serveBun(
  bun: BunLike,
  handler: Handler,
  hostname: string,
  port: number,
): Promise<RunningServer> {
  // Bun's own refusal past maxRequestBodySize is a 413 with an empty body
  // and no CORS header. Bun streams request bodies to the handler, so its
  // limit is lifted and the handler's body reader enforces ours, before and
  // after decompression, answering in the request's format.
  const server = bun.serve({
    hostname,
    port,
    fetch: handler,
    maxRequestBodySize: Number.MAX_SAFE_INTEGER,
  });
  let closing: Promise<void> | undefined;
  return Promise.resolve({
    port: server.port,
    close: () => closing ??= Promise.resolve(server.stop(true)),
  });
}

async function serveNode(
  handler: Handler,
  hostname: string,
  port: number,
  headersTimeoutMs: number,
): Promise<RunningServer> {
  const { createServer } = await import("node:http");
  const deadlines = new HeaderDeadlines(headersTimeoutMs);
  // node:http's own body deadline (requestTimeout, five minutes from the
  // headers) is off: the handler's body reader keeps the same bound from
  // when it starts reading, and answers it with an OTLP 408, where
  // node:http's would come first with a bare one. Headers keep theirs too.
  const server = createServer({ requestTimeout: 0 }, (req, res) => {
    deadlines.requestStarted(req.socket);
    res.once("close", () => deadlines.requestEnded(req.socket));
    handleNode(handler, hostname, req, res).catch(() => {
      // handleNode answers every failure itself; a broken socket is all that is left.
      res.destroy();
    });
  });
  server.on("connection", (socket: Socket) => deadlines.connected(socket));
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, hostname, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const address = server.address();
  let closing: Promise<void> | undefined;
  return {
    port: typeof address === "object" && address !== null ? address.port : port,
    close: () =>
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

// node:http to the fetch-style handler. The body goes to the handler as a
// stream, read as the handler reads it, so its body reader bounds it as on
// Bun (the size limit, before and after decompression, and the deadline):
// node:http's requestTimeout bounds nothing on Deno. A body the handler did
// not read to its end (refused, too slow, or not wanted) is left unread,
// and the connection is closed after the answer instead of taking in the
// rest.
async function handleNode(
  handler: Handler,
  hostname: string,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const method = req.method ?? "GET";
  const body = method === "GET" || method === "HEAD" || !hasBody(req)
    ? undefined
    : new NodeBody(req);
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(", ") : value);
  }
  let request: Request | undefined;
  try {
    request = new Request(`http://${req.headers.host ?? hostname}${req.url ?? "/"}`, {
      method,
      headers,
      body: body?.stream,
      duplex: "half",
    } as RequestInit);
  } catch {
    // A Host header or path that makes no URL.
  }
  const response = request === undefined
    ? Response.json({ error: "Cannot handle the request: its URL is malformed" }, { status: 400 })
    : await handler(request);
  const answer = response.body === null ? undefined : new Uint8Array(await response.arrayBuffer());
  const out = Object.fromEntries(response.headers);
  if (answer !== undefined) out["content-length"] = String(answer.byteLength);
  if (body === undefined || body.ended) {
    res.writeHead(response.status, out);
    res.end(answer);
    return;
  }
  out.connection = "close";
  res.writeHead(response.status, out);
  if (answer !== undefined) res.write(answer);
  // Closing a socket with bytes it has not read makes the kernel reset the
  // connection, and a client still sending loses the answer it was sent:
  // what else comes is taken in and dropped, for a bounded time, first.
  await body.drain(LINGER_MS);
  res.end();
}

// Whether the request's headers frame a body: HTTP/1.1 has none without
// Transfer-Encoding or a Content-Length, and a Content-Length of 0 is none.
// One with no body is never "left unread": a CORS preflight, a DELETE, an
// empty POST keep their connection.
function hasBody(req: IncomingMessage): boolean {
  const length = req.headers["content-length"];
  return req.headers["transfer-encoding"] !== undefined ||
    (length !== undefined && length.trim() !== "0");
}

// The longest the rest of a refused body is taken in and dropped, after
// the answer, before the connection is closed.
const LINGER_MS = 2_000;
