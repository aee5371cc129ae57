/**
 * `@codomyrmex/spans/otel`: this library and the OpenTelemetry JS ecosystem,
 * both ways. The only module that imports `@opentelemetry/*` (API 1.x,
 * SDK 2.x, as peer dependencies); the core stays free of them.
 *
 * - Out: {@linkcode fromOtelExporter} sends this library's spans through any
 *   OpenTelemetry exporter (OTLP over http or protobuf, Zipkin, console);
 *   {@linkcode toReadableSpan} is the conversion underneath.
 * - In: {@linkcode TracerProvider} routes every `@opentelemetry/api` span
 *   into this library's processors, and {@linkcode BridgeContextManager}
 *   shares the current span and the current baggage both ways.
 * - The SDK's processors, taking this library's spans and exporters too:
 *   {@linkcode SimpleSpanProcessor} and {@linkcode BatchSpanProcessor}
 *   subclass the SDK's, and
 *   {@linkcode addSpanProcessor} adds one to the global provider.
 *
 * ```ts
 * import { InMemorySpanProcessor, Tracer } from "@codomyrmex/spans";
 * import { fromOtelExporter, TracerProvider } from "@codomyrmex/spans/otel";
 * import { context, propagation, trace } from "@opentelemetry/api";
 * import { InMemorySpanExporter } from "@opentelemetry/sdk-trace-base";
 * import assert from "node:assert/strict";
 *
 * const memory = new InMemorySpanProcessor();
 * new TracerProvider({ processors: [memory] }).register();
 * try {
 *   trace.getTracer("lib").startActiveSpan("api span", (apiSpan) => {
 *     new Tracer().span("our span", () => {});
 *     apiSpan.end();
 *   });
 * } finally {
 *   trace.disable();
 *   context.disable();
 *   propagation.disable();
 * }
 * assert.equal(memory.spans[0].name, "api span");
 *
 * const otel = new InMemorySpanExporter();
 * await fromOtelExporter(otel).export(memory.spans);
 * assert.equal(otel.getFinishedSpans()[0].name, "api span");
 * ```
 *
 * @module
 */

export { addSpanProcessor } from "./src/otel/add_span_processor.ts";
export {
  BatchSpanProcessor,
  type BatchSpanProcessorOptions,
} from "./src/otel/batch_span_processor.ts";
export { BridgeContextManager } from "./src/otel/context_manager.ts";
export {
  fromOtelExporter,
  type FromOtelExporterOptions,
  type OtelBackedExporter,
} from "./src/otel/from_otel_exporter.ts";
export { toReadableSpan, type ToReadableSpanOptions } from "./src/otel/readable_span.ts";
export {
  SimpleSpanProcessor,
  type SimpleSpanProcessorOptions,
} from "./src/otel/simple_span_processor.ts";
export { toOtelExporter } from "./src/otel/to_otel_exporter.ts";
export {
  type RegisterOptions,
  TracerProvider,
  type TracerProviderOptions,
} from "./src/otel/tracer_provider.ts";
