/**
 * One call to trace an application into an OTLP backend: a tracer whose
 * spans go through a {@linkcode BatchSpanProcessor} to an
 * {@linkcode OtlpHttpExporter}, configured from options, then from the
 * `OTEL_*` environment variables.
 *
 * @module
 */

import { DEFAULT_MAX_BATCH_SIZE, DEFAULT_MAX_QUEUE_SIZE } from "../export/_batch_defaults.ts";
import { isPositiveInteger } from "../export/_options.ts";
import { describe } from "../platform/_describe.ts";
import { warnOnce } from "../platform/_warn.ts";
import {
  BatchSpanProcessor,
  type BatchSpanProcessorOptions,
} from "../export/batch_span_processor.ts";
import type { Clock } from "../platform/clock.ts";
import type { SpanLimits } from "../span/attributes.ts";
import type { Sampler } from "../trace/sampler.ts";
import type { Scheduler } from "../platform/scheduler.ts";
import { getDefaultTracer, setDefaultTracer } from "../trace/default_tracer.ts";
import { shutDownProcessors } from "../export/_shut_down.ts";
import { passThroughTracer } from "../trace/_pass_through_tracer.ts";
import { Tracer } from "../trace/tracer.ts";
import { type EnvSource, type OtlpEnvConfig, readOtlpEnv } from "./env.ts";
import { ConsoleSpanExporter } from "../export/console_span_exporter.ts";
import { SimpleSpanProcessor } from "../export/simple_span_processor.ts";
import type { SpanProcessor } from "../trace/span_processor.ts";
import type { FetchFunction } from "../platform/fetch_function.ts";
import { mergeSpanLimits } from "./_merge_limits.ts";
import { OtlpHttpExporter } from "./otlp_http_exporter.ts";
import type { OtlpCompression, OtlpProtocol } from "./protocol.ts";
import { Resource } from "./resource.ts";

/**
 * How {@linkcode setupTracing} wires things. Every field is optional: an
 * option wins over its `OTEL_*` variable, which wins over the default.
 */
export interface SetupTracingOptions {
  /** `service.name` (else `OTEL_SERVICE_NAME`, else `unknown_service:<runtime>`). */
  serviceName?: string;
  /** `service.version`. */
  serviceVersion?: string;
  /**
   * More resource attributes, such as `deployment.environment.name`; they
   * win over the environment's (a `service.name` among them over
   * `OTEL_SERVICE_NAME` too), and `serviceName` wins over them.
   */
  resourceAttributes?: Readonly<Record<string, unknown>>;
  /** The tracer's instrumentation scope name. Default: the service name. */
  name?: string;
  /** The tracer's instrumentation scope version. Default: the service version. */
  version?: string;
  /** The traces endpoint (`OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`). */
  url?: string;
  /** `"http/protobuf"` (default) or `"http/json"`. */
  protocol?: OtlpProtocol;
  /** Request headers, such as an API key. */
  headers?: Readonly<Record<string, string>>;
  /** `"gzip"` or `"none"` (default). */
  compression?: OtlpCompression;
  /** The most one export may take, retries included, in ms. Default 10000. */
  timeoutMs?: number;
  /** Who decides which spans are recorded (`OTEL_TRACES_SAMPLER`). Default parent-based always-on. */
  sampler?: Sampler;
  /**
   * Bounds on attributes, events and links per span, as the Tracer's
   * `limits`; each one given wins over its variable (`OTEL_SPAN_*_LIMIT`,
   * `OTEL_ATTRIBUTE_*_LIMIT`, `OTEL_EVENT_ATTRIBUTE_COUNT_LIMIT`,
   * `OTEL_LINK_ATTRIBUTE_COUNT_LIMIT`, or the JS SDK's spellings of these
   * two; see `OtlpEnvConfig.limits`).
   * Default 128 of each, values of any length.
   */
  limits?: SpanLimits;
  /**
   * How many waiting spans make a batch that goes out at once
   * (`OTEL_BSP_MAX_EXPORT_BATCH_SIZE`, which sets `maxExportBatchSize` too).
   * Default 100.
   */
  maxBatchSize?: number;
  /**
   * The most spans one export carries (`OTEL_BSP_MAX_EXPORT_BATCH_SIZE`).
   * Default 1024, or `maxBatchSize` when larger.
   */
  maxExportBatchSize?: number;
  /** The longest a span waits for its batch, ms (`OTEL_BSP_SCHEDULE_DELAY`). Default 5000. */
  flushIntervalMs?: number;
  /** The most spans waiting for export (`OTEL_BSP_MAX_QUEUE_SIZE`). Default 4096. */
  maxQueueSize?: number;
  /** How long the processor lets one export run, ms (`OTEL_BSP_EXPORT_TIMEOUT`). Default 30000. */
  exportTimeoutMs?: number;
  /** Export what is queued when the process ends normally. Default `true`. */
  flushOnExit?: boolean;
  /**
   * Export what is queued when the process receives SIGTERM or SIGINT, then
   * let it end as it would have (of the same signal; when the application
   * listens for the signal too, the application decides). Default `true`.
   */
  flushOnSignal?: boolean;
  /**
   * Export what is queued before an uncaught exception or unhandled
   * rejection ends the process, which the runtime then reports as usual.
   * Default `true`.
   */
  flushOnCrash?: boolean;
  /** The longest a flush on a signal or a crash keeps the process alive, in ms. Default 5000. */
  signalFlushTimeoutMs?: number;
  /**
   * Scrubs attributes before export: the batch processor's `redact` (see
   * {@linkcode BatchSpanProcessorOptions.redact}). Default: none, at no cost.
   */
  redact?: BatchSpanProcessorOptions["redact"];
  /**
   * `true` makes a tracer that records nothing (`OTEL_SDK_DISABLED`) and
   * passes the incoming trace on unchanged, as OpenTelemetry's no-op API
   * does. Default `false`.
   */
  disabled?: boolean;
  /**
   * Make the tracer the default tracer (see `setDefaultTracer`), which
   * instrumentation given no tracer uses. Default `true`.
   */
  setDefault?: boolean;
  /** Where `OTEL_*` variables are read; the process environment when omitted. */
  env?: EnvSource;
  /** Where times come from. */
  clock?: Clock;
  /** Where timers run. */
  scheduler?: Scheduler;
  /** The `fetch` the exporter calls. Default: the global one. */
  fetch?: FetchFunction;
}

