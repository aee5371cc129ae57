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
 * Builds a context from fields known to be valid, with the bytes its ids
 * were drawn from when there are some (see _id_bytes.ts).
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
): SpanContext {
  trusted.traceId = traceId;
  trusted.spanId = spanId;
  trusted.parentSpanId = parentSpanId;
  trusted.traceFlags = traceFlags;
  trusted.traceState = traceState;
  trusted.isRemote = isRemote;
  trustedIdBytes.bytes = idBytes;
  trustedIdBytes.at = idAt;
  return new SpanContext(TRUSTED_INIT);
}
