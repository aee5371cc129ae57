// Internal: the conversion behind toReadableSpan.

import type {
  Attributes as OtelAttributes,
  Link,
  SpanContext as OtelSpanContext,
  SpanStatus as OtelSpanStatus,
} from "@opentelemetry/api";
import { hasRemoteParent } from "../span/_remote_parent.ts";
import type { Span, SpanEvent, SpanLink, SpanStatus } from "../span/span.ts";
import { hrTimeDiff, msToHrTime } from "../span/_hrtime.ts";
import { OTEL_KINDS, OTEL_STATUS_CODES, toOtelSpanContext, toOtelTraceState } from "./_mapping.ts";
import { parentTraceFieldsOf } from "../span/_parent_trace_fields.ts";
import type { OtelReadableSpan, OtelResource, OtelTimedEvent } from "./_sdk_types.ts";

/** Where a ReadableSpan made here keeps the span it came from. */
export const ORIGINAL_SPAN: unique symbol = Symbol("@codomyrmex/spans.otel.original");

/** {@linkcode toReadableSpan} with the resource already resolved. */
export function readableSpanOf(span: Span, resource: OtelResource): OtelReadableSpan {
  const ctx = span.context;
  const startTime = msToHrTime(span.startTime ?? 0);
  const endTime = span.endTime === undefined ? startTime : msToHrTime(span.endTime);
  const spanContext = toOtelSpanContext(ctx);
  const readable: OtelReadableSpan & { [ORIGINAL_SPAN]: Span } = {
    name: span.name,
    kind: OTEL_KINDS[span.kind],
    spanContext: () => spanContext,
    parentSpanContext: parentSpanContextOf(span),
    startTime,
    endTime,
    duration: hrTimeDiff(startTime, endTime),
    status: otelStatus(span.status),
    attributes: span.attributes as OtelAttributes,
    events: otelEvents(span.events),
    links: otelLinks(span.links),
    ended: span.ended,
    resource,
    instrumentationScope: span.instrumentationScope ?? { name: "" },
    droppedAttributesCount: span.droppedAttributesCount,
    droppedEventsCount: span.droppedEventsCount,
    droppedLinksCount: span.droppedLinksCount,
    [ORIGINAL_SPAN]: span,
  };
  return readable;
}

// Each field apart, for ProcessorSpan, which makes them one at a time.

/**
 * The span's parent as an @opentelemetry/api span context, if it has one:
 * its flags and trace state, which are the span's unless its sampler made
 * them differ (see _parent_trace_fields.ts).
 */
export function parentSpanContextOf(span: Span): OtelSpanContext | undefined {
  const ctx = span.context;
  if (ctx.parentSpanId === undefined) return undefined;
  const differing = parentTraceFieldsOf(span);
  const traceState = differing === undefined ? ctx.traceState : differing.traceState;
  const parent: OtelSpanContext = {
    traceId: ctx.traceId,
    spanId: ctx.parentSpanId,
    traceFlags: differing === undefined ? ctx.traceFlags : differing.traceFlags,
    isRemote: hasRemoteParent(span),
  };
  if (traceState !== undefined) parent.traceState = toOtelTraceState(traceState);
  return parent;
}

/** A status as @opentelemetry/api's. */
export function otelStatus(status: SpanStatus): OtelSpanStatus {
  return status.message === undefined
    ? { code: OTEL_STATUS_CODES[status.code] }
    : { code: OTEL_STATUS_CODES[status.code], message: status.message };
}

/** Events as the SDK's `TimedEvent`s, `from` the given index on. */
export function otelEvents(events: readonly SpanEvent[], from = 0): OtelTimedEvent[] {
  const converted: OtelTimedEvent[] = [];
  for (let i = from; i < events.length; i++) {
    const e = events[i];
    converted.push({
      name: e.name,
      time: msToHrTime(e.time),
      attributes: e.attributes as OtelAttributes,
      droppedAttributesCount: e.droppedAttributesCount,
    });
  }
  return converted;
}

/** Links as @opentelemetry/api's, `from` the given index on. */
export function otelLinks(links: readonly SpanLink[], from = 0): Link[] {
  const converted: Link[] = [];
  for (let i = from; i < links.length; i++) {
    const l = links[i];
    converted.push({
      context: toOtelSpanContext(l.context),
      attributes: l.attributes as OtelAttributes,
      droppedAttributesCount: l.droppedAttributesCount,
    });
  }
  return converted;
}
