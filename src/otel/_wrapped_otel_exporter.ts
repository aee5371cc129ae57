// Internal: where an exporter made by fromOtelExporter keeps the
// OpenTelemetry exporter it wraps, so toOtelExporter can unwrap it.

/** Where an adapter keeps the OpenTelemetry exporter it wraps. */
export const WRAPPED_OTEL_EXPORTER: unique symbol = Symbol("@codomyrmex/spans.otel.exporter");
