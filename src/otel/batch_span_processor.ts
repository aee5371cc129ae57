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
import { ExitFlushes } from "./_exit_flushes.ts";
import { markNoopStart } from "../trace/_processor_fan_out.ts";

const WHO = "BatchSpanProcessor";

// Loaded at run time: without the SDK, constructing one says what to install.
const SdkBatchSpanProcessor: SdkProcessorClass<OtelBufferConfig> = sdkProcessorClass(
  (sdk) => sdk.BatchSpanProcessor,
  "BatchSpanProcessor",
);

/**
 * Options of this entry's {@linkcode BatchSpanProcessor}: the SDK's buffer
 * settings, a resource for this library's spans, and the flushes on the way
 * out, as the core's `BatchSpanProcessor` has them. A buffer setting left
 * out comes from its `OTEL_BSP_*` environment variable, else this library's
 * default.
 */
export interface BatchSpanProcessorOptions extends OtelBufferConfig, ToReadableSpanOptions {
  /**
   * Export what is queued when the process ends normally (Deno, Bun and
   * Node's "beforeExit"; not `process.exit()`, `Deno.exit()` or a signal).
   * Default `true`. Spans that end while the process is ending are
   * exported too, for at most 5 flushes in a row, then left with one
   * warning, so the process still ends. Each export keeps the process alive
   * for `exportTimeoutMillis` at most, as the SDK bounds it; one that fails
   * is reported through `setDiagnostics`.
   */
  flushOnExit?: boolean;
  /**
   * Export what is queued when the process receives SIGTERM or SIGINT,
   * within `signalFlushTimeoutMs`, then let it end as it would have: of the
   * same signal, or, when the application listens for it too, when the
   * application decides. Default `false`.
   */
  flushOnSignal?: boolean;
  /**
   * Export what is queued before an uncaught exception or unhandled
   * rejection ends the process, within `signalFlushTimeoutMs`; the runtime
   * then reports the error and exits as it would have. Default `false`.
   */
  flushOnCrash?: boolean;
  /**
   * The longest a flush on a signal or a crash keeps the process alive, in
   * ms, from the signal or the error. Default 5000.
   */
  signalFlushTimeoutMs?: number;
}

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
 * Unlike the SDK's, and like the core's, it exports what is queued when the
 * process ends normally (`flushOnExit`, on by default), and, when asked, on
 * SIGTERM or SIGINT (`flushOnSignal`) and before an uncaught error ends the
 * process (`flushOnCrash`): the spans of a batch not yet full are not lost
 * with the process. `process.exit()` and `Deno.exit()` skip every flush:
 * call {@linkcode BatchSpanProcessor.shutdown} first. None of these keeps
 * a process alive that would otherwise end; a flush does, while it runs.
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
  readonly #exitFlushes: ExitFlushes;

  /**
   * Creates the processor.
   *
   * @param exporter An OpenTelemetry `SpanExporter`, or this library's exporter.
   * @param options Buffer settings, the resource, and the exit, signal and crash flushes.
   * @throws {TypeError} When `exporter` is neither, `@opentelemetry/sdk-trace-base` is not
   *   installed, or a `flushOn…` option is not a boolean.
   * @throws {RangeError} When `signalFlushTimeoutMs` is not a positive finite number.
   *
   * @example
   * ```ts
   * import { BatchSpanProcessor } from "@codomyrmex/spans/otel";
   * import assert from "node:assert/strict";
   *
   * const processor = new BatchSpanProcessor(() => {}, {
   *   scheduledDelayMillis: 1000,
   *   flushOnSignal: true, // SIGTERM, SIGINT: export, then end as the signal would
   * });
   * await processor.shutdown();
   * assert.throws(() => new BatchSpanProcessor(null as never), TypeError);
   * assert.throws(() => new BatchSpanProcessor(() => {}, { flushOnExit: "no" as never }), TypeError);
   * assert.throws(() => new BatchSpanProcessor(() => {}, { signalFlushTimeoutMs: 0 }), RangeError);
   * ```
   */
  constructor(
    exporter: OtelSpanExporter | SpanExporterLike,
    options: BatchSpanProcessorOptions = {},
  ) {
    const {
      resource,
      flushOnExit,
      flushOnSignal,
      flushOnCrash,
      signalFlushTimeoutMs,
      ...config
    } = options;
    const env = batchEnv();
    const otelExporter = asOtelExporter(exporter, WHO);
    super(otelExporter, {
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
    this.#exitFlushes = new ExitFlushes(
      {
        waiting: () => sdkBuffered(this),
        flush: () => this.forceFlush(),
        // Async, so that an exporter's forceFlush that throws, or returns no
        // promise, still gives a promise that settles.
        flushExporter: async () => {
          await otelExporter.forceFlush?.();
        },
      },
      { flushOnExit, flushOnSignal, flushOnCrash, signalFlushTimeoutMs },
      WHO,
    );
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

  /**
   * Stops flushing on the way out (the process's exit, a signal, a crash),
   * then does the SDK's shutdown: exports what is queued and shuts the
   * exporter down. Runs once: a second call returns the first call's promise.
   *
   * @returns A promise that resolves once the exporter has shut down.
   *
   * @example
   * ```ts
   * import { Span } from "@codomyrmex/spans";
   * import { BatchSpanProcessor } from "@codomyrmex/spans/otel";
   * import assert from "node:assert/strict";
   *
   * const names: string[] = [];
   * const processor = new BatchSpanProcessor((spans) => void names.push(...spans.map((s) => s.name)));
   * processor.onEnd(new Span("queued").start().end());
   * await processor.shutdown();
   * assert.deepEqual(names, ["queued"]);
   * ```
   */
  override shutdown(): Promise<void> {
    this.#exitFlushes.unregister();
    return super.shutdown();
  }
}

// Its onStart does nothing: a Tracer with it makes no parent context for it.
markNoopStart(BatchSpanProcessor.prototype.onStart);

// The spans waiting in the SDK processor's buffer, which the SDK keeps in
// `_finishedSpans` (1.x and 2.x) and does not expose otherwise: read so that
// the exit flush knows whether it has anything to do. Unreadable (an SDK
// that renamed it), a flush is always worth trying: 1.
function sdkBuffered(processor: object): number {
  try {
    const buffer = (processor as { _finishedSpans?: unknown })._finishedSpans;
    return Array.isArray(buffer) ? buffer.length : 1;
  } catch {
    return 1;
  }
}

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
