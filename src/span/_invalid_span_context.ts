// Internal: the invalid span context, all zeros, as OpenTelemetry's
// INVALID_SPAN_CONTEXT: the context of a pass-through span that has no parent
// (see trace/_pass_through.ts). It carries no trace, so it is never injected
// into headers nor given as log fields. The SpanContext constructor refuses
// zero ids; only this context and a kept zero-id link's (_link_context.ts)
// have them, and neither carries a trace.

import { ZERO_SPAN_ID, ZERO_TRACE_ID } from "../platform/_zero_ids.ts";
import { createTrustedSpanContext } from "./_trusted_span_context.ts";
import type { SpanContext } from "./span_context.ts";

/** The all-zero context: trace id, span id and flags zero, no trace state. */
export const INVALID_SPAN_CONTEXT: SpanContext = createTrustedSpanContext(
  ZERO_TRACE_ID,
  ZERO_SPAN_ID,
  undefined,
  0,
  undefined,
  false,
);

/** Whether `context` carries no trace: its trace id is all zeros. */
export function isInvalidSpanContext(context: SpanContext): boolean {
  return context.traceId === ZERO_TRACE_ID;
}
