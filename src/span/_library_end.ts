// Internal: how the library ends a span it started and ends itself
// (tracer.span's, a traced request's or fetch's). The code the span was
// handed to may have ended it first, and the library's end is then a second
// one, which is not that code's mistake: a debug span (src/trace/
// _debug_span.ts) names a second end() call, so the library ends only a span
// still open. A plain function, not a method on Span.prototype: a symbol-keyed
// method added there cost tracer.span 4-6% on Node 20 (bench/ab_versions.ts).
// Span#end checks the state again, as every end() call must; this check is
// not that one repeated, it is what keeps the debug report out: it must come
// before the call, since a DebugSpan's end() reports an ended span and cannot
// tell who called it, and the base Span.prototype.end, called directly, would
// skip the DebugSpan's own end (which stops tracking the span as open).

import type { Span } from "./span.ts";

/** Ends `span` as the library does when the work it traced is done. */
export function endByLibrary(span: Span): void {
  if (!span.ended) span.end();
}
