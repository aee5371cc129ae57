/**
 * An exporter that keeps what it is given, for tests.
 *
 * @module
 */

import { arrayArgument } from "../platform/_arguments.ts";
import type { ExportResult, SpanExporter } from "./exporter.ts";
import type { Span } from "../span/span.ts";
import { brandExporterClass } from "./_exporter_brand.ts";

const SUCCESS: ExportResult = Object.freeze({ code: "success" });

/**
 * Keeps every exported span in memory, in export order: for your tests, and
 * for tools that read spans back after a processor has batched them. It
 * keeps them until {@linkcode InMemorySpanExporter.reset}, so it is not for
 * long-running production use. After {@linkcode InMemorySpanExporter.shutdown}
 * every export fails (and the spans already kept stay readable).
 *
 * @example
 * ```ts
 * import { BatchSpanProcessor, InMemorySpanExporter, Tracer } from "@codomyrmex/spans";
 * import assert from "node:assert/strict";
 *
 * const exporter = new InMemorySpanExporter();
 * const tracer = new Tracer({ processors: [new BatchSpanProcessor(exporter)] });
 * tracer.startSpan("a").end();
 * await tracer.forceFlush();
 * assert.deepEqual(exporter.spans.map((s) => s.name), ["a"]);
 * await tracer.shutdown();
 * ```
 */
export class InMemorySpanExporter implements SpanExporter {
  #spans: Span[] = [];
  #stopped = false;

  /**
   * A copy of the exported spans, in export order.
   *
   * @example
   * ```ts
   * import { InMemorySpanExporter } from "@codomyrmex/spans";
   * import assert from "node:assert/strict";
   *
   * const exporter = new InMemorySpanExporter();
   * exporter.spans.push(undefined as never);
   * assert.equal(exporter.spans.length, 0);
   * ```
   */
  get spans(): Span[] {
    return this.#spans.slice();
  }

  /**
   * Whether {@linkcode InMemorySpanExporter.shutdown} was called.
   *
   * @example
   * ```ts
   * import { InMemorySpanExporter } from "@codomyrmex/spans";
   * import assert from "node:assert/strict";
   *
   * const exporter = new InMemorySpanExporter();
   * await exporter.shutdown();
   * assert.equal(exporter.isShutdown, true);
   * ```
   */
  get isShutdown(): boolean {
    return this.#stopped;
  }

  /**
   * Keeps the spans, or fails once shut down.
   *
   * @param spans The batch.
   * @returns Success, or a failure after shutdown.
   * @throws {TypeError} When `spans` is not an array (a processor always passes one).
   *
   * @example
   * ```ts
   * import { InMemorySpanExporter, Span } from "@codomyrmex/spans";
   * import assert from "node:assert/strict";
   *
   * const exporter = new InMemorySpanExporter();
   * const result = exporter.export([new Span("x").start().end()]);
   * assert.equal(result.code, "success");
   * assert.equal(exporter.spans.length, 1);
   * ```
   */
  export(spans: readonly Span[]): ExportResult {
    arrayArgument(spans, "export spans", "spans");
    if (this.#stopped) {
      return { code: "failure", error: new Error("InMemorySpanExporter is shut down") };
    }
    for (let i = 0; i < spans.length; i++) this.#spans.push(spans[i]);
    return SUCCESS;
  }

  /**
   * Forgets the kept spans.
   *
   * @example
   * ```ts
   * import { InMemorySpanExporter, Span } from "@codomyrmex/spans";
   * import assert from "node:assert/strict";
   *
   * const exporter = new InMemorySpanExporter();
   * exporter.export([new Span("x").start().end()]);
   * exporter.reset();
   * assert.deepEqual(exporter.spans, []);
   * ```
   */
  reset(): void {
    this.#spans = [];
  }

  /**
   * Resolves at once: nothing is buffered.
   *
   * @returns A resolved promise.
   *
   * @example
   * ```ts
   * import { InMemorySpanExporter } from "@codomyrmex/spans";
   *
   * await new InMemorySpanExporter().forceFlush();
   * ```
   */
  forceFlush(): Promise<void> {
    return Promise.resolve();
  }

  /**
   * Makes every later export fail. The kept spans stay readable.
   *
   * @returns A resolved promise.
   *
   * @example
   * ```ts
   * import { InMemorySpanExporter, Span } from "@codomyrmex/spans";
   * import assert from "node:assert/strict";
   *
   * const exporter = new InMemorySpanExporter();
   * await exporter.shutdown();
   * assert.equal(exporter.export([new Span("x").start().end()]).code, "failure");
   * ```
   */
  shutdown(): Promise<void> {
    this.#stopped = true;
    return Promise.resolve();
  }
}

brandExporterClass(InMemorySpanExporter);
