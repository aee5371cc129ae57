/**
 * This library's spans as OpenTelemetry `ReadableSpan`s: what every
 * OpenTelemetry `SpanExporter` reads.
 *
 * @module
 */

import type { Attributes as OtelAttributes, Link } from "@opentelemetry/api";
import { defaultResource, type Resource, resourceFromAttributes } from "@opentelemetry/resources";
import type { ReadableSpan, TimedEvent } from "@opentelemetry/sdk-trace-base";
import { hasRemoteParent } from "../_remote_parent.ts";
import type { Span } from "../span.ts";
import { hrTimeDiff, msToHrTime } from "./_hrtime.ts";
import { OTEL_KINDS, OTEL_STATUS_CODES, toOtelSpanContext } from "./_mapping.ts";

/** How {@linkcode toReadableSpan} describes the span's origin. */
export interface ToReadableSpanOptions {
  /**
   * The resource (service name and the like): an OpenTelemetry `Resource`,
   * or plain attributes. Default: `defaultResource()` from
   * `@opentelemetry/resources`, as the OpenTelemetry SDK uses.
   */
  resource?: Resource | Readonly<Record<string, unknown>>;
}

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

/**
 * Maps a span of this library to an OpenTelemetry `ReadableSpan`, so any
 * OpenTelemetry exporter can send it: ids, parent, kind, times (HrTime
 * converted exactly from epoch milliseconds), status, attributes, events,
 * links, dropped counts, instrumentation scope and resource.
 *
 * @param span The span; normally ended (an unended one reads as ending at its start).
 * @param options The resource to attach.
 * @returns The `ReadableSpan` view.
 *
 * @example
 * ```ts
 * import { Tracer } from "@codomyrmex/spans";
 * import { toReadableSpan } from "@codomyrmex/spans/otel";
 * import { SpanKind, SpanStatusCode } from "@opentelemetry/api";
 * import assert from "node:assert/strict";
 *
 * const tracer = new Tracer({ name: "shop", version: "1.0.0" });
 * const span = tracer.startSpan("GET /", { kind: "server", startTime: 1_700_000_000_000.5 });
 * span.setStatus("error", "boom").end(1_700_000_000_001.75);
 *
 * const readable = toReadableSpan(span, { resource: { "service.name": "shop" } });
 * assert.equal(readable.kind, SpanKind.SERVER);
 * assert.deepEqual(readable.startTime, [1_700_000_000, 500_000]);
 * assert.deepEqual(readable.duration, [0, 1_250_000]);
 * assert.deepEqual(readable.status, { code: SpanStatusCode.ERROR, message: "boom" });
 * assert.equal(readable.spanContext().spanId, span.context.spanId);
 * assert.equal(readable.resource.attributes["service.name"], "shop");
 * assert.deepEqual(readable.instrumentationScope, { name: "shop", version: "1.0.0" });
 * ```
 */
export function toReadableSpan(span: Span, options?: ToReadableSpanOptions): ReadableSpan {
  return readableSpanOf(span, resolveResource(options?.resource));
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
