/**
 * The batch processor: a bounded queue of ended spans, exported in batches
 * by size or by time, one export at a time.
 *
 * @module
 */

import {
  DEFAULT_FLUSH_INTERVAL_MS,
  DEFAULT_MAX_BATCH_SIZE,
  DEFAULT_MAX_QUEUE_SIZE,
} from "./_batch_defaults.ts";
import { type ExitHook, onNormalExit } from "./_exit_flush.ts";
import { isBrowserPage, onPageHide } from "./_page_hide_flush.ts";
import { ExportQueue, FORCE_FLUSH, STOP_FLUSH } from "./_export_queue.ts";
import { withRedaction } from "./_redact.ts";
import {
  booleanOption,
  clockOption,
  milliseconds,
  positiveInteger,
  schedulerOption,
} from "./_options.ts";
import { StopFlush } from "./_stop_flush.ts";
import { shutDownProcessors } from "./_shut_down.ts";
import type { Clock } from "../platform/clock.ts";
import { monotonicClock } from "../platform/_monotonic_clock.ts";
import type { SpanExporterLike } from "./exporter.ts";
import {
  type Scheduler,
  systemScheduler,
  type TimerHandle,
  type TimerOptions,
} from "../platform/scheduler.ts";
import type { AttributeValue } from "../span/attributes.ts";
import { isSampledOf } from "../span/_span_ids.ts";
import type { Span } from "../span/span.ts";
import type { ProcessorStats, SpanProcessor } from "../trace/span_processor.ts";

