// Internal: the small vocabulary shared by both directions (span kinds,
// status codes, span contexts) mapped between this library and
// @opentelemetry/api.

import {
  createTraceState,
  type SpanContext as OtelSpanContext,
  SpanKind as OtelSpanKind,
  SpanStatusCode as OtelStatusCode,
} from "@opentelemetry/api";
import { isValidSpanId, isValidTraceId } from "../platform/ids.ts";
import type { SpanKind, SpanStatusCode } from "../span/span.ts";
import { createTrustedSpanContext } from "../span/_trusted_span_context.ts";
import type { SpanContext } from "../span/span_context.ts";

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

/** OpenTelemetry's `SpanStatusCode` to ours; unknown codes read as unset. */
export function statusCodeFromOtel(code: unknown): SpanStatusCode {
  return code === OtelStatusCode.OK ? "ok" : code === OtelStatusCode.ERROR ? "error" : "unset";
}

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
      traceState: createTraceState(ctx.traceState),
    };
}

/**
 * An @opentelemetry/api span context as ours, or `undefined` when its ids
 * are invalid (OpenTelemetry's own rule for "no parent").
 */
export function fromOtelSpanContext(
  sc: OtelSpanContext | undefined,
  parentSpanId?: string,
): SpanContext | undefined {
  if (sc === undefined || sc === null) return undefined;
  if (!isValidTraceId(sc.traceId) || !isValidSpanId(sc.spanId)) return undefined;
  const flags = Number.isInteger(sc.traceFlags) ? sc.traceFlags & 0xff : 0;
  let traceState: string | undefined;
  try {
    traceState = sc.traceState?.serialize() || undefined;
  } catch {
    traceState = undefined;
  }
  return createTrustedSpanContext(
    sc.traceId,
    sc.spanId,
    isValidSpanId(parentSpanId) ? parentSpanId : undefined,
    flags,
    traceState,
    sc.isRemote === true,
  );
}
