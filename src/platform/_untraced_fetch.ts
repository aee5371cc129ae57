// Internal: the fetch an exporter sends its requests with, untraced. With
// Deno's built-in OpenTelemetry tracing on (OTEL_DENO=true), Deno records
// a span for every `fetch` and node:http request, an exporter's own too,
// and cannot be told not to; it leaves plain sockets alone. There, a
// request goes as HTTP/1.1 over `Deno.connect` / `Deno.connectTls`.
// Everywhere else, and when a proxy is configured (which `fetch` honours
// and a plain socket cannot), it is the global `fetch`, looked up per call.

import { readEnv } from "./_env.ts";
import type { FetchFunction } from "./fetch_function.ts";
import { concatBytes } from "./_concat_bytes.ts";
import { denoTelemetry } from "./_deno_telemetry.ts";
import { warnOnce } from "./_warn.ts";

/** The parts of a Deno connection the plain-socket fetch uses. */
export interface Conn {
  read(buffer: Uint8Array): Promise<number | null>;
  write(bytes: Uint8Array): Promise<number>;
  close(): void;
}

/** The parts of `Deno` the plain-socket fetch uses. */
export interface DenoNet {
  connect(options: { hostname: string; port: number }): Promise<Conn>;
  connectTls(options: { hostname: string; port: number }): Promise<Conn>;
}

// Deno.connect takes only the first address a name resolves to. For
// "localhost" that may be ::1 while a collector (or the viewer, on
// 127.0.0.1 by default) listens on IPv4 only, or the reverse; fetch tries
// both, and so does this.
async function connectPlain(
  deno: DenoNet,
  target: { hostname: string; port: number },
): Promise<Conn> {
  if (target.hostname !== "localhost") return deno.connect(target);
  try {
    return await deno.connect(target);
  } catch (error) {
    for (const hostname of ["127.0.0.1", "::1"]) {
      try {
        return await deno.connect({ hostname, port: target.port });
      } catch {
        // The next address.
      }
    }
    throw error;
  }
}

/**
 * The most response bytes kept: the OTLP exporter's default body limit (4
 * MiB) and room for the head, so that a body over that limit is seen to be.
 */
