// Internal: builds a SpanContext without validating it, for ids this library
// generated or already validated. The fields go through `trusted` and a
// sentinel init, so the hot path allocates nothing but the context itself.
// span_context.ts and this file import each other; each uses the other only
// inside functions, never while the modules load.

import { SpanContext, type SpanContextInit } from "./span_context.ts";

/** The sentinel that tells the SpanContext constructor to read `trusted`. */
export const TRUSTED_INIT: SpanContextInit = Object.freeze({ traceId: "", spanId: "" });

/** The fields of the context being built; read once by the constructor. */
export const trusted: {
  traceId: string;
  spanId: string;
  parentSpanId: string | undefined;
  traceFlags: number;
  traceState: string | undefined;
  isRemote: boolean;
} = {
  traceId: "",
  spanId: "",
  parentSpanId: undefined,
  traceFlags: 0,
  traceState: undefined,
  isRemote: false,
};

/** The bytes of the ids of the context being built (see _id_bytes.ts). */
export const trustedIdBytes: { bytes: Uint8Array | undefined; at: number } = {
  bytes: undefined,
  at: 0,
};

/**
 * The last context built unfrozen by {@linkcode createTrustedSpanContext}: a
 * Span given it freezes it when it first hands it out (see span.ts).
 */
export let unfrozenContext: SpanContext | undefined;

/** Whether the context being built is left unfrozen; read by the constructor. */
export const trustedFreeze: { freeze: boolean } = { freeze: true };

/**
 * Builds a context from fields known to be valid, with the bytes its ids
 * were drawn from when there are some (see _id_bytes.ts). With `frozen`
 * false it is left unfrozen, for a Span to freeze when it hands it out: the
 * Tracer's spans, whose contexts mostly only this library reads, skip the
 * cost of Object.freeze (a tenth of a span's cost on V8).
 */
export function createTrustedSpanContext(
  traceId: string,
  spanId: string,
  parentSpanId: string | undefined,
  traceFlags: number,
  traceState: string | undefined,
  isRemote: boolean,
  idBytes?: Uint8Array,
  idAt = 0,
  frozen = true,
): SpanContext {
  trusted.traceId = traceId;
  trusted.spanId = spanId;
  trusted.parentSpanId = parentSpanId;
  trusted.traceFlags = traceFlags;
  trusted.traceState = traceState;
  trusted.isRemote = isRemote;
  trustedIdBytes.bytes = idBytes;
  trustedIdBytes.at = idAt;
  trustedFreeze.freeze = frozen;
  const context = new SpanContext(TRUSTED_INIT);
  trustedFreeze.freeze = true;
  if (!frozen) unfrozenContext = context;
  return context;
}
