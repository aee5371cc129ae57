// Internal: whether the client of a web-standard request went away before
// the handler answered, where the server says so (Bun's), for traceHandler
// and Hono's traceMiddleware: the span then ends as aborted, with no status
// code, as on node:http.

/**
 * Whether the client went away before the handler answered, where the server
 * says so: Bun's server (`requestIP` tells it from Deno's `info`) aborts the
 * request's `signal` then. Deno's is not read: that alone has Deno print a
 * warning about its legacy abort-on-success behaviour.
 */
export function clientGone(request: Request, server: unknown): boolean {
  try {
    if (typeof (server as { requestIP?: unknown } | null | undefined)?.requestIP !== "function") {
      return false;
    }
    return request.signal?.aborted === true;
  } catch {
    return false;
  }
}
