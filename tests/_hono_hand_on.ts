// A Hono app that hands the very Request it serves on to a second traced
// app (`legacy.fetch(c.req.raw)` under `/old/*`), for the tests that the
// second app's middleware adds no server span. Not a test file itself.

import { Hono } from "hono";
import type { Tracer } from "../mod.ts";
import { traceMiddleware } from "../hono.ts";

/**
 * Routes `/old/*` of `app` to a second app, traced by `tracer` too, whose
 * `/old/:id` starts and ends a span "legacy work" and answers "old".
 */
export function handOnToLegacy(app: Hono, tracer: Tracer): void {
  const legacy = new Hono();
  legacy.use(traceMiddleware({ tracer }));
  legacy.get("/old/:id", (c) => {
    tracer.startSpan("legacy work").end();
    return c.text("old");
  });
  app.all("/old/*", (c) => legacy.fetch(c.req.raw));
}