/** How a {@linkcode BatchSpanProcessor} batches. Every field is optional. */
export interface BatchSpanProcessorOptions {
  /**
   * How many waiting spans make a batch: once this many wait, an export goes
   * out at once, without waiting for the interval. Default 100.
   */
  maxBatchSize?: number;
  /**
   * The most spans one export carries. An export takes every span waiting
   * when it starts, up to this many, so a busy process is not held to one
   * batch of `maxBatchSize` per export. Default 1024, or `maxBatchSize` when
   * that is larger, but at most `maxQueueSize`. Set it to `maxBatchSize` for
   * exports of exactly one batch.
   */
  maxExportBatchSize?: number;
  /** The longest a span waits for a batch to fill, in ms. Default 5000. */
  flushIntervalMs?: number;
  /**
   * The most spans waiting for export; a span that finds the queue full is
   * dropped and counted. As in the OpenTelemetry SDK, the batch being
   * exported has left the queue, so at most `maxQueueSize +
   * maxExportBatchSize` spans are held (5120 by default). Default 4096, twice
   * the SDK's: at 200,000 spans/s it covers about 20 ms in which the
   * exporter cannot take spans (a stall, or a slow export), and a queued span
   * takes a third of the SDK's memory.
   */
  maxQueueSize?: number;
  /**
   * How long one export may take before it is aborted and failed, in ms.
   * Default 30000. `export` is never called while an earlier call runs: the
   * next export waits for one that ignored its aborted signal to settle, for
   * one more `exportTimeoutMs` at most. It is also the deadline of
   * `forceFlush()`, `shutdown()` and the exit flush, each as a whole: the
   * wait for an export already in flight (or one that hung), their own
   * exports and the exporter's `forceFlush` and `shutdown` all fit in it.
   */
  exportTimeoutMs?: number;
  /**
   * Export what is queued when the process ends normally. Default `true`.
   * Spans that end while the process is ending (in a `beforeExit` listener)
   * are exported too, for at most 5 flushes in a row: past that, they are
   * left queued with one warning, so the process still ends. The flushes
   * keep the process alive for `exportTimeoutMs` at most, counted from the
   * first: an export still in flight then is failed, and the spans still
   * waiting are dropped and counted, with one warning.
   */
  flushOnExit?: boolean;
  /**
   * Export what is queued when a browser page is hidden (`visibilitychange`
   * to hidden) or left (`pagehide`); the OTLP exporter then sends with
   * `fetch(..., { keepalive: true })` so the request outlives the page.
   * Default `true` in a browser page, `false` elsewhere, where it does nothing.
   */
  flushOnPageHide?: boolean;
  /**
   * Export what is queued when the process receives SIGTERM or SIGINT,
   * within `signalFlushTimeoutMs`, then let it end as it would have: of the
   * same signal, or, when the application listens for it too, when the
   * application decides. Default `false` (`setupTracing` turns it on).
   */
  flushOnSignal?: boolean;
  /**
   * Export what is queued before an uncaught exception or unhandled
   * rejection ends the process, within `signalFlushTimeoutMs`; the runtime
   * then reports the error and exits as it would have. A further error
   * while the flush runs is one the runtime would never have reached: it
   * is not reported, and neither ends the flush nor replaces the first
   * error. Default `false` (`setupTracing` turns it on).
   */
  flushOnCrash?: boolean;
  /**
   * The longest a flush on a signal or a crash keeps the process alive, in
   * ms, from the signal or the error: an export still in flight then is
   * failed (its signal aborts) and the spans still waiting stay queued.
   * Default 5000.
   */
  signalFlushTimeoutMs?: number;
  /**
   * Where timers run. Default {@linkcode systemScheduler}. Only a flush's
   * deadline keeps a process alive, while the flush runs; the interval, an
   * export's deadline and the wait for an export that hung are background
   * timers.
   */
  scheduler?: Scheduler;
  /**
   * Where the flush interval's and the exit flush's deadline time comes from.
   * Default: the monotonic clock `systemClock` reads, without its
   * jumps to the wall clock, so an interval is time that passed.
   */
  clock?: Clock;
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

const WHO = "BatchSpanProcessor";
const BACKGROUND: TimerOptions = Object.freeze({ background: true });

/**
 * Queues ended spans and exports them in batches: when `maxBatchSize` spans
 * wait, or when the oldest has waited `flushIntervalMs`, whichever comes
 * first. One export runs at a time, and it carries every span waiting when it
 * starts, up to `maxExportBatchSize` (1024): spans that piled up behind a slow
 * export go out together in the next one, so the exporter's speed, not the
 * batch size, sets the most spans per second the processor can pass on.
 *
 * Nothing here can reach the application: an exporter that throws, rejects,
 * returns a failure or does not answer within `exportTimeoutMs` (its signal
 * is then aborted) has its batch counted as failed, and the next batch goes
 * on (after an export that hung has settled, as `export` is never called
 * while an earlier call runs, or one more `exportTimeoutMs` at most). At most `maxQueueSize` spans wait, besides the batch being exported (at
 * most `maxExportBatchSize`), so memory stays bounded when the exporter cannot
 * keep up; a span that finds the queue full is dropped and counted, with one
 * warning per process.
 *
 * Only sampled spans (`span.context.isSampled`) are exported. Spans a
 * sampler chose to record but not sample are ignored and not counted in
 * {@linkcode BatchSpanProcessor.stats}, so `ended` counts the spans this
 * processor is responsible for.
 *
 * With `flushOnExit` (the default) a process that ends normally, on Deno,
 * Bun or Node, exports what is queued before it exits. It hooks the
 * runtime's "beforeExit", which `process.exit()`, `Deno.exit()` and signals
 * skip: call {@linkcode BatchSpanProcessor.shutdown} before those. Each
 * exit flush may let the process run on and "beforeExit" come again; when
 * every one of 5 in a row finds more spans to export, the next spans are
 * left queued, with one warning, so that the process ends. Nothing the
 * processor runs in the background keeps the process alive, not even an
 * export's deadline: only a flush does, each within one deadline, so behind
 * an export that never settles the process still ends `exportTimeoutMs`
 * after its "beforeExit" at the latest. In a
 * browser page, `flushOnPageHide` (on there by default) exports what is
 * queued when the page is hidden or left.
 *
 * @example
 * ```ts
 * import { BatchSpanProcessor, InMemorySpanExporter, Tracer } from "@codomyrmex/spans";
 * import assert from "node:assert/strict";
 *
 * const exporter = new InMemorySpanExporter();
 * const batch = new BatchSpanProcessor(exporter, { maxBatchSize: 50 });
 * const tracer = new Tracer({ processors: [batch] });
 * for (let i = 0; i < 120; i++) tracer.startSpan(`job ${i}`).end();
 * await tracer.forceFlush();
 * assert.equal(exporter.spans.length, 120);
 * assert.deepEqual(batch.stats(), { ended: 120, exported: 120, dropped: 0, failed: 0, queued: 0 });
 * await tracer.shutdown();
 * ```
 */
export class BatchSpanProcessor implements SpanProcessor {
  readonly #queue: ExportQueue;
  readonly #maxBatchSize: number;
  readonly #maxExportBatchSize: number;
  readonly #flushIntervalMs: number;
  readonly #exportTimeoutMs: number;
  readonly #scheduler: Scheduler;
  readonly #clock: Clock;
  readonly #pump = () => this.#run();
  readonly #onTimer = () => {
    this.#timer = undefined;
    this.#run();
  };
  readonly #flushAllNow = () => this.#flushAll();
  // Held here and weakly by the exit registry: see _exit_flush.ts.
  #exitHook: ExitHook | undefined;
  #unregisterExit: (() => void) | undefined;
  // When the exit flushes of this series of "beforeExit" rounds must be
  // over, on the clock.
  #exitBy: number | undefined;
  // Held here and weakly by the page-hide registry: see _page_hide_flush.ts.
  #pageHideHook: { onPageHide(): void } | undefined;
  #unregisterPageHide: (() => void) | undefined;
  // Export without waiting for a full batch until this many were taken.
  #flushTarget = 0;
  // When the oldest waiting span's interval is up; undefined when none waits.
  #dueAt: number | undefined;
  #timer: TimerHandle | undefined;
  #pumpQueued = false;
  #shutdownDone: Promise<void> | undefined;
  readonly #stopFlush: StopFlush;

