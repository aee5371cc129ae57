/**
 * The span processor contract: what a Tracer hands its spans to, and the
 * counts every processor keeps.
 *
 * @module
 */

import type { Context } from "../context/context.ts";
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
 *
 * @example A processor that copies baggage onto every span, from the
 * context each one starts in
 * ```ts
 * import {
 *   Baggage,
 *   getBaggage,
 *   InMemorySpanProcessor,
 *   type SpanProcessor,
 *   Tracer,
 *   withBaggage,
 * } from "@codomyrmex/spans";
 * import assert from "node:assert/strict";
 *
 * const baggageToAttributes: SpanProcessor = {
 *   onStart(span, parentContext) {
 *     for (const [key, entry] of getBaggage(parentContext).entries()) {
 *       span.setAttribute(key, entry.value);
 *     }
 *   },
 *   onEnd() {},
 *   forceFlush: async () => {},
 *   shutdown: async () => {},
 * };
 * const memory = new InMemorySpanProcessor();
 * const tracer = new Tracer({ processors: [baggageToAttributes, memory] });
 * withBaggage(new Baggage({ "user.id": "42" }), () => tracer.startSpan("checkout").end());
 * assert.equal(memory.spans[0].attributes["user.id"], "42");
 * ```
 */
export interface SpanProcessor {
  /**
   * Called when a recording span starts; the span may still change.
   * `parentContext` is the context it started in (OpenTelemetry's OnStart
   * parent context), where a processor finds what the caller made current,
   * baggage say: a Tracer always gives it. Its span is the new span's
   * parent: an explicit `parent` option's, none for `parent: null`.
   */
  onStart?(span: Span, parentContext: Context): void;
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
