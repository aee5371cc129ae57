// Internal: the options every HTTP instrumentation takes, and the `tracer`
// option among them.

import { describe } from "../platform/_describe.ts";
import { getDefaultTracer } from "../trace/default_tracer.ts";
import { Tracer } from "../trace/tracer.ts";

/**
 * Checks that the options argument is an options object, or absent. A
 * Tracer given in its place (`traceMiddleware(tracer)`) would otherwise be
 * read as options with no `tracer`, and every span would go to the default
 * tracer, or nowhere, without a word.
 *
 * @throws {TypeError} When `options` is neither undefined nor an options object.
 */
export function checkOptions(options: unknown, action: string, call: string): void {
  if (options === undefined) return;
  if (options instanceof Tracer) {
    throw new TypeError(
      `Cannot ${action}: options must be an object such as { tracer }, got a Tracer: ` +
        `pass it as the tracer option, ${call}`,
    );
  }
  if (typeof options !== "object" || options === null || Array.isArray(options)) {
    throw new TypeError(
      `Cannot ${action}: options must be an object such as { tracer }, got ${describe(options)}`,
    );
  }
}

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
