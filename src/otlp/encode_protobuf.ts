/**
 * Encodes spans as an OTLP `ExportTraceServiceRequest` in binary protobuf,
 * by hand: no protobuf library at run time.
 *
 * @module
 */

import type { Attributes, AttributeValue } from "../span/attributes.ts";
import type { Span } from "../span/span.ts";
import {
  madeTraceIdOf,
  parentSpanIdOf,
  spanIdAtOf,
  spanIdBytesOf,
  spanIdOf,
  traceIdOf,
  traceStateOf,
} from "../span/_span_ids.ts";
import { type AttributeRun, AttributeRuns, MAX_RUN_LENGTH } from "./_attribute_runs.ts";
import { EncodedAttributeCache } from "./_encoded_attribute_cache.ts";
import { ProtobufWriter, StringSlot } from "./_protobuf_writer.ts";
import { isLargeInt64 } from "./_int64.ts";
import {
  encoderArguments,
  groupByScope,
  kindNumber,
  linkFlags,
  schemaUrlOf,
  spanFlags,
  statusNumber,
} from "./_span_fields.ts";
import { defaultOtlpResource } from "./_default_resource.ts";
import type { OtlpEncodeOptions } from "./encode_options.ts";
import type { Resource } from "./resource.ts";

// Tags: (field number << 3) | wire type. Wire types: 0 varint, 1 fixed64,
// 2 length-delimited, 5 fixed32. Field numbers are those of
// opentelemetry/proto/{collector/trace,trace,common,resource}/v1/*.proto.
const LEN = 2;
const tag = (field: number, wire: number): number => (field << 3) | wire;

const writer = new ProtobufWriter();
// The last span name and event name written, with their encodings.
const spanName = new StringSlot();
const eventName = new StringSlot();
const resourceBytes = new WeakMap<Resource, Uint8Array>();
/**
 * Encodes `spans` as one OTLP/protobuf `ExportTraceServiceRequest`: one
 * `ResourceSpans` for the resource, one `ScopeSpans` per instrumentation
 * scope (a tracer's name, version and schema URL), and every field of
 * every span. The resource's and the scopes' schema URLs, when set, are
 * written as `schema_url`.
 *
 * @param spans Ended spans.
 * @param options The resource.
 * @returns The request body for `Content-Type: application/x-protobuf`.
 * @throws {TypeError} When `spans` is not an array of spans, or
 *   `options.resource` not a {@linkcode Resource}.
 *
 * @example
 * ```ts
 * import { Tracer } from "@codomyrmex/spans";
 * import { encodeOtlpProtobuf, Resource } from "@codomyrmex/spans/otlp";
 * import assert from "node:assert/strict";
 *
 * const span = new Tracer({ name: "shop" }).startSpan("checkout").end();
 * const bytes = encodeOtlpProtobuf([span], { resource: new Resource({ "service.name": "shop" }) });
 * assert.ok(bytes instanceof Uint8Array);
 * assert.equal(bytes[0], 0x0a); // field 1 (resource_spans), length-delimited
 * ```
 */
