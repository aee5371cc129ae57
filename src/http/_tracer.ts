// Internal: the `tracer` option every HTTP instrumentation takes.

import { describe } from "../platform/_describe.ts";
import { Tracer } from "../trace/tracer.ts";

// Spans from it reach no processor, but they still carry the trace across
// services, so an uninstrumented hop does not break the chain.
const DEFAULT_TRACER: Tracer = new Tracer({ name: "@codomyrmex/spans/http" });

/** Checks and returns the `tracer` option, or the default tracer. */
export function resolveTracer(tracer: unknown, action: string): Tracer {
  if (tracer === undefined) return DEFAULT_TRACER;
  if (!(tracer instanceof Tracer)) {
    throw new TypeError(`Cannot ${action}: tracer must be a Tracer, got ${describe(tracer)}`);
  }
  return tracer;
}
