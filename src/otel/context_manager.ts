/**
 * One current context for both libraries: an OpenTelemetry
 * `ContextManager` backed by this library's context storage.
 *
 * @module
 */

import type { Context as OtelContext, ContextManager } from "@opentelemetry/api";
import { type Context, ROOT_CONTEXT } from "../context/context.ts";
import { getContextStorage } from "../context/storage.ts";
import { SPAN_KEY } from "../context/current_span.ts";
import { OTEL_SPAN_KEY, spanOf } from "../span/_otel_span_view.ts";
import { apiSpanFor } from "./_api_span.ts";
import type { Span } from "../span/span.ts";

/**
 * An OpenTelemetry `ContextManager` that keeps the current context in this
 * library's storage (`AsyncLocalStorage` on Deno, Bun and Node), so both
 * libraries see one current span. A span made current on either side is
 * the parent of spans started on the other: `trace.getSpan(context.active())`
 * inside `tracer.span(...)` is that span, and `getCurrentSpan()` inside
 * `context.with(trace.setSpan(ctx, apiSpan), ...)` stands for `apiSpan`.
 * {@linkcode TracerProvider.register} and {@linkcode addSpanProcessor}
 * register one; register it yourself with `context.setGlobalContextManager`
 * to share context with another OpenTelemetry SDK.
 *
 * @example
 * ```ts
 * import { getCurrentSpan, Tracer } from "@codomyrmex/spans";
 * import { BridgeContextManager } from "@codomyrmex/spans/otel";
 * import { context, trace } from "@opentelemetry/api";
 * import assert from "node:assert/strict";
 *
 * context.setGlobalContextManager(new BridgeContextManager());
 * try {
 *   const tracer = new Tracer();
 *   tracer.span("ours", (span) => {
 *     const seen = trace.getSpan(context.active());
 *     assert.equal(seen?.spanContext().spanId, span.context.spanId);
 *   });
 *   const remote = trace.wrapSpanContext({
 *     traceId: "0af7651916cd43dd8448eb211c80319c",
 *     spanId: "b7ad6b7169203331",
 *     traceFlags: 1,
 *     isRemote: true,
 *   });
 *   context.with(trace.setSpan(context.active(), remote), () => {
 *     assert.equal(getCurrentSpan()?.context.spanId, "b7ad6b7169203331");
 *   });
 * } finally {
 *   context.disable();
 * }
 * ```
 */
export class BridgeContextManager implements ContextManager {
  /**
   * The current context, with the current span visible to both libraries.
   *
   * @returns The active context.
   *
   * @example
   * ```ts
   * import { ROOT_CONTEXT } from "@codomyrmex/spans";
   * import { BridgeContextManager } from "@codomyrmex/spans/otel";
   * import assert from "node:assert/strict";
   *
   * assert.equal(new BridgeContextManager().active(), ROOT_CONTEXT);
   * ```
   */
  active(): OtelContext {
    const ctx = getContextStorage().getStore() ?? ROOT_CONTEXT;
    const span = ctx.getValue(SPAN_KEY) as Span | undefined;
    if (span === undefined) return ctx;
    // This library sets only its own key; the OpenTelemetry key follows it.
    const api = ctx.getValue(OTEL_SPAN_KEY);
    if (api !== undefined && spanOf(api) === span) return ctx;
    return ctx.setValue(OTEL_SPAN_KEY, apiSpanFor(span));
  }

  /**
   * Runs `fn` with `context` current; its OpenTelemetry span becomes this
   * library's current span too.
   *
   * @typeParam A The arguments' types.
   * @typeParam F The function's type.
   * @param context The context to make current.
   * @param fn The function.
   * @param thisArg `this` for `fn`.
   * @param args Arguments for `fn`.
   * @returns What `fn` returns.
   *
   * @example
   * ```ts
   * import { ROOT_CONTEXT } from "@codomyrmex/spans";
   * import { BridgeContextManager } from "@codomyrmex/spans/otel";
   * import assert from "node:assert/strict";
   *
   * const manager = new BridgeContextManager();
   * const key = Symbol("k");
   * const ctx = ROOT_CONTEXT.setValue(key, 1);
   * assert.equal(manager.with(ctx, () => manager.active().getValue(key)), 1);
   * ```
   */
  with<A extends unknown[], F extends (...args: A) => ReturnType<F>>(
    context: OtelContext,
    fn: F,
    thisArg?: ThisParameterType<F>,
    ...args: A
  ): ReturnType<F> {
    const ctx = toSharedContext(context);
    const storage = getContextStorage();
    if (thisArg === undefined && args.length === 0) {
      return storage.run(ctx, fn as () => ReturnType<F>);
    }
    return storage.run(ctx, () => fn.apply(thisArg, args));
  }

  /**
   * Binds a function to `context`: whenever it runs, `context` is current.
   * Anything else is returned as it is.
   *
   * @typeParam T The target's type.
   * @param context The context.
   * @param target The function.
   * @returns The bound function.
   *
   * @example
   * ```ts
   * import { ROOT_CONTEXT } from "@codomyrmex/spans";
   * import { BridgeContextManager } from "@codomyrmex/spans/otel";
   * import assert from "node:assert/strict";
   *
   * const manager = new BridgeContextManager();
   * const key = Symbol("k");
   * const read = manager.bind(ROOT_CONTEXT.setValue(key, "v"), () => manager.active().getValue(key));
   * assert.equal(read(), "v");
   * ```
   */
  bind<T>(context: OtelContext, target: T): T {
    if (typeof target !== "function") return target;
    // deno-lint-ignore no-this-alias
    const manager = this;
    const fn = target as unknown as (...args: unknown[]) => unknown;
    return function (this: unknown, ...args: unknown[]) {
      return manager.with(context, () => fn.apply(this, args));
    } as unknown as T;
  }

  /**
   * Does nothing: the storage is always on.
   *
   * @returns This manager.
   *
   * @example
   * ```ts
   * import { BridgeContextManager } from "@codomyrmex/spans/otel";
   * import assert from "node:assert/strict";
   *
   * const manager = new BridgeContextManager();
   * assert.equal(manager.enable(), manager);
   * ```
   */
  enable(): this {
    return this;
  }

  /**
   * Does nothing: contexts already entered end with their callbacks.
   *
   * @returns This manager.
   *
   * @example
   * ```ts
   * import { BridgeContextManager } from "@codomyrmex/spans/otel";
   * import assert from "node:assert/strict";
   *
   * const manager = new BridgeContextManager();
   * assert.equal(manager.disable(), manager);
   * ```
   */
  disable(): this {
    return this;
  }
}

// A context entered from the OpenTelemetry side: its OpenTelemetry span
// wins, and this library's key is made to agree.
function toSharedContext(context: OtelContext): Context {
  // Not a context at all: run with none rather than throw into the caller.
  if (typeof context?.getValue !== "function") return ROOT_CONTEXT;
  const ctx = context as Context;
  const api = ctx.getValue(OTEL_SPAN_KEY);
  const span = ctx.getValue(SPAN_KEY);
  if (api === undefined) return span === undefined ? ctx : ctx.deleteValue(SPAN_KEY);
  const target = spanOf(api);
  if (target === span) return ctx;
  return target === undefined ? ctx.deleteValue(SPAN_KEY) : ctx.setValue(SPAN_KEY, target);
}
