// Internal: the viewer's one request handler, the same on every runtime's
// server. It routes, guards the page and API against other sites, and never
// throws: an unexpected failure answers 500 and the server goes on.

import { errorMessage, warnOnce } from "../platform/_warn.ts";
import { apiRoute, json, jsonError } from "./_api_routes.ts";
import { type Accept, otlpFailure, preflight, receiveTraces } from "./_otlp_route.ts";
import { BODY_TIMEOUT_MS } from "./_read_body.ts";
import { SAFE_HEADERS } from "./_response_headers.ts";
import type { TraceStore } from "./_trace_store.ts";
import { PAGE_HTML, PAGE_STYLE } from "./_ui_page.ts";
import { PAGE_SCRIPT } from "./_ui_script.ts";

/** Handles one request. */
export type Handler = (request: Request) => Promise<Response>;

// The page loads its script and style from the viewer only, and nothing
// from a received span can run as code.
const PAGE_HEADERS = {
  ...SAFE_HEADERS,
  "content-security-policy": "default-src 'none'; script-src 'self'; style-src 'self'; " +
    "connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; " +
    "frame-ancestors 'none'",
  "referrer-policy": "no-referrer",
};

const ASSETS: Record<string, { body: string; type: string }> = {
  "/": { body: PAGE_HTML, type: "text/html; charset=utf-8" },
  "/app.js": { body: PAGE_SCRIPT, type: "text/javascript; charset=utf-8" },
  "/app.css": { body: PAGE_STYLE, type: "text/css; charset=utf-8" },
};

/**
 * Makes the handler.
 *
 * @param store What the viewer holds; the API reads it.
 * @param accept Takes the spans of each accepted OTLP request.
 * @param listening The address the viewer listens on. The page and API
 *   answer only requests addressed to a host no DNS answer can make point
 *   here: a loopback name when it listens on loopback, and otherwise a
 *   loopback name, an IP address or `listening` itself. That keeps a web page
 *   from reading the traces through DNS rebinding.
 * @param bodyTimeoutMs The longest an OTLP request's body may take to
 *   arrive (then 408).
 */
export function createHandler(
  store: TraceStore,
  accept: Accept,
  listening: string,
  bodyTimeoutMs: number = BODY_TIMEOUT_MS,
): Handler {
  const allowed = hostGuard(listening);
  return async (request) => {
    let path = "";
    try {
      const url = new URL(request.url);
      path = url.pathname;
      if (path === "/v1/traces") {
        if (request.method === "POST") return await receiveTraces(request, accept, bodyTimeoutMs);
        if (request.method === "OPTIONS") return preflight(request);
        return methodNotAllowed("POST, OPTIONS");
      }
      if (request.method !== "GET" && request.method !== "HEAD") {
        // An SDK exporting metrics or logs to this port: nothing here takes them.
        if (path.startsWith("/v1/")) {
          return otlpFailure(
            request,
            404,
            `Cannot receive ${path}: the viewer takes traces only (/v1/traces)`,
          );
        }
        return methodNotAllowed("GET, HEAD");
      }
      if (!allowed.test(url.hostname)) {
        return jsonError(403, `Cannot serve ${path}: ${allowed.why}`);
      }
      const asset = ASSETS[path];
      if (asset !== undefined) {
        return new Response(request.method === "HEAD" ? null : asset.body, {
          headers: { ...PAGE_HEADERS, "content-type": asset.type },
        });
      }
      if (path.startsWith("/api/")) {
        const response = apiRoute(request, url, store);
        if (response !== undefined) return response;
      }
      if (path === "/favicon.ico") return new Response(null, { status: 204 });
      return jsonError(404, `Cannot find ${path}`);
    } catch (error) {
      warnOnce(`viewer-handler:${errorMessage(error)}`, `viewer: ${errorMessage(error)}`);
      const message = `Cannot handle the request: ${errorMessage(error)}`;
      // An OTLP export is answered as OTLP asks, the page and API in their JSON.
      if (path === "/v1/traces" && request.method === "POST") {
        return otlpFailure(request, 500, message);
      }
      return json({ error: message }, 500);
    }
  };
}

function methodNotAllowed(allow: string): Response {
  return new Response(JSON.stringify({ error: `Cannot handle this method: use ${allow}` }), {
    status: 405,
    headers: { ...SAFE_HEADERS, allow, "content-type": "application/json; charset=utf-8" },
  });
}

/**
 * Which Host names the page and API answer to, for a viewer listening on
 * `listening`, and what a refusal says.
 */
function hostGuard(listening: string): { test(hostname: string): boolean; why: string } {
  if (isLoopbackAddress(listening)) {
    return { test: isLoopbackHost, why: "the viewer answers only to a loopback host" };
  }
  // Listening beyond loopback (0.0.0.0, ::, an interface's address or
  // name), other machines reach it by address. A DNS name other than the
  // one it listens on may be an attacker's, rebound to this machine.
  const own = listening.toLowerCase();
  return {
    test: (hostname) =>
      isLoopbackHost(hostname) || isIpLiteral(hostname) || hostname.toLowerCase() === own,
    why:
      `the viewer answers only to a loopback name or an IP address (listening on ${listening}), ` +
      "so that a web page cannot read it through DNS rebinding; open it by address",
  };
}

// Whether the address a viewer listens on is a loopback one.
function isLoopbackAddress(hostname: string): boolean {
  return hostname === "localhost" || hostname === "::1" || hostname === "[::1]" ||
    /^127\./.test(hostname);
}

// A URL's hostname that is an IP address: the URL parser writes every IPv4
// form (2130706433, 0x7f.1) as four decimals, and IPv6 in brackets.
function isIpLiteral(hostname: string): boolean {
  return /^\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(hostname) || hostname.startsWith("[");
}

/** Whether a URL's hostname names this machine's loopback interface. */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.toLowerCase();
  return host === "localhost" || host.endsWith(".localhost") || host === "[::1]" ||
    /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}
