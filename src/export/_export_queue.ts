// Internal: what Simple and Batch processors share. A bounded queue of
// sampled spans in front of one exporter, one export in flight at a time,
// the accounting (ended === exported + dropped + failed + queued after every
// step), the flushes and the shutdown, each bounded by one deadline
// (_flush_deadline.ts), and a flush's wait for a shutdown under way. The
// processors decide only when a batch goes out.

import { callExport, callExporterHook } from "./_export_call.ts";
import { toSpanExporter } from "./_exporter_like.ts";
import { FlushDeadline } from "./_flush_deadline.ts";
import { FlushWaiters } from "./_flush_waiters.ts";
import { RingBuffer } from "./_ring_buffer.ts";
import { warnOnce } from "../platform/_warn.ts";
import type { SpanExporter, SpanExporterLike } from "./exporter.ts";
import type { Scheduler, TimerHandle, TimerOptions } from "../platform/scheduler.ts";
import type { Span } from "../span/span.ts";
import type { ProcessorStats } from "../trace/span_processor.ts";

let queueCount = 0;

const BACKGROUND: TimerOptions = Object.freeze({ background: true });

/** How a bounded flush ends when its deadline passes first. */
export interface FlushOptions {
  /**
   * Present, the spans still waiting at the deadline are dropped and
   * counted, with one warning naming the flush ("exit flush"): the
   * processor must start no export after it. Absent, they stay queued
   * (forceFlush, the signal and crash flushes: the process goes on, or
   * the runtime ends it).
   */
  readonly dropAtDeadline?: string;
  /** Whether to call the exporter's `forceFlush` once the spans have settled. */
  readonly exporterFlush?: boolean;
  /**
   * Whether the export in flight at the deadline is failed then (its signal
   * aborts), so its requests keep the process up no longer: for the flushes
   * the process ends after (exit, signal, crash). Not for `forceFlush()`,
   * after which the application goes on, and the export may still succeed
   * within its own deadline: that one only stops waiting.
   */
  readonly failInFlight?: boolean;
  /**
   * Whether the spans accepted while the flush waits are waited for too,
   * round after round within the same deadline: for the signal and crash
   * flushes, while the application goes on and the process ends as soon as
   * they settle, so a span a request under way ends then is not lost.
   */
  readonly untilEmpty?: boolean;
}

/** `forceFlush()`: the spans, then the exporter's `forceFlush`. */
export const FORCE_FLUSH: FlushOptions = Object.freeze({ exporterFlush: true });

/**
 * The signal and crash flushes: as `forceFlush()`, but the export in flight
 * at the deadline is failed then (the process ends after them), and the
 * spans that end while they wait go out too.
 */
export const STOP_FLUSH: FlushOptions = Object.freeze({
  exporterFlush: true,
  failInFlight: true,
  untilEmpty: true,
});

// What a flush waits for (the spans accepted when it began), and its deadline.
interface BoundedWait {
  readonly settled: Promise<void>;
  readonly deadline: FlushDeadline;
}

/** A bounded export queue; see the file comment. */
export class ExportQueue {
  readonly #who: string;
  readonly #exporter: SpanExporter;
  readonly #maxQueueSize: number;
  readonly #inFlightCounts: boolean;
  readonly #timeoutMs: number;
  readonly #scheduler: Scheduler;
  readonly #onAsyncSettle: () => void;
  readonly #queue: RingBuffer<Span>;
  readonly #waiters = new FlushWaiters();
  #ended = 0;
  #exported = 0;
  #dropped = 0;
  #failed = 0;
  #inFlight = 0;
  // Since creation: spans accepted into the queue, taken out for export,
  // and settled (exported or failed). Spans settle in queue order.
  #accepted = 0;
  #taken = 0;
  #settled = 0;
  #warnedFull = false;
  #closed = false;
  // The batch in flight, by identity, and how to fail it at once: a flush
  // whose deadline passes fails it, and its own answer, later, then counts
  // for nothing.
  #batch: object | undefined;
  #expireNow: (() => void) | undefined;
  readonly #expireBatch = (expireNow: () => void) => (this.#expireNow = expireNow);
  // An export that missed its deadline and has not settled yet: failed and
  // counted, but the exporter is still in it, so the next export waits. The
  // hold's own token: an older hung export that settles later ends nothing.
  #late: object | undefined;
  #lateTimer: TimerHandle | undefined;
  readonly #onLate = (work: PromiseLike<unknown>, early: boolean) => this.#holdFor(work, early);
  // Set at shutdown, once no export can follow: nothing more to hold for.
  #finished = false;
  #exporterShutDown: Promise<void> | undefined;
  // The shutdown, once begun: a flush after it waits for it instead.
  #shutDown: Promise<void> | undefined;

