// Internal: the ids of a context a Tracer made with the default generator,
// also as bytes: the random bytes they were drawn from, kept by reference
// (nothing is copied). The span id's 8 bytes start at `idBytesAt(context)`;
// a root's trace id was drawn just before it, so its 16 bytes end there. The
// OTLP protobuf encoder writes them as they are instead of parsing hex back,
// which cost 100-260 ns per root span.
//
// The bytes live in private fields of SpanContext; span_context.ts installs
// the accessors as it loads. This file imports nothing at run time, so it is
// always loaded before span_context.ts needs it.

import type { SpanContext } from "./span_context.ts";

let bytesOf: (context: SpanContext) => Uint8Array | undefined = () => undefined;
let atOf: (context: SpanContext) => number = () => 0;

/** Called once by span_context.ts with the accessors of its private fields. */
export function installIdBytesAccess(
  bytes: (context: SpanContext) => Uint8Array | undefined,
  at: (context: SpanContext) => number,
): void {
  bytesOf = bytes;
  atOf = at;
}

/** The bytes `context`'s ids were drawn from; `undefined` when it has none. */
export function idBytesOf(context: SpanContext): Uint8Array | undefined {
  return bytesOf(context);
}

/** Where `context`'s span id starts in {@linkcode idBytesOf}. */
export function idBytesAt(context: SpanContext): number {
  return atOf(context);
}
