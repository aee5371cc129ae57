/**
 * Encodes spans as an OTLP `ExportTraceServiceRequest` in OTLP/JSON: the
 * protobuf JSON mapping with lowerCamelCase names, trace and span ids as
 * hex strings, enums as integers and 64-bit integers as decimal strings.
 *
 * @module
 */

import type { Attributes, AttributeValue } from "../attributes.ts";
import type { Span } from "../span.ts";
import { defaultOtlpResource } from "./_default_resource.ts";
import { JsonWriter } from "./_json_writer.ts";
import { groupByScope, kindNumber, linkFlags, spanFlags, statusNumber } from "./_span_fields.ts";
import { unixNanosString } from "./_unix_nanos.ts";
import type { OtlpEncodeOptions } from "./encode_options.ts";
import type { Resource } from "./resource.ts";

const writer = new JsonWriter();
const resourceJson = new WeakMap<Resource, Uint8Array>();

/**
 * Encodes `spans` as one OTLP/JSON `ExportTraceServiceRequest`, grouped by
 * resource and instrumentation scope, with every field of every span.
 * Fields at their default value (zero counts, empty lists) are left out,
 * as the protobuf JSON mapping allows.
 *
 * @param spans Ended spans.
 * @param options The resource.
 * @returns The UTF-8 request body for `Content-Type: application/json`.
 *
 * @example
 * ```ts
 * import { Span } from "@codomyrmex/spans";
 * import { encodeOtlpJson, Resource } from "@codomyrmex/spans/otlp";
 * import assert from "node:assert/strict";
 *
 * const span = new Span("checkout").start(1_700_000_000_000.5).end(1_700_000_000_001);
 * const bytes = encodeOtlpJson([span], { resource: new Resource({}) });
 * const json = JSON.parse(new TextDecoder().decode(bytes));
 * const encoded = json.resourceSpans[0].scopeSpans[0].spans[0];
 * assert.equal(encoded.startTimeUnixNano, "1700000000000500000");
 * assert.equal(encoded.traceId, span.context.traceId);
 * assert.equal(encoded.kind, 1);
 * ```
 */
export function encodeOtlpJson(spans: readonly Span[], options?: OtlpEncodeOptions): Uint8Array {
  const w = writer;
  w.reset();
  if (spans.length === 0) {
    w.ascii('{"resourceSpans":[]}');
    return w.finish();
  }
  const resource = options?.resource ?? defaultOtlpResource();
  w.ascii('{"resourceSpans":[{"resource":');
  w.raw(encodedResource(resource));
  w.ascii(',"scopeSpans":[');
  let firstGroup = true;
  for (const group of groupByScope(spans)) {
    w.ascii(firstGroup ? '{"scope":{"name":' : ',{"scope":{"name":');
    firstGroup = false;
    w.string(group.name);
    if (group.version !== undefined) {
      w.ascii(',"version":');
      w.string(group.version);
    }
    w.ascii('},"spans":[');
    const list = group.spans;
    for (let i = 0; i < list.length; i++) {
      if (i > 0) w.ascii(",");
      writeSpan(w, list[i]);
    }
    w.ascii("]}");
  }
  w.ascii("]}]}");
  return w.finish();
}

function encodedResource(resource: Resource): Uint8Array {
  let bytes = resourceJson.get(resource);
  if (bytes === undefined) {
    const w = new JsonWriter();
    w.ascii("{");
    const wrote = writeAttributes(w, resource.attributes);
    if (resource.droppedAttributesCount > 0) {
      w.ascii(wrote ? ',"droppedAttributesCount":' : '"droppedAttributesCount":');
      w.uint(resource.droppedAttributesCount);
    }
    w.ascii("}");
    bytes = w.finish();
    resourceJson.set(resource, bytes);
  }
  return bytes;
}