  /**
   * Creates the processor.
   *
   * @param exporter Where batches go: a {@linkcode SpanExporter} or a function.
   * @param options Sizes, interval, timeout, exit, signal and crash flushes, scheduler, clock
   *   and redaction.
   * @throws {TypeError} When `exporter`, `scheduler`, `clock` or `redact` has the wrong
   *   shape, or a `flushOn…` option is not a boolean.
   * @throws {RangeError} When a size is not a positive integer, a time is not
   *   a positive finite number, `maxBatchSize` exceeds `maxQueueSize`, or
   *   `maxExportBatchSize` is below `maxBatchSize` or above `maxQueueSize`.
   *
   * @example
   * ```ts
   * import { BatchSpanProcessor } from "@codomyrmex/spans";
   * import assert from "node:assert/strict";
   *
   * const batch = new BatchSpanProcessor(() => {}, { flushIntervalMs: 1000, flushOnExit: false });
   * assert.equal(batch.stats().queued, 0);
   * assert.throws(() => new BatchSpanProcessor(() => {}, { maxBatchSize: 0 }), RangeError);
   * ```
   */
  constructor(exporter: SpanExporterLike, options: BatchSpanProcessorOptions = {}) {
    if (typeof options !== "object" || options === null) {
      throw new TypeError(`Cannot create ${WHO}: options must be an object`);
    }
    const maxBatchSize = positiveInteger(
      options.maxBatchSize,
      DEFAULT_MAX_BATCH_SIZE,
      WHO,
      "maxBatchSize",
    );
    const maxQueueSize = positiveInteger(
      options.maxQueueSize,
      DEFAULT_MAX_QUEUE_SIZE,
      WHO,
      "maxQueueSize",
    );
    if (maxBatchSize > maxQueueSize) {
      throw new RangeError(
        `Cannot create ${WHO}: maxBatchSize (${maxBatchSize}) must not exceed maxQueueSize (${maxQueueSize})`,
      );
    }
    // 1024 by default: behind an exporter that takes 2 ms, one export ran
    // every 2.4 ms on Bun (encoding and timers included), so 512 would hold
    // the processor to ~210,000 spans a second, too near the 200,000 it
    // must pass on without a drop.
    const maxExportBatchSize = positiveInteger(
      options.maxExportBatchSize,
      Math.min(maxQueueSize, Math.max(1024, maxBatchSize)),
      WHO,
      "maxExportBatchSize",
    );
    if (maxExportBatchSize < maxBatchSize || maxExportBatchSize > maxQueueSize) {
      throw new RangeError(
        `Cannot create ${WHO}: maxExportBatchSize (${maxExportBatchSize}) must be from maxBatchSize (${maxBatchSize}) to maxQueueSize (${maxQueueSize})`,
      );
    }
    const exportTimeoutMs = milliseconds(options.exportTimeoutMs, 30000, WHO, "exportTimeoutMs");
    this.#maxBatchSize = maxBatchSize;
    this.#maxExportBatchSize = maxExportBatchSize;
    this.#exportTimeoutMs = exportTimeoutMs;
    this.#flushIntervalMs = milliseconds(
      options.flushIntervalMs,
      DEFAULT_FLUSH_INTERVAL_MS,
      WHO,
      "flushIntervalMs",
    );
    this.#scheduler = schedulerOption(options.scheduler, systemScheduler, WHO);
    this.#clock = clockOption(options.clock, monotonicClock, WHO);
    const flushOnExit = booleanOption(options.flushOnExit, true, WHO, "flushOnExit");
    const flushOnPageHide = booleanOption(
      options.flushOnPageHide,
      isBrowserPage(),
      WHO,
      "flushOnPageHide",
    );
    this.#queue = new ExportQueue(
      WHO,
      withRedaction(exporter, options.redact, WHO),
      maxQueueSize,
      false,
      exportTimeoutMs,
      this.#scheduler,
      this.#pump,
    );
    if (flushOnExit) {
      this.#exitHook = {
        waiting: () => this.#queue.held,
        onExit: (first) => this.#exitFlush(first),
      };
      this.#unregisterExit = onNormalExit(this.#exitHook);
    }
    if (flushOnPageHide) {
      this.#pageHideHook = { onPageHide: () => this.#flushAll() };
      this.#unregisterPageHide = onPageHide(this.#pageHideHook);
    }
    this.#stopFlush = new StopFlush(
      (ms) => this.#queue.flush(ms, this.#flushAllNow, STOP_FLUSH),
      options,
      WHO,
    );
  }

  /**
   * Queues a sampled span for export. Unsampled spans are ignored; a span
   * that finds the queue full, or that ends after shutdown, is dropped and
   * counted. Constant time, and it never calls the exporter itself.
   *
   * @param span The ended span.
   *
   * @example
   * ```ts
   * import { BatchSpanProcessor, Span } from "@codomyrmex/spans";
   * import assert from "node:assert/strict";
   *
   * const batch = new BatchSpanProcessor(() => {}, { flushOnExit: false });
   * batch.onEnd(new Span("x").start().end());
   * assert.equal(batch.stats().queued, 1);
   * await batch.shutdown();
   * ```
   */
  onEnd(span: Span): void {
    // Read off the span, whose context may never have been made (_span_ids.ts).
    if (!isSampledOf(span)) return;
    const queue = this.#queue;
    if (!queue.offer(span)) return;
    if (this.#dueAt === undefined) {
      // The queue was empty: this span starts the interval.
      this.#dueAt = this.#clock.now() + this.#flushIntervalMs;
      if (this.#timer === undefined) this.#armTimer();
    }
    if (queue.waiting >= this.#maxBatchSize && !this.#pumpQueued && !queue.busy) {
      // Export from a microtask, never inside the application's `end()`.
      this.#pumpQueued = true;
      queueMicrotask(this.#pump);
    }
  }

  /**
   * Exports everything queued now, and resolves once every span that ended
   * before the call has been exported or has failed (then asks the exporter
   * to flush too), or after `exportTimeoutMs` at the latest, everything
   * included: it stops waiting then, and an export still in flight goes on
   * within its own deadline, the spans behind it exported after it. Never
   * rejects.
   * Once {@linkcode BatchSpanProcessor.shutdown}
   * has been called, it waits for the shutdown and leaves the exporter alone.
   *
   * @returns A promise that resolves when those spans are settled.
   *
   * @example
   * ```ts
   * import { BatchSpanProcessor, InMemorySpanExporter, Span } from "@codomyrmex/spans";
   * import assert from "node:assert/strict";
   *
   * const exporter = new InMemorySpanExporter();
   * const batch = new BatchSpanProcessor(exporter, { flushOnExit: false });
   * batch.onEnd(new Span("x").start().end());
   * await batch.forceFlush();
   * assert.equal(exporter.spans.length, 1);
   * ```
   */
  async forceFlush(): Promise<void> {
    await this.#queue.flush(this.#exportTimeoutMs, this.#flushAllNow, FORCE_FLUSH);
  }

  /**
   * Exports everything queued, then flushes the exporter and shuts it down,
   * all within `exportTimeoutMs`: at that deadline an export still in flight
   * is failed, spans still waiting (behind an export that hung) are dropped
   * and counted, and the exporter's `forceFlush` and `shutdown` are called
   * without waiting for them. Runs once: a
   * second call returns the first call's promise. Spans that end after the
   * call are dropped and counted. Never rejects.
   *
   * @returns A promise that resolves once the exporter has shut down, or at
   *   the deadline.
   *
   * @example
   * ```ts
   * import { BatchSpanProcessor, InMemorySpanExporter, Span } from "@codomyrmex/spans";
   * import assert from "node:assert/strict";
   *
   * const exporter = new InMemorySpanExporter();
   * const batch = new BatchSpanProcessor(exporter);
   * batch.onEnd(new Span("queued").start().end());
   * await batch.shutdown();
   * batch.onEnd(new Span("late").start().end());
   * assert.deepEqual(exporter.spans.map((s) => s.name), ["queued"]);
   * assert.equal(batch.stats().dropped, 1);
   * ```
   */
  shutdown(): Promise<void> {
    shutDownProcessors.add(this);
    return this.#shutdownDone ??= this.#closeAndDrain();
  }

  /**
   * The processor's counts. At every moment
   * `ended === exported + dropped + failed + queued`, and `queued` (spans
   * waiting plus the batch being exported) never exceeds `maxQueueSize +
   * maxExportBatchSize`.
   *
   * @returns A fresh snapshot of the counts.
   *
   * @example
   * ```ts
   * import { BatchSpanProcessor, Span } from "@codomyrmex/spans";
   * import assert from "node:assert/strict";
   *
   * const batch = new BatchSpanProcessor(() => {}, { maxQueueSize: 1, maxBatchSize: 1 });
   * batch.onEnd(new Span("a").start().end());
   * batch.onEnd(new Span("b").start().end());
   * assert.deepEqual(batch.stats(), { ended: 2, exported: 0, dropped: 1, failed: 0, queued: 1 });
   * await batch.shutdown();
   * assert.deepEqual(batch.stats(), { ended: 2, exported: 1, dropped: 1, failed: 0, queued: 0 });
   * ```
   */
  stats(): ProcessorStats {
    return this.#queue.stats();
  }

  // One round of the exit flush: everything held, within the deadline of
  // the series, past which what is left is dropped (counted), so that the
  // process ends by then whatever the exporter does.
  #exitFlush(first: boolean): void {
    const now = this.#clock.now();
    if (first || this.#exitBy === undefined) this.#exitBy = now + this.#exportTimeoutMs;
    // The exporter's forceFlush too, as every other flush calls it ("The
    // built-in SpanProcessors MUST" invoke it): an exporter that holds spans
    // (the console's, waiting for a trace's root) would lose them.
    void this.#queue.flush(this.#exitBy - now, this.#flushAllNow, {
      dropAtDeadline: "exit flush",
      exporterFlush: true,
      failInFlight: true,
    }).then(() => {
      // Spans dropped at the deadline leave none waiting.
      if (this.#queue.waiting === 0) this.#dueAt = undefined;
    });
  }

  async #closeAndDrain(): Promise<void> {
    this.#stopFlush.unregister();
    this.#unregisterExit?.();
    this.#unregisterExit = undefined;
    this.#exitHook = undefined;
    this.#unregisterPageHide?.();
    this.#unregisterPageHide = undefined;
    this.#pageHideHook = undefined;
    await this.#queue.shutDown(this.#exportTimeoutMs, this.#flushAllNow);
    if (this.#timer !== undefined) {
      this.#scheduler.clearTimeout(this.#timer);
      this.#timer = undefined;
    }
  }

  #flushAll(): void {
    const accepted = this.#queue.accepted;
    if (this.#flushTarget < accepted) this.#flushTarget = accepted;
    this.#run();
  }

  // Exports while a batch is due and none is in flight, each export taking
  // all that waits up to the cap. A synchronous exporter settles at once, so
  // this loops instead of recursing.
  #run(): void {
    this.#pumpQueued = false;
    const queue = this.#queue;
    while (!queue.busy) {
      const waiting = queue.waiting;
      if (waiting === 0) {
        this.#dueAt = undefined;
        return;
      }
      if (
        waiting < this.#maxBatchSize && queue.taken >= this.#flushTarget &&
        this.#clock.now() < this.#dueAt!
      ) {
        if (this.#timer === undefined) this.#armTimer();
        return;
      }
      const settledNow = queue.exportBatch(this.#maxExportBatchSize);
      // Spans still waiting keep the older deadline: flushing early is harmless.
      if (queue.waiting === 0) this.#dueAt = undefined;
      if (!settledNow) return;
    }
  }

  #armTimer(): void {
    const delay = this.#dueAt === undefined
      ? this.#flushIntervalMs
      : this.#dueAt - this.#clock.now();
    // A background timer: nothing awaits the interval, so it must not keep
    // the process alive (an export's deadline does).
    this.#timer = this.#scheduler.setTimeout(this.#onTimer, delay > 0 ? delay : 0, BACKGROUND);
  }
}
