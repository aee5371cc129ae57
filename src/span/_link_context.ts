// Internal: the context a link keeps.
//
// A SpanContext is kept as it is: it is immutable and was checked when made.
// Anything else (a plain `{ traceId, spanId }`, a context from another
// library) is read once, as the link is added, and kept as a copy, so that
// what the exporters read later cannot change or throw: its trace flags
// become a byte, its trace state is kept only when valid (an invalid one is
// dropped and counted, as everywhere else), and a getter or Proxy trap that
// throws drops the link.
//
// Links to all-zero ids: OpenTelemetry's trace API ("Link") says
// "Implementations SHOULD record links containing SpanContext with empty
// TraceId or SpanId (all zeros) as long as either the attribute set or
// TraceState is non-empty." Messaging systems carry attributes on such
// links. Of SpanContexts only INVALID_SPAN_CONTEXT holds zero ids, and the
// rule applies to it as to a copy; the decoders of received OTLP apply the
// same rule.

import { isValidSpanId, isValidTraceId } from "../platform/ids.ts";
import { ZERO_SPAN_ID, ZERO_TRACE_ID } from "../platform/_zero_ids.ts";
import { isValidTraceState, traceStateDrops } from "./_tracestate_grammar.ts";
import { createTrustedSpanContext } from "./_trusted_span_context.ts";
import { SpanContext } from "./span_context.ts";

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

/** Whether a context a link kept has an all-zero id. */
export function hasZeroId(context: SpanContext): boolean {
  return context.traceId === ZERO_TRACE_ID || context.spanId === ZERO_SPAN_ID;
}

/**
 * The context a link keeps for `context`: a SpanContext itself; a copy of
 * any other object whose ids are valid, or each valid or all zeros; else
 * undefined, for the link to be dropped and counted. Never throws.
 */
export function linkContextOf(context: unknown): SpanContext | undefined {
  try {
    if (context instanceof SpanContext) return context;
    if (typeof context !== "object" || context === null) return undefined;
    const c = context as Record<string, unknown>;
    const traceId = c.traceId;
    const spanId = c.spanId;
    const valid = isValidTraceId(traceId) && isValidSpanId(spanId);
    if (!valid && !hasZeroLinkIds(traceId, spanId)) return undefined;
    const flags = c.traceFlags;
    const traceFlags = Number.isInteger(flags) ? (flags as number) & 0xff : 0;
    const traceState = traceStateFrom(c.traceState);
    const isRemote = c.isRemote === true;
    if (valid) {
      return createTrustedSpanContext(
        traceId as string,
        spanId as string,
        undefined,
        traceFlags,
        traceState,
        isRemote,
      );
    }
    return Object.freeze(
      traceState === undefined
        ? { traceId, spanId, traceFlags, isRemote }
        : { traceId, spanId, traceFlags, traceState, isRemote },
    ) as unknown as SpanContext;
  } catch {
    // A getter or Proxy trap threw: not a context, so the link is dropped.
    return undefined;
  }
}

/** Whether `context` can be read and has ids each valid or all zeros, one all zeros. */
export function isZeroIdContext(context: unknown): boolean {
  try {
    const c = context as { traceId?: unknown; spanId?: unknown } | null;
    return typeof c === "object" && c !== null && hasZeroLinkIds(c.traceId, c.spanId);
  } catch {
    return false;
  }
}

/**
 * A trace state given as data: a header string, or an OpenTelemetry
 * TraceState (its `serialize()`). An empty one is none; an invalid one, or
 * one whose `serialize()` throws, is dropped and counted, as the propagators
 * count one, never carried into a context that inject would send.
 */
export function traceStateFrom(value: unknown): string | undefined {
  if (value === undefined || value === null || value === "") return undefined;
  let text: unknown = value;
  if (
    typeof value === "object" && typeof (value as { serialize?: unknown }).serialize === "function"
  ) {
    try {
      text = (value as { serialize(): unknown }).serialize();
    } catch {
      text = undefined;
    }
  }
  if (text === "") return undefined;
  if (isValidTraceState(text)) return text;
  traceStateDrops.count++;
  return undefined;
}