/** What {@linkcode setupTracing} returns. */
export interface TracingSetup {
  /** The tracer to start spans with. */
  readonly tracer: Tracer;
  /** The resource sent with every batch. */
  readonly resource: Resource;
  /**
   * The OTLP exporter; `undefined` when tracing is disabled, or when
   * `OTEL_TRACES_EXPORTER` names no `otlp` (`none`, `console`).
   */
  readonly exporter: OtlpHttpExporter | undefined;
  /** The OTLP exporter's batch processor; `undefined` when there is no OTLP exporter. */
  readonly processor: BatchSpanProcessor | undefined;
  /** Exports every span ended so far. */
  forceFlush(): Promise<void>;
  /**
   * Exports what is queued, then stops, and puts back the default tracer
   * this setup replaced (unless another was set since). Call it before the
   * process exits.
   */
  shutdown(): Promise<void>;
  /** The same as {@linkcode TracingSetup.shutdown}, for `await using`. */
  [Symbol.asyncDispose](): Promise<void>;
}

/**
 * Sets up tracing to an OTLP backend in one call: a {@linkcode Resource}
 * for the service, an {@linkcode OtlpHttpExporter}, a
 * {@linkcode BatchSpanProcessor} and a {@linkcode Tracer}. Options win over
 * the `OTEL_*` environment variables, which win over the defaults, so the
 * same code sends to a local Collector in development and to a vendor in
 * production with only `OTEL_EXPORTER_OTLP_ENDPOINT` changed. With
 * `OTEL_SDK_DISABLED=true` (or `disabled: true`) the tracer records and
 * exports nothing, and passes the incoming trace on unchanged, as
 * OpenTelemetry's no-op API does: a span started under a parent (a
 * request's `traceparent`, the current span) carries the parent's own
 * context, so what `instrumentFetch` and `injectContext` send downstream is
 * the `traceparent` and `tracestate` that came in, and the trace stays
 * connected through a disabled service; a span with no parent carries no
 * trace, and no `traceparent` is sent.
 * The tracer becomes the default tracer, so `instrumentFetch` and
 * `traceHandler` given no tracer use it; `setDefault: false` leaves the
 * default alone, and `shutdown()` puts back the default it replaced. Call
 * it once per process: a second call while the first one's pipeline still
 * runs warns once, as both go on exporting.
 *
 * What is queued is exported when the process ends normally, when it
 * receives SIGTERM or SIGINT, and before an uncaught exception ends it (the
 * last two within `signalFlushTimeoutMs`, 5 s); the process then ends as it
 * would have without the library. `process.exit()` and `Deno.exit()` end it
 * at once: call `await shutdown()` before them.
 *
 * @param options The service, the backend, the batching; see {@linkcode SetupTracingOptions}.
 * @returns The tracer, and `shutdown()` to flush before exit.
 * @throws {TypeError} When an option has the wrong type or value.
 * @throws {RangeError} When a size or duration option is out of range.
 *
 * @example
 * ```ts
 * import { setupTracing } from "@codomyrmex/spans/otlp";
 * import assert from "node:assert/strict";
 *
 * const bodies: unknown[] = [];
 * const { tracer, shutdown } = setupTracing({
 *   serviceName: "checkout",
 *   env: { OTEL_EXPORTER_OTLP_ENDPOINT: "http://collector:4318" },
 *   fetch: async (url, init) => {
 *     bodies.push(init?.body);
 *     return new Response(null, { status: 200 });
 *   },
 *   flushOnExit: false,
 * });
 * await tracer.span("handle order", async (span) => {
 *   span.setAttribute("order.items", 3);
 * });
 * await shutdown();
 * assert.equal(bodies.length, 1);
 * ```
 */
