/**
 * This library's spans as OpenTelemetry `ReadableSpan`s: what every
 * OpenTelemetry `SpanExporter` reads.
 *
 * @module
 */

import type { Resource } from "../otlp/resource.ts";
import type { Span } from "../span/span.ts";
import { resolveResource } from "./_otel_resource.ts";
import { readableSpanOf } from "./_readable_span.ts";
import type { OtelReadableSpan, OtelResource } from "./_sdk_types.ts";

/** How {@linkcode toReadableSpan} describes the span's origin. */
export interface ToReadableSpanOptions {
  /**
   * The resource (service name and the like): an OpenTelemetry `Resource`
   * (from `@opentelemetry/resources`), this library's `Resource` (from
   * `@codomyrmex/spans/otlp`), or plain attributes. Default: the resource
   * this library's OTLP exporter sends, `Resource.detect()`: `service.name`
   * from `OTEL_SERVICE_NAME` or `OTEL_RESOURCE_ATTRIBUTES`, else
   * `unknown_service:<runtime>`, and the SDK and runtime.
   */
  resource?: OtelResource | Resource | Readonly<Record<string, unknown>>;
}

/**
 * Maps a span of this library to an OpenTelemetry `ReadableSpan`, so any
 * OpenTelemetry exporter can send it (it needs only `@opentelemetry/api`): ids, parent, kind, times (HrTime
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
export function toReadableSpan(span: Span, options?: ToReadableSpanOptions): OtelReadableSpan {
  return readableSpanOf(span, resolveResource(options?.resource));
}
