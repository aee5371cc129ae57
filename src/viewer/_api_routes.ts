// Internal: the viewer's JSON API, read by its page and open to scripts.
//   GET /api/traces?service=&name=&minDurationMs=&error=&limit=
//       recent traces, newest first (TraceSummary[])
//   GET /api/traces/{traceId}
//       every span of the trace, as Span.toJSON() plus service, resource and
//       scope; 404 when the trace is not held. Answers 304 to a matching
//       If-None-Match, so the page can poll a trace cheaply; HEAD says
//       whether the trace is held.
//   GET /api/services   the services with spans held, sorted
//   GET /api/stats      { spans, traces, rejected, evicted, version }

import { SAFE_HEADERS } from "./_response_headers.ts";
import type { TraceFilter, TraceStore } from "./_trace_store.ts";

/** The most traces one list request returns. */
export const MAX_LIST_LIMIT = 1000;
const DEFAULT_LIST_LIMIT = 100;

const JSON_HEADERS = {
  ...SAFE_HEADERS,
  "content-type": "application/json; charset=utf-8",
};

/** A JSON response. */
export function json(value: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(value), {
    status,
    headers: { ...JSON_HEADERS, ...headers },
  });
}

/** A JSON error response: `{ "error": message }`. */
export function jsonError(status: number, message: string): Response {
  return json({ error: message }, status);
}

const TRACE_PATH = /^\/api\/traces\/([0-9a-fA-F]{32})$/;

/**
 * The most a trace's JSON may be, in characters: 128 Mi. Each span carries
 * its resource and scope in full, so spans that share a large one (a 10 MB
 * attribute on a resource of 1,000 spans, one request) would make gigabytes
 * of it, held at once, and a string no runtime can hold.
 */
export const MAX_TRACE_JSON_CHARS: number = 128 * 1024 * 1024;

// The spans as a JSON array, or undefined once it passes `limit`
// characters: one span at a time, so no more than the limit and a span is
// made.
export function spansJson(spans: readonly unknown[], limit: number): string | undefined {
  const parts: string[] = [];
  let length = 2;
  for (const span of spans) {
    const text = JSON.stringify(span);
    length += text.length + 1;
    if (length > limit) return undefined;
    parts.push(text);
  }
  return `[${parts.join(",")}]`;
}

/**
 * Answers a GET or HEAD under `/api/`, or returns undefined for a path that
 * is not part of the API.
 *
 * @param request The request.
 * @param url Its parsed URL.
 * @param store What the viewer holds.
 * @returns The response, or undefined.
 */
export function apiRoute(request: Request, url: URL, store: TraceStore): Response | undefined {
  const path = url.pathname;
  if (path === "/api/traces") {
    const filter = parseFilter(url.searchParams);
    return typeof filter === "string" ? jsonError(400, filter) : json(store.list(filter));
  }
  if (path === "/api/services") return json(store.services());
  if (path === "/api/stats") return json({ ...store.stats(), version: store.version });
  const match = TRACE_PATH.exec(path);
  if (match !== null) {
    const traceId = match[1].toLowerCase();
    const version = store.versionOf(traceId);
    const spans = store.get(traceId);
    if (version === undefined || spans === undefined) {
      return jsonError(
        404,
        `Cannot find trace ${traceId}: it is not held (never received, or evicted)`,
      );
    }
    const etag = `"${version}"`;
    if (request.headers.get("if-none-match") === etag) {
      return new Response(null, { status: 304, headers: { ...SAFE_HEADERS, etag } });
    }
    if (request.method === "HEAD") {
      return new Response(null, { status: 200, headers: { ...JSON_HEADERS, etag } });
    }
    const body = spansJson(spans, MAX_TRACE_JSON_CHARS);
    if (body === undefined) {
      return jsonError(
        500,
        `Cannot serve trace ${traceId}: its JSON passes ${MAX_TRACE_JSON_CHARS} characters ` +
          "(each span carries its resource and scope, which its spans may share)",
      );
    }
    return new Response(body, { status: 200, headers: { ...JSON_HEADERS, etag } });
  }
  if (path.startsWith("/api/traces/")) {
    return jsonError(400, "Cannot find trace: a trace id is 32 hex digits");
  }
  return undefined;
}

/** The filter in a list request's query, or what is wrong with it. */
export function parseFilter(query: URLSearchParams): TraceFilter | string {
  const text = (name: string) => {
    const value = query.get(name)?.trim();
    return value === undefined || value === "" ? undefined : value;
  };
  const limitText = text("limit");
  const limit = limitText === undefined ? DEFAULT_LIST_LIMIT : Number(limitText);
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIST_LIMIT) {
    return `Cannot list traces: limit must be an integer from 1 to ${MAX_LIST_LIMIT}, got "${limitText}"`;
  }
  const minText = text("minDurationMs");
  const minDurationMs = minText === undefined ? undefined : Number(minText);
  if (minDurationMs !== undefined && !(minDurationMs >= 0)) {
    return `Cannot list traces: minDurationMs must be a number of milliseconds, got "${minText}"`;
  }
  const errorText = text("error")?.toLowerCase();
  if (errorText !== undefined && !["true", "1", "false", "0"].includes(errorText)) {
    return `Cannot list traces: error must be true or false, got "${errorText}"`;
  }
  return {
    service: text("service"),
    name: text("name"),
    minDurationMs,
    errorsOnly: errorText === "true" || errorText === "1",
    limit,
  };
}
