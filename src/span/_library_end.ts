// Internal: how the library ends a span it started and ends itself
// (tracer.span's, a traced request's or fetch's). The code the span was
// handed to may have ended it first, and the library's end is then a second
// one, which is not that code's mistake: a debug span (src/trace/
// _debug_span.ts) names a second end() call, and overrides this method to
// pass the library's over. On every other span it is the span's own end(),
// called as before, so nothing changes while debug is off. span.ts puts the
// method on Span.prototype when it loads, out of the public type.

import type { Span } from "./span.ts";

/** The key of the library's end method on a span. */
export const LIBRARY_END: unique symbol = Symbol("@codomyrmex/spans.libraryEnd");

/** A span, with the method span.ts installs. */
type LibraryEnded = Span & { [LIBRARY_END](): void };

/** Ends `span` as the library does when the work it traced is done. */
export function endByLibrary(span: Span): void {
  (span as LibraryEnded)[LIBRARY_END]();
}
