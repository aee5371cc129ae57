// Internal: runs the viewer's handler on the runtime's own HTTP server:
// Deno.serve on Deno, Bun.serve on Bun, node:http on Node. The runtimes are
// found at run time; node:http is imported only on Node.

import type { IncomingMessage, ServerResponse } from "node:http";
import { concatBytes } from "../platform/_concat_bytes.ts";
import { MAX_BODY_BYTES } from "./_read_body.ts";
import type { Handler } from "./_handler.ts";

/** A listening server. */
export interface RunningServer {
  /** The port it listens on. */
  readonly port: number;
  /** Stops listening and closes open connections. */
  close(): Promise<void>;
}

interface DenoLike {
  serve(
    options: { hostname: string; port: number; onListen(): void },
    handler: Handler,
  ): { addr: { port: number }; shutdown(): Promise<void> };
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
 * @returns The running server.
 * @throws When the address cannot be listened on (a port in use).
 */
export function serve(handler: Handler, hostname: string, port: number): Promise<RunningServer> {
  const g = globalThis as { Deno?: DenoLike; Bun?: BunLike };
  if (typeof g.Deno?.serve === "function") return serveDeno(g.Deno, handler, hostname, port);
  if (typeof g.Bun?.serve === "function") return serveBun(g.Bun, handler, hostname, port);
  return serveNode(handler, hostname, port);
}

function serveDeno(
  deno: DenoLike,
  handler: Handler,
  hostname: string,
  port: number,
): Promise<RunningServer> {
  const server = deno.serve({ hostname, port, onListen() {} }, handler);
  let closing: Promise<void> | undefined;
  return Promise.resolve({
    port: server.addr.port,
    close: () => closing ??= server.shutdown(),
  });
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

async function serveNode(handler: Handler, hostname: string, port: number): Promise<RunningServer> {
  const { createServer } = await import("node:http");
  const server = createServer((req, res) => {
    handleNode(handler, hostname, req, res).catch(() => {
      // handleNode answers every failure itself; a broken socket is all that is left.
      res.destroy();
    });
  });
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

// node:http to the fetch-style handler. The body is read here, so a refused
// body is answered instead of cutting the connection. A body declared
// larger than MAX_BODY_BYTES is not read at all, and one that grows past it
// is read no further than its first MAX_BODY_BYTES + 1 bytes: either way
// the handler's body reader refuses it as on the other runtimes (413, in
// the request's format, with CORS), at once, and the connection is closed
// after the answer instead of taking in the rest.
async function handleNode(
  handler: Handler,
  hostname: string,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const method = req.method ?? "GET";
  const hasBody = method !== "GET" && method !== "HEAD";
  const declared = Number(req.headers["content-length"] ?? 0);
  const body = !hasBody || declared > MAX_BODY_BYTES
    ? new Uint8Array(0)
    : await readAtMost(req, MAX_BODY_BYTES + 1);
  const unread = hasBody && (declared > MAX_BODY_BYTES || body.byteLength > MAX_BODY_BYTES);
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(", ") : value);
  }
  let request: Request | undefined;
  try {
    request = new Request(`http://${req.headers.host ?? hostname}${req.url ?? "/"}`, {
      method,
      headers,
      body: hasBody ? body : undefined,
    });
  } catch {
    // A Host header or path that makes no URL.
  }
  const response = request === undefined
    ? Response.json({ error: "Cannot handle the request: its URL is malformed" }, { status: 400 })
    : await handler(request);
  const answer = response.body === null ? undefined : new Uint8Array(await response.arrayBuffer());
  const out = Object.fromEntries(response.headers);
  if (unread) out.connection = "close";
  res.writeHead(response.status, out);
  res.end(answer);
}

// The first `limit` bytes of the request's body (all of it when shorter);
// past them the request is paused and the rest is not read.
function readAtMost(req: IncomingMessage, limit: number): Promise<Uint8Array<ArrayBuffer>> {
  return new Promise((resolve, reject) => {
    const chunks: Uint8Array[] = [];
    let size = 0;
    const done = (error?: unknown) => {
      req.off("data", onData).off("end", done).off("error", done);
      if (error !== undefined) reject(error);
      else resolve(concatBytes(chunks));
    };
    const onData = (chunk: Uint8Array) => {
      const room = limit - size;
      chunks.push(chunk.byteLength <= room ? chunk : chunk.subarray(0, room));
      size += Math.min(chunk.byteLength, room);
      if (size >= limit) {
        req.pause();
        done();
      }
    };
    req.on("data", onData).on("end", done).on("error", done);
  });
}
