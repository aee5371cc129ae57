/**
 * The OpenTelemetry SDK's `BatchSpanProcessor`, with this
 * library's defaults (batches of 100, every 5 s), taking this library's
 * spans and exporters too.
 *
 * @module
 */

import { DEFAULT_FLUSH_INTERVAL_MS, DEFAULT_MAX_BATCH_SIZE } from "../export/_batch_defaults.ts";
import type { SpanExporterLike } from "../export/exporter.ts";
import { readOtlpEnv } from "../otlp/env.ts";
import { readProcessVariables } from "../otlp/_process_env.ts";
import { otlpVariables } from "../otlp/_read_otlp_env_of.ts";
import { Span } from "../span/span.ts";
import { givenResource, resolveResource } from "./_otel_resource.ts";
import { readableSpanOf } from "./_readable_span.ts";
import { isSampledOf } from "../span/_span_ids.ts";
import {
  SDK_EXPORT_TIMEOUT_MS,
  SDK_MAX_QUEUE_SIZE,
  type SdkProcessorClass,
  sdkProcessorClass,
} from "./_sdk.ts";
import type {
  OtelBufferConfig,
  OtelReadableSpan,
  OtelResource,
  OtelSpanExporter,
} from "./_sdk_types.ts";
import type { ToReadableSpanOptions } from "./readable_span.ts";
import { asOtelExporter } from "./_as_otel_exporter.ts";
import { markNoopStart } from "../trace/_processor_fan_out.ts";

// Loaded at run time: without the SDK, constructing one says what to install.
const SdkBatchSpanProcessor: SdkProcessorClass<OtelBufferConfig> = sdkProcessorClass(
  (sdk) => sdk.BatchSpanProcessor,
  "BatchSpanProcessor",
);

/**
 * Options of this entry's {@linkcode BatchSpanProcessor}: the SDK's buffer
 * settings and a resource for this library's spans. A setting left out
 * comes from its `OTEL_BSP_*` environment variable, else this library's
 * default.
 */
export interface BatchSpanProcessorOptions extends OtelBufferConfig, ToReadableSpanOptions {}

/**
 * The OpenTelemetry SDK's `BatchSpanProcessor` (it subclasses it and keeps
 * its behaviour: a bounded queue, dropped spans counted, an `unref`'d
 * timer) with this library's defaults: a batch of 100 spans, every 5
 * seconds.
 * It takes either an OpenTelemetry `SpanExporter` or this library's
 * exporter, and works in an OpenTelemetry `TracerProvider` and in this
 * library's `Tracer` alike. It needs `@opentelemetry/sdk-trace-base` (SDK
 * 2.x) installed: without it the constructor throws a `TypeError` that says
 * so.
 *
 * The core's `BatchSpanProcessor` (from `@codomyrmex/spans`) is this library's own,
 * with counted stats; use this one where an OpenTelemetry `SpanProcessor` is
 * needed (an OpenTelemetry provider, {@linkcode addSpanProcessor}).
 *
 * @example
 * ```ts
 * import { Tracer } from "@codomyrmex/spans";
 * import { BatchSpanProcessor } from "@codomyrmex/spans/otel";
 * import { InMemorySpanExporter } from "@opentelemetry/sdk-trace-base";
 * import assert from "node:assert/strict";
 *
 * const otel = new InMemorySpanExporter();
 * const processor = new BatchSpanProcessor(otel);
 * const tracer = new Tracer({ processors: [processor] });
 * tracer.startSpan("a").end();
 * tracer.startSpan("b").end();
 * assert.equal(otel.getFinishedSpans().length, 0);
 * await processor.forceFlush();
 * assert.deepEqual(otel.getFinishedSpans().map((s) => s.name), ["a", "b"]);
 * await processor.shutdown();
 * ```
 */
export class BatchSpanProcessor extends SdkBatchSpanProcessor {
  readonly #resource: OtelResource;