export function encodeOtlpProtobuf(
  spans: readonly Span[],
  options?: OtlpEncodeOptions,
): Uint8Array {
  const resource = encoderArguments(spans, options, "encode OTLP/protobuf") ??
    defaultOtlpResource();
  const w = writer;
  w.start(spans.length);
  if (spans.length === 0) return w.finish(0);
  // ExportTraceServiceRequest.resource_spans = 1
  w.byte(tag(1, LEN));
  const resourceSpans = w.fork();
  // ResourceSpans.resource = 1
  w.raw(encodedResource(resource));
  for (const group of groupByScope(spans)) {
    // ResourceSpans.scope_spans = 2
    w.byte(tag(2, LEN));
    const scopeSpans = w.fork();
    // ScopeSpans.scope = 1: InstrumentationScope { name = 1, version = 2 }
    w.byte(tag(1, LEN));
    const scope = w.fork();
    w.byte(tag(1, LEN));
    w.string(group.name);
    if (group.version !== undefined) {
      w.byte(tag(2, LEN));
      w.string(group.version);
    }
    w.ldelim(scope);
    const list = group.spans;
    for (let i = 0; i < list.length; i++) {
      // ScopeSpans.spans = 2
      w.byte(tag(2, LEN));
      const start = w.fork2();
      writeSpan(w, list[i]);
      w.ldelim2(start);
    }
    // ScopeSpans.schema_url = 3, after the spans, as the SDK writes it
    if (group.schemaUrl !== "") {
      w.byte(tag(3, LEN));
      w.string(group.schemaUrl);
    }
    w.ldelim(scopeSpans);
  }
  // ResourceSpans.schema_url = 3
  const schemaUrl = schemaUrlOf(resource);
  if (schemaUrl !== "") {
    w.byte(tag(3, LEN));
    w.string(schemaUrl);
  }
  w.ldelim(resourceSpans);
  return w.finish(spans.length);
}

function encodedResource(resource: Resource): Uint8Array {
  let bytes = resourceBytes.get(resource);
  if (bytes === undefined) {
    const w = new ProtobufWriter();
    w.byte(tag(1, LEN));
    const start = w.fork();
    // Resource { attributes = 1, dropped_attributes_count = 2 }
    writeAttributes(w, 1, resource.attributes);
    if (resource.droppedAttributesCount > 0) {
      w.byte(tag(2, 0));
      w.varint(resource.droppedAttributesCount);
    }
    w.ldelim(start);
    bytes = w.finish(0);
    resourceBytes.set(resource, bytes);
  }
  return bytes;
}

