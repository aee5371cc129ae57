// Internal: a context with no span current, for withSpan(undefined) and a
// new root's parent context (a processor's onStart).

import type { Context } from "./context.ts";
import { OTEL_SPAN_KEY } from "../span/_otel_span_view.ts";
import { SPAN_KEY } from "./_span_key.ts";

/**
 * `ctx` with no span current, on either side: a context entered
 * from OpenTelemetry's (the ./otel bridge, `startActiveSpan`) holds its span
 * under OpenTelemetry's key too, which would otherwise stay the active span
 * there.
 */
export function withoutSpan(ctx: Context): Context {
  // Always a new context, even with no span to remove: withSpan(undefined)
  // runs its callback in a context of its own, and Bun's run() with the very
  // context current enters no new one, so a setCurrentSpan inside it would
  // outlast the callback.
  const cleared = ctx.deleteValue(SPAN_KEY);
  return cleared.getValue(OTEL_SPAN_KEY) === undefined
    ? cleared
    : cleared.deleteValue(OTEL_SPAN_KEY);
}
