// Internal: the one warning a runtime without an async context gets (a
// browser today), the first time async work runs inside a span. There the
// current span is kept on a stack, which is right for synchronous code only:
// after the first `await` it is gone, and children silently start new traces.

import { thenOf } from "../platform/_then_of.ts";
import { warnOnce } from "../platform/_warn.ts";
import { getContextStorage, StackContextStorage } from "./storage.ts";

const MESSAGE = "this runtime has neither AsyncLocalStorage nor AsyncContext, so the " +
  "current span does not follow `await`: spans started after the first `await` inside " +
  "tracer.span, withSpan or tracer.wrap do not become its children. Pass the parent " +
  "explicitly, as in tracer.span(name, { parent: span }, fn) (see the README's Browsers section)";

/**
 * Warns once per process when `fn` is an async function, or `result` (what
 * it returned) is a promise, while the current span lives on a stack. Costs
 * one `instanceof` where an async context exists.
 */
export function warnIfAsyncOnStack(fn: unknown, result: unknown): void {
  if (!(getContextStorage() instanceof StackContextStorage)) return;
  const tag = Object.prototype.toString.call(fn);
  const async = tag === "[object AsyncFunction]" || tag === "[object AsyncGeneratorFunction]" ||
    typeof thenOf(result) === "function";
  if (async) warnOnce("async-without-context", MESSAGE);
}
