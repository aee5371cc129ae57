/**
 * Encodes spans as an OTLP `ExportTraceServiceRequest` in OTLP/JSON: the
 * protobuf JSON mapping with lowerCamelCase names, trace and span ids as
 * hex strings, enums as integers and 64-bit integers as decimal strings.
 *
 * @module
 */

import { parentSpanIdOf, spanIdOf, traceIdOf, traceStateOf } from "../span/_span_ids.ts";
import type { Attributes, AttributeValue } from "../span/attributes.ts";
import type { Span } from "../span/span.ts";
import { defaultOtlpResource } from "./_default_resource.ts";
import { EncodedAttributeCache } from "./_encoded_attribute_cache.ts";
import { isLargeInt64 } from "./_int64.ts";
import { JsonWriter } from "./_json_writer.ts";
import { TaggedBytesCache } from "./_tagged_bytes_cache.ts";
import {
  encoderArguments,
  groupByScope,
  kindNumber,
  linkFlags,
  schemaUrlOf,
  spanFlags,
  statusNumber,
} from "./_span_fields.ts";
import type { OtlpEncodeOptions } from "./encode_options.ts";
import type { Resource } from "./resource.ts";

const writer = new JsonWriter();
const resourceJson = new WeakMap<Resource, Uint8Array>();