function writeSpan(w: ProtobufWriter, span: Span): void {
  // Span: trace_id = 1, span_id = 2, trace_state = 3, parent_span_id = 4,
  // name = 5, kind = 6, start_time_unix_nano = 7, end_time_unix_nano = 8,
  // attributes = 9, dropped_attributes_count = 10, events = 11,
  // dropped_events_count = 12, links = 13, dropped_links_count = 14,
  // status = 15, flags = 16.
  // The ids are read off the span, whose context may never have been made
  // (_span_ids.ts). A Tracer's span keeps the bytes its ids were drawn from
  // (_id_bytes.ts): a root's trace id ends where its span id starts, and is
  // not made as hex here when nothing has read it yet.
  const parentSpanId = parentSpanIdOf(span);
  const idBytes = spanIdBytesOf(span);
  const idAt = idBytes === undefined ? 0 : spanIdAtOf(span);
  if (idBytes !== undefined && parentSpanId === undefined) {
    w.rootIds(madeTraceIdOf(span), idBytes, idAt);
  } else {
    w.byte(tag(1, LEN));
    w.hexBytes(traceIdOf(span));
    if (idBytes === undefined) {
      w.byte(tag(2, LEN));
      w.hexBytes(spanIdOf(span));
    } else {
      w.spanIdBytes(tag(2, LEN), idBytes, idAt);
    }
  }
  const traceState = traceStateOf(span);
  if (traceState) {
    w.byte(tag(3, LEN));
    w.string(traceState);
  }
  if (parentSpanId !== undefined) {
    w.byte(tag(4, LEN));
    w.hexBytes(parentSpanId);
  }
  w.cachedString(tag(5, LEN), spanName, span.name);
  w.byte2(tag(6, 0), kindNumber(span.kind));
  const startTime = span.startTime ?? 0;
  w.timeField(tag(7, 1), startTime);
  w.timeField(tag(8, 1), span.endTime ?? startTime);
  writeAttributes(w, 9, span.attributes);
  const droppedAttributes = span.droppedAttributesCount;
  if (droppedAttributes > 0) {
    w.byte(tag(10, 0));
    w.varint(droppedAttributes);
  }
  const events = span.events;
  for (let i = 0; i < events.length; i++) {
    const event = events[i];
    w.byte(tag(11, LEN));
    const start = w.fork();
    // Event { time_unix_nano = 1, name = 2, attributes = 3, dropped_attributes_count = 4 }
    w.timeField(tag(1, 1), event.time);
    w.cachedString(tag(2, LEN), eventName, event.name);
    writeAttributes(w, 3, event.attributes);
    if (event.droppedAttributesCount > 0) {
      w.byte(tag(4, 0));
      w.varint(event.droppedAttributesCount);
    }
    w.ldelim(start);
  }
  const droppedEvents = span.droppedEventsCount;
  if (droppedEvents > 0) {
    w.byte(tag(12, 0));
    w.varint(droppedEvents);
  }
  const links = span.links;
  for (let i = 0; i < links.length; i++) {
    const link = links[i];
    const lctx = link.context;
    w.byte(tag(13, LEN));
    const start = w.fork();
    // Link { trace_id = 1, span_id = 2, trace_state = 3, attributes = 4,
    // dropped_attributes_count = 5, flags = 6 }
    w.byte(tag(1, LEN));
    w.hexBytes(lctx.traceId);
    w.byte(tag(2, LEN));
    w.hexBytes(lctx.spanId);
    if (typeof lctx.traceState === "string" && lctx.traceState !== "") {
      w.byte(tag(3, LEN));
      w.string(lctx.traceState);
    }
    writeAttributes(w, 4, link.attributes);
    if (link.droppedAttributesCount > 0) {
      w.byte(tag(5, 0));
      w.varint(link.droppedAttributesCount);
    }
    w.byte(tag(6, 5));
    w.fixed32(linkFlags(lctx));
    w.ldelim(start);
  }
  const droppedLinks = span.droppedLinksCount;
  if (droppedLinks > 0) {
    w.byte(tag(14, 0));
    w.varint(droppedLinks);
  }
  // Status { message = 2, code = 3 }
  const status = span.status;
  const code = statusNumber(status.code);
  if (code === 0 && !status.message) {
    w.byte2(tag(15, LEN), 0); // the empty Status of most spans
  } else {
    w.byte(tag(15, LEN));
    const statusStart = w.fork();
    if (status.message) {
      w.byte(tag(2, LEN));
      w.string(status.message);
    }
    if (code !== 0) {
      w.byte(tag(3, 0));
      w.byte(code);
    }
    w.ldelim(statusStart);
  }
  // flags = 16, fixed32: the tag (133) takes two varint bytes.
  w.byte2(0x85, 0x01);
  w.fixed32(spanFlags(span));
}

// KeyValue messages (length prefix and body) by key and value.
const attributeCache = new EncodedAttributeCache();
// The encoded leading attributes of spans (events, links), by field and
// first key; and the attributes a run that missed is rebuilt from.
const attributeRuns: AttributeRuns[] = [];
const addedKeys: string[] = [];
const addedValues: AttributeValue[] = [];
const addedEncodings: Uint8Array[] = [];

