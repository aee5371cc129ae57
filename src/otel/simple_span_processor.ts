/**
 * The OpenTelemetry SDK's `SimpleSpanProcessor`, taking this library's
 * spans and exporters too.
 *
 * @module
 */

import type { SpanExporterLike } from "../export/exporter.ts";
import { Span } from "../span/span.ts";
import { givenResource, resolveResource } from "./_otel_resource.ts";
import { readableSpanOf } from "./_readable_span.ts";
import { isSampledOf } from "../span/_span_ids.ts";
import { type SdkProcessorClass, sdkProcessorClass } from "./_sdk.ts";
import type { OtelReadableSpan, OtelResource, OtelSpanExporter } from "./_sdk_types.ts";
import type { ToReadableSpanOptions } from "./readable_span.ts";
import { asOtelExporter } from "./_as_otel_exporter.ts";
import { markNoopStart } from "../trace/_processor_fan_out.ts";

// Loaded at run time: without the SDK, constructing one says what to install.
const SdkSimpleSpanProcessor: SdkProcessorClass = sdkProcessorClass(
  (sdk) => sdk.SimpleSpanProcessor,
  "SimpleSpanProcessor",
);

/** Options of this entry's {@linkcode SimpleSpanProcessor}. */
export type SimpleSpanProcessorOptions = ToReadableSpanOptions;

/**
 * The OpenTelemetry SDK's `SimpleSpanProcessor` (it subclasses it and keeps
 * its behaviour: one export per sampled span as it ends), taking either an
 * OpenTelemetry `SpanExporter` or this library's exporter (an object or a
 * function). It works in an OpenTelemetry `TracerProvider` and in this
 * library's `Tracer` alike: a span of this library is converted with
 * {@linkcode toReadableSpan} and `options.resource`. It needs
 * `@opentelemetry/sdk-trace-base` (SDK 2.x) installed: without it the
 * constructor throws a `TypeError` that says so.
 *
 * The core's `SimpleSpanProcessor` (from `@codomyrmex/spans`) is this library's own,
 * with counted stats; use this one where an OpenTelemetry `SpanProcessor` is
 * needed (an OpenTelemetry provider, {@linkcode addSpanProcessor}).
 *
 * @example
 * ```ts
 * import { Tracer, type Span } from "@codomyrmex/spans";
 * import { SimpleSpanProcessor } from "@codomyrmex/spans/otel";
 * import { InMemorySpanExporter } from "@opentelemetry/sdk-trace-base";
 * import assert from "node:assert/strict";
 *
 * // An OpenTelemetry exporter behind this library's Tracer:
 * const otel = new InMemorySpanExporter();
 * const tracer = new Tracer({ processors: [new SimpleSpanProcessor(otel)] });
 * tracer.startSpan("job").end();
 * assert.equal(otel.getFinishedSpans()[0].name, "job");
 *
 * // This library's exporter (here a function) behind it:
 * const got: Span[] = [];
 * const processor = new SimpleSpanProcessor((spans) => void got.push(...spans));
 * new Tracer({ processors: [processor] }).startSpan("other").end();
 * await processor.forceFlush();
 * assert.equal(got[0].name, "other");
 * ```
 */
export class SimpleSpanProcessor extends SdkSimpleSpanProcessor {
  readonly #resource: OtelResource;

  /**
   * Creates the processor.
   *
   * @param exporter An OpenTelemetry `SpanExporter`, or this library's exporter.
   * @param options The resource for this library's spans.
   * @throws {TypeError} When `exporter` is neither, or `@opentelemetry/sdk-trace-base` is not
   *   installed.
   *
   * @example
   * ```ts
   * import { SimpleSpanProcessor } from "@codomyrmex/spans/otel";
   * import assert from "node:assert/strict";
   *
   * assert.throws(() => new SimpleSpanProcessor(42 as never), TypeError);
   * ```
   */
  constructor(
    exporter: OtelSpanExporter | SpanExporterLike,
    options?: SimpleSpanProcessorOptions,
  ) {
    super(asOtelExporter(exporter, "SimpleSpanProcessor"));
    this.#resource = resolveResource(options?.resource);
    if (options?.resource !== undefined && options.resource !== null) givenResource.add(this);
  }

  /**
   * Does nothing: spans are exported when they end.
   *
   * @param _span The span that started.
   * @param _parentContext Its parent context, in an OpenTelemetry provider.
   *
   * @example
   * ```ts
   * import { Span } from "@codomyrmex/spans";
   * import { SimpleSpanProcessor } from "@codomyrmex/spans/otel";
   *
   * new SimpleSpanProcessor(() => {}).onStart(new Span("x"));
   * ```
   */
  override onStart(_span: unknown, _parentContext?: unknown): void {}

  /**
   * Exports the span if it is sampled.
   *
   * @param span An OpenTelemetry `ReadableSpan`, or this library's span.
   *
   * @example
   * ```ts
   * import { Span } from "@codomyrmex/spans";
   * import { SimpleSpanProcessor } from "@codomyrmex/spans/otel";
   * import assert from "node:assert/strict";
   *
   * let count = 0;
   * const processor = new SimpleSpanProcessor((spans) => void (count += spans.length));
   * processor.onEnd(new Span("x").start().end());
   * await processor.forceFlush();
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
markNoopStart(SimpleSpanProcessor.prototype.onStart);
