// Internal: the current span's key, in a file of its own so that the
// context storage (which current_span.ts builds on) can read it too.

/** The key the current span is stored under in a {@linkcode Context}. */
export const SPAN_KEY: unique symbol = Symbol("@codomyrmex/spans.span");
