// Internal: a span's context as this library reads it, without freezing it.
// A Tracer hands its spans their contexts unfrozen (see
// _trusted_span_context.ts); `span.context` freezes one before anyone
// outside this library sees it. Readers here (processors, encoders, the
// Tracer finding a parent) only read fields, and use this instead. span.ts
// installs the accessor as it loads; this file imports nothing at run time.

import type { Span } from "./span.ts";
import type { SpanContext } from "./span_context.ts";

let read: (span: Span) => SpanContext = (span) => span.context;

/** Called once by span.ts with the accessor of its private context. */
export function installContextAccess(reader: (span: Span) => SpanContext): void {
  read = reader;
}

/**
 * `span`'s context, frozen or not. Never hand it to code outside this
 * library: use `span.context` for that.
 */
export function contextOf(span: Span): SpanContext {
  return read(span);
}
