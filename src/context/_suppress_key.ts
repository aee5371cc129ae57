// Internal: the key under which a context marks tracing as suppressed, in a
// file of its own so that the storage (which suppression.ts builds on) can
// read it too. It is OpenTelemetry's own key (`Symbol.for`), shared with it.

/** OpenTelemetry's `suppressTracing` key. */
export const SUPPRESS_TRACING_KEY: symbol = Symbol.for(
  "OpenTelemetry SDK Context Key SUPPRESS_TRACING",
);

/**
 * Marks a context whose suppression a traced fetch set around the fetch it
 * wraps (see http/fetch.ts): for the network call only, so that an
 * instrumentation of that fetch records no second client span. A server
 * span started under it (a handler the wrapped fetch calls in this process)
 * is a new request's, and lifts it. `suppressTracing()` removes the mark:
 * suppression asked for inside stays whole; and a fetch called where
 * tracing was suppressed already (an exporter's export) sets no mark.
 */
export const FETCH_CALL_KEY: unique symbol = Symbol("@codomyrmex/spans.fetch-call");
