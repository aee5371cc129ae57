/**
 * `@codomyrmex/spans/hono`: tracing for Hono apps on Deno, Bun, Node and
 * workers. One middleware gives every request a server span named by its
 * route (`GET /products/:sku`), continuing the caller's trace; no runtime
 * import of `hono`.
 *
 * ```ts
 * import { InMemorySpanProcessor, Tracer } from "@codomyrmex/spans";
 * import { traceMiddleware } from "@codomyrmex/spans/hono";
 * import { Hono } from "hono";
 * import assert from "node:assert/strict";
 *
 * const memory = new InMemorySpanProcessor();
 * const app = new Hono();
 * app.use(traceMiddleware({ tracer: new Tracer({ processors: [memory] }) }));
 * app.get("/users/:id", (c) => c.text(`user ${c.req.param("id")}`));
 *
 * const response = await app.request("/users/7", {
 *   headers: { traceparent: "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01" },
 * });
 * assert.equal(await response.text(), "user 7");
 * assert.equal(memory.spans[0].name, "GET /users/:id");
 * assert.equal(memory.spans[0].context.parentSpanId, "b7ad6b7169203331");
 * ```
 *
 * @module
 */

export {
  type HonoContextLike,
  type HonoMiddleware,
  type HonoRequestLike,
  type HonoRouteLike,
  recordStreamError,
  traceMiddleware,
  type TraceMiddlewareOptions,
} from "./src/hono/trace_middleware.ts";