export function setupTracing(options: SetupTracingOptions = {}): TracingSetup {
  if (typeof options !== "object" || options === null) {
    throw new TypeError("Cannot set up tracing: options must be an object");
  }
  for (const name of ["disabled", "setDefault"] as const) {
    const value = options[name];
    if (value !== undefined && typeof value !== "boolean") {
      throw new TypeError(
        `Cannot set up tracing: ${name} must be a boolean, got ${describe(value)}`,
      );
    }
  }
  const env = readOtlpEnv(options.env);
  const resource = Resource.detect({
    serviceName: options.serviceName,
    serviceVersion: options.serviceVersion,
    attributes: options.resourceAttributes,
    env: options.env,
  });
  const serviceName = String(resource.attributes["service.name"]);
  const version = options.version ??
    (typeof resource.attributes["service.version"] === "string"
      ? resource.attributes["service.version"]
      : undefined);
  const scope = { name: options.name ?? serviceName, version };
  if (options.disabled ?? env.sdkDisabled) {
    // As OpenTelemetry's no-op API: the incoming trace passes on unchanged.
    const tracer = passThroughTracer({ ...scope, clock: options.clock });
    if (options.setDefault ?? true) replaceDefault(tracer, serviceName);
    const idle = () => Promise.resolve();
    const stop = () => {
      restoreDefault(tracer);
      return Promise.resolve();
    };
    return {
      tracer,
      resource,
      exporter: undefined,
      processor: undefined,
      forceFlush: idle,
      shutdown: stop,
      [Symbol.asyncDispose]: stop,
    };
  }
  // OTEL_TRACES_EXPORTER: OTLP unless it says otherwise; "none" leaves a
  // tracer that records and propagates, and exports nothing.
  const exporters = env.tracesExporters ?? ["otlp"];
  const processors: SpanProcessor[] = [];
  if (exporters.includes("console")) {
    processors.push(new SimpleSpanProcessor(new ConsoleSpanExporter({ clock: options.clock })));
  }
  const otlp = exporters.includes("otlp") ? otlpPipeline(options, env, resource) : undefined;
  if (otlp !== undefined) processors.unshift(otlp.processor);
  const tracer = new Tracer({
    ...scope,
    processors,
    sampler: options.sampler ?? env.sampler,
    limits: mergeSpanLimits(options.limits, env.limits),
    clock: options.clock,
  });
  if (options.setDefault ?? true) replaceDefault(tracer, serviceName, otlp?.processor);
  const shutdown = async () => {
    await tracer.shutdown();
    restoreDefault(tracer);
  };
  return {
    tracer,
    resource,
    exporter: otlp?.exporter,
    processor: otlp?.processor,
    forceFlush: () => tracer.forceFlush(),
    shutdown,
    [Symbol.asyncDispose]: shutdown,
  };
}