function writeAttributes(w: ProtobufWriter, field: number, attributes: Readonly<Attributes>): void {
  const fieldTag = tag(field, LEN);
  // The run for the first key; how many attributes matched it (not yet
  // written; -1 once past it); and, when it is being rebuilt, how many of
  // its attributes it keeps (-1 when it is not) and how many follow.
  let run: AttributeRun | undefined;
  let matched = 0;
  let keep = -1;
  let added = 0;
  for (const key in attributes) {
    const value = attributes[key];
    let cached: Uint8Array | undefined;
    if (matched >= 0) {
      if (run === undefined) run = (attributeRuns[field] ??= new AttributeRuns()).of(key);
      if (matched < run.count && run.keys[matched] === key && run.values[matched] === value) {
        matched++;
        continue;
      }
      writeRunStart(w, run, matched);
      cached = attributeCache.get(key, value);
      // The run ends here. It missed when this span differs within it, or
      // goes on with an attribute it could hold.
      if (matched < run.count || (cached !== undefined && matched < MAX_RUN_LENGTH)) {
        if (++run.misses >= 2) keep = matched;
      } else {
        run.misses = 0;
      }
      matched = -1;
    } else {
      cached = attributeCache.get(key, value);
    }
    if (cached !== undefined) {
      w.byte(fieldTag);
      w.raw(cached);
      if (keep >= 0 && keep + added < MAX_RUN_LENGTH) {
        addedKeys[added] = key;
        addedValues[added] = value;
        addedEncodings[added++] = cached;
      }
      continue;
    }
    if (keep >= 0) {
      run!.replace(keep, fieldTag, addedKeys, addedValues, addedEncodings, added);
      keep = -1;
    }
    writeUncachedAttribute(w, fieldTag, key, value);
  }
  if (matched > 0) {
    // Every attribute matched the run: all of it, or the start of it.
    writeRunStart(w, run!, matched);
    if (matched === run!.count) run!.misses = 0;
    else if (++run!.misses >= 2) keep = matched;
  }
  if (keep >= 0) run!.replace(keep, fieldTag, addedKeys, addedValues, addedEncodings, added);
}

// Writes the first `n` attributes of `run`.
function writeRunStart(w: ProtobufWriter, run: AttributeRun, n: number): void {
  if (n > 0) w.raw(n === run.count ? run.bytes : run.bytes.subarray(0, run.ends[n - 1]));
}

// Writes an attribute that the cache had not (a `get` for it just missed).
function writeUncachedAttribute(
  w: ProtobufWriter,
  fieldTag: number,
  key: string,
  value: AttributeValue,
): void {
  w.byte(fieldTag);
  // KeyValue { key = 1, value = 2 }
  const start = w.fork();
  // A key with too many values to cache them (an id): its own encoding,
  // up to the value's length, is kept.
  const prefix = attributeCache.missedPrefix();
  if (prefix !== undefined) {
    w.padded(prefix);
    const valueStart = w.fork();
    writeAnyValue(w, value);
    w.ldelim(valueStart);
    w.ldelim(start);
    return;
  }
  w.byte(tag(1, LEN));
  w.string(key);
  w.byte(tag(2, LEN));
  const valueStart = w.fork();
  if (attributeCache.missedHighCardinality()) {
    attributeCache.keepPrefix(w.buf.slice(start + 1, valueStart));
  }
  writeAnyValue(w, value);
  w.ldelim(valueStart);
  w.ldelim(start);
  if (attributeCache.wantsMissed(key, value)) {
    attributeCache.set(key, value, w.buf.slice(start, w.pos));
  }
}

// AnyValue { string_value = 1, bool_value = 2, int_value = 3,
// double_value = 4, array_value = 5 }; ArrayValue { values = 1 }. A null
// array element writes no field: an empty AnyValue (0a 00 in the array), as
// the OpenTelemetry SDK's serializer writes it.
function writeAnyValue(w: ProtobufWriter, value: AttributeValue | null): void {
  // `typeof x === "…"` chains compile to type checks; a switch on typeof
  // does not, in V8.
  if (typeof value === "string") {
    w.byte(tag(1, LEN));
    w.string(value);
  } else if (typeof value === "number") {
    if (Number.isSafeInteger(value) || isLargeInt64(value)) {
      w.byte(tag(3, 0));
      w.int64(value);
    } else {
      w.byte(tag(4, 1));
      w.double(value);
    }
  } else if (typeof value === "boolean") {
    w.byte(tag(2, 0));
    w.byte(value ? 1 : 0);
  } else if (Array.isArray(value)) {
    w.byte(tag(5, LEN));
    const array = w.fork();
    for (let i = 0; i < value.length; i++) {
      w.byte(tag(1, LEN));
      const item = w.fork();
      writeAnyValue(w, value[i]);
      w.ldelim(item);
    }
    w.ldelim(array);
  }
}
