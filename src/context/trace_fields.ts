/**
 * The current span's ids as log fields, for log correlation.
 *
 * @module
 */

import { isInvalidSpanContext } from "../span/_invalid_span_context.ts";
import { getCurrentSpan } from "./current_span.ts";

/**
 * A span's ids under the names of the OpenTelemetry log data model, so a log
 * backend links each record to its trace.
 */
export interface TraceFields {
  /** The trace id: 32 lowercase hex characters. */
  trace_id: string;
  /** The span id: 16 lowercase hex characters. */
  span_id: string;
  /**
   * The W3C trace flags as 2 lowercase hex digits: bit `01` is set when the
   * span is sampled, bit `02` when its trace id is random (W3C Level 2).
   */
  trace_flags: string;
}

/**
 * Returns the current span's `trace_id`, `span_id` and `trace_flags`, the
 * field names of the OpenTelemetry log data model, to add to a structured log
 * record; `undefined` outside any span, so spreading it adds nothing there.
 * It follows `await` like {@linkcode getCurrentSpan}, and works for a span
 * that was sampled out too (its sampled bit is clear), so every log line of a
 * request can be found by its trace id.
 *
 * @returns The fields, or `undefined` when no span is current.
 *
 * @example A JSON log line that carries the trace
 * ```ts
 * import { traceFields, Tracer } from "@codomyrmex/spans";
 * import assert from "node:assert/strict";
 *
 * const lines: string[] = [];
 * const log = (message: string) => lines.push(JSON.stringify({ message, ...traceFields() }));
 *
 * await new Tracer().span("checkout", async (span) => {
 *   await Promise.resolve();
 *   log("paid");
 *   assert.equal(traceFields()?.span_id, span.context.spanId);
 * });
 * log("outside");
 * const paid = JSON.parse(lines[0]);
 * assert.match(paid.trace_id, /^[0-9a-f]{32}$/);
 * assert.match(paid.trace_flags, /^[0-9a-f]{2}$/);
 * assert.equal(parseInt(paid.trace_flags, 16) & 1, 1); // sampled
 * assert.deepEqual(JSON.parse(lines[1]), { message: "outside" });
 * ```
 */
export function traceFields(): TraceFields | undefined {
  const span = getCurrentSpan();
  if (span === undefined) return undefined;
  const context = span.context;
  // A pass-through span with no parent (a disabled setupTracing's) has the
  // invalid, all-zero context: no trace to correlate with.
  if (isInvalidSpanContext(context)) return undefined;
  const flags = context.traceFlags & 0xff;
  return {
    trace_id: context.traceId,
    span_id: context.spanId,
    trace_flags: (flags < 16 ? "0" : "") + flags.toString(16),
  };
}
