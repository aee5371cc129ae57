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
  const server = createServer((req, res) => {
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

// Each connection has headersTimeoutMs for a request's headers, from when
// it opens and again from each answer, while no request of it is being
// handled; past that it is closed. An idle keep-alive connection counts as
// one whose next headers are late.
class HeaderDeadlines {
  readonly #timeoutMs: number;
  readonly #timers = new Map<Socket, ReturnType<typeof setTimeout>>();
  readonly #handling = new Map<Socket, number>();

  constructor(timeoutMs: number) {
    this.#timeoutMs = timeoutMs;
  }

  connected(socket: Socket): void {
    this.#arm(socket);
    socket.once("close", () => {
      this.#disarm(socket);
      this.#handling.delete(socket);
    });
  }

  requestStarted(socket: Socket): void {
    this.#disarm(socket);
    this.#handling.set(socket, (this.#handling.get(socket) ?? 0) + 1);
  }

  requestEnded(socket: Socket): void {
    if (socket.destroyed) {
      this.#handling.delete(socket);
      return;
    }
    const left = (this.#handling.get(socket) ?? 1) - 1;
    this.#handling.set(socket, left);
    if (left === 0) this.#arm(socket);
  }

  #arm(socket: Socket): void {
    this.#disarm(socket);
    this.#timers.set(socket, setTimeout(() => socket.destroy(), this.#timeoutMs));
  }

  #disarm(socket: Socket): void {
    clearTimeout(this.#timers.get(socket));
    this.#timers.delete(socket);
  }
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
  const body = method === "GET" || method === "HEAD" ? undefined : new NodeBody(req);
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

// The longest the rest of a refused body is taken in and dropped, after
// the answer, before the connection is closed.
const LINGER_MS = 2_000;

// A request's body as a web stream, taken from the socket only as it is
// read: nothing more comes in once the reader cancels or the answer is sent.
class NodeBody {
  readonly stream: ReadableStream<Uint8Array>;
  /** Whether the whole body came. */
  ended = false;
  #stop: () => void = () => {};

  readonly #req: IncomingMessage;

  constructor(req: IncomingMessage) {
    this.#req = req;
    req.pause();
    this.stream = new ReadableStream<Uint8Array>({
      start: (controller) => {
        const onData = (chunk: Uint8Array) => {
          controller.enqueue(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
          if ((controller.desiredSize ?? 0) <= 0) req.pause();
        };
        const onEnd = () => {
          this.ended = true;
          this.#stop();
          controller.close();
        };
        // A client gone mid-body: the reader is told, not left waiting.
        const onGone = () => {
          this.#stop();
          controller.error(new Error("the client closed the connection"));
        };
        req.on("data", onData).once("end", onEnd).once("close", onGone);
        this.#stop = () => {
          req.pause();
          req.off("data", onData).off("end", onEnd).off("close", onGone);
        };
      },
      pull: () => {
        req.resume();
      },
      cancel: () => this.stop(),
    }, { highWaterMark: 64 * 1024, size: (chunk) => chunk.byteLength });
    // node:http reports a client gone mid-body as an error too; the close
    // that follows is what the reader sees.
    req.on("error", () => {});
  }

  /** Takes in no more of the body for its reader. */
  stop(): void {
    this.#stop();
  }

  /**
   * Takes in and drops the rest of the body, until it ends, the client
   * goes, or `timeoutMs` passes.
   */
  drain(timeoutMs: number): Promise<void> {
    this.#stop();
    const req = this.#req;
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        req.off("data", drop).off("end", done).off("close", done);
        resolve();
      };
      const drop = () => {};
      const timer = setTimeout(done, timeoutMs);
      req.on("data", drop).once("end", done).once("close", done);
      req.resume();
    });
  }
}
