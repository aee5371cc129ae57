/**
 * A processor that keeps every ended span in memory.
 *
 * @module
 */

import type { Span } from "../span/span.ts";
import type { ProcessorStats, SpanProcessor } from "../trace/span_processor.ts";

/**
 * Collects ended spans in memory, in end order, for tests and for tools
 * that read spans back.
 * It keeps every span until {@linkcode InMemorySpanProcessor.clear}, so it
 * is not for long-running production use.
 *
 * @example
 * ```ts
 * import { InMemorySpanProcessor, Tracer } from "@codomyrmex/spans";
 * import assert from "node:assert/strict";
 *
 * const memory = new InMemorySpanProcessor();
 * const tracer = new Tracer({ processors: [memory] });
 * tracer.span("parent", () => tracer.startSpan("child").end());
 * assert.deepEqual(memory.spans.map((s) => s.name), ["child", "parent"]);
 * ```
 */
export class InMemorySpanProcessor implements SpanProcessor {
  #spans: Span[] = [];
  #ended = 0;
  #dropped = 0;
  #cleared = 0;
  #stopped = false;

  /**
   * A copy of the collected spans, in the order they ended.
   *
   * @example
   * ```ts
   * import { InMemorySpanProcessor } from "@codomyrmex/spans";
   * import assert from "node:assert/strict";
   *
   * assert.deepEqual(new InMemorySpanProcessor().spans, []);
   * ```
   */
  get spans(): Span[] {
    return this.#spans.slice();
  }

  /**
   * Stores the span (or, after shutdown, drops and counts it).
   *
   * @param span The ended span.
   *
   * @example
   * ```ts
   * import { InMemorySpanProcessor, Span } from "@codomyrmex/spans";
   * import assert from "node:assert/strict";
   *
   * const memory = new InMemorySpanProcessor();
   * memory.onEnd(new Span("x").start().end());
   * assert.equal(memory.spans.length, 1);
   * ```
   */
  onEnd(span: Span): void {
    this.#ended++;
    if (this.#stopped) {
      this.#dropped++;
      return;
    }
    this.#spans.push(span);
  }

  /**
   * Forgets the collected spans. They stay counted as exported.
   *
   * @example
   * ```ts
   * import { InMemorySpanProcessor, Span } from "@codomyrmex/spans";
   * import assert from "node:assert/strict";
   *
   * const memory = new InMemorySpanProcessor();
   * memory.onEnd(new Span("x").start().end());
   * memory.clear();
   * assert.equal(memory.spans.length, 0);
   * assert.equal(memory.stats().exported, 1);
   * ```
   */
  clear(): void {
    this.#cleared += this.#spans.length;
    this.#spans = [];
  }

  /**
   * Resolves at once: spans are stored as they end.
   *
   * @returns A resolved promise.
   *
   * @example
   * ```ts
   * import { InMemorySpanProcessor } from "@codomyrmex/spans";
   *
   * await new InMemorySpanProcessor().forceFlush();
   * ```
   */
  forceFlush(): Promise<void> {
    return Promise.resolve();
  }

  /**
   * Stops collecting; spans that end later are dropped and counted. The
   * spans already collected stay readable.
   *
   * @returns A resolved promise.
   *
   * @example
   * ```ts
   * import { InMemorySpanProcessor, Span } from "@codomyrmex/spans";
   * import assert from "node:assert/strict";
   *
   * const memory = new InMemorySpanProcessor();
   * await memory.shutdown();
   * memory.onEnd(new Span("late").start().end());
   * assert.equal(memory.stats().dropped, 1);
   * ```
   */
  shutdown(): Promise<void> {
    this.#stopped = true;
    return Promise.resolve();
  }

  /**
   * The processor's counts: stored spans count as exported.
   *
   * @returns The counts.
   *
   * @example
   * ```ts
   * import { InMemorySpanProcessor, Span } from "@codomyrmex/spans";
   * import assert from "node:assert/strict";
   *
   * const memory = new InMemorySpanProcessor();
   * memory.onEnd(new Span("x").start().end());
   * assert.deepEqual(memory.stats(), { ended: 1, exported: 1, dropped: 0, failed: 0, queued: 0 });
   * ```
   */
  stats(): ProcessorStats {
    return {
      ended: this.#ended,
      exported: this.#spans.length + this.#cleared,
      dropped: this.#dropped,
      failed: 0,
      queued: 0,
    };
  }
}
