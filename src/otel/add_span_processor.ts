/**
 * Adds an OpenTelemetry span processor to the global OpenTelemetry
 * `TracerProvider`.
 *
 * @module
 */

import { trace } from "@opentelemetry/api";
import { describe } from "../platform/_describe.ts";
import type { Span } from "../span/span.ts";
import type { SpanProcessor } from "../trace/span_processor.ts";
import { warnGlobalTaken } from "./_otel_global.ts";
import { ProcessorFanOut } from "../trace/_processor_fan_out.ts";
import { BatchSpanProcessor } from "./batch_span_processor.ts";
import { readableSpanOf } from "./_readable_span.ts";
import { givenResource } from "./_otel_resource.ts";
import { sdk, SDK_PACKAGE, type SdkTracerProvider } from "./_sdk.ts";
import type { OtelReadableSpan, OtelSpanProcessor } from "./_sdk_types.ts";
import { SimpleSpanProcessor } from "./simple_span_processor.ts";
import { globalProviderSet, ownerName, registerContextManager } from "./_otel_global.ts";
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
 *   them) whose processor list can grow, and a
 *   {@linkcode BridgeContextManager} if no context manager is registered;
 *   later calls add to that same provider.
 * - When this entry's {@linkcode TracerProvider} is the global one, the
 *   processor is added to it (it sees `ReadableSpan`s made with
 *   {@linkcode toReadableSpan} and the provider's resource; `onStart` is not
 *   called, as there is no SDK span to give it).
 * - When another SDK already owns the global provider (a `NodeTracerProvider`
 *   someone registered, or Deno's built-in OpenTelemetry with
 *   `OTEL_DENO=true`), nothing can be added to it after construction: it
 *   warns once, naming the owner and what to do instead (pass the processor
 *   in that provider's `spanProcessors`), and returns `false`. It never
 *   fails silently.
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
  if (sdk === undefined && !globalProviderSet()) {
    throw new TypeError(
      `Cannot add span processor: install ${SDK_PACKAGE}, which registering a provider for it needs, or register this entry's TracerProvider first`,
    );
  }
  const list = new ProcessorFanOut<OtelReadableSpan>();
  const provider = sdk === undefined
    ? undefined
    : new sdk.BasicTracerProvider({ spanProcessors: [list as OtelSpanProcessor] });
  if (
    provider !== undefined && global.getDelegate !== undefined &&
    trace.setGlobalTracerProvider(provider as never)
  ) {
    registered = { provider, list };
    list.add(processor);
    registerContextManager();
    return true;
  }
  warnGlobalTaken("processors added with addSpanProcessor()", ownerName(delegate));
  return false;
}

// The adapter made for each processor added to each TracerProvider: the
// same one every time, so a processor added twice is in the provider's list
// once, as the SDK's provider path (and the processors' own list) keeps it.
const adapters = new WeakMap<TracerProvider, WeakMap<OtelSpanProcessor, SpanProcessor>>();

// This entry's processors given their own resource take this library's
// spans as they are; every other processor sees the provider's resource, as
// documented (this entry's processors would otherwise convert with the
// default resource, not the provider's).
function asOurProcessor(processor: OtelSpanProcessor, provider: TracerProvider): SpanProcessor {
  if (
    (processor instanceof SimpleSpanProcessor || processor instanceof BatchSpanProcessor) &&
    givenResource.has(processor)
  ) {
    return processor;
  }
  let forProvider = adapters.get(provider);
  if (forProvider === undefined) adapters.set(provider, forProvider = new WeakMap());
  let adapter = forProvider.get(processor);
  if (adapter === undefined) {
    const resource = provider.resource;
    adapter = {
      onEnd: (span: Span) => processor.onEnd(readableSpanOf(span, resource)),
      forceFlush: () => processor.forceFlush(),
      shutdown: () => processor.shutdown(),
    };
    forProvider.set(processor, adapter);
  }
  return adapter;
}