/**
 * Encodes `spans` as one OTLP/JSON `ExportTraceServiceRequest`, grouped by
 * resource and instrumentation scope (a tracer's name, version and schema
 * URL), with every field of every span and the schema URLs that are set.
 * Fields at their default value (zero counts, empty lists) are left out,
 * as the protobuf JSON mapping allows.
 *
 * @param spans Ended spans.
 * @param options The resource.
 * @returns The UTF-8 request body for `Content-Type: application/json`.
 * @throws {TypeError} When `spans` is not an array of spans, or
 *   `options.resource` not a {@linkcode Resource}.
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
  const given = encoderArguments(spans, options, "encode OTLP/JSON");
  const w = writer;
  w.start(spans.length);
  if (spans.length === 0) {
    w.ascii('{"resourceSpans":[]}');
    return w.finish(0);
  }
  const resource = given ?? defaultOtlpResource();
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
      if (i > 0) w.char(0x2c); // ,
      writeSpan(w, list[i]);
    }
    w.ascii("]");
    if (group.schemaUrl !== "") {
      w.ascii(',"schemaUrl":');
      w.string(group.schemaUrl);
    }
    w.char(0x7d); // }
  }
  w.ascii("]");
  const schemaUrl = schemaUrlOf(resource);
  if (schemaUrl !== "") {
    w.ascii(',"schemaUrl":');
    w.string(schemaUrl);
  }
  w.ascii("}]}");
  return w.finish(spans.length);
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
    bytes = w.finish(0);
    resourceJson.set(resource, bytes);
  }
  return bytes;
}

// The fixed parts of a span, encoded once.
const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);
const TRACE_ID = utf8('{"traceId":');
const SPAN_ID = utf8(',"spanId":');
const TRACE_STATE = utf8(',"traceState":');
const PARENT_SPAN_ID = utf8(',"parentSpanId":');
const FLAGS = utf8(',"flags":');
const NAME = utf8(',"name":');
const KIND = utf8(',"kind":');
const START = utf8(',"startTimeUnixNano":');
const END = utf8(',"endTimeUnixNano":');
const FIRST_EVENT = utf8(',"events":[{"timeUnixNano":');
const NEXT_EVENT = utf8(',{"timeUnixNano":');
const FIRST_LINK = utf8(',"links":[{"traceId":');
const NEXT_LINK = utf8(',{"traceId":');
const STATUS_MESSAGE = utf8(',"status":{"message":');
const CODE = utf8(',"code":');
// `,"status":{"code":N}}`, which also closes the span, by code number.
const STATUS_END = [0, 1, 2].map((code) => utf8(`,"status":{"code":${code}}}`));

function writeSpan(w: JsonWriter, span: Span): void {
  // Read off the span, whose context may never have been made (_span_ids.ts).
  const startTime = span.startTime ?? 0;
  w.raw(TRACE_ID);
  w.id(traceIdOf(span));
  w.raw(SPAN_ID);
  w.id(spanIdOf(span));
  const traceState = traceStateOf(span);
  if (traceState) {
    w.raw(TRACE_STATE);
    w.string(traceState);
  }
  const parentSpanId = parentSpanIdOf(span);
  if (parentSpanId !== undefined) {
    w.raw(PARENT_SPAN_ID);
    w.id(parentSpanId);
  }
  writeHeader(w, span);
  w.nanos(startTime);
  w.raw(END);
  w.nanos(span.endTime ?? startTime);
  writeAttributes(w, span.attributes, true);
  dropped(w, ',"droppedAttributesCount":', span.droppedAttributesCount);
  const events = span.events;
  for (let i = 0; i < events.length; i++) {
    const event = events[i];
    w.raw(i === 0 ? FIRST_EVENT : NEXT_EVENT);
    w.nanos(event.time);
    w.raw(NAME);
    w.string(event.name);
    writeAttributes(w, event.attributes, true);
    dropped(w, ',"droppedAttributesCount":', event.droppedAttributesCount);
    w.char(0x7d); // }
    if (i === events.length - 1) w.char(0x5d); // ]
  }
  dropped(w, ',"droppedEventsCount":', span.droppedEventsCount);
  const links = span.links;
  for (let i = 0; i < links.length; i++) {
    const link = links[i];
    const lctx = link.context;
    w.raw(i === 0 ? FIRST_LINK : NEXT_LINK);
    w.id(lctx.traceId);
    w.raw(SPAN_ID);
    w.id(lctx.spanId);
    if (typeof lctx.traceState === "string" && lctx.traceState !== "") {
      w.raw(TRACE_STATE);
      w.string(lctx.traceState);
    }
    writeAttributes(w, link.attributes, true);
    dropped(w, ',"droppedAttributesCount":', link.droppedAttributesCount);
    w.raw(FLAGS);
    w.uint(linkFlags(lctx));
    w.char(0x7d); // }
    if (i === links.length - 1) w.char(0x5d); // ]
  }
  dropped(w, ',"droppedLinksCount":', span.droppedLinksCount);
  const status = span.status;
  const code = statusNumber(status.code);
  if (status.message) {
    w.raw(STATUS_MESSAGE);
    w.string(status.message);
    w.raw(CODE);
    w.uint(code);
    w.char(0x7d); // }
    w.char(0x7d); // }
  } else {
    w.raw(STATUS_END[code]);
  }
}

// `,"flags":…,"name":…,"kind":…,"startTimeUnixNano":` by span name, with
// its flags and kind as the tag: spans of one name almost always share
// them, so the whole run is copied instead of written piece by piece.
const headers = new TaggedBytesCache();

function writeHeader(w: JsonWriter, span: Span): void {
  const name = span.name;
  const flags = spanFlags(span);
  const kind = kindNumber(span.kind);
  const tag = flags * 8 + kind;
  const cached = headers.get(name, tag);
  if (cached !== undefined) {
    w.raw(cached);
    return;
  }
  const start = w.pos;
  w.raw(FLAGS);
  w.uint(flags);
  w.raw(NAME);
  w.string(name);
  w.raw(KIND);
  w.uint(kind);
  w.raw(START);
  headers.set(name, tag, w.buf.slice(start, w.pos));
}

function dropped(w: JsonWriter, field: string, count: number): void {
  if (count > 0) {
    w.ascii(field);
    w.uint(count);
  }
}

// `,{"key":…,"value":…}` by key and value.
const attributeCache = new EncodedAttributeCache();
// `,{"key":…,"value":{"…Value":` by key, with the value's type as the tag,
// for values that are not cached (a path, an id, a measurement).
const pairPrefixes = new TaggedBytesCache();

const ATTRIBUTES = utf8('"attributes":');
const NEXT_ATTRIBUTES = utf8(',"attributes":');

// Writes `"attributes":[…]` (after a comma when `comma`), or nothing when
// empty; returns whether it wrote. Every pair is written (and cached) with
// a leading comma; the first one's becomes the opening bracket.
function writeAttributes(w: JsonWriter, attrs: Readonly<Attributes>, comma = false): boolean {
  let open = -1;
  for (const key in attrs) {
    const value = attrs[key];
    if (open < 0) {
      w.raw(comma ? NEXT_ATTRIBUTES : ATTRIBUTES);
      open = w.pos;
    }
    const cached = attributeCache.get(key, value);
    if (cached !== undefined) {
      w.raw(cached);
      continue;
    }
    const start = w.pos;
    const type = scalarType(value);
    writePairPrefix(w, key, type);
    if (type === OTHER) writeAnyValue(w, value);
    else writeScalar(w, type, value);
    w.char(0x7d); // }
    if (attributeCache.wantsMissed(key, value)) {
      attributeCache.set(key, value, w.buf.slice(start, w.pos));
    }
  }
  if (open < 0) return false;
  w.buf[open] = 0x5b; // [
  w.char(0x5d); // ]
  return true;
}

function writePairPrefix(w: JsonWriter, key: string, type: number): void {
  const cached = pairPrefixes.get(key, type);
  if (cached !== undefined) {
    w.raw(cached);
    return;
  }
  const start = w.pos;
  w.ascii(',{"key":');
  w.string(key);
  w.ascii(',"value":');
  w.ascii(OPENERS[type]);
  pairPrefixes.set(key, type, w.buf.slice(start, w.pos));
}

// AnyValue types whose opening is fixed, so it can be cached with the key.
const STRING = 0;
const INT = 1;
const DOUBLE = 2;
const OTHER = 3;
const OPENERS = ['{"stringValue":', '{"intValue":"', '{"doubleValue":', ""];

function scalarType(value: AttributeValue | null): number {
  // `typeof x === "…"` chains compile to type checks; a switch on typeof
  // does not, in V8.
  if (typeof value === "string") return STRING;
  if (typeof value === "number") {
    return Number.isSafeInteger(value) || isLargeInt64(value) ? INT : DOUBLE;
  }
  return OTHER;
}

// Writes a STRING, INT or DOUBLE value after its opener, and closes it.
function writeScalar(w: JsonWriter, type: number, value: AttributeValue | null): void {
  if (type === STRING) {
    w.string(value as string);
    w.char(0x7d); // }
  } else if (type === INT) {
    // String() spells an integer beyond 2^53 in its shortest round-trip
    // digits (2^60 as 1152921504606847000); BigInt spells it exactly.
    w.ascii(
      Number.isSafeInteger(value)
        ? String(value === 0 ? 0 : value)
        : BigInt(value as number).toString(),
    );
    w.ascii('"}');
  } else {
    w.number(value as number);
    w.char(0x7d); // }
  }
}

// A null array element is an empty AnyValue, {}, as the OpenTelemetry SDK's
// serializer writes it.
function writeAnyValue(w: JsonWriter, value: AttributeValue | null): void {
  const type = scalarType(value);
  if (type !== OTHER) {
    w.ascii(OPENERS[type]);
    writeScalar(w, type, value);
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
