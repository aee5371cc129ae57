// Internal: SpanFlags in trace.proto, for spans and links alike: the W3C
// trace flags in the low byte, then whether the remote-ness of the (parent
// or linked) context is known, and whether it is remote. The encoders write
// them; the decoders read them back.

const HAS_IS_REMOTE = 0x100;
const IS_REMOTE = 0x200;

/** OTLP `flags` for trace flags and a remote-ness (`null` or `undefined`: not known). */
export function otlpFlags(traceFlags: number, isRemote: boolean | null | undefined): number {
  return (traceFlags & 0xff) |
    (isRemote === null || isRemote === undefined ? 0 : HAS_IS_REMOTE | (isRemote ? IS_REMOTE : 0));
}

/** Whether OTLP `flags` say their context is remote: `null` when they do not say. */
export function remoteFromFlags(flags: number): boolean | null {
  return (flags & HAS_IS_REMOTE) === 0 ? null : (flags & IS_REMOTE) !== 0;
}
