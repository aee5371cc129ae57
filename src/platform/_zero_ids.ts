// Internal: the all-zero ids, which W3C Trace Context and OpenTelemetry
// treat as invalid, for every module that must recognise or write them.

/** An all-zero trace id: 32 `0`s. */
export const ZERO_TRACE_ID: string = "0".repeat(32);
/** An all-zero span id: 16 `0`s. */
export const ZERO_SPAN_ID: string = "0".repeat(16);
