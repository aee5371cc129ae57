// Internal: received spans back to one OTLP/JSON `ExportTraceServiceRequest`,
// as a single line of text (no newline inside). A viewer appends these lines
// to its file and decodes them again on start, so the file is the same
// format an OpenTelemetry Collector's file exporter writes. Spans are grouped
// by their resource and scope objects, as the decoders shared them. Each
// value is written as the AnyValue it came in, so an int64 past 2^53, bytes
// and a double with no fraction read back as themselves (_value_types.ts).

import { splitMs, wholeMs } from "./_unix_nanos.ts";
import { otlpFlags } from "./_span_flags.ts";
import type {
  OtlpAttributes,
  OtlpValue,
  ReceivedResource,
  ReceivedScope,
  ReceivedSpan,
} from "./_received_span.ts";
import { type ValueType, valueTypeOf } from "./_value_types.ts";

// deno-lint-ignore no-explicit-any
type Json = any;

const KIND_NUMBERS: Record<string, number> = {
  internal: 1,
  server: 2,
  client: 3,
  producer: 4,
  consumer: 5,
};
const STATUS_NUMBERS: Record<string, number> = { unset: 0, ok: 1, error: 2 };

/**
 * Encodes received spans as one line of OTLP/JSON.
 *
 * @param spans Spans from the decoders.
 * @returns The request as JSON text without line breaks.
 */
export function encodeReceivedAsOtlpJson(spans: readonly ReceivedSpan[]): string {
  const byResource = new Map<ReceivedResource, Map<ReceivedScope, ReceivedSpan[]>>();
  for (const span of spans) {
    let scopes = byResource.get(span.resource);
    if (scopes === undefined) byResource.set(span.resource, scopes = new Map());
    const list = scopes.get(span.scope);
    if (list === undefined) scopes.set(span.scope, [span]);
    else list.push(span);
  }
  const resourceSpans: Json[] = [];
  for (const [resource, scopes] of byResource) {
    const scopeSpans: Json[] = [];
    for (const [scope, list] of scopes) {
      scopeSpans.push({
        scope: {
          name: scope.name,
          version: scope.version,
          attributes: keyValues(scope.attributes),
          droppedAttributesCount: scope.droppedAttributesCount,
        },
        spans: list.map(spanJson),
        schemaUrl: scope.schemaUrl || undefined,
      });
    }
    resourceSpans.push({
      resource: {
        attributes: keyValues(resource.attributes),
        droppedAttributesCount: resource.droppedAttributesCount,
      },
      scopeSpans,
      schemaUrl: resource.schemaUrl || undefined,
    });
  }
  // JSON.stringify escapes line breaks inside strings, so this is one line.
  return JSON.stringify({ resourceSpans });
}

function spanJson(span: ReceivedSpan): Json {
  return {
    traceId: span.traceId,
    spanId: span.spanId,
    traceState: span.traceState ?? undefined,
    parentSpanId: span.parentSpanId ?? undefined,
    flags: otlpFlags(span.traceFlags, span.parentIsRemote),
    name: span.name,
    kind: KIND_NUMBERS[span.kind] ?? 0,
    startTimeUnixNano: nanos(span.startTime),
    endTimeUnixNano: nanos(span.endTime),
    attributes: keyValues(span.attributes),
    droppedAttributesCount: span.droppedAttributesCount,
    events: span.events.map((event) => ({
      timeUnixNano: nanos(event.time),
      name: event.name,
      attributes: keyValues(event.attributes),
      droppedAttributesCount: event.droppedAttributesCount,
    })),
    droppedEventsCount: span.droppedEventsCount,
    links: span.links.map((link) => ({
      traceId: link.traceId,
      spanId: link.spanId,
      traceState: link.traceState,
      flags: otlpFlags(link.traceFlags, link.isRemote),
      attributes: keyValues(link.attributes),
      droppedAttributesCount: link.droppedAttributesCount,
    })),
    droppedLinksCount: span.droppedLinksCount,
    status: { message: span.status.message, code: STATUS_NUMBERS[span.status.code] ?? 0 },
  };
}

function nanos(ms: number): string {
  const frac = splitMs(ms);
  const whole = wholeMs;
  return whole === 0 ? String(frac) : `${whole}${String(frac).padStart(6, "0")}`;
}

function keyValues(attributes: OtlpAttributes): Json[] {
  return Object.keys(attributes).map((key) => ({
    key,
    value: anyValue(attributes[key], valueTypeOf(attributes, key)),
  }));
}

// A value as the AnyValue it came in: `type` is what the decoder noted where
// the value's own type does not say (_value_types.ts).
function anyValue(value: OtlpValue, type: ValueType | undefined): Json {
  if (typeof value === "string") {
    if (type === "intValue") return { intValue: value };
    if (type === "bytesValue") return { bytesValue: value };
    return { stringValue: value };
  }
  if (typeof value === "boolean") return { boolValue: value };
  if (typeof value === "number") {
    if (type !== "doubleValue" && Number.isSafeInteger(value)) return { intValue: String(value) };
    // JSON.stringify writes -0 as 0; ProtoJSON reads doubles from strings too.
    if (Object.is(value, -0)) return { doubleValue: "-0" };
    return { doubleValue: Number.isFinite(value) ? value : String(value) };
  }
  if (Array.isArray(value)) {
    return {
      arrayValue: { values: value.map((item, i) => anyValue(item, valueTypeOf(value, i))) },
    };
  }
  if (value !== null && typeof value === "object") {
    return { kvlistValue: { values: keyValues(value) } };
  }
  return {};
}
