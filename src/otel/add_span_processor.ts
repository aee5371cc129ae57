/**
 * Adds an OpenTelemetry span processor to the global OpenTelemetry
 * `TracerProvider`.
 *
 * @module
 */

import { trace } from "@opentelemetry/api";
import { describe } from "../platform/_describe.ts";
import { isPermissionError } from "../platform/_permission.ts";
import { errorMessage, warnOnce } from "../platform/_warn.ts";
import { denoOwnsApiGlobals, warnGlobalTaken } from "./_otel_global.ts";
import { ProcessorFanOut } from "../trace/_processor_fan_out.ts";
import { asOurProcessor } from "./_otel_processor_adapter.ts";
import { sdk, SDK_PACKAGE, type SdkTracerProvider } from "./_sdk.ts";
import type { OtelReadableSpan, OtelSpanProcessor } from "./_sdk_types.ts";
import {
  globalProviderSet,
  ownerName,
  registerContextManager,
  registerDefaultPropagatorIfFree,
} from "./_otel_global.ts";
import { TracerProvider } from "./tracer_provider.ts";

// The provider this module registered, and the list its processors live in.
let registered:
  | { provider: SdkTracerProvider; list: ProcessorFanOut<OtelReadableSpan> }
  | undefined;

/**
 * Adds an OpenTelemetry span processor to the global OpenTelemetry
 * `TracerProvider`, so spans made through `@opentelemetry/api`'s
 * `trace.getTracer()` reach it. SDK 2.x providers no longer have
 * `addSpanProcessor`, so:
 *
 * - When no provider is registered, it registers an SDK `BasicTracerProvider`
 *   (resource and limits from the `OTEL_*` environment, as the SDK reads
 *   them) whose processor list can grow, a
 *   {@linkcode BridgeContextManager} if no context manager is registered,
 *   and W3C trace context and baggage as the global propagator if none is
 *   installed (as the SDK's `register()` does, so that instrumented clients
 *   send the trace on); later calls add to that same provider.
 * - When this entry's {@linkcode TracerProvider} is the global one, the
 *   processor is added to it, as to that provider's `spanProcessors`: as
 *   in the SDK, its `onStart(span, parentContext)` is called as each
 *   recording span starts, with a span that reads as a `ReadableSpan` and
 *   writes through to this library's span (`setAttribute`, `addEvent`,
 *   `setStatus`, `updateName`, ...) and the `@opentelemetry/api` context
 *   the span was started in; its `onEnd` gets a `ReadableSpan` with the
 *   provider's resource (the same object `onStart` got, when it has an
 *   `onStart`).
 * - When another SDK already owns the global provider (a `NodeTracerProvider`
 *   someone registered, or Deno's built-in OpenTelemetry with
 *   `OTEL_DENO=true`), nothing can be added to it after construction: it
 *   warns once, naming the owner and what to do instead (pass the processor
 *   in that provider's `spanProcessors`), and returns `false`. It never
 *   fails silently.
 * - On Deno without the env permission the SDK's provider cannot be made
 *   (it reads `OTEL_*` variables): it warns once, saying so, and returns
 *   `false`.
 *
 * @param processor An OpenTelemetry `SpanProcessor`, such as this entry's
 *   {@linkcode BatchSpanProcessor}.
 * Registering a provider needs `@opentelemetry/sdk-trace-base` (SDK 2.x);
 * adding to this entry's registered `TracerProvider` needs only
 * `@opentelemetry/api`.
 *
 * @returns Whether spans from the global API now reach `processor`.
 * @throws {TypeError} When `processor` has no `onEnd` method, or a provider
 *   must be registered and `@opentelemetry/sdk-trace-base` is not installed.
 *
 * @example
 * ```ts
 * import { addSpanProcessor, SimpleSpanProcessor } from "@codomyrmex/spans/otel";
 * import { context, trace } from "@opentelemetry/api";
 * import { InMemorySpanExporter } from "@opentelemetry/sdk-trace-base";
 * import assert from "node:assert/strict";
 *
 * const exporter = new InMemorySpanExporter();
 * try {
 *   assert.equal(addSpanProcessor(new SimpleSpanProcessor(exporter)), true);
 *   trace.getTracer("app").startSpan("hello").end();
 *   assert.equal(exporter.getFinishedSpans()[0].name, "hello");
 * } finally {
 *   trace.disable();
 *   context.disable();
 * }
 * ```
 */
export function addSpanProcessor(processor: OtelSpanProcessor): boolean {
  if (typeof processor?.onEnd !== "function" || typeof processor.forceFlush !== "function") {
    throw new TypeError(
      `Cannot add span processor: it must have onEnd and forceFlush methods, got ${
        describe(processor)
      }`,
    );
  }
  const global = trace.getTracerProvider() as { getDelegate?(): unknown };
  const delegate = global.getDelegate?.();
  if (delegate instanceof TracerProvider) {
    delegate.addProcessor(asOurProcessor(processor, delegate));
    return true;
  }
  if (registered !== undefined && delegate === registered.provider) {
    registered.list.add(processor);
    return true;
  }
  if (sdk === undefined && !globalProviderSet() && !denoOwnsApiGlobals()) {
    throw new TypeError(
      `Cannot add span processor: install ${SDK_PACKAGE}, which registering a provider for it needs, or register this entry's TracerProvider first`,
    );
  }
  const list = new ProcessorFanOut<OtelReadableSpan>();
  let provider: SdkTracerProvider | undefined;
  try {
    provider = sdk === undefined
      ? undefined
      : new sdk.BasicTracerProvider({ spanProcessors: [list as OtelSpanProcessor] });
  } catch (error) {
    if (!isPermissionError(error)) throw error;
    // The SDK's provider reads OTEL_* variables through process.env, which
    // throws (or prompts) on Deno without the permission.
    warnOnce(
      "otel-provider-env-permission",
      `addSpanProcessor() cannot register ${SDK_PACKAGE}'s BasicTracerProvider: it reads ` +
        `OTEL_* variables, which Deno's env permission does not cover (${errorMessage(error)}); ` +
        `its processor receives no spans. Run Deno with --allow-env (or --allow-env=OTEL_*), ` +
        `or register this entry's TracerProvider first.`,
    );
    return false;
  }
  if (
    provider !== undefined && global.getDelegate !== undefined &&
    trace.setGlobalTracerProvider(provider as never)
  ) {
    registered = { provider, list };
    list.add(processor);
    registerContextManager();
    // Without one, instrumented clients (instrumentation-http, -undici)
    // would send no traceparent, and each service's spans would start a
    // trace of their own.
    registerDefaultPropagatorIfFree();
    return true;
  }
  warnGlobalTaken("processors added with addSpanProcessor()", ownerName(delegate));
  return false;
}