// The OTLP exporter and the batch processor in front of it, from the
// options and the OTEL_* variables.
function otlpPipeline(
  options: SetupTracingOptions,
  env: OtlpEnvConfig,
  resource: Resource,
): { exporter: OtlpHttpExporter; processor: BatchSpanProcessor } {
  const exporter = new OtlpHttpExporter({
    url: options.url,
    protocol: options.protocol,
    headers: options.headers,
    compression: options.compression,
    timeoutMs: options.timeoutMs,
    resource,
    env: options.env,
    clock: options.clock,
    scheduler: options.scheduler,
    fetch: options.fetch,
  });
  const maxQueueSize = options.maxQueueSize ?? env.maxQueueSize;
  // OpenTelemetry's export batch size is both what triggers an export and
  // the most one carries: from the environment it sets both.
  const envBatch = options.maxBatchSize === undefined ? env.maxExportBatchSize : undefined;
  let maxBatchSize = options.maxBatchSize ?? envBatch;
  let maxExportBatchSize = options.maxExportBatchSize ?? envBatch;
  // An environment value never makes an explicit option throw.
  if (envBatch !== undefined && maxExportBatchSize! < envBatch) maxBatchSize = maxExportBatchSize;
  const fromEnv = options.maxBatchSize === undefined || options.maxQueueSize === undefined;
  // The defaults (a batch of 100, a queue of 4096) count too: a queue of 50
  // from the environment alone must not meet the default batch and throw.
  const batch = maxBatchSize ?? DEFAULT_MAX_BATCH_SIZE;
  const queue = maxQueueSize ?? DEFAULT_MAX_QUEUE_SIZE;
  // Only sizes that are sizes are reconciled: a bad option is left for the
  // processor to refuse by its own name (not as the batch it was clamped into).
  const sizes = isPositiveInteger(batch) && isPositiveInteger(queue);
  if (sizes && fromEnv && batch > queue) {
    warnOnce(
      `bsp-batch-over-queue:${batch}`,
      `the export batch size (${batch}) exceeds the queue size (${queue}); using the queue size`,
    );
    maxBatchSize = queue;
    if (options.maxExportBatchSize === undefined) maxExportBatchSize = queue;
  }
  // Nor may a queue size from the environment make an explicit
  // maxExportBatchSize throw: the export batch is lowered to the queue.
  if (
    options.maxQueueSize === undefined && env.maxQueueSize !== undefined &&
    isPositiveInteger(maxExportBatchSize) && maxExportBatchSize > queue
  ) {
    warnOnce(
      `bsp-export-batch-over-queue:${maxExportBatchSize}:${queue}`,
      `the export batch size (${maxExportBatchSize}) exceeds the queue size (${queue}); using the queue size`,
    );
    maxExportBatchSize = queue;
  }
  const processor = new BatchSpanProcessor(exporter, {
    maxBatchSize,
    maxExportBatchSize,
    maxQueueSize,
    flushIntervalMs: options.flushIntervalMs ?? env.scheduleDelayMs,
    exportTimeoutMs: options.exportTimeoutMs ?? env.exportTimeoutMs,
    flushOnExit: options.flushOnExit,
    flushOnSignal: options.flushOnSignal ?? true,
    flushOnCrash: options.flushOnCrash ?? true,
    signalFlushTimeoutMs: options.signalFlushTimeoutMs,
    redact: options.redact,
    scheduler: options.scheduler,
    clock: options.clock,
  });
  return { exporter, processor };
}

// The pipeline the last setupTracing made the default, while it runs.
let running: { tracer: Tracer; service: string; processor: BatchSpanProcessor } | undefined;

// Makes `tracer` the default. Replacing the default of an earlier
// setupTracing whose pipeline still runs is a mistake more often than not
// (tracing set up in two modules, or in a function called more than once): both keep
// exporting, and the first one's tracer is no longer the one instrumentation
// uses. It is said once.
function replaceDefault(tracer: Tracer, service: string, processor?: BatchSpanProcessor): void {
  const before = running;
  if (
    before !== undefined && getDefaultTracer() === before.tracer &&
    !shutDownProcessors.has(before.processor)
  ) {
    warnOnce(
      "setup-tracing-again",
      `setupTracing() was called again while the tracing it set up before (service ` +
        `${JSON.stringify(before.service)}) still runs: the default tracer is now the new one ` +
        `(service ${JSON.stringify(service)}), and the first goes on exporting its own tracer's ` +
        "spans until its shutdown(). Set up tracing once per process, call the first one's " +
        "shutdown() before setting up again, or pass setDefault: false to the second",
    );
  }
  running = processor === undefined ? undefined : { tracer, service, processor };
  replaced.set(tracer, getDefaultTracer());
  setDefaultTracer(tracer);
}

// What each setup's tracer replaced as the default, and the setups shut down.
const replaced = new WeakMap<Tracer, Tracer>();
const stopped = new WeakSet<Tracer>();

// A setup shut down leaves the default as it found it: a shut-down tracer
// kept as the default dropped every span instrumentation started afterwards
// (the next test's, on Bun the next test file's) with no word. A default
// chosen since is the application's and stays; one that was itself shut
// down is passed over for the one it had replaced.
function restoreDefault(tracer: Tracer): void {
  stopped.add(tracer);
  if (running?.tracer === tracer) running = undefined;
  if (getDefaultTracer() !== tracer) return;
  let previous = replaced.get(tracer);
  while (previous !== undefined && stopped.has(previous)) previous = replaced.get(previous);
  // The stand-in, when no default was set: none again.
  setDefaultTracer(previous);
}
