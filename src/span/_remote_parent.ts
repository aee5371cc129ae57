// Internal: which spans started under a remote parent (a context extracted
// from another process). OTLP reports it in the span's `flags`; keeping it
// out of Span spares every local span a field, and a WeakSet lets spans be
// collected as usual.

import type { Span } from "./span.ts";

const remoteParented = new WeakSet<Span>();

/** Records that `span`'s parent context came from another process. */
export function markRemoteParent(span: Span): void {
  remoteParented.add(span);
}

/** Whether `span`'s parent context came from another process. */
export function hasRemoteParent(span: Span): boolean {
  return remoteParented.has(span);
}
