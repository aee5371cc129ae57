// Internal: the conversion behind toReadableSpan, and the resource option
// resolved once per exporter rather than per span.

import type { Attributes as OtelAttributes, Link } from "@opentelemetry/api";
import { defaultResource, type Resource, resourceFromAttributes } from "@opentelemetry/resources";
import type { ReadableSpan, TimedEvent } from "@opentelemetry/sdk-trace-base";
import { hasRemoteParent } from "../span/_remote_parent.ts";
import type { Span } from "../span/span.ts";
import { hrTimeDiff, msToHrTime } from "./_hrtime.ts";
import { OTEL_KINDS, OTEL_STATUS_CODES, toOtelSpanContext } from "./_mapping.ts";
import type { ToReadableSpanOptions } from "./readable_span.ts";

/** Where a ReadableSpan made here keeps the span it came from. */
export const ORIGINAL_SPAN: unique symbol = Symbol("@codomyrmex/spans.otel.original");

let fallbackResource: Resource | undefined;

/**
 * Resolves the `resource` option once, so exporters convert it once and not
 * per span.
 */
export function resolveResource(resource: ToReadableSpanOptions["resource"]): Resource {
  if (resource === undefined) return fallbackResource ??= defaultResource();
  if (typeof (resource as Resource).merge === "function") return resource as Resource;
  return resourceFromAttributes(resource as OtelAttributes);
}

/** {@linkcode toReadableSpan} with the resource already resolved. */
export function readableSpanOf(span: Span, resource: Resource): ReadableSpan {
  const ctx = span.context;
  const startTime = msToHrTime(span.startTime ?? 0);
  const endTime = span.endTime === undefined ? startTime : msToHrTime(span.endTime);
  const spanContext = toOtelSpanContext(ctx);
  const status = span.status;
  const events: TimedEvent[] = [];
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
  const readable: ReadableSpan & { [ORIGINAL_SPAN]: Span } = {
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
