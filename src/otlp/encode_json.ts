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
import { groupByScope, KIND_NUMBER, linkFlags, spanFlags, STATUS_NUMBER } from "./_span_fields.ts";
import { unixNanosString } from "./_unix_nanos.ts";
import type { OtlpEncodeOptions } from "./encode_options.ts";
import type { Resource } from "./resource.ts";

const resourceJson = new WeakMap<Resource, string>();

/**
 * Encodes `spans` as one OTLP/JSON `ExportTraceServiceRequest`, grouped by
 * resource and instrumentation scope, with every field of every span.
 *
 * @param spans Ended spans.
 * @param options The resource.
 * @returns The request body for `Content-Type: application/json`.
 *
 * @example
 * ```ts
 * import { Span } from "@codomyrmex/spans";
 * import { encodeOtlpJson, Resource } from "@codomyrmex/spans/otlp";
 * import assert from "node:assert/strict";
 *
 * const span = new Span("checkout").start(1_700_000_000_000.5).end(1_700_000_000_001);
 * const json = JSON.parse(encodeOtlpJson([span], { resource: new Resource({}) }));
 * const encoded = json.resourceSpans[0].scopeSpans[0].spans[0];
 * assert.equal(encoded.startTimeUnixNano, "1700000000000500000");
 * assert.equal(encoded.traceId, span.context.traceId);
 * assert.equal(encoded.kind, 1);
 * ```
 */
export function encodeOtlpJson(spans: readonly Span[], options?: OtlpEncodeOptions): string {
  if (spans.length === 0) return '{"resourceSpans":[]}';
  const resource = options?.resource ?? defaultOtlpResource();
  let out = '{"resourceSpans":[{"resource":' + encodedResource(resource) + ',"scopeSpans":[';
  let firstGroup = true;
  for (const group of groupByScope(spans)) {
    out += (firstGroup ? '{"scope":{"name":' : ',{"scope":{"name":') + str(group.name);
    firstGroup = false;
    if (group.version !== undefined) out += ',"version":' + str(group.version);
    out += '},"spans":[';
    const list = group.spans;
    for (let i = 0; i < list.length; i++) {
      if (i > 0) out += ",";
      out += encodeSpan(list[i]);
    }
    out += "]}";
  }
  return out + "]}]}";
}

function encodedResource(resource: Resource): string {
  let json = resourceJson.get(resource);
  if (json === undefined) {
    json = '{"attributes":' + attributes(resource.attributes) + ',"droppedAttributesCount":' +
      resource.droppedAttributesCount + "}";
    resourceJson.set(resource, json);
  }
  return json;
}

function encodeSpan(span: Span): string {
  const ctx = span.context;
  const startTime = span.startTime ?? 0;
  let out = '{"traceId":"' + ctx.traceId + '","spanId":"' + ctx.spanId + '"';
  if (ctx.traceState) out += ',"traceState":' + str(ctx.traceState);
  if (ctx.parentSpanId !== undefined) out += ',"parentSpanId":"' + ctx.parentSpanId + '"';
  out += ',"flags":' + spanFlags(span) + ',"name":' + str(span.name) + ',"kind":' +
    KIND_NUMBER[span.kind] + ',"startTimeUnixNano":"' + unixNanosString(startTime) +
    '","endTimeUnixNano":"' + unixNanosString(span.endTime ?? startTime) + '","attributes":' +
    attributes(span.attributes) + ',"droppedAttributesCount":' + span.droppedAttributesCount +
    ',"events":[';
  const events = span.events;
  for (let i = 0; i < events.length; i++) {
    const event = events[i];
    out += (i > 0 ? ',{"timeUnixNano":"' : '{"timeUnixNano":"') + unixNanosString(event.time) +
      '","name":' + str(event.name) + ',"attributes":' + attributes(event.attributes) +
      ',"droppedAttributesCount":' + event.droppedAttributesCount + "}";
  }
  out += '],"droppedEventsCount":' + span.droppedEventsCount + ',"links":[';
  const links = span.links;
  for (let i = 0; i < links.length; i++) {
    const link = links[i];
    const lctx = link.context;
    out += (i > 0 ? ',{"traceId":"' : '{"traceId":"') + lctx.traceId + '","spanId":"' +
      lctx.spanId + '"';
    if (typeof lctx.traceState === "string" && lctx.traceState !== "") {
      out += ',"traceState":' + str(lctx.traceState);
    }
    out += ',"attributes":' + attributes(link.attributes) + ',"droppedAttributesCount":' +
      link.droppedAttributesCount + ',"flags":' + linkFlags(lctx) + "}";
  }
  const status = span.status;
  out += '],"droppedLinksCount":' + span.droppedLinksCount + ',"status":{';
  if (status.message) out += '"message":' + str(status.message) + ",";
  return out + '"code":' + STATUS_NUMBER[status.code] + "}}";
}

function attributes(attrs: Readonly<Attributes>): string {
  let out = "[";
  let first = true;
  for (const key in attrs) {
    out += (first ? '{"key":' : ',{"key":') + str(key) + ',"value":' + anyValue(attrs[key]) + "}";
    first = false;
  }
  return out + "]";
}

function anyValue(value: AttributeValue): string {
  switch (typeof value) {
    case "string":
      return '{"stringValue":' + str(value) + "}";
    case "boolean":
      return value ? '{"boolValue":true}' : '{"boolValue":false}';
    case "number":
      if (Number.isSafeInteger(value)) return '{"intValue":"' + (value === 0 ? 0 : value) + '"}';
      // The protobuf JSON mapping spells the non-finite doubles as strings.
      return Number.isFinite(value)
        ? '{"doubleValue":' + value + "}"
        : '{"doubleValue":"' + (value !== value ? "NaN" : value > 0 ? "Infinity" : "-Infinity") +
          '"}';
    default: {
      if (!Array.isArray(value)) return "{}";
      let out = '{"arrayValue":{"values":[';
      for (let i = 0; i < value.length; i++) {
        if (i > 0) out += ",";
        out += anyValue(value[i]);
      }
      return out + "]}}";
    }
  }
}

// Strings that need no escaping (the usual case) skip JSON.stringify.
const PLAIN = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;

function str(s: string): string {
  return s.length < 256 && PLAIN.test(s) ? '"' + s + '"' : JSON.stringify(s);
}
