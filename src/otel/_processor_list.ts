// Internal: a span processor that fans out to a list that can grow. SDK 2.x
// providers take their processors only at construction, so the provider is
// given one of these and later processors are added to it.

import { errorMessage, warnOnce } from "../platform/_warn.ts";

/** The part of a processor a ProcessorList calls, for either library. */
export interface ListedProcessor<S> {
  onStart?(span: S, parentContext?: unknown): void;
  onEnding?(span: S): void;
  onEnd(span: S): void;
  forceFlush(): Promise<void>;
  shutdown(): Promise<void>;
}

/** Calls every processor in turn; one that throws does not stop the others. */
export class ProcessorList<S> {
  readonly #list: ListedProcessor<S>[] = [];

  /** Adds a processor; adding the same one twice does nothing. */
  add(processor: ListedProcessor<S>): void {
    if (!this.#list.includes(processor)) this.#list.push(processor);
  }

  /** The processors, in order. */
  get processors(): readonly ListedProcessor<S>[] {
    return this.#list;
  }

  onStart(span: S, parentContext?: unknown): void {
    const list = this.#list;
    for (let i = 0; i < list.length; i++) {
      const p = list[i];
      if (p.onStart === undefined) continue;
      try {
        p.onStart(span, parentContext);
      } catch (error) {
        report("onStart", error);
      }
    }
  }

  onEnding(span: S): void {
    const list = this.#list;
    for (let i = 0; i < list.length; i++) {
      const p = list[i];
      if (p.onEnding === undefined) continue;
      try {
        p.onEnding(span);
      } catch (error) {
        report("onEnding", error);
      }
    }
  }

  onEnd(span: S): void {
    const list = this.#list;
    for (let i = 0; i < list.length; i++) {
      try {
        list[i].onEnd(span);
      } catch (error) {
        report("onEnd", error);
      }
    }
  }

  async forceFlush(): Promise<void> {
    await Promise.allSettled(this.#list.map((p) => callSafely("forceFlush", () => p.forceFlush())));
  }

  async shutdown(): Promise<void> {
    await Promise.allSettled(this.#list.map((p) => callSafely("shutdown", () => p.shutdown())));
  }
}

async function callSafely(where: string, fn: () => Promise<void>): Promise<void> {
  try {
    await fn();
  } catch (error) {
    report(where, error);
  }
}

function report(where: string, error: unknown): void {
  warnOnce(
    `otel-processor-${where}`,
    `a span processor threw in ${where}; the application and other processors go on: ${
      errorMessage(error)
    }`,
  );
}
