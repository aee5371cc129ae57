// Internal: whether Bun.serve upgraded a request to a WebSocket while its
// handler ran, for traceHandler and Hono's traceMiddleware: the connection
// switched protocols (101). Bun's documented pattern is
// `if (server.upgrade(request)) return;`, a handler that answers nothing,
// which is otherwise a failed request. Bun
// detaches an upgraded request from its HTTP exchange: `requestIP` answers
// null for it from then on, as for no request a client sent through the
// server (one built or cloned), while a request whose upgrade failed, or
// that asked for none, keeps its address.

import { isBunServer } from "./_forwarded.ts";

/** An upgraded request's status code: the connection switched protocols. */
export const SWITCHING_PROTOCOLS = 101;

/**
 * Whether `request`, asking for a protocol upgrade, was upgraded by Bun's
 * `server` while it was handled. Whatever the handler answered then is not
 * sent: Bun's pattern answers nothing, Hono's Bun helper an empty 200.
 *
 * @param request The request, as Bun.serve handed it over.
 * @param server The handler's second argument (Hono's env on Bun).
 */
export function upgradedByBun(request: Request, server: unknown): boolean {
  if (!isBunServer(server)) return false;
  try {
    return request.headers.has("upgrade") &&
      (server as { requestIP(request: Request): unknown }).requestIP(request) === null;
  } catch {
    return false;
  }
}
