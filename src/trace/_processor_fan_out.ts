// Internal: hands each span to a list of processors, the one fan-out both the
// Tracer and the OpenTelemetry TracerProvider of ./otel use. A processor that
// throws is reported once per cause and does not stop the others.

import { errorOnce } from "../platform/_diagnostics.ts";
import { errorMessage } from "../platform/_warn.ts";

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

  /** Creates a fan-out to `processors`. */
  constructor(processors: readonly FannedOutProcessor<S>[] = []) {
    for (const p of processors) this.add(p);
  }

  /** Adds a processor; adding the same one twice does nothing. */
  add(processor: FannedOutProcessor<S>): void {
    if (this.#all.includes(processor)) return;
    this.#all.push(processor);
    if (typeof processor.onStart === "function") this.#starters.push(processor);
    if (typeof processor.onEnding === "function") this.#enders.push(processor);
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
    this.onStart(span);
  }

  spanEnded(span: S): void {
    this.onEnd(span);
  }

  async forceFlush(): Promise<void> {
    await Promise.allSettled(this.#all.map((p) => settle("forceFlush", () => p.forceFlush())));
  }

  async shutdown(): Promise<void> {
    await Promise.allSettled(this.#all.map((p) => settle("shutdown", () => p.shutdown())));
  }
}

async function settle(where: string, fn: () => Promise<void>): Promise<void> {
  try {
    await fn();
  } catch (error) {
    report(where, error);
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
