// Internal: the small vocabulary shared by both directions (span kinds,
// status codes, span contexts) mapped between this library and
// @opentelemetry/api.

import {
  type SpanContext as OtelSpanContext,
  SpanKind as OtelSpanKind,
  SpanStatusCode as OtelStatusCode,
  type TraceState as OtelTraceState,
} from "@opentelemetry/api";
import type { SpanKind, SpanStatusCode } from "../span/span.ts";
import type { SpanContext } from "../span/span_context.ts";
import { OtelTraceStateView } from "../span/_otel_trace_state.ts";

/** Our kinds indexed by OpenTelemetry's `SpanKind` enum value. */
export const KIND_NAMES: readonly SpanKind[] = [
  "internal",
  "server",
  "client",
  "producer",
  "consumer",
];

/** Our kind to OpenTelemetry's `SpanKind`. */
export const OTEL_KINDS: Readonly<Record<SpanKind, OtelSpanKind>> = {
  internal: OtelSpanKind.INTERNAL,
  server: OtelSpanKind.SERVER,
  client: OtelSpanKind.CLIENT,
  producer: OtelSpanKind.PRODUCER,
  consumer: OtelSpanKind.CONSUMER,
};

/** Our status code to OpenTelemetry's `SpanStatusCode`. */
export const OTEL_STATUS_CODES: Readonly<Record<SpanStatusCode, OtelStatusCode>> = {
  unset: OtelStatusCode.UNSET,
  ok: OtelStatusCode.OK,
  error: OtelStatusCode.ERROR,
};

/** Our span context as an @opentelemetry/api one (no parent: OTel keeps it apart). */
export function toOtelSpanContext(ctx: SpanContext): OtelSpanContext {
  return ctx.traceState === undefined
    ? {
      traceId: ctx.traceId,
      spanId: ctx.spanId,
      traceFlags: ctx.traceFlags,
      isRemote: ctx.isRemote,
    }
    : {
      traceId: ctx.traceId,
      spanId: ctx.spanId,
      traceFlags: ctx.traceFlags,
      isRemote: ctx.isRemote,
      traceState: toOtelTraceState(ctx.traceState),
    };
}

/**
 * A valid trace state (checked where it was set) as @opentelemetry/api's
 * `TraceState`, backed by this library's grammar and limits (see
 * _otel_trace_state.ts).
 */
export function toOtelTraceState(traceState: string): OtelTraceState {
  return new OtelTraceStateView(traceState);
}
