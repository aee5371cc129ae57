// Internal: whether the client of a web-standard request went away before
// the handler answered, where the server says so (Bun's; Deno's when its
// request signal is not the legacy one), for traceHandler and Hono's
// traceMiddleware: the span then ends as aborted, with no status code, as
// on node:http.

import { isBunServer } from "./_forwarded.ts";
import { serverCompletion } from "./_response_body.ts";

/**
 * What Deno's `request.signal` was seen to do once a response had been sent
 * (Deno.serve's `info.completed` resolved): `"legacy"`, aborted then too
 * (Deno's default up to at least 2.9), so only an abort seen before the
 * handler returned would mean the client went away, and reading the signal
 * before the response has gone has Deno print, once, a warning about that
 * behaviour; `"clientGoneOnly"`, not aborted (`--unstable-no-legacy-abort`,
 * and the default Deno means to move to), so it aborts only for a client
 * that went away and reading it costs nothing; `"unknown"` until the first
 * response Deno.serve sent. One process, one behaviour: it is a flag of
 * `deno run`.
 */
let denoSignal: "unknown" | "legacy" | "clientGoneOnly" = "unknown";

/**
 * Whether the client went away before the handler answered, where the
 * server says so: Bun's server (`requestIP` tells it from Deno's `info`)
 * aborts the request's `signal` then, and only then. So does Deno's once
 * its signal is known not to be the legacy one (see `denoSignal`); until
 * that is known, and with the legacy signal, Deno's is not read before the
 * response has gone (that alone would have Deno print its warning), so
 * there the answer is no. The first response Deno.serve sends tells which
 * it is: its `info.completed` is watched until then.
 *
 * @param request The request, as the server handed it over.
 * @param server The handler's second argument: Bun's server, Deno's `info`.
 */
export function clientGone(request: Request, server: unknown): boolean {
  try {
    if (isBunServer(server)) {
      return request.signal?.aborted === true;
    }
    if (denoSignal === "legacy" || !isDenoServeInfo(server)) return false;
    if (denoSignal === "clientGoneOnly") return request.signal?.aborted === true;
    serverCompletion(server)?.then(() => learnDenoSignal(request), () => {});
    return false;
  } catch {
    return false;
  }
}

/**
 * Deno.serve's `info` (a `ServeHandlerInfo`), not an object that only looks
 * like it: what its request's signal does after the response is Deno's.
 */
function isDenoServeInfo(info: unknown): boolean {
  return typeof info === "object" && info !== null &&
    Object.getPrototypeOf(info)?.constructor?.name === "ServeHandlerInfo";
}

/**
 * Called once `request`'s response has been sent. Deno's check for its
 * warning has run by then, so the signal can be read: the legacy one is
 * aborted (at once, when this read makes it), the other is not, unless the
 * client went away while a handler that read it still ran, which is
 * counted as legacy too (the safe side: the signal is not read, as before).
 */
function learnDenoSignal(request: Request): void {
  if (denoSignal !== "unknown") return;
  try {
    denoSignal = request.signal?.aborted === false ? "clientGoneOnly" : "legacy";
  } catch {
    denoSignal = "legacy";
  }
}
