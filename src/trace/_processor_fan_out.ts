// Internal: hands each span to a list of processors, the one fan-out both the
// Tracer and the OpenTelemetry TracerProvider of ./otel use. A processor that
// throws is reported once per cause and does not stop the others.

import { errorOnce } from "../platform/_diagnostics.ts";
import { isTimeoutError, withDeadline } from "../platform/_deadline.ts";
import { type Scheduler, systemScheduler } from "../platform/scheduler.ts";
import { errorMessage } from "../platform/_warn.ts";

/**
 * How long a flush waits for each processor: the SDK specification has a
 * provider's ForceFlush "complete or abort within some timeout", so one
 * processor that never settles cannot hang its caller (the SDK's provider
 * waits 30 s). A flush given up on loses nothing: the processor goes on.
 */
export interface FanOutDeadline {
  readonly timeoutMs: number;
  readonly scheduler: Scheduler;
}

const DEFAULT_DEADLINE: FanOutDeadline = { timeoutMs: 30_000, scheduler: systemScheduler };

// onStart methods known to do nothing (./otel's processors', the SDK's):
// a processor with one is left out of the start loop, as one without.
const noopStarts = new WeakSet<object>();

/**
 * Marks `onStart` as a method that does nothing, so that a processor with
 * it costs a span no start work (no parent context made, no call).
 */
export function markNoopStart(onStart: unknown): void {
  if (typeof onStart === "function") noopStarts.add(onStart);
}

/** The part of a processor the fan-out calls, for spans of type `S`. */
export interface FannedOutProcessor<S> {
  onStart?(span: S, parentContext?: unknown): void;
  onEnding?(span: S): void;
  onEnd(span: S): void;
  forceFlush(): Promise<void>;
  shutdown(): Promise<void>;
}

/** Calls every processor in turn, in the order they were added. */
export class ProcessorFanOut<S> {
  readonly #all: FannedOutProcessor<S>[] = [];
  // Most processors only want ended spans: those are left out of the start
  // and ending loops, so a span pays nothing for them there.
  readonly #starters: FannedOutProcessor<S>[] = [];
  readonly #enders: FannedOutProcessor<S>[] = [];

  readonly #deadline: FanOutDeadline;

  /**
   * The span listener's spanEnding: set once a processor has onEnding, so a
   * span asks nothing more of the others (see span.ts's end()).
   */
  spanEnding: ((span: S) => void) | undefined = undefined;

  /**
   * The parent context of the span starting next, for processors' onStart:
   * set by the tracer just before the span starts, only when some processor
   * has onStart, and read and cleared by spanStarted before any processor
   * runs (so a span started inside an onStart sets its own).
   */
  startingIn: unknown = undefined;

  /** Creates a fan-out to `processors`. */
  constructor(
    processors: readonly FannedOutProcessor<S>[] = [],
    deadline: FanOutDeadline = DEFAULT_DEADLINE,
  ) {
    this.#deadline = deadline;
    for (const p of processors) this.add(p);
  }

  /** Adds a processor; adding the same one twice does nothing. */
  add(processor: FannedOutProcessor<S>): void {
    if (this.#all.includes(processor)) return;
    this.#all.push(processor);
    const onStart = processor.onStart;
    if (typeof onStart === "function" && !noopStarts.has(onStart)) this.#starters.push(processor);
    if (typeof processor.onEnding === "function") {
      this.#enders.push(processor);
      this.spanEnding ??= (span) => this.onEnding(span);
    }
  }

  /** Whether some processor has onStart: the tracer's cue to set startingIn. */
  // A fan-out among the processors (./otel's provider's) counts only when
  // it has starters of its own.
  get hasStarters(): boolean {
    const list = this.#starters;
    for (let i = 0; i < list.length; i++) {
      const p = list[i];
      if (!(p instanceof ProcessorFanOut) || p.hasStarters) return true;
    }
    return false;
  }

  /** The processors, in order. */
  get processors(): readonly FannedOutProcessor<S>[] {
    return this.#all;
  }

  onStart(span: S, parentContext?: unknown): void {
    const list = this.#starters;
    for (let i = 0; i < list.length; i++) {
      try {
        list[i].onStart!(span, parentContext);
      } catch (error) {
        report("onStart", error);
      }
    }
  }

  onEnding(span: S): void {
    const list = this.#enders;
    for (let i = 0; i < list.length; i++) {
      try {
        list[i].onEnding!(span);
      } catch (error) {
        report("onEnding", error);
      }
    }
  }

  onEnd(span: S): void {
    const list = this.#all;
    for (let i = 0; i < list.length; i++) {
      try {
        list[i].onEnd(span);
      } catch (error) {
        report("onEnd", error);
      }
    }
  }

  /** The span listener shape: a span calls these when it starts and ends. */
  spanStarted(span: S): void {
    const parentContext = this.startingIn;
    this.startingIn = undefined;
    this.onStart(span, parentContext);
  }

  spanEnded(span: S): void {
    this.onEnd(span);
  }

  async forceFlush(): Promise<void> {
    await Promise.allSettled(
      this.#all.map((p) => this.#flushWithin(() => p.forceFlush())),
    );
  }

  // No deadline, as in the SDK's provider: the built-in processors bound
  // their own shutdown (to their exportTimeoutMs, exports and exporter calls
  // included), and a processor's own may be longer than any default here.
  async shutdown(): Promise<void> {
    await Promise.allSettled(this.#all.map((p) => settle("shutdown", () => p.shutdown())));
  }

  // Not a background timer: the caller awaits it, and it is cleared as soon
  // as the processor settles.
  async #flushWithin(flush: () => Promise<void>): Promise<void> {
    const { timeoutMs, scheduler } = this.#deadline;
    try {
      await withDeadline(flush, timeoutMs, scheduler, { needsSignal: false });
    } catch (error) {
      if (isTimeoutError(error)) {
        errorOnce(
          "processor-forceFlush-timeout",
          `a span processor's forceFlush has not finished within ${timeoutMs} ms; the tracer's forceFlush resolves without waiting longer (the processor itself goes on: a batch processor may still be exporting)`,
        );
      } else report("forceFlush", error);
    }
  }
}

function report(where: string, error: unknown): void {
  const message = errorMessage(error);
  // Once per operation and cause: a flush error does not hide a later
  // shutdown error, nor one error another.
  errorOnce(
    `processor-${where}: ${message}`,
    `a span processor threw in ${where}; the application and other processors go on: ${message}`,
  );
}

async function settle(where: string, fn: () => Promise<void>): Promise<void> {
  try {
    await fn();
  } catch (error) {
    report(where, error);
  }
}
