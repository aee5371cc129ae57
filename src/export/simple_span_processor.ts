/**
 * The simple processor: exports each span as it ends, one export at a time.
 *
 * @module
 */

import { ExportQueue, FORCE_FLUSH, STOP_FLUSH } from "./_export_queue.ts";
import { withRedaction } from "./_redact.ts";
import { milliseconds, positiveInteger, schedulerOption } from "./_options.ts";
import { StopFlush } from "./_stop_flush.ts";
import type { SpanExporterLike } from "./exporter.ts";
import { type Scheduler, systemScheduler } from "../platform/scheduler.ts";
import { isSampledOf } from "../span/_span_ids.ts";
import type { AttributeValue } from "../span/attributes.ts";
import type { Span } from "../span/span.ts";
import type { ProcessorStats, SpanProcessor } from "../trace/span_processor.ts";

/** How a {@linkcode SimpleSpanProcessor} bounds its work. Every field is optional. */
export interface SimpleSpanProcessorOptions {
  /**
   * The most spans held while an export is in flight, the one being
   * exported included; a span that finds it full is dropped and counted.
   * Default 2048.
   */
  maxQueueSize?: number;
  /**
   * How long one export may take before it is aborted and failed, in ms.
   * Default 30000. `export` is never called while an earlier call runs: the
   * next export waits for one that ignored its aborted signal to settle, for
   * one more `exportTimeoutMs` at most. It is also the deadline of
   * `forceFlush()` and `shutdown()`, each as a whole.
   */
  exportTimeoutMs?: number;
  /**
   * Where timers run. Default {@linkcode systemScheduler}. Only a flush's
   * deadline keeps a process alive, while the flush runs.
   */
  scheduler?: Scheduler;
  /**
   * Wait for the exports in flight and queued when the process receives
   * SIGTERM or SIGINT, within `signalFlushTimeoutMs`, then let it end as it
   * would have: of the same signal, or, when the application listens for
   * it too, when the application decides. Default `false`.
   */
  flushOnSignal?: boolean;
  /**
   * The same before an uncaught exception or unhandled rejection ends the
   * process; the runtime then reports the error and exits as it would have
   * (a further error while the flush runs is not reported, as the runtime
   * would never have reached it). Default `false`.
   */
  flushOnCrash?: boolean;
  /**
   * The longest a flush on a signal or a crash keeps the process alive, in
   * ms. Default 5000.
   */
  signalFlushTimeoutMs?: number;
  /**
   * Runs on every attribute (the span's, its events' and its links') and on
   * an error status's message (as key `otel.status_description`) before
   * export: returns the value to export, or `undefined` to leave it out. The exporter gets redacted copies; the span the
   * application holds and other processors keep the original. A function
   * that throws, or returns something that is not an attribute value, leaves
   * the attribute out. Absent (the default), spans are exported as they are,
   * at no cost.
   */
  redact?: (key: string, value: AttributeValue) => AttributeValue | undefined;
}

const WHO = "SimpleSpanProcessor";
// The default bound on spans held behind a slow export: 2048, the SDK's
// queue. One export per span never reaches the rates the batch processor's
// larger default queue is for.
const MAX_HELD = 2048;

/**
 * Exports each sampled span as it ends, in a batch of one. Calls to
 * `export` never overlap, as the OpenTelemetry specification asks: a span
 * that ends while an export is in flight waits in a queue bounded by
 * `maxQueueSize` (the span being exported included), and one that finds it
 * full is dropped and counted, with one warning. An exporter that answers
 * synchronously (like {@linkcode ConsoleSpanExporter}) is called inside
 * `span.end()`, so its output appears at once and nothing ever queues.
 *
 * Faults stay inside: an exporter that throws, rejects, returns a failure or
 * does not answer within `exportTimeoutMs` (its signal is aborted) has its
 * span counted as failed. Only sampled spans are exported; spans recorded
 * but not sampled are ignored and not counted in
 * {@linkcode SimpleSpanProcessor.stats}.
 *
 * For production, prefer {@linkcode BatchSpanProcessor}: one export per span
 * costs far more than one per hundred.
 *
 * @example
 * ```ts
 * import { ConsoleSpanExporter, SimpleSpanProcessor, Tracer } from "@codomyrmex/spans";
 * import assert from "node:assert/strict";
 *
 * const lines: string[] = [];
 * const console = new ConsoleSpanExporter({ format: "json", write: (line) => lines.push(line) });
 * const tracer = new Tracer({ processors: [new SimpleSpanProcessor(console)] });
 * tracer.startSpan("GET /").end();
 * assert.equal(JSON.parse(lines[0]).name, "GET /");
 * ```
 */
export class SimpleSpanProcessor implements SpanProcessor {
  readonly #queue: ExportQueue;
  readonly #exportTimeoutMs: number;
  readonly #run = () => this.#exportWaiting();
  readonly #stopFlush: StopFlush;
  #shutdownDone: Promise<void> | undefined;

