// Internal: the `tracer` option every HTTP instrumentation takes.

import { describe } from "../platform/_describe.ts";
import { getDefaultTracer } from "../trace/default_tracer.ts";
import { Tracer } from "../trace/tracer.ts";

/**
 * Checks the `tracer` option. Returns a function that gives the tracer for
 * each request: the one given, or else the default tracer at that moment, so
 * a default set after the instrumentation is still used.
 */
export function resolveTracer(tracer: unknown, action: string): () => Tracer {
  if (tracer === undefined) return getDefaultTracer;
  if (!(tracer instanceof Tracer)) {
    throw new TypeError(`Cannot ${action}: tracer must be a Tracer, got ${describe(tracer)}`);
  }
  return () => tracer;
}