  /**
   * Creates the processor.
   *
   * @param exporter An OpenTelemetry `SpanExporter`, or this library's exporter.
   * @param options Buffer settings and the resource.
   * @throws {TypeError} When `exporter` is neither, or `@opentelemetry/sdk-trace-base` is not
   *   installed.
   *
   * @example
   * ```ts
   * import { BatchSpanProcessor } from "@codomyrmex/spans/otel";
   * import assert from "node:assert/strict";
   *
   * const processor = new BatchSpanProcessor(() => {}, { scheduledDelayMillis: 1000 });
   * await processor.shutdown();
   * assert.throws(() => new BatchSpanProcessor(null as never), TypeError);
   * ```
   */
  constructor(
    exporter: OtelSpanExporter | SpanExporterLike,
    options: BatchSpanProcessorOptions = {},
  ) {
    const { resource, ...config } = options;
    const env = batchEnv();
    super(asOtelExporter(exporter, "BatchSpanProcessor"), {
      ...config,
      maxExportBatchSize: config.maxExportBatchSize ?? env.maxExportBatchSize ??
        DEFAULT_MAX_BATCH_SIZE,
      scheduledDelayMillis: config.scheduledDelayMillis ?? env.scheduleDelayMs ??
        DEFAULT_FLUSH_INTERVAL_MS,
      // The SDK reads these two itself, through process.env, which throws
      // (or prompts) on Deno without the permission: then the SDK's
      // defaults, given here so that it reads nothing.
      maxQueueSize: config.maxQueueSize ??
        (env.denied.has(QUEUE_SIZE) ? SDK_MAX_QUEUE_SIZE : undefined),
      exportTimeoutMillis: config.exportTimeoutMillis ??
        (env.denied.has(EXPORT_TIMEOUT) ? SDK_EXPORT_TIMEOUT_MS : undefined),
    });
    this.#resource = resolveResource(resource);
    if (resource !== undefined && resource !== null) givenResource.add(this);
  }

  /**
   * Does nothing: spans are queued when they end.
   *
   * @param _span The span that started.
   * @param _parentContext Its parent context, in an OpenTelemetry provider.
   *
   * @example
   * ```ts
   * import { Span } from "@codomyrmex/spans";
   * import { BatchSpanProcessor } from "@codomyrmex/spans/otel";
   *
   * const processor = new BatchSpanProcessor(() => {});
   * processor.onStart(new Span("x"));
   * await processor.shutdown();
   * ```
   */
  override onStart(_span: unknown, _parentContext?: unknown): void {}

  /**
   * Queues the span if it is sampled.
   *
   * @param span An OpenTelemetry `ReadableSpan`, or this library's span.
   *
   * @example
   * ```ts
   * import { Span } from "@codomyrmex/spans";
   * import { BatchSpanProcessor } from "@codomyrmex/spans/otel";
   * import assert from "node:assert/strict";
   *
   * let count = 0;
   * const processor = new BatchSpanProcessor((spans) => void (count += spans.length));
   * processor.onEnd(new Span("x").start().end());
   * await processor.shutdown();
   * assert.equal(count, 1);
   * ```
   */
  override onEnd(span: OtelReadableSpan | Span): void {
    if (!(span instanceof Span)) return super.onEnd(span);
    // The SDK processor drops unsampled spans itself: skip converting them.
    if (isSampledOf(span)) super.onEnd(readableSpanOf(span, this.#resource));
  }
}

// Its onStart does nothing: a Tracer with it makes no parent context for it.
markNoopStart(BatchSpanProcessor.prototype.onStart);

const BATCH_SIZE = "OTEL_BSP_MAX_EXPORT_BATCH_SIZE";
const SCHEDULE_DELAY = "OTEL_BSP_SCHEDULE_DELAY";
const QUEUE_SIZE = "OTEL_BSP_MAX_QUEUE_SIZE";
const EXPORT_TIMEOUT = "OTEL_BSP_EXPORT_TIMEOUT";

// The two OTEL_BSP_* variables this processor takes, checked as
// setupTracing checks them (a positive integer, else one warning naming the
// variable and the default); only these two are read, so no other variable
// is warned about here. The SDK reads the other two: whether the runtime
// lets it is asked (which never prompts), and said with these.
function batchEnv(): {
  maxExportBatchSize?: number;
  scheduleDelayMs?: number;
  denied: ReadonlySet<string>;
} {
  const { values, denied } = readProcessVariables([
    BATCH_SIZE,
    SCHEDULE_DELAY,
    QUEUE_SIZE,
    EXPORT_TIMEOUT,
  ], otlpVariables());
  const { maxExportBatchSize, scheduleDelayMs } = readOtlpEnv({
    [BATCH_SIZE]: values[BATCH_SIZE],
    [SCHEDULE_DELAY]: values[SCHEDULE_DELAY],
  });
  return { maxExportBatchSize, scheduleDelayMs, denied };
}
