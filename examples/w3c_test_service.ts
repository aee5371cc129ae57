/**
 * The service the W3C Trace Context test suite (the `test/` folder of the
 * w3c/trace-context repository) drives. The harness POSTs a JSON array of
 * `{ url, arguments }`; for each one the service POSTs `arguments` to `url`,
 * with the trace context propagated by this library's helpers. Run it, then
 * point the suite at it:
 *
 * ```sh
 * deno run -A examples/w3c_test_service.ts          # listens on 127.0.0.1:5000 (or $PORT)
 * STRICT_LEVEL=2 SPEC_LEVEL=2 python3 test.py http://127.0.0.1:5000/test
 * ```
 *
 * `scripts/w3c_suite.sh <trace-context checkout>` does both, on Deno and Bun.
 *
 * @module
 */

import { Tracer } from "../mod.ts";
import { instrumentFetch, traceHandler } from "../http.ts";

const env = (globalThis as { process?: { env: Record<string, string | undefined> } }).process?.env;
const port = Number(env?.PORT ?? 5000);
// The suite checks only the headers, so the spans go nowhere: a tracer
// with no processors, given to both helpers (without one they would warn
// that no default tracer is set).
const tracer = new Tracer({ name: "w3c-test-service" });
const tracedFetch = instrumentFetch(globalThis.fetch, { tracer });

const handler = traceHandler(async (request: Request) => {
  let actions: unknown;
  try {
    actions = await request.json();
  } catch {
    actions = [];
  }
  for (const action of Array.isArray(actions) ? actions : []) {
    const { url, arguments: args } = action as { url: string; arguments?: unknown };
    const response = await tracedFetch(url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(args ?? []),
    });
    await response.body?.cancel();
  }
  return Response.json(null);
}, { tracer });

interface BunServe {
  serve(options: { port: number; hostname: string; fetch: typeof handler }): unknown;
}
const bun = (globalThis as { Bun?: BunServe }).Bun;
if (bun !== undefined) {
  bun.serve({ port, hostname: "127.0.0.1", fetch: handler });
  console.log(`Listening on http://127.0.0.1:${port}/`);
} else {
  // On stdout, as on Bun (Deno.serve's own line goes to stderr): whoever
  // started the service reads there when it is ready.
  Deno.serve({
    port,
    hostname: "127.0.0.1",
    onListen: () => console.log(`Listening on http://127.0.0.1:${port}/`),
  }, handler);
}
