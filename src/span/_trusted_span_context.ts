// Internal: builds a SpanContext without validating it, for ids this library
// generated or already validated. The fields go to the constructor as
// arguments after a sentinel init, so the hot path allocates nothing but the
// context itself. (They used to go through module-level objects that the
// constructor read back: 4-8% of a span's lifecycle on Deno and Node.)
// span_context.ts and this file import each other; each uses the other only
// inside functions, never while the modules load.

import { SpanContext, type SpanContextInit } from "./span_context.ts";

/** The sentinel that tells the SpanContext constructor to take its other arguments as they are. */
export const TRUSTED_INIT: SpanContextInit = Object.freeze({ traceId: "", spanId: "" });

// The constructor's hidden form: see span_context.ts.
type TrustedConstructor = new (
  init: SpanContextInit,
  traceId: string,
  spanId: string,
  parentSpanId: string | undefined,
  traceFlags: number,
  traceState: string | undefined,
  isRemote: boolean,
  idBytes: Uint8Array | undefined,
  idAt: number,
) => SpanContext;

/**
 * Builds a frozen context from fields known to be valid, with the bytes its
 * ids were drawn from when there are some (see _id_bytes.ts). A Tracer's
 * span calls it only when its `context` is first read (see span.ts).
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
  return new (SpanContext as TrustedConstructor)(
    TRUSTED_INIT,
    traceId,
    spanId,
    parentSpanId,
    traceFlags,
    traceState,
    isRemote,
    idBytes,
    idAt,
  );
}
