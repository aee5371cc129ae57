// Internal: the key under which a context marks tracing as suppressed, in a
// file of its own so that the storage (which suppression.ts builds on) can
// read it too. It is OpenTelemetry's own key (`Symbol.for`), shared with it.

/** OpenTelemetry's `suppressTracing` key. */
export const SUPPRESS_TRACING_KEY: symbol = Symbol.for(
  "OpenTelemetry SDK Context Key SUPPRESS_TRACING",
);
