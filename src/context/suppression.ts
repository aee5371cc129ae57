/**
 * Tracing suppression: code that must not trace itself, such as an
 * exporter's own requests.
 *
 * @module
 */

import { FETCH_CALL_KEY, SUPPRESS_TRACING_KEY } from "./_suppress_key.ts";
import { getContextStorage, getCurrentContext } from "./storage.ts";

/**
 * The key under which a {@linkcode Context} marks tracing as suppressed. It
 * is the very symbol OpenTelemetry's `suppressTracing` uses, so when the two
 * libraries share a context (see the `./otel` entry), suppression set by
 * either one is honoured by both.
 */
export { SUPPRESS_TRACING_KEY };

/**
 * Runs `fn` (sync or async) with tracing suppressed: every span started
 * inside it, by any tracer, records nothing and reaches no processor.
 * Exporting processors run their exporters this way, so an exporter whose
 * requests go through an instrumented `fetch` does not trace its own
 * exports, which would otherwise feed the pipeline forever.
 *
 * @typeParam R What `fn` returns.
 * @param fn The function to run.
 * @returns What `fn` returns.
 * @throws {TypeError} When `fn` is not a function.
 *
 * @example
 * ```ts
 * import { InMemorySpanProcessor, suppressTracing, Tracer } from "@codomyrmex/spans";
 * import assert from "node:assert/strict";
 *
 * const memory = new InMemorySpanProcessor();
 * const tracer = new Tracer({ processors: [memory] });
 * const span = suppressTracing(() => tracer.startSpan("internal call"));
 * assert.equal(span.isRecording, false);
 * span.end();
 * assert.equal(memory.spans.length, 0);
 * ```
 */
export function suppressTracing<R>(fn: () => R): R {
  if (typeof fn !== "function") {
    throw new TypeError(`Cannot suppress tracing: fn must be a function, got ${typeof fn}`);
  }
  let context = getCurrentContext();
  // Suppression asked for inside a traced fetch's call stays whole (see
  // _suppress_key.ts). Only there: a delete adds a link to the chain that
  // every read under it walks, around every export.
  if (context.getValue(FETCH_CALL_KEY) !== undefined) context = context.deleteValue(FETCH_CALL_KEY);
  return getContextStorage().run(context.setValue(SUPPRESS_TRACING_KEY, true), fn);
}

/**
 * Reports whether tracing is suppressed at this point of execution (inside
 * {@linkcode suppressTracing}).
 *
 * @returns `true` inside `suppressTracing`.
 *
 * @example
 * ```ts
 * import { isTracingSuppressed, suppressTracing } from "@codomyrmex/spans";
 * import assert from "node:assert/strict";
 *
 * assert.equal(isTracingSuppressed(), false);
 * assert.equal(suppressTracing(() => isTracingSuppressed()), true);
 * ```
 */
export function isTracingSuppressed(): boolean {
  return getContextStorage().getStore()?.getValue(SUPPRESS_TRACING_KEY) === true;
}
