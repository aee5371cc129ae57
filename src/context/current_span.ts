/**
 * The current span: read it, set it, or run code with it. It follows
 * `await` wherever the context storage does.
 *
 * @module
 */

import { describe } from "../platform/_describe.ts";
import { Span } from "../span/span.ts";
import { SpanContext } from "../span/span_context.ts";
import { SPAN_KEY } from "./_span_key.ts";
import { withoutSpan } from "./_without_span.ts";
import { Context } from "./context.ts";
import { getContextStorage, getCurrentContext } from "./storage.ts";
import { warnIfAsyncOnStack } from "./_async_work_warning.ts";

export { SPAN_KEY };

/**
 * Returns the span current at this point of execution. It follows `await`:
 * a span made current before an `await` is still current after it.
 *
 * @returns The current span, if any.
 *
 * @example
 * ```ts
 * import { getCurrentSpan, Tracer } from "@codomyrmex/spans";
 * import assert from "node:assert/strict";
 *
 * const tracer = new Tracer();
 * await tracer.span("outer", async (span) => {
 *   await new Promise((r) => setTimeout(r, 1));
 *   assert.equal(getCurrentSpan(), span);
 * });
 * assert.equal(getCurrentSpan(), undefined);
 * ```
 */
export function getCurrentSpan(): Span | undefined {
  return getContextStorage().getStore()?.getValue(SPAN_KEY) as Span | undefined;
}

/**
 * Makes `span` current for the rest of the current execution and what it
 * awaits; `undefined` clears it (for `@opentelemetry/api` code too, when the
 * `./otel` bridge shares the context). Like `AsyncLocalStorage`'s
 * `enterWith`, it lasts until the enclosing {@linkcode withSpan},
 * {@linkcode withContext} or `tracer.span` callback ends: called in an async
 * function before its first `await`, it is still current in the caller after
 * the call. With none of those around it, it lasts as long as the runtime
 * carries the execution on: on Node 20 that is the connection, so one set in
 * a plain `node:http` request listener is still current in the next request
 * on the same keep-alive connection (Node 24, Deno and Bun scope it to the
 * request; `traceRequestListener` does on all); on the stack of a runtime
 * without async context (a browser), one set after an `await` stays current
 * for everything that runs afterwards. Prefer {@linkcode withSpan}, which
 * restores the previous span by itself.
 *
 * @param span The span to make current.
 * @throws {TypeError} When `span` is neither a Span nor `undefined`.
 *
 * @example
 * ```ts
 * import { getCurrentSpan, setCurrentSpan, Span } from "@codomyrmex/spans";
 * import assert from "node:assert/strict";
 *
 * const span = new Span("manual").start();
 * setCurrentSpan(span);
 * assert.equal(getCurrentSpan(), span);
 * setCurrentSpan(undefined);
 * assert.equal(getCurrentSpan(), undefined);
 * ```
 */
export function setCurrentSpan(span: Span | undefined): void {
  checkSpan(span, "set current span");
  const ctx = getCurrentContext();
  getContextStorage().enterWith(
    span === undefined ? withoutSpan(ctx) : ctx.setValue(SPAN_KEY, span),
  );
}

/**
 * Runs `fn` (sync or async) with `span` current, and restores the previous
 * current span after it returns or settles. Where the runtime has no async
 * context (a browser today), the span is current only until `fn`'s first
 * `await`; then the first async `fn` gets one warning, and spans started
 * after an `await` should name their parent (`{ parent }`).
 *
 * @typeParam R What `fn` returns.
 * @param span The span to make current; `undefined` runs `fn` with none
 * (none for `@opentelemetry/api` code either, under the `./otel` bridge).
 * @param fn The function to run.
 * @returns What `fn` returns.
 * @throws {TypeError} When `fn` is not a function, or `span` is neither a
 * Span nor `undefined`.
 *
 * @example
 * ```ts
 * import { getCurrentSpan, Span, withSpan } from "@codomyrmex/spans";
 * import assert from "node:assert/strict";
 *
 * const span = new Span("job").start();
 * const seen = withSpan(span, () => getCurrentSpan());
 * assert.equal(seen, span);
 * assert.equal(getCurrentSpan(), undefined);
 * ```
 */
export function withSpan<R>(span: Span | undefined, fn: () => R): R {
  if (typeof fn !== "function") {
    throw new TypeError(`Cannot run withSpan: fn must be a function, got ${typeof fn}`);
  }
  checkSpan(span, "run withSpan");
  const ctx = getCurrentContext();
  const result = getContextStorage().run(
    span === undefined ? withoutSpan(ctx) : ctx.setValue(SPAN_KEY, span),
    fn,
  );
  warnIfAsyncOnStack(fn, result);
  return result;
}

// Only a Span (or undefined) may be current: anything else would make every
// span started under it throw an engine error from deep inside.
function checkSpan(span: unknown, what: string): void {
  if (span !== undefined && !(span instanceof Span)) {
    throw new TypeError(
      `Cannot ${what}: span must be a Span or undefined, got ${describe(span)}${notASpan(span)}`,
    );
  }
}

// What was likely meant, for the two objects taken for a span most often.
function notASpan(value: unknown): string {
  if (value instanceof SpanContext) {
    return " (a SpanContext: a span's ids, not a span; start a span under it with " +
      "tracer.span(name, { parent: spanContext }, fn))";
  }
  if (value instanceof Context) {
    return " (a Context: to make a context current, use withContext(context, fn))";
  }
  return "";
}