  /**
   * Creates the processor.
   *
   * @param exporter Where spans go: a {@linkcode SpanExporter} or a function.
   * @param options Queue bound, export timeout, scheduler, flush on a signal or a crash,
   *   redaction.
   * @throws {TypeError} When `exporter`, `scheduler` or `redact` has the wrong shape, or
   *   `flushOnSignal` or `flushOnCrash` is not a boolean.
   * @throws {RangeError} When `maxQueueSize` is not a positive integer, or
   *   `exportTimeoutMs` or `signalFlushTimeoutMs` not a positive finite number.
   *
   * @example
   * ```ts
   * import { InMemorySpanExporter, SimpleSpanProcessor } from "@codomyrmex/spans";
   * import assert from "node:assert/strict";
   *
   * const simple = new SimpleSpanProcessor(new InMemorySpanExporter(), { maxQueueSize: 100 });
   * assert.equal(simple.stats().ended, 0);
   * assert.throws(() => new SimpleSpanProcessor(new InMemorySpanExporter(), { maxQueueSize: -1 }), RangeError);
   * ```
   */
  constructor(exporter: SpanExporterLike, options: SimpleSpanProcessorOptions = {}) {
    if (typeof options !== "object" || options === null) {
      throw new TypeError(`Cannot create ${WHO}: options must be an object`);
    }
    const scheduler = schedulerOption(options.scheduler, systemScheduler, WHO);
    this.#exportTimeoutMs = milliseconds(options.exportTimeoutMs, 30000, WHO, "exportTimeoutMs");
    this.#queue = new ExportQueue(
      WHO,
      withRedaction(exporter, options.redact, WHO),
      positiveInteger(options.maxQueueSize, MAX_HELD, WHO, "maxQueueSize"),
      true,
      this.#exportTimeoutMs,
      scheduler,
      this.#run,
    );
    this.#stopFlush = new StopFlush(
      (ms) => this.#queue.flush(ms, this.#run, STOP_FLUSH),
      options,
      WHO,
    );
  }

  /**
   * Exports a sampled span now, or queues it behind the export in flight.
   *
   * @param span The ended span.
   *
   * @example
   * ```ts
   * import { InMemorySpanExporter, SimpleSpanProcessor, Span } from "@codomyrmex/spans";
   * import assert from "node:assert/strict";
   *
   * const exporter = new InMemorySpanExporter();
   * new SimpleSpanProcessor(exporter).onEnd(new Span("x").start().end());
   * assert.equal(exporter.spans.length, 1);
   * ```
   */
  onEnd(span: Span): void {
    // Read off the span, whose context may never have been made (_span_ids.ts).
    if (!isSampledOf(span)) return;
    if (this.#queue.offer(span) && !this.#queue.busy) this.#exportWaiting();
  }

  /**
   * Resolves once every span that ended before the call has been exported
   * or has failed, then asks the exporter to flush; after `exportTimeoutMs`
   * at the latest, everything included (it stops waiting then: an export
   * still in flight goes on within its own deadline, the spans behind it
   * exported after it). Never rejects. Once
   * {@linkcode SimpleSpanProcessor.shutdown} has been called, it waits for
   * the shutdown and leaves the exporter alone.
   *
   * @returns A promise that resolves then.
   *
   * @example
   * ```ts
   * import { SimpleSpanProcessor, Span } from "@codomyrmex/spans";
   * import assert from "node:assert/strict";
   *
   * const got: string[] = [];
   * const simple = new SimpleSpanProcessor(async (spans) => {
   *   await new Promise((resolve) => setTimeout(resolve, 1));
   *   got.push(...spans.map((s) => s.name));
   * });
   * simple.onEnd(new Span("a").start().end());
   * simple.onEnd(new Span("b").start().end());
   * await simple.forceFlush();
   * assert.deepEqual(got, ["a", "b"]);
   * ```
   */
  async forceFlush(): Promise<void> {
    await this.#queue.flush(this.#exportTimeoutMs, this.#run, FORCE_FLUSH);
  }

  /**
   * Waits for the exports in flight, then flushes the exporter and shuts it
   * down, all within `exportTimeoutMs` (at that deadline an export still in
   * flight is failed and spans still waiting are dropped and counted). Runs
   * once; spans that end after the call are dropped and counted.
   *
   * @returns A promise that resolves once the exporter has shut down.
   *
   * @example
   * ```ts
   * import { InMemorySpanExporter, SimpleSpanProcessor, Span } from "@codomyrmex/spans";
   * import assert from "node:assert/strict";
   *
   * const simple = new SimpleSpanProcessor(new InMemorySpanExporter());
   * await simple.shutdown();
   * simple.onEnd(new Span("late").start().end());
   * assert.equal(simple.stats().dropped, 1);
   * ```
   */
  shutdown(): Promise<void> {
    return this.#shutdownDone ??= this.#closeAndDrain();
  }

  /**
   * The processor's counts; `ended === exported + dropped + failed + queued`
   * at every moment.
   *
   * @returns A fresh snapshot of the counts.
   *
   * @example
   * ```ts
   * import { SimpleSpanProcessor, Span } from "@codomyrmex/spans";
   * import assert from "node:assert/strict";
   *
   * const simple = new SimpleSpanProcessor(() => {
   *   throw new Error("backend down");
   * });
   * simple.onEnd(new Span("x").start().end());
   * assert.deepEqual(simple.stats(), { ended: 1, exported: 0, dropped: 0, failed: 1, queued: 0 });
   * ```
   */
  stats(): ProcessorStats {
    return this.#queue.stats();
  }

  async #closeAndDrain(): Promise<void> {
    this.#stopFlush.unregister();
    await this.#queue.shutDown(this.#exportTimeoutMs, this.#run);
  }

  // One span per export, in order. A synchronous exporter settles at once,
  // so this loops instead of recursing.
  #exportWaiting(): void {
    const queue = this.#queue;
    while (!queue.busy && queue.waiting > 0) {
      if (!queue.exportBatch(1)) return;
    }
  }
}
