/**
 * The OpenTelemetry SDK's `BatchSpanProcessor`, with this
 * library's defaults (batches of 100, every 5 s), taking this library's
 * spans and exporters too.
 *
 * @module
 */

import { getNumberFromEnv } from "@opentelemetry/core";
import type { Resource } from "@opentelemetry/resources";
import {
  BatchSpanProcessor as SdkBatchSpanProcessor,
  type BufferConfig,
  type ReadableSpan,
  type SpanExporter as OtelSpanExporter,
} from "@opentelemetry/sdk-trace-base";
import type { SpanExporterLike } from "../export/exporter.ts";
import { Span } from "../span/span.ts";
import { readableSpanOf, resolveResource } from "./_readable_span.ts";
import type { ToReadableSpanOptions } from "./readable_span.ts";
import { asOtelExporter } from "./_as_otel_exporter.ts";

/**
 * Options of this entry's {@linkcode BatchSpanProcessor}: the SDK's buffer
 * settings and a resource for this library's spans. A setting left out
 * comes from its `OTEL_BSP_*` environment variable, else this library's
 * default.
 */
export interface BatchSpanProcessorOptions extends BufferConfig, ToReadableSpanOptions {}

/** This library's batch size, where the SDK's is 512. */
const DEFAULT_BATCH_SIZE = 100;
/** This library's flush interval, 5 s, the same as the SDK's. */
const DEFAULT_DELAY_MS = 5000;

/**
 * The OpenTelemetry SDK's `BatchSpanProcessor` (it subclasses it and keeps
 * its behaviour: a bounded queue, dropped spans counted, an `unref`'d
 * timer) with this library's defaults: a batch of 100 spans, every 5
 * seconds.
 * It takes either an OpenTelemetry `SpanExporter` or this library's
 * exporter, and works in an OpenTelemetry `TracerProvider` and in this
 * library's `Tracer` alike.
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
  readonly #resource: Resource;

  /**
   * Creates the processor.
   *
   * @param exporter An OpenTelemetry `SpanExporter`, or this library's exporter.
   * @param options Buffer settings and the resource.
   * @throws {TypeError} When `exporter` is neither.
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
    super(asOtelExporter(exporter, "BatchSpanProcessor"), {
      ...config,
      maxExportBatchSize: config.maxExportBatchSize ??
        readEnvNumber("OTEL_BSP_MAX_EXPORT_BATCH_SIZE") ?? DEFAULT_BATCH_SIZE,
      scheduledDelayMillis: config.scheduledDelayMillis ??
        readEnvNumber("OTEL_BSP_SCHEDULE_DELAY") ?? DEFAULT_DELAY_MS,
    });
    this.#resource = resolveResource(resource);
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
  override onEnd(span: ReadableSpan | Span): void {
    if (!(span instanceof Span)) return super.onEnd(span);
    // The SDK processor drops unsampled spans itself: skip converting them.
    if (span.context.isSampled) super.onEnd(readableSpanOf(span, this.#resource));
  }
}

// Reading the environment may need a permission (Deno): without it, the default.
function readEnvNumber(name: string): number | undefined {
  try {
    return getNumberFromEnv(name);
  } catch {
    return undefined;
  }
}