const MAX_RESPONSE_BYTES = 4 * 1024 * 1024 + 64 * 1024;
const PROXY_VARIABLES = ["HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "ALL_PROXY"];

let chosen: FetchFunction | undefined;

/**
 * Sends one request the way an exporter should: not traced by this
 * library (exporters run with tracing suppressed) nor by the runtime.
 */
export const untracedFetch: FetchFunction = (input, init) => {
  chosen ??= choose();
  return chosen(input, init);
};

function choose(): FetchFunction {
  const deno = (globalThis as { Deno?: DenoNet }).Deno;
  const global: FetchFunction = (input, init) => fetch(input, init);
  if (denoTelemetry === undefined || typeof deno?.connect !== "function") return global;
  const proxy = PROXY_VARIABLES.find((name) => (readEnv(name) ?? "") !== "");
  if (proxy !== undefined) {
    warnOnce(
      "deno-otel-proxy",
      `${proxy} is set, so exports go through fetch, which Deno's built-in OpenTelemetry ` +
        "(OTEL_DENO=true) traces: its spans include this library's export requests.",
    );
    return global;
  }
  return (input, init) => socketFetch(deno, input, init);
}

/** Sends one HTTP/1.1 request over a plain socket; exported for its tests. */
export async function socketFetch(
  deno: DenoNet,
  input: string | URL | Request,
  init: RequestInit = {},
): Promise<Response> {
  const url = new URL(input instanceof Request ? input.url : String(input));
  const signal = init.signal ?? undefined;
  signal?.throwIfAborted();
  const tls = url.protocol === "https:";
  if (!tls && url.protocol !== "http:") {
    throw new TypeError(`Cannot send request: unsupported scheme ${url.protocol}`);
  }
  const body = init.body === undefined || init.body === null
    ? new Uint8Array(0)
    : new Uint8Array(await new Response(init.body).arrayBuffer());
  const headers = new Headers(init.headers);
  headers.set("host", url.host);
  headers.set("connection", "close");
  headers.set("content-length", String(body.length));
  headers.delete("transfer-encoding");
  let head = `${init.method ?? "GET"} ${url.pathname}${url.search} HTTP/1.1\r\n`;
  headers.forEach((value, name) => head += `${name}: ${value}\r\n`);
  const request = concatBytes([new TextEncoder().encode(`${head}\r\n`), body]);

  const target = { hostname: url.hostname.replace(/^\[(.*)\]$/, "$1"), port: Number(url.port) };
  if (!target.port) target.port = tls ? 443 : 80;
  const conn = await (tls ? deno.connectTls(target) : connectPlain(deno, target));
  const close = () => {
    try {
      conn.close();
    } catch {
      // Already closed.
    }
  };
  // The deadline may have passed while connecting: a listener added now
  // would never fire, and the request would still go out.
  if (signal?.aborted) {
    close();
    throw signal.reason;
  }
  signal?.addEventListener("abort", close, { once: true });
  try {
    for (let sent = 0; sent < request.length;) {
      sent += await conn.write(request.subarray(sent));
    }
    return await readResponse(conn);
  } catch (error) {
    if (signal?.aborted) throw signal.reason;
    throw error;
  } finally {
    signal?.removeEventListener("abort", close);
    close();
  }
}

/** Reads one HTTP/1.1 response: until its body is complete, or the peer closes. */
async function readResponse(conn: Conn): Promise<Response> {
  // Grown by doubling, so a long body is not copied once per read.
  let storage = new Uint8Array(16 * 1024);
  let length = 0;
  const buffer = new Uint8Array(16 * 1024);
  for (;;) {
    const parsed = parseResponse(storage.subarray(0, length), false);
    if (parsed !== undefined) return parsed;
    const n = await conn.read(buffer);
    if (n === null) break;
    if (length + n > storage.length) {
      const grown = new Uint8Array(Math.max(2 * storage.length, length + n));
      grown.set(storage.subarray(0, length));
      storage = grown;
    }
    storage.set(buffer.subarray(0, n), length);
    length += n;
    if (length > MAX_RESPONSE_BYTES) break;
  }
  const parsed = parseResponse(storage.subarray(0, length), true);
  if (parsed === undefined) throw new TypeError("Cannot read response: it ended early");
  return parsed;
}

const HEAD_END = [13, 10, 13, 10];

/**
 * The response in `bytes`, or `undefined` while it is incomplete. At the
 * end of the stream (`ended`), a body without a length is what arrived.
 */
function parseResponse(bytes: Uint8Array, ended: boolean): Response | undefined {
  let start = 0;
  for (;;) {
    const end = indexOf(bytes, HEAD_END, start);
    if (end === -1) return undefined;
    const lines = new TextDecoder().decode(bytes.subarray(start, end)).split("\r\n");
    const status = /^HTTP\/1\.[01] (\d{3})(?: (.*))?$/.exec(lines[0]);
    if (status === null) throw new TypeError(`Cannot read response: bad status line`);
    const code = Number(status[1]);
    const bodyStart = end + 4;
    // An interim response (100 Continue): the real one follows.
    if (code >= 100 && code < 200) {
      start = bodyStart;
      continue;
    }
    const headers = new Headers();
    for (const line of lines.slice(1)) {
      const colon = line.indexOf(":");
      if (colon > 0) headers.append(line.slice(0, colon).trim(), line.slice(colon + 1).trim());
    }
    let body: Uint8Array | undefined;
    const rest = bytes.subarray(bodyStart);
    if (code === 204 || code === 304) body = new Uint8Array(0);
    else if (/\bchunked\b/i.test(headers.get("transfer-encoding") ?? "")) body = unchunk(rest);
    else if (headers.has("content-length")) {
      const length = Number(headers.get("content-length"));
      if (rest.length >= length) body = rest.subarray(0, length);
    } else if (ended) body = rest;
    if (body === undefined) {
      if (ended) throw new TypeError("Cannot read response: it ended early");
      return undefined;
    }
    headers.delete("transfer-encoding");
    return new Response(code === 204 || code === 304 ? null : body as Uint8Array<ArrayBuffer>, {
      status: code,
      statusText: status[2] ?? "",
      headers,
    });
  }
}

/** A chunked body decoded, or `undefined` until its last chunk has arrived. */
function unchunk(bytes: Uint8Array): Uint8Array | undefined {
  const parts: Uint8Array[] = [];
  let at = 0;
  for (;;) {
    const lineEnd = indexOf(bytes, [13, 10], at);
    if (lineEnd === -1) return undefined;
    const size = parseInt(new TextDecoder().decode(bytes.subarray(at, lineEnd)), 16);
    if (Number.isNaN(size)) throw new TypeError("Cannot read response: bad chunk size");
    const dataStart = lineEnd + 2;
    if (size === 0) return concatBytes(parts);
    if (bytes.length < dataStart + size + 2) return undefined;
    parts.push(bytes.subarray(dataStart, dataStart + size));
    at = dataStart + size + 2;
  }
}

function indexOf(bytes: Uint8Array, pattern: readonly number[], from: number): number {
  outer: for (let i = from; i <= bytes.length - pattern.length; i++) {
    for (let j = 0; j < pattern.length; j++) if (bytes[i + j] !== pattern[j]) continue outer;
    return i;
  }
  return -1;
}
