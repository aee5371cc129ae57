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
} from "./src/span/attributes.ts";
export { type Clock, systemClock } from "./src/platform/clock.ts";
export {
  type Diagnostic,
  type DiagnosticLevel,
  type DiagnosticSink,
  type DiagnosticsOptions,
  setDiagnostics,
} from "./src/platform/diagnostics.ts";
export { Context, ROOT_CONTEXT } from "./src/context/context.ts";
export {
  type ContextStorage,
  getContextStorage,
  getCurrentContext,
  setContextStorage,
  StackContextStorage,
  withContext,
} from "./src/context/storage.ts";
export { getCurrentSpan, setCurrentSpan, SPAN_KEY, withSpan } from "./src/context/current_span.ts";
export { type TraceFields, traceFields } from "./src/context/trace_fields.ts";
export {
  isTracingSuppressed,
  SUPPRESS_TRACING_KEY,
  suppressTracing,
} from "./src/context/suppression.ts";
export {
  type IdGenerator,
  isValidSpanId,
  isValidTraceId,
  RandomIdGenerator,
} from "./src/platform/ids.ts";
export {
  AlwaysOffSampler,
  AlwaysOnSampler,
  AlwaysRecordSampler,
  ParentBasedSampler,
  type ParentBasedSamplerOptions,
  ProbabilitySampler,
  type Sampler,
  type SamplingDecision,
  type SamplingParameters,
  type SamplingResult,
  TraceIdRatioSampler,
} from "./src/trace/sampler.ts";
export {
  ComposableAlwaysOff,
  ComposableAlwaysOn,
  ComposableAnnotating,
  ComposableParentThreshold,
  ComposableProbability,
  type ComposableSampler,
  type ComposableSamplingParameters,
  CompositeSampler,
  type CompositeSamplerOptions,
  type SamplingIntent,
} from "./src/trace/composable_sampler.ts";
export {
  ComposableRuleBased,
  type SamplingPredicate,
  type SamplingRule,
} from "./src/trace/composable_rule_based.ts";
export {
  type Scheduler,
  systemScheduler,
  type TimerHandle,
  type TimerOptions,
  unrefTimer,
} from "./src/platform/scheduler.ts";
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
} from "./src/span/span.ts";
export { SpanContext, type SpanContextInit, TraceFlags } from "./src/span/span_context.ts";
export { InMemorySpanProcessor } from "./src/export/in_memory_span_processor.ts";
export { type ProcessorStats, type SpanProcessor } from "./src/trace/span_processor.ts";
export {
  type StartSpanOptions,
  Tracer,
  type TracerOptions,
  type WrapOptions,
} from "./src/trace/tracer.ts";
export { getDefaultTracer, setDefaultTracer } from "./src/trace/default_tracer.ts";
export { renderTree, type RenderTreeOptions } from "./src/export/tree.ts";
export {
  type ExportResult,
  type SpanExporter,
  type SpanExporterLike,
} from "./src/export/exporter.ts";
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
export {
  BatchSpanProcessor,
  type BatchSpanProcessorOptions,
} from "./src/export/batch_span_processor.ts";
export {
  ConsoleSpanExporter,
  type ConsoleSpanExporterOptions,
} from "./src/export/console_span_exporter.ts";
export { InMemorySpanExporter } from "./src/export/in_memory_span_exporter.ts";
export {
  SimpleSpanProcessor,
  type SimpleSpanProcessorOptions,
} from "./src/export/simple_span_processor.ts";
