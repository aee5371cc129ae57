/**
 * The span processor contract: what a Tracer hands its spans to, and the
 * counts every processor keeps.
 *
 * @module
 */

import type { Span } from "../span/span.ts";

/**
 * The counts every processor of this library keeps. At every moment
 * `ended === exported + dropped + failed + queued`: each span that reached
 * the processor is accounted for exactly once.
 */
export interface ProcessorStats {
  /** Spans handed to `onEnd` (sampled ones, for exporting processors). */
  readonly ended: number;
  /** Spans an exporter accepted (or, in memory, that are kept). */
  readonly exported: number;
  /** Spans refused at a documented bound: a full queue, or after shutdown. */
  readonly dropped: number;
  /** Spans whose export failed, threw, or timed out. */
  readonly failed: number;
  /** Spans waiting for export, or being exported now. */
  readonly queued: number;
}

/**
 * Receives spans from a {@linkcode Tracer}: `onStart` when one starts,
 * `onEnding` as it ends (while it may still change), `onEnd` once when it
 * has ended. A processor that throws is isolated: the application and the
 * other processors go on.
 *
 * @example A processor that counts errors
 * ```ts
 * import { type Span, type SpanProcessor, Tracer } from "@codomyrmex/spans";
 * import assert from "node:assert/strict";
 *
 * let errors = 0;
 * const counter: SpanProcessor = {
 *   onEnd: (span: Span) => void (span.status.code === "error" && errors++),
 *   forceFlush: async () => {},
 *   shutdown: async () => {},
 * };
 * const tracer = new Tracer({ processors: [counter] });
 * tracer.startSpan("x").setStatus("error").end();
 * assert.equal(errors, 1);
 * ```
 */
export interface SpanProcessor {
  /** Called when a recording span starts; the span may still change. */
  onStart?(span: Span): void;
  /**
   * Called once as a recording span ends, before any processor's `onEnd`:
   * its end time is set, `ended` is still `false`, and it may still change
   * (OpenTelemetry's OnEnding), so a processor can add what only the end
   * knows. Ending it again here does nothing.
   */
  onEnding?(span: Span): void;
  /** Called once when a recording span ends; the span no longer changes. */
  onEnd(span: Span): void;
  /** Resolves once the spans ended before the call have been handled. */
  forceFlush(): Promise<void>;
  /** Flushes, then releases resources; later spans are dropped. */
  shutdown(): Promise<void>;
  /** The processor's counts, for processors that keep them. */
  stats?(): ProcessorStats;
}
