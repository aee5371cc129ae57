/**
 * The exporter contract: where batches of ended spans leave the process.
 *
 * @module
 */

import type { Span } from "../span/span.ts";

/**
 * The outcome of one export call. `rejected` counts spans the backend
 * refused inside an otherwise successful call (an OTLP partial success);
 * they are accounted as failed, the rest as exported.
 */
export interface ExportResult {
  /** `"success"` when the backend took the batch, `"failure"` otherwise. */
  readonly code: "success" | "failure";
  /** Why it failed, when known. */
  readonly error?: Error;
  /** Spans of a successful call that the backend rejected. Default 0. */
  readonly rejected?: number;
}

/**
 * Sends batches of ended spans somewhere. `export` may return a result, a
 * promise of one, or nothing (which counts as success, as does a promise
 * that resolves to nothing, so a plain `async export() {}` works). It should give up
 * when `signal` aborts: processors abort it at their export timeout.
 *
 * @example An exporter that counts spans
 * ```ts
 * import { type SpanExporter, Tracer } from "@codomyrmex/spans";
 * import assert from "node:assert/strict";
 *
 * let count = 0;
 * const exporter: SpanExporter = {
 *   export(spans) {
 *     count += spans.length;
 *     return { code: "success" };
 *   },
 * };
 * exporter.export([new Tracer().startSpan("x").end()]);
 * assert.equal(count, 1);
 * ```
 */
export interface SpanExporter {
  /** Exports one batch. */
  export(
    spans: readonly Span[],
    signal?: AbortSignal,
  ): Promise<ExportResult | void> | ExportResult | void;
  /** Sends anything the exporter itself buffers. */
  forceFlush?(): Promise<void>;
  /** Releases resources; later exports may fail. */
  shutdown?(): Promise<void>;
}

/**
 * What a processor accepts as an exporter: a {@linkcode SpanExporter}, or a
 * plain function that receives each batch.
 * A function that returns or resolves counts as success; one that throws or
 * rejects, as failure.
 */
export type SpanExporterLike =
  | SpanExporter
  | ((spans: readonly Span[], signal?: AbortSignal) => void | Promise<void>);