  /**
   * @param who The processor's class name, for messages.
   * @param exporter Where batches go.
   * @param maxQueueSize The most spans waiting, and with `inFlightCounts`
   *   the most held, the batch in flight included.
   * @param inFlightCounts Whether the batch in flight counts against
   *   `maxQueueSize` (Simple) or not (Batch, as the OpenTelemetry SDK's).
   * @param timeoutMs The deadline of each exporter call.
   * @param scheduler Where deadlines run.
   * @param onAsyncSettle Called after an asynchronous export settles, so the
   *   processor can start the next one.
   */
  constructor(
    who: string,
    exporter: SpanExporterLike,
    maxQueueSize: number,
    inFlightCounts: boolean,
    timeoutMs: number,
    scheduler: Scheduler,
    onAsyncSettle: () => void,
  ) {
    this.#who = who;
    this.#exporter = toSpanExporter(exporter, who);
    this.#maxQueueSize = maxQueueSize;
    this.#inFlightCounts = inFlightCounts;
    this.#timeoutMs = timeoutMs;
    this.#scheduler = scheduler;
    this.#onAsyncSettle = onAsyncSettle;
    this.#queue = new RingBuffer(maxQueueSize);
  }

  /** Spans waiting, not yet taken for export. */
  get waiting(): number {
    return this.#queue.length;
  }

  /**
   * Whether an export is in flight, or one that missed its deadline still
   * runs: `export` is never called while an earlier call runs.
   */
  get busy(): boolean {
    return this.#inFlight !== 0 || this.#late !== undefined;
  }

  /** Spans held: waiting, or in the export in flight. */
  get held(): number {
    return this.#queue.length + this.#inFlight;
  }

  /** Spans accepted since creation. */
  get accepted(): number {
    return this.#accepted;
  }

  /** Spans taken for export, or dropped at a flush's deadline, since creation. */
  get taken(): number {
    return this.#taken;
  }

