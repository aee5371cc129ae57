// Internal: links to a context whose trace id or span id is all zeros.
// OpenTelemetry's trace API ("Link"): "Implementations SHOULD record links
// containing SpanContext with empty TraceId or SpanId (all zeros) as long as
// either the attribute set or TraceState is non-empty." Messaging systems
// carry attributes on such links. A SpanContext never holds zero ids, so
// these links come as plain context objects, or over OTLP; the checks here
// run only once the valid-ids check has failed, off the hot path.

import { isValidSpanId, isValidTraceId } from "../platform/ids.ts";

/** An all-zero trace id: 32 `0`s. */
export const ZERO_TRACE_ID: string = "0".repeat(32);
/** An all-zero span id: 16 `0`s. */
export const ZERO_SPAN_ID: string = "0".repeat(16);

/**
 * Whether ids that are not both valid are still a link's: each one valid or
 * exactly all zeros (lowercase hex of the right length), so at least one all
 * zeros. Anything else (a wrong length, upper case, not hex) is malformed.
 */
export function hasZeroLinkIds(traceId: unknown, spanId: unknown): boolean {
  const zeroTrace = traceId === ZERO_TRACE_ID;
  const zeroSpan = spanId === ZERO_SPAN_ID;
  return (zeroTrace || zeroSpan) && (zeroTrace || isValidTraceId(traceId)) &&
    (zeroSpan || isValidSpanId(spanId));
}

/**
 * Whether a link with all-zero ids is kept: when its attributes (those
 * kept) or its trace state are not empty.
 */
export function keepsZeroIdLink(traceState: unknown, attributes: object | undefined): boolean {
  if (typeof traceState === "string" && traceState !== "") return true;
  if (attributes === undefined) return false;
  for (const key in attributes) if (Object.hasOwn(attributes, key)) return true;
  return false;
}

/**
 * The trace state of a context object whose ids are each valid or all
 * zeros, at least one all zeros: what it holds, read once (`null` for none);
 * `undefined` for anything else, a context whose getters throw included.
 */
export function zeroIdTraceState(context: unknown): unknown {
  try {
    const c = context as { traceId?: unknown; spanId?: unknown; traceState?: unknown } | null;
    if (typeof c !== "object" || c === null || !hasZeroLinkIds(c.traceId, c.spanId)) {
      return undefined;
    }
    return c.traceState ?? null;
  } catch {
    return undefined;
  }
}