function writeSpan(w: JsonWriter, span: Span): void {
  const ctx = span.context;
  const startTime = span.startTime ?? 0;
  w.ascii('{"traceId":"');
  w.ascii(ctx.traceId);
  w.ascii('","spanId":"');
  w.ascii(ctx.spanId);
  w.ascii('"');
  if (ctx.traceState) {
    w.ascii(',"traceState":');
    w.string(ctx.traceState);
  }
  if (ctx.parentSpanId !== undefined) {
    w.ascii(',"parentSpanId":"');
    w.ascii(ctx.parentSpanId);
    w.ascii('"');
  }
  w.ascii(',"flags":');
  w.uint(spanFlags(span));
  w.ascii(',"name":');
  w.string(span.name);
  w.ascii(',"kind":');
  w.uint(kindNumber(span.kind));
  w.ascii(',"startTimeUnixNano":"');
  w.ascii(unixNanosString(startTime));
  w.ascii('","endTimeUnixNano":"');
  w.ascii(unixNanosString(span.endTime ?? startTime));
  w.ascii('"');
  writeAttributes(w, span.attributes, ",");
  dropped(w, ',"droppedAttributesCount":', span.droppedAttributesCount);
  const events = span.events;
  for (let i = 0; i < events.length; i++) {
    const event = events[i];
    w.ascii(i === 0 ? ',"events":[{"timeUnixNano":"' : ',{"timeUnixNano":"');
    w.ascii(unixNanosString(event.time));
    w.ascii('","name":');
    w.string(event.name);
    writeAttributes(w, event.attributes, ",");
    dropped(w, ',"droppedAttributesCount":', event.droppedAttributesCount);
    w.ascii(i === events.length - 1 ? "}]" : "}");
  }
  dropped(w, ',"droppedEventsCount":', span.droppedEventsCount);
  const links = span.links;
  for (let i = 0; i < links.length; i++) {
    const link = links[i];
    const lctx = link.context;
    w.ascii(i === 0 ? ',"links":[{"traceId":"' : ',{"traceId":"');
    w.ascii(lctx.traceId);
    w.ascii('","spanId":"');
    w.ascii(lctx.spanId);
    w.ascii('"');
    if (typeof lctx.traceState === "string" && lctx.traceState !== "") {
      w.ascii(',"traceState":');
      w.string(lctx.traceState);
    }
    writeAttributes(w, link.attributes, ",");
    dropped(w, ',"droppedAttributesCount":', link.droppedAttributesCount);
    w.ascii(',"flags":');
    w.uint(linkFlags(lctx));
    w.ascii(i === links.length - 1 ? "}]" : "}");
  }
  dropped(w, ',"droppedLinksCount":', span.droppedLinksCount);
  const status = span.status;
  w.ascii(',"status":{');
  if (status.message) {
    w.ascii('"message":');
    w.string(status.message);
    w.ascii(",");
  }
  w.ascii('"code":');
  w.uint(statusNumber(status.code));
  w.ascii("}}");
}

function dropped(w: JsonWriter, field: string, count: number): void {
  if (count > 0) {
    w.ascii(field);
    w.uint(count);
  }
}

// Writes `"attributes":[…]` (after `separator`), or nothing when empty;
// returns whether it wrote.
function writeAttributes(w: JsonWriter, attrs: Readonly<Attributes>, separator = ""): boolean {
  let first = true;
  for (const key in attrs) {
    w.ascii(first ? separator + '"attributes":[{"key":' : ',{"key":');
    first = false;
    w.string(key);
    w.ascii(',"value":');
    writeAnyValue(w, attrs[key]);
    w.ascii("}");
  }
  if (!first) w.ascii("]");
  return !first;
}

function writeAnyValue(w: JsonWriter, value: AttributeValue): void {
  // `typeof x === "…"` chains compile to type checks; a switch on typeof
  // does not, in V8.
  if (typeof value === "string") {
    w.ascii('{"stringValue":');
    w.string(value);
    w.ascii("}");
  } else if (typeof value === "number") {
    if (Number.isSafeInteger(value)) {
      w.ascii('{"intValue":"');
      w.ascii(String(value === 0 ? 0 : value));
      w.ascii('"}');
    } else {
      w.ascii('{"doubleValue":');
      w.number(value);
      w.ascii("}");
    }
  } else if (typeof value === "boolean") {
    w.ascii(value ? '{"boolValue":true}' : '{"boolValue":false}');
  } else if (Array.isArray(value)) {
    w.ascii('{"arrayValue":{"values":[');
    for (let i = 0; i < value.length; i++) {
      if (i > 0) w.ascii(",");
      writeAnyValue(w, value[i]);
    }
    w.ascii("]}}");
  } else {
    w.ascii("{}");
  }
}
