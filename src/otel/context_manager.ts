/**
 * One current context for both libraries: an OpenTelemetry
 * `ContextManager` backed by this library's context storage.
 *
 * @module
 */

import type { Context as OtelContext, ContextManager } from "@opentelemetry/api";
import { type Context, ROOT_CONTEXT } from "../context/context.ts";
import { bindEmitter, isEventEmitter } from "../context/_bind_emitter.ts";
import { getContextStorage } from "../context/storage.ts";
import { SPAN_KEY } from "../context/current_span.ts";
import { OTEL_SPAN_KEY, spanOf } from "../span/_otel_span_view.ts";
import { apiSpanFor } from "./_api_span.ts";
import { startedProcessorSpan } from "./_processor_span.ts";
import type { Span } from "../span/span.ts";
import { BAGGAGE_KEY } from "../propagation/baggage_context.ts";
import { toSharedContext } from "./_shared_context.ts";
import { Baggage } from "../propagation/baggage.ts";
import { OTEL_BAGGAGE_KEY, sameBaggage, toOtelBaggage } from "./_baggage_bridge.ts";

/**
 * An OpenTelemetry `ContextManager` that keeps the current context in this
 * library's storage (`AsyncLocalStorage` on Deno, Bun and Node), so both
 * libraries see one current span and one current baggage. A span made
 * current on either side is the parent of spans started on the other:
 * `trace.getSpan(context.active())` inside `tracer.span(...)` is that span,
 * and `getCurrentSpan()` inside `context.with(trace.setSpan(ctx, apiSpan),
 * ...)` stands for `apiSpan`. Likewise `propagation.getBaggage(context.active())`
 * inside `withBaggage(...)` holds that baggage (so an instrumented client
 * sends it), and `getBaggage()` inside `context.with(ctx, ...)` is `ctx`'s
 * baggage (an instrumented server's, extracted from its request).
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
    let ctx = getContextStorage().getStore() ?? ROOT_CONTEXT;
    // This library sets only its own baggage key too: the API's follows it.
    const baggage = ctx.getValue(BAGGAGE_KEY);
    if (baggage instanceof Baggage) ctx = otelBaggageInStep(ctx, baggage);
    const span = ctx.getValue(SPAN_KEY) as Span | undefined;
    if (span === undefined) return ctx;
    // This library sets only its own key; the OpenTelemetry key follows it.
    const api = ctx.getValue(OTEL_SPAN_KEY);
    if (api !== undefined && spanOf(api) === span) return ctx;
    return ctx.setValue(OTEL_SPAN_KEY, startedProcessorSpan(span) ?? apiSpanFor(span));
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
   * Binds a function or an event emitter to `context`: whenever the
   * function runs, or a listener added to the emitter afterwards runs,
   * `context` is current (the emitter itself is returned, patched as the
   * OpenTelemetry SDK's context managers patch it). A bound function passes
   * `this` and its arguments on and keeps the function's `length`. Anything
   * else is returned as it is.
   *
   * @typeParam T The target's type.
   * @param context The context.
   * @param target The function or event emitter.
   * @returns The bound function, or the emitter.
   *
   * @example
   * ```ts
   * import { ROOT_CONTEXT } from "@codomyrmex/spans";
   * import { BridgeContextManager } from "@codomyrmex/spans/otel";
   * import assert from "node:assert/strict";
   *
   * const manager = new BridgeContextManager();
   * const key = Symbol("k");
   * const read = manager.bind(ROOT_CONTEXT.setValue(key, "v"), (_a: number, _b: number) => {
   *   return manager.active().getValue(key);
   * });
   * assert.equal(read(1, 2), "v");
   * assert.equal(read.length, 2);
   * ```
   */
  bind<T>(context: OtelContext, target: T): T {
    if (isEventEmitter(target)) {
      bindEmitter(target, (listener) => this.bind(context, listener));
      return target;
    }
    if (typeof target !== "function") return target;
    // deno-lint-ignore no-this-alias
    const manager = this;
    const fn = target as unknown as (...args: unknown[]) => unknown;
    const bound = function (this: unknown, ...args: unknown[]) {
      return manager.with(context, () => fn.apply(this, args));
    };
    // Its length stays, as the SDK's managers keep it: Express and connect
    // tell an error handler by its 4 parameters.
    try {
      Object.defineProperty(bound, "length", { value: fn.length, configurable: true });
    } catch {
      // A length that cannot be read (a Proxy) leaves the bound one's.
    }
    return bound as unknown as T;
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

// The API's baggage key made to agree with this library's `baggage`; an
// empty baggage is none.
function otelBaggageInStep(ctx: Context, baggage: Baggage): Context {
  const otel = ctx.getValue(OTEL_BAGGAGE_KEY);
  if (baggage.size === 0) return otel === undefined ? ctx : ctx.deleteValue(OTEL_BAGGAGE_KEY);
  return sameBaggage(otel, baggage) ? ctx : ctx.setValue(OTEL_BAGGAGE_KEY, toOtelBaggage(baggage));
}
