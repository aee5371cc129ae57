// Internal: what Simple and Batch processors share. A bounded queue of
// sampled spans in front of one exporter, one export in flight at a time,
// and the accounting: ended === exported + dropped + failed + queued after
// every step. The processors decide only when a batch goes out.

import { callExport, callExporterHook } from "./_export_call.ts";
import { toSpanExporter } from "./_exporter_like.ts";
import { FlushWaiters } from "./_flush_waiters.ts";
import { RingBuffer } from "./_ring_buffer.ts";
import { warnOnce } from "../platform/_warn.ts";
import type { SpanExporter, SpanExporterLike } from "./exporter.ts";
import type { Scheduler, TimerHandle } from "../platform/scheduler.ts";
import type { Span } from "../span/span.ts";
import type { ProcessorStats } from "../trace/span_processor.ts";

let queueCount = 0;

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
  // An export that missed its deadline and has not settled yet: failed and
  // counted, but the exporter is still in it, so the next export waits. The
  // hold's own token: an older hung export that settles later ends nothing.
  #late: object | undefined;
  #lateTimer: TimerHandle | undefined;
  readonly #onLate = (work: PromiseLike<unknown>) => this.#holdFor(work);

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

  /** Spans accepted since creation. */
  get accepted(): number {
    return this.#accepted;
  }

  /** Spans taken for export since creation. */
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
    );
    if (typeof result === "number") {
      this.#settle(count, result);
      return true;
    }
    result.then((exported) => {
      this.#settle(count, exported);
      this.#onAsyncSettle();
    });
    return false;
  }

  /**
   * A promise that resolves once every span accepted so far has settled.
   * The processor must keep exporting for it to resolve.
   */
  settled(): Promise<void> {
    const target = this.#accepted;
    return this.#settled >= target ? Promise.resolve() : this.#waiters.wait(target);
  }

  /** Drops (and counts) every span offered from now on. */
  close(): void {
    this.#closed = true;
  }

  /** Calls the exporter's `forceFlush` or `shutdown`, if any, bounded by the deadline. */
  callExporter(method: "forceFlush" | "shutdown"): Promise<void> {
    return callExporterHook(this.#exporter, method, this.#timeoutMs, this.#scheduler);
  }

  /**
   * Flushes the exporter and shuts it down. Call once, after `close()`,
   * when every span has settled: no export follows, so the wait for one
   * that missed its deadline ends here, and its timer, which nothing awaits
   * any more, no longer keeps the process alive.
   */
  async shutDownExporter(): Promise<void> {
    this.#endHold();
    // "Shutdown MUST include the effects of ForceFlush", which for the
    // built-in processors calls the exporter's ForceFlush (trace SDK spec).
    await this.callExporter("forceFlush");
    await this.callExporter("shutdown");
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
  // which exports go on (with one warning) rather than stop for good.
  #holdFor(work: PromiseLike<unknown>): void {
    const hold = {};
    this.#late = hold;
    const release = () => {
      if (this.#late !== hold) return;
      this.#endHold();
      this.#onAsyncSettle();
    };
    // Not a background timer: a flush waiting behind this export awaits it.
    this.#lateTimer = this.#scheduler.setTimeout(() => {
      this.#lateTimer = undefined;
      warnOnce(
        "export-never-settled",
        `a span exporter's export did not settle within ${this.#timeoutMs} ms after its deadline aborted it; the ${this.#who} exports again, and that call may overlap with it`,
      );
      release();
    }, this.#timeoutMs);
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