  /**
   * Counts a sampled span as ended and queues it, or drops and counts it
   * when the queue is full or closed.
   *
   * @returns Whether it was queued.
   */
  offer(span: Span): boolean {
    this.#ended++;
    if (this.#closed) {
      this.#dropped++;
      return false;
    }
    const held = this.#inFlightCounts ? this.#queue.length + this.#inFlight : this.#queue.length;
    if (held >= this.#maxQueueSize) {
      this.#dropped++;
      if (!this.#warnedFull) this.#warnFull();
      return false;
    }
    this.#queue.push(span);
    this.#accepted++;
    return true;
  }

  /**
   * Takes up to `max` waiting spans and exports them. Call only when not
   * busy and something waits.
   *
   * @returns `true` when the export settled synchronously (the caller may
   *   go on at once); `false` when it is in flight (`onAsyncSettle` follows).
   */
  exportBatch(max: number): boolean {
    const batch = this.#queue.take(max);
    const count = batch.length;
    this.#inFlight = count;
    this.#taken += count;
    const result = callExport(
      this.#exporter,
      batch,
      this.#timeoutMs,
      this.#scheduler,
      this.#onLate,
      this.#expireBatch,
    );
    if (typeof result === "number") {
      this.#settle(count, result);
      return true;
    }
    const token = {};
    this.#batch = token;
    result.then((exported) => {
      // Failed already, when a flush's deadline passed.
      if (this.#batch !== token) return;
      this.#batch = undefined;
      this.#expireNow = undefined;
      this.#settle(count, exported);
      this.#onAsyncSettle();
    });
    return false;
  }

  // A promise that resolves once every span accepted so far has settled.
  // The processor must keep exporting for it to resolve.
  #allSettled(): Promise<void> {
    const target = this.#accepted;
    return this.#settled >= target ? Promise.resolve() : this.#waiters.wait(target);
  }

  /** Drops (and counts) every span offered from now on. */
  close(): void {
    this.#closed = true;
  }

  // Calls the exporter's `forceFlush` or `shutdown`, if any, bounded by the deadline.
  #callExporter(method: "forceFlush" | "shutdown"): Promise<void> {
    return callExporterHook(this.#exporter, method, this.#timeoutMs, this.#scheduler);
  }

  /**
   * A flush bounded by one deadline: waits until every span accepted so far
   * has settled (`start` sets the exports going; with `untilEmpty`, those
   * accepted meanwhile too, round after round), then, with
   * `exporterFlush`, for the exporter's `forceFlush`, all within `ms`. The
   * deadline keeps the process alive while it waits, and no longer: the
   * wait behind an export that missed its own deadline is inside it, not
   * added to it. After `shutDown()` has begun, nothing is left to flush and
   * the exporter must not be called again: the flush waits for the
   * shutdown instead, within the same deadline (the shutdown's own may fall
   * later). Never rejects.
   *
   * @param ms The deadline, from now.
   * @param start Starts the exports of what waits.
   * @param options What happens at the deadline, and the exporter's flush.
   * @returns Whether it was done within the deadline.
   */
  async flush(ms: number, start: () => void, options: FlushOptions = {}): Promise<boolean> {
    const shutDown = this.#shutDown;
    if (shutDown !== undefined) {
      const deadline = new FlushDeadline(ms, this.#scheduler);
      try {
        return await deadline.within(shutDown);
      } finally {
        deadline.end();
      }
    }
    const wait = this.#startWithin(ms, start);
    const deadline = wait.deadline;
    try {
      if (!(await this.#settleWithin(wait, options))) return false;
      while (options.untilEmpty === true && this.#settled < this.#accepted) {
        // A shutdown begun meanwhile exports (or drops) them, and no export may follow it.
        if (this.#shutDown !== undefined) return await deadline.within(this.#shutDown);
        const more = { settled: this.#allSettled(), deadline };
        if (!deadline.passed) start();
        if (!(await this.#settleWithin(more, options))) return false;
      }
      if (options.exporterFlush === true) {
        return await deadline.within(this.#callExporter("forceFlush"));
      }
      return true;
    } finally {
      deadline.end();
    }
  }

  /**
   * Exports what is queued, flushes the exporter and shuts it down, all
   * within `ms`: at the deadline the export in flight is failed and the
   * spans still waiting are dropped (counted), and the exporter's
   * `forceFlush` and `shutdown` are still called, but not waited for.
   * Closes the queue first (see `close()`). Runs once: a second call
   * returns the first call's promise. No export follows, so the wait for
   * one that missed its deadline ends here. Never rejects.
   *
   * @param ms The deadline, from now.
   * @param start Starts the exports of what waits.
   */
  shutDown(ms: number, start: () => void): Promise<void> {
    this.close();
    return this.#shutDown ??= this.#shutDownWithin(ms, start);
  }

  async #shutDownWithin(ms: number, start: () => void): Promise<void> {
    const wait = this.#startWithin(ms, start);
    const deadline = wait.deadline;
    try {
      await this.#settleWithin(wait, { failInFlight: true, dropAtDeadline: "shutdown" });
      this.#finished = true;
      this.#endHold();
      // "Shutdown MUST include the effects of ForceFlush", which for the
      // built-in processors calls the exporter's ForceFlush (trace SDK spec).
      // At the deadline the exporter's shutdown is called at once, not after
      // a forceFlush still running: that one's own deadline is a background
      // timer, which may fall after the process has ended.
      const exporterDone = this.#flushAndShutDownExporter();
      if (!(await deadline.within(exporterDone))) void this.#shutDownExporter();
    } finally {
      deadline.end();
    }
  }

  /** A fresh snapshot of the counts. */
  stats(): ProcessorStats {
    return {
      ended: this.#ended,
      exported: this.#exported,
      dropped: this.#dropped,
      failed: this.#failed,
      queued: this.#queue.length + this.#inFlight,
    };
  }

  // What a flush and the shutdown share: the spans accepted so far are the
  // ones waited for, `start` sets their exports going (unless the deadline
  // has passed already: an export only to be failed), and the deadline is
  // set after them, so their own deadlines, when they fall at the same time,
  // come first.
  #startWithin(ms: number, start: () => void): BoundedWait {
    const settled = this.#allSettled();
    if (ms > 0) start();
    return { settled, deadline: new FlushDeadline(ms, this.#scheduler) };
  }

  // Waits within the deadline for those spans to settle; at the deadline,
  // fails the export in flight and drops what waits, as `options` say.
  async #settleWithin({ settled, deadline }: BoundedWait, options: FlushOptions): Promise<boolean> {
    if (await deadline.within(settled)) return true;
    if (options.failInFlight === true) this.#failInFlight();
    if (options.dropAtDeadline !== undefined) this.#dropWaiting(options.dropAtDeadline);
    return false;
  }

  async #flushAndShutDownExporter(): Promise<void> {
    await this.#callExporter("forceFlush");
    await this.#shutDownExporter();
  }

  // The exporter's shutdown, called once: after its forceFlush, or at the
  // shutdown's deadline, whichever comes first.
  #shutDownExporter(): Promise<void> {
    return this.#exporterShutDown ??= this.#callExporter("shutdown");
  }

  // A flush's deadline has passed: the export in flight, which the flush
  // waited for, is failed now, as at its own deadline (its signal aborts,
  // so its requests stop and keep the process up no longer; should it still
  // run, the next export waits for it as behind any export that missed its
  // deadline).
  #failInFlight(): void {
    const expireNow = this.#expireNow;
    if (expireNow === undefined) return;
    const count = this.#inFlight;
    this.#batch = undefined;
    this.#expireNow = undefined;
    expireNow();
    this.#settle(count, 0);
  }

  // A shutdown's or an exit flush's deadline has passed: no export may
  // follow, so the spans still waiting are dropped, counted, with one warning.
  #dropWaiting(what: string): void {
    const waiting = this.#queue.length;
    if (waiting === 0) return;
    this.#queue.take(waiting);
    this.#taken += waiting;
    this.#dropped += waiting;
    this.#settled += waiting;
    this.#waiters.settle(this.#settled);
    warnOnce(
      `flush-deadline-${what}`,
      `a ${this.#who}'s ${what} reached its deadline (exportTimeoutMs, ${this.#timeoutMs} ms) before ${waiting} span(s) could be exported: they are dropped and counted in stats().dropped`,
    );
  }

  #settle(count: number, exported: number): void {
    this.#inFlight = 0;
    this.#exported += exported;
    this.#failed += count - exported;
    this.#settled += count;
    this.#waiters.settle(this.#settled);
  }

  // The export missed its deadline (its signal is aborted, its spans are
  // failed), but the exporter has not answered: the specification has
  // `export` never called while an earlier call runs, so the next export
  // waits until this one settles, or for one more deadline at most, after
  // which exports go on (with one warning) rather than stop for good. An
  // export a flush failed `early`, at the flush's own deadline, is waited
  // for until it settles or its own deadline passes (this is called again
  // then), and one more after it: the flush shortens no wait.
  #holdFor(work: PromiseLike<unknown>, early: boolean): void {
    if (this.#finished) return;
    if (this.#lateTimer !== undefined) this.#scheduler.clearTimeout(this.#lateTimer);
    this.#lateTimer = undefined;
    const hold = {};
    this.#late = hold;
    const release = () => {
      if (this.#late !== hold) return;
      this.#endHold();
      this.#onAsyncSettle();
    };
    // A background timer: a flush waiting behind this export keeps the
    // process alive with its own deadline, and nothing else must.
    if (!early) {
      this.#lateTimer = this.#scheduler.setTimeout(
        () => {
          this.#lateTimer = undefined;
          warnOnce(
            "export-never-settled",
            `a span exporter's export did not settle within ${this.#timeoutMs} ms after its deadline aborted it; the ${this.#who} exports again, and that call may overlap with it`,
          );
          release();
        },
        this.#timeoutMs,
        BACKGROUND,
      );
    }
    try {
      work.then(release, release);
    } catch {
      // A thenable whose `then` throws never settles: the timer releases.
    }
  }

  #endHold(): void {
    this.#late = undefined;
    const timer = this.#lateTimer;
    if (timer === undefined) return;
    this.#lateTimer = undefined;
    this.#scheduler.clearTimeout(timer);
  }

  #warnFull(): void {
    this.#warnedFull = true;
    warnOnce(
      `queue-full-${++queueCount}`,
      `a ${this.#who}'s queue is full (maxQueueSize ${this.#maxQueueSize}): spans are dropped and counted in stats().dropped`,
    );
  }
}
