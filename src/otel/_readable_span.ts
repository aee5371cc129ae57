// Internal: the conversion behind toReadableSpan.

import type { Attributes as OtelAttributes, Link } from "@opentelemetry/api";
import { hasRemoteParent } from "../span/_remote_parent.ts";
import type { Span } from "../span/span.ts";
import { hrTimeDiff, msToHrTime } from "../span/_hrtime.ts";
import { OTEL_KINDS, OTEL_STATUS_CODES, toOtelSpanContext } from "./_mapping.ts";
import type { OtelReadableSpan, OtelResource, OtelTimedEvent } from "./_sdk_types.ts";

/** Where a ReadableSpan made here keeps the span it came from. */
export const ORIGINAL_SPAN: unique symbol = Symbol("@codomyrmex/spans.otel.original");

/** {@linkcode toReadableSpan} with the resource already resolved. */
export function readableSpanOf(span: Span, resource: OtelResource): OtelReadableSpan {
  const ctx = span.context;
  const startTime = msToHrTime(span.startTime ?? 0);
  const endTime = span.endTime === undefined ? startTime : msToHrTime(span.endTime);
  const spanContext = toOtelSpanContext(ctx);
  const status = span.status;
  const events: OtelTimedEvent[] = [];
  for (const e of span.events) {
    events.push({
      name: e.name,
      time: msToHrTime(e.time),
      attributes: e.attributes as OtelAttributes,
      droppedAttributesCount: e.droppedAttributesCount,
    });
  }
  const links: Link[] = [];
  for (const l of span.links) {
    links.push({
      context: toOtelSpanContext(l.context),
      attributes: l.attributes as OtelAttributes,
      droppedAttributesCount: l.droppedAttributesCount,
    });
  }
  const readable: OtelReadableSpan & { [ORIGINAL_SPAN]: Span } = {
    name: span.name,
    kind: OTEL_KINDS[span.kind],
    spanContext: () => spanContext,
    parentSpanContext: ctx.parentSpanId === undefined ? undefined : {
      traceId: ctx.traceId,
      spanId: ctx.parentSpanId,
      traceFlags: ctx.traceFlags,
      isRemote: hasRemoteParent(span),
    },
    startTime,
    endTime,
    duration: hrTimeDiff(startTime, endTime),
    status: status.message === undefined
      ? { code: OTEL_STATUS_CODES[status.code] }
      : { code: OTEL_STATUS_CODES[status.code], message: status.message },
    attributes: span.attributes as OtelAttributes,
    events,
    links,
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
