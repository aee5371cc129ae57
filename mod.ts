/**
 * `@codomyrmex/spans`: tracing spans for Deno, Bun, Node and the browser,
 * with an async-safe current span, bounded processors, samplers and no
 * runtime dependencies.
 *
 * ```ts
 * import { InMemorySpanProcessor, renderTree, Tracer } from "@codomyrmex/spans";
 * import assert from "node:assert/strict";
 *
 * const memory = new InMemorySpanProcessor();
 * const tracer = new Tracer({ name: "shop", processors: [memory] });
 *
 * await tracer.span("checkout", async (span) => {
 *   span.setAttribute("cart.items", 3);
 *   await tracer.span("charge card", async () => {});
 * });
 *
 * assert.equal(memory.spans.length, 2);
 * assert.match(renderTree(memory.spans), /checkout/);
 * ```
 *
 * @module
 */

export {
  type AttributePrimitive,
  type Attributes,
  type AttributeValue,
  DEFAULT_SPAN_LIMITS,
  type ResolvedSpanLimits,
  sanitizeAttributeValue,
  type SpanLimits,
} from "./src/attributes.ts";
export { type Clock, systemClock } from "./src/clock.ts";
export {
  Context,
  type ContextStorage,
  getActiveContext,
  getContextStorage,
  getCurrentSpan,
  isTracingSuppressed,
  ROOT_CONTEXT,
  setContextStorage,
  setCurrentSpan,
  SPAN_KEY,
  StackContextStorage,
  SUPPRESS_TRACING_KEY,
  suppressTracing,
  withContext,
  withSpan,
} from "./src/context.ts";
export { type IdGenerator, isValidSpanId, isValidTraceId, RandomIdGenerator } from "./src/ids.ts";
export { ManualTime } from "./src/manual_time.ts";
export {
  AlwaysOffSampler,
  AlwaysOnSampler,
  ParentBasedSampler,
  type ParentBasedSamplerOptions,
  type Sampler,
  type SamplingDecision,
  type SamplingParameters,
  type SamplingResult,
  TraceIdRatioSampler,
} from "./src/sampler.ts";
export { type Scheduler, systemScheduler, type TimerHandle, unrefTimer } from "./src/scheduler.ts";
export {
  type InstrumentationScope,
  Span,
  type SpanEvent,
  type SpanInit,
  type SpanJSON,
  type SpanKind,
  type SpanLink,
  type SpanListener,
  type SpanStatus,
  type SpanStatusCode,
} from "./src/span.ts";
export { SpanContext, type SpanContextInit, TraceFlags } from "./src/span_context.ts";
export {
  InMemorySpanProcessor,
  type ProcessorStats,
  type SpanProcessor,
} from "./src/span_processor.ts";
export {
  type StartSpanOptions,
  Tracer,
  type TracerOptions,
  type WrapOptions,
} from "./src/tracer.ts";
export { renderTree, type RenderTreeOptions } from "./src/tree.ts";
export { type ExportResult, type SpanExporter, type SpanExporterLike } from "./src/exporter.ts";
export { Baggage, type BaggageEntry } from "./src/propagation/baggage.ts";
export {
  BAGGAGE_KEY,
  getBaggage,
  setBaggage,
  withBaggage,
} from "./src/propagation/baggage_context.ts";
export { type HeaderCarrier } from "./src/propagation/carrier.ts";
export {
  extractBaggage,
  extractContext,
  injectContext,
  type InjectOptions,
} from "./src/propagation/propagation.ts";
export { type PropagationStats, propagationStats } from "./src/propagation/stats.ts";
export { formatTraceparent, parseTraceparent } from "./src/propagation/traceparent.ts";
export { TraceState } from "./src/propagation/tracestate.ts";
export { BatchSpanProcessor, type BatchSpanProcessorOptions } from "./src/batch_span_processor.ts";
export {
  ConsoleSpanExporter,
  type ConsoleSpanExporterOptions,
} from "./src/console_span_exporter.ts";
export { InMemorySpanExporter } from "./src/in_memory_span_exporter.ts";
export {
  SimpleSpanProcessor,
  type SimpleSpanProcessorOptions,
} from "./src/simple_span_processor.ts";
