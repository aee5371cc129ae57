// Internal: OpenTelemetry HTTP semantic conventions (stable, v1.2x) shared
// by the fetch, web-standard handler and node:http instrumentation.

import { readEnv } from "../platform/_env.ts";
import type { Span } from "../span/span.ts";
import { describeException } from "../span/_exception.ts";
import { defaultPort, type Forwarding, type Peer } from "./_forwarded.ts";

/** The methods an instrumentation records as they are; any other is `_OTHER`. */
export type KnownMethods = ReadonlySet<string>;

const KNOWN_METHODS: KnownMethods = new Set([
  "CONNECT",
  "DELETE",
  "GET",
  "HEAD",
  "OPTIONS",
  "PATCH",
  "POST",
  "PUT",
  "TRACE",
  "QUERY",
]);

// The methods fetch upper-cases before it sends them ("normalize a method").
const NORMALISED = new Set(["DELETE", "GET", "HEAD", "OPTIONS", "POST", "PUT"]);

// Whether this runtime's fetch upper-cases every method, not only those
// (Bun 1.4 sends `patch` as PATCH and `purge` as PURGE): asked of its
// Request once, as it loads. Not with `patch`, for which Node's fetch
// prints a warning.
const UPPERCASES_EVERY_METHOD = (() => {
  try {
    return new Request("http://localhost/", { method: "purge" }).method === "PURGE";
  } catch {
    return false;
  }
})();

/** A request's method as semconv records it, and the span name it gives. */
export interface MethodInfo {
  /** `http.request.method`: a known method, or `_OTHER`. */
  readonly method: string;
  /** `http.request.method_original`, when it differs. */
  readonly original?: string;
  /** The span name: the method, or `HTTP` for an unknown one. */
  readonly spanName: string;
}

/**
 * The known methods, as semconv asks an instrumentation to let them be
 * overridden: `OTEL_INSTRUMENTATION_HTTP_KNOWN_METHODS`, a comma-separated
 * list of case-sensitive methods that replaces the default list in full, or,
 * when it is unset, empty or not readable, the methods of RFC 9110, `PATCH`
 * and `QUERY`. Read when an instrumentation is made.
 */
export function knownMethods(): KnownMethods {
  const value = readEnv("OTEL_INSTRUMENTATION_HTTP_KNOWN_METHODS");
  if (value === undefined || value.trim() === "") return KNOWN_METHODS;
  return new Set(value.split(",").map((method) => method.trim()).filter((m) => m !== ""));
}

/**
 * Maps a raw method to its semconv attribute and span name. Methods are
 * case-sensitive: `sentByFetch` says `raw` is what a caller gave fetch,
 * which upper-cases `delete`, `get`, `head`, `options`, `post` and `put`
 * before it sends them (Bun's, every method); a server records the method as it came in (Deno.serve
 * passes a request line's `get` on as it is: `_OTHER`).
 */
export function methodInfo(
  raw: unknown,
  known: KnownMethods = KNOWN_METHODS,
  sentByFetch = false,
): MethodInfo {
  let method = typeof raw === "string" && raw !== "" ? raw : "GET";
  if (sentByFetch) {
    const upper = method.toUpperCase();
    if (UPPERCASES_EVERY_METHOD || NORMALISED.has(upper)) method = upper;
  }
  if (known.has(method)) return { method, spanName: method };
  return { method: "_OTHER", original: method, spanName: "HTTP" };
}

function hostOf(url: URL): string {
  const host = url.hostname;
  return host.startsWith("[") && host.endsWith("]") ? host.slice(1, -1) : host;
}

// The URL's port, else the default port of `protocol` (the URL's own, unless
// a proxy forwarded the scheme the client used).
function portOf(url: URL, protocol = url.protocol): number | undefined {
  return url.port === "" ? defaultPort(protocol) : Number(url.port);
}

/**
 * `url.full` without credentials, which semconv forbids recording: "the
 * attribute's value SHOULD be `https://REDACTED:REDACTED@www.example.com/`",
 * a user name alone too, so the value says nothing of whether there was a
 * password.
 */
function fullUrl(url: URL): string {
  if (url.username === "" && url.password === "") return url.href;
  const copy = new URL(url.href);
  copy.username = "REDACTED";
  copy.password = "REDACTED";
  return copy.href;
}

function setMethod(attributes: Record<string, string | number>, info: MethodInfo): void {
  attributes["http.request.method"] = info.method;
  if (info.original !== undefined) attributes["http.request.method_original"] = info.original;
}

/** Attributes of a client span, known before the request is sent. */
export function clientAttributes(info: MethodInfo, url: URL): Record<string, string | number> {
  const attributes: Record<string, string | number> = {};
  setMethod(attributes, info);
  attributes["url.full"] = fullUrl(url);
  attributes["server.address"] = hostOf(url);
  const port = portOf(url);
  if (port !== undefined) attributes["server.port"] = port;
  return attributes;
}

/**
 * The host the URL of a request that names none is read against: a name
 * reserved never to resolve (RFC 6761), never recorded.
 */
export const NO_HOST = "no-host.invalid";

