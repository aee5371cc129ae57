// Internal: the parent context of the span about to start, from a caller
// that knows it better than the Tracer: ./otel's API tracer, given an
// OpenTelemetry context by the application, which the Tracer (reading the
// current one) never sees. Set around one startSpan call, as a function made
// only if asked: the Tracer asks, once, only when some processor has onStart.

import type { Context } from "../context/context.ts";

type Resolve = () => Context | undefined;

let given: Resolve | undefined;

/**
 * Gives the parent context of the span about to start (`undefined`: none
 * given) and returns what was given before, for the caller to give back.
 */
export function giveParentContext(resolve: Resolve | undefined): Resolve | undefined {
  const previous = given;
  given = resolve;
  return previous;
}

/**
 * Takes the parent context given, if any: once, so no later span gets it.
 * One that cannot be read (a foreign context whose getValue throws) is none
 * given, never an error in the application's startSpan.
 */
export function takeParentContext(): Context | undefined {
  const resolve = given;
  if (resolve === undefined) return undefined;
  given = undefined;
  try {
    return resolve();
  } catch {
    return undefined;
  }
}
