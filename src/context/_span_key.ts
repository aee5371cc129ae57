// Internal: the key the current span is stored under, in a file of its own so
// that storage.ts can read it without importing current_span.ts, which
// imports storage.ts.

/** The key the current span is stored under in a {@linkcode Context}. */
export const SPAN_KEY: unique symbol = Symbol("@codomyrmex/spans.span");