/** What a server knows of a request besides its method, URL and user agent. */
export interface ServerRequestInfo {
  /** What the proxies say about the original request (`readForwarding`). */
  readonly forwarding?: Forwarding;
  /** The connection's peer (`peerOf`). */
  readonly peer?: Peer;
  /** The HTTP version, as node:http gives it (`1.1`, `2.0`). */
  readonly httpVersion?: unknown;
  /**
   * Whether the request named no host (no `:authority` or `Host` that
   * parses, and no absolute target: HTTP/1.0, a raw client): the URL's host
   * is a stand-in, so `server.address` and `server.port` come from the
   * proxies' headers or are left out.
   */
  readonly noHost?: boolean;
  /** The route the handler serves (`http.route`), as its application names it. */
  readonly route?: string;
}

/**
 * Attributes of a server span, known when the request arrives. A host,
 * scheme or client the proxies forwarded comes before the request's own, as
 * semconv asks (a Host without a port is on the forwarded scheme's
 * default); `client.address` is otherwise the peer. A request that names no
 * host (`noHost`) has no `server.address` or `server.port` unless a proxy
 * forwarded one. The peer itself,
 * forwarded or not, is `network.peer.address` and `network.peer.port`.
 */
export function serverAttributes(
  info: MethodInfo,
  url: URL,
  userAgent: string | null | undefined,
  request?: ServerRequestInfo,
): Record<string, string | number> {
  const attributes: Record<string, string | number> = {};
  setMethod(attributes, info);
  const forwarding = request?.forwarding;
  attributes["url.path"] = url.pathname;
  if (url.search.length > 1) attributes["url.query"] = url.search.slice(1);
  const scheme = forwarding?.scheme ?? url.protocol.slice(0, -1);
  attributes["url.scheme"] = scheme;
  // A request that names no host has none to record: semconv gives no
  // other source (not the socket's own address or port).
  if (forwarding?.address !== undefined || request?.noHost !== true) {
    // A Host without a port means the default port of the scheme the client
    // used, which a proxy that ended TLS forwards as its proto; a port the
    // Host names is that port, even the request URL's scheme's default.
    const port = forwarding?.address !== undefined
      ? forwarding.port
      : forwarding?.hostPort ?? portOf(url, `${scheme}:`);
    attributes["server.address"] = forwarding?.address ?? hostOf(url);
    if (port !== undefined) attributes["server.port"] = port;
  }
  const peer = request?.peer;
  const client = forwarding?.client ?? peer?.address;
  if (client !== undefined) attributes["client.address"] = client;
  if (peer?.address !== undefined) {
    attributes["network.peer.address"] = peer.address;
    if (peer.port !== undefined) attributes["network.peer.port"] = peer.port;
  }
  const version = protocolVersion(request?.httpVersion);
  if (version !== undefined) attributes["network.protocol.version"] = version;
  if (typeof userAgent === "string" && userAgent !== "") {
    attributes["user_agent.original"] = userAgent;
  }
  if (request?.route !== undefined) attributes["http.route"] = request.route;
  return attributes;
}

// node:http's `1.0`, `1.1`, `2.0` as semconv writes them: `1.0`, `1.1`, `2`.
function protocolVersion(value: unknown): string | undefined {
  if (typeof value !== "string" || !/^\d\.\d$/.test(value)) return undefined;
  return value.endsWith(".0") && value !== "1.0" ? value.slice(0, -2) : value;
}

/**
 * Records the response status. A client span is an error from 400 up, a
 * server span from 500 up, as semconv says. Like every record below, it
 * leaves alone a span the application ended first: the change would be
 * ignored, and debug mode would report it as the application's.
 */
export function recordStatus(span: Span, status: number, kind: "client" | "server"): void {
  if (span.ended) return;
  span.setAttribute("http.response.status_code", status);
  if (status >= (kind === "client" ? 400 : 500)) {
    span.setAttribute("error.type", String(status));
    span.setStatus("error");
  }
}

/**
 * Records a thrown error or network failure: an exception event, the error
 * status and `error.type`. With `scrub`, the exception's message and stack
 * trace are recorded as it rewrites them (see `urlScrubber`), and so is the
 * status description, which `recordException` takes from the message it is
 * given.
 */
export function recordError(
  span: Span,
  error: unknown,
  scrub?: (text: string) => string,
): void {
  if (span.ended) return;
  let type = "_OTHER";
  try {
    const name = (error as { name?: unknown })?.name;
    if (typeof name === "string" && name !== "") type = name;
  } catch {
    // A hostile error object still gets recorded.
  }
  span.setAttribute("error.type", type);
  if (scrub === undefined) {
    span.recordException(error);
    return;
  }
  const fields = describeException(error);
  const scrubbed: Record<string, string> = {};
  if (fields.message !== undefined) scrubbed["exception.message"] = scrub(fields.message);
  if (fields.stacktrace !== undefined) scrubbed["exception.stacktrace"] = scrub(fields.stacktrace);
  span.recordException(error, scrubbed);
}

/**
 * Records that the client went away before the response was complete: an
 * error status and `error.type` `aborted`.
 */
/**
 * Records a handler's answer that is no response (nothing, or
 * `Response.error()`, whose status is 0): the server sends an error of its
 * own (Deno and Bun a 500), so the request failed, with no status code the
 * handler chose. `error.type` is semconv's fallback, `_OTHER`.
 */
export function recordNoResponse(span: Span, answer: unknown): void {
  if (span.ended) return;
  span.setAttribute("error.type", "_OTHER");
  span.setStatus(
    "error",
    answer instanceof Response
      ? "the handler answered Response.error(), a network error"
      : "the handler answered no Response",
  );
}

export function recordAborted(span: Span): void {
  if (span.ended) return;
  span.setAttribute("error.type", "aborted");
  span.setStatus("error", "the client went away before the response was complete");
}
