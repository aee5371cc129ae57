// Internal: decodes an OTLP/JSON `ExportTraceServiceRequest` into received
// spans: the protobuf JSON mapping with OTLP's deviations (ids as hex,
// lowerCamelCase keys only). 64-bit integers are accepted as decimal strings
// or numbers, doubles also as "NaN", "Infinity" and "-Infinity", enums as
// numbers (and, leniently, as their names). Unknown keys are ignored and
// null reads as absent, as the mapping asks.
//
// A body that is not JSON, a known key holding the wrong type, or an
// AnyValue with more than one member set throws an OtlpDecodeError naming
// the path. A span whose trace or span id is missing or malformed is left
// out and counted as rejected; a link with a malformed id, or with all-zero
// ids and neither attributes nor a trace state, is dropped and counted in
// droppedLinksCount.

import { describe } from "../platform/_describe.ts";
import { isValidSpanId, isValidTraceId } from "../platform/ids.ts";
import { ZERO_SPAN_ID } from "../platform/_zero_ids.ts";
import { hasZeroLinkIds, keepsZeroIdLink } from "../span/_link_context.ts";
import { decimalNanosToMs, numberNanosToMs } from "./_nanos_to_ms.ts";
import { inRange, jsonInteger } from "./_json_integer.ts";
import { MAX_DEPTH } from "./_decode_protobuf.ts";
import { doubleType, setValueType, type ValueType } from "./_value_types.ts";
import { ReceivedBatch, RECORD_BYTES, VALUE_BYTES } from "./_received_batch.ts";
import {
  type DecodedRequest,
  newReceivedLink,
  newReceivedSpan,
  type OtlpAttributes,
  OtlpDecodeError,
  type OtlpValue,
  type ReceivedEvent,
  type ReceivedLink,
  type ReceivedResource,
  type ReceivedScope,
  setAttribute,
} from "./_received_span.ts";

// deno-lint-ignore no-explicit-any
type Json = any;

const KIND_NAMES = [
  "SPAN_KIND_UNSPECIFIED",
  "SPAN_KIND_INTERNAL",
  "SPAN_KIND_SERVER",
  "SPAN_KIND_CLIENT",
  "SPAN_KIND_PRODUCER",
  "SPAN_KIND_CONSUMER",
];
const STATUS_NAMES = ["STATUS_CODE_UNSET", "STATUS_CODE_OK", "STATUS_CODE_ERROR"];

/**
 * Decodes an OTLP/JSON `ExportTraceServiceRequest`.
 *
 * @param text The request body, decompressed, as text.
 * @returns The valid spans and the count of rejected ones.
 * @throws {OtlpDecodeError} When `text` is not JSON or not a request.
 */
export function decodeOtlpJson(text: string): DecodedRequest {
  let root: Json;
  try {
    root = JSON.parse(text);
  } catch (error) {
    throw new OtlpDecodeError(`Cannot decode OTLP/JSON: ${(error as Error).message}`);
  }
  return decodeOtlpJsonValue(root);
}

/**
 * Decodes an already parsed OTLP/JSON request; see {@linkcode decodeOtlpJson}.
 *
 * @param root The parsed body.
 * @returns The valid spans and the count of rejected ones.
 * @throws {OtlpDecodeError} When `root` is not a request.
 */
function decodeOtlpJsonValue(root: unknown): DecodedRequest {
  return new JsonDecoder().request(root);
}

class JsonDecoder {
  readonly #batch = new ReceivedBatch();
  // Characters of strings seen, and the heap taken by the events, links,
  // attributes and values decoded (RECORD_BYTES and VALUE_BYTES each), for
  // the size estimates of spans, resources and scopes (each is measured as
  // the difference it makes).
  #chars = 0;
  #heap = 0;
  // The type to note for the value #anyValue returned last, if any.
  #type: ValueType | undefined;

  request(root: unknown): DecodedRequest {
    const request = object(root, "the request");
    for (const [rs, i] of list(request.resourceSpans, "resourceSpans")) {
      this.#resourceSpans(rs, `resourceSpans[${i}]`);
    }
    return this.#batch.result();
  }

  #resourceSpans(value: unknown, path: string): void {
    const rs = object(value, path);
    const first = this.#batch.next;
    for (const [ss, i] of list(rs.scopeSpans, `${path}.scopeSpans`)) {
      this.#scopeSpans(ss, `${path}.scopeSpans[${i}]`);
    }
    const before = this.#chars;
    const heapBefore = this.#heap;
    const resource = this.#resource(rs.resource, rs.schemaUrl, path);
    this.#batch.assignResource(first, resource, this.#chars - before, this.#heap - heapBefore);
  }

  // The resource of the ResourceSpans at `parent`, with that message's schema URL.
  #resource(value: unknown, schemaUrl: unknown, parent: string): ReceivedResource {
    const path = `${parent}.resource`;
    const resource = optionalObject(value, path);
    return {
      attributes: this.#attributes(resource.attributes, `${path}.attributes`, 0),
      droppedAttributesCount: uint32(
        resource.droppedAttributesCount,
        `${path}.droppedAttributesCount`,
      ),
      schemaUrl: this.#string(schemaUrl, `${parent}.schemaUrl`),
    };
  }

  #scopeSpans(value: unknown, path: string): void {
    const ss = object(value, path);
    const first = this.#batch.next;
    for (const [span, i] of list(ss.spans, `${path}.spans`)) {
      this.#span(span, `${path}.spans[${i}]`);
    }
    const before = this.#chars;
    const heapBefore = this.#heap;
    const scope = this.#scope(ss.scope, ss.schemaUrl, path);
    this.#batch.assignScope(first, scope, this.#chars - before, this.#heap - heapBefore);
  }

  // The scope of the ScopeSpans at `parent`, with that message's schema URL.
  #scope(value: unknown, schemaUrl: unknown, parent: string): ReceivedScope {
    const path = `${parent}.scope`;
    const scope = optionalObject(value, path);
    return {
      name: this.#string(scope.name, `${path}.name`),
      version: this.#string(scope.version, `${path}.version`),
      attributes: this.#attributes(scope.attributes, `${path}.attributes`, 0),
      droppedAttributesCount: uint32(
        scope.droppedAttributesCount,
        `${path}.droppedAttributesCount`,
      ),
      schemaUrl: this.#string(schemaUrl, `${parent}.schemaUrl`),
    };
  }

  #span(value: unknown, path: string): void {
    const span = object(value, path);
    this.#chars = 0;
    this.#heap = 0;
    const traceId = id(span.traceId, `${path}.traceId`);
    const spanId = id(span.spanId, `${path}.spanId`);
    const parent = id(span.parentSpanId, `${path}.parentSpanId`);
    const name = this.#string(span.name, `${path}.name`);
    const traceState = this.#string(span.traceState, `${path}.traceState`);
    const kind = enumNumber(span.kind, KIND_NAMES, `${path}.kind`);
    const startTime = nanos(span.startTimeUnixNano, `${path}.startTimeUnixNano`);
    const endTime = nanos(span.endTimeUnixNano, `${path}.endTimeUnixNano`);
    const attributes = this.#attributes(span.attributes, `${path}.attributes`, 0);
    const events: ReceivedEvent[] = [];
    for (const [event, i] of list(span.events, `${path}.events`)) {
      events.push(this.#event(event, `${path}.events[${i}]`));
    }
    const links: ReceivedLink[] = [];
    let badLinks = 0;
    for (const [link, i] of list(span.links, `${path}.links`)) {
      const decoded = this.#link(link, `${path}.links[${i}]`);
      if (decoded === undefined) badLinks++;
      else links.push(decoded);
    }
    const status = optionalObject(span.status, `${path}.status`);
    const statusMessage = this.#string(status.message, `${path}.status.message`);
    const statusCode = enumNumber(status.code, STATUS_NAMES, `${path}.status.code`);
    const flags = span.flags == null ? undefined : uint32(span.flags, `${path}.flags`);
    const droppedAttributes = uint32(span.droppedAttributesCount, `${path}.droppedAttributesCount`);
    const droppedEvents = uint32(span.droppedEventsCount, `${path}.droppedEventsCount`);
    const droppedLinks = uint32(span.droppedLinksCount, `${path}.droppedLinksCount`);

    if (!isValidTraceId(traceId)) {
      return this.#batch.reject(`${path}.traceId is not 32 hex digits, not all zero`);
    }
    if (!isValidSpanId(spanId)) {
      return this.#batch.reject(`${path}.spanId is not 16 hex digits, not all zero`);
    }
    let parentSpanId: string | null = null;
    if (parent !== "" && parent !== ZERO_SPAN_ID) {
      if (!isValidSpanId(parent)) {
        return this.#batch.reject(`${path}.parentSpanId is not 16 hex digits`);
      }
      parentSpanId = parent;
    }
    const received = newReceivedSpan(
      traceId,
      spanId,
      parentSpanId,
      traceState,
      flags,
      name,
      kind,
      startTime,
      endTime,
      statusCode,
      statusMessage,
      attributes,
      droppedAttributes,
      events,
      droppedEvents,
      links,
      droppedLinks + badLinks,
    );
    this.#batch.add(received, this.#chars, this.#heap);
  }

  #event(value: unknown, path: string): ReceivedEvent {
    const event = object(value, path);
    this.#heap += RECORD_BYTES;
    return {
      name: this.#string(event.name, `${path}.name`),
      time: nanos(event.timeUnixNano, `${path}.timeUnixNano`),
      attributes: this.#attributes(event.attributes, `${path}.attributes`, 0),
      droppedAttributesCount: uint32(
        event.droppedAttributesCount,
        `${path}.droppedAttributesCount`,
      ),
    };
  }

  #link(value: unknown, path: string): ReceivedLink | undefined {
    const link = object(value, path);
    const traceId = id(link.traceId, `${path}.traceId`);
    const spanId = id(link.spanId, `${path}.spanId`);
    const traceState = this.#string(link.traceState, `${path}.traceState`);
    const attributes = this.#attributes(link.attributes, `${path}.attributes`, 0);
    const dropped = uint32(link.droppedAttributesCount, `${path}.droppedAttributesCount`);
    const flags = uint32(link.flags, `${path}.flags`);
    if (
      !(isValidTraceId(traceId) && isValidSpanId(spanId)) &&
      !(hasZeroLinkIds(traceId, spanId) && keepsZeroIdLink(traceState, attributes))
    ) {
      return undefined;
    }
    this.#heap += RECORD_BYTES;
    return newReceivedLink(traceId, spanId, traceState, flags, attributes, dropped);
  }

  #attributes(value: unknown, path: string, depth: number): OtlpAttributes {
    const attributes: OtlpAttributes = {};
    for (const [kv, i] of list(value, path)) {
      const pair = object(kv, `${path}[${i}]`);
      const key = this.#string(pair.key, `${path}[${i}].key`);
      this.#heap += VALUE_BYTES;
      const item = this.#anyValue(pair.value, `${path}[${i}].value`, depth);
      this.#heap += setAttribute(attributes, key, item, this.#type);
    }
    return attributes;
  }

  // AnyValue: one of stringValue, boolValue, intValue, doubleValue,
  // arrayValue, kvlistValue, bytesValue; none is an empty value (null). A
  // member that is null is absent; two that are not are a oneof set twice,
  // which ProtoJSON lets a parser refuse, and this one does, as it refuses a
  // member of the wrong type (taking one of them would keep a value the
  // sender may not have meant).
  //
  // A value whose JavaScript type does not say its OTLP type leaves that in
  // #type, for the caller to note (_value_types.ts).
  #anyValue(value: unknown, path: string, depth: number): OtlpValue {
    this.#type = undefined;
    const any = optionalObject(value, path);
    const set = membersSet(any);
    if (set.length > 1) throw oneofError(set, path);
    if (any.stringValue != null) return this.#string(any.stringValue, `${path}.stringValue`);
    if (any.boolValue != null) {
      if (typeof any.boolValue !== "boolean") {
        throw typeError(`${path}.boolValue`, "a boolean", any.boolValue);
      }
      return any.boolValue;
    }
    if (any.intValue != null) {
      const int = int64(any.intValue, `${path}.intValue`);
      if (typeof int === "string") this.#type = "intValue";
      return int;
    }
    if (any.doubleValue != null) {
      const number = double(any.doubleValue, `${path}.doubleValue`);
      this.#type = doubleType(number);
      return number;
    }
    if (any.arrayValue != null || any.kvlistValue != null) {
      if (depth + 1 >= MAX_DEPTH) {
        throw new OtlpDecodeError(
          `Cannot decode OTLP/JSON: ${path} nests deeper than ${MAX_DEPTH} levels`,
        );
      }
      if (any.kvlistValue != null) {
        const kvlist = object(any.kvlistValue, `${path}.kvlistValue`);
        const map = this.#attributes(kvlist.values, `${path}.kvlistValue.values`, depth + 1);
        this.#type = undefined;
        return map;
      }
      const array = object(any.arrayValue, `${path}.arrayValue`);
      const items: OtlpValue[] = [];
      for (const [item, i] of list(array.values, `${path}.arrayValue.values`)) {
        this.#heap += VALUE_BYTES;
        items.push(this.#anyValue(item, `${path}.arrayValue.values[${i}]`, depth + 1));
        if (this.#type !== undefined) this.#heap += setValueType(items, i, this.#type);
      }
      this.#type = undefined;
      return items;
    }
    if (any.bytesValue != null) {
      const text = this.#string(base64(any.bytesValue, `${path}.bytesValue`), `${path}.bytesValue`);
      this.#type = "bytesValue";
      return text;
    }
    return null;
  }

  #string(value: unknown, path: string): string {
    const text = string(value, path);
    this.#chars += text.length;
    return text;
  }
}

function typeError(path: string, expected: string, got: unknown): OtlpDecodeError {
  return new OtlpDecodeError(
    `Cannot decode OTLP/JSON: ${path} must be ${expected}, got ${kindOf(got)}`,
  );
}

const ANY_VALUE_MEMBERS = [
  "stringValue",
  "boolValue",
  "intValue",
  "doubleValue",
  "arrayValue",
  "kvlistValue",
  "bytesValue",
] as const;

// The AnyValue members that are set (not null), in field order.
function membersSet(any: Record<string, Json>): string[] {
  return ANY_VALUE_MEMBERS.filter((member) => any[member] != null);
}

// An AnyValue with more than one member set, naming them.
function oneofError(set: readonly string[], path: string): OtlpDecodeError {
  const names = `${set.slice(0, -1).join(", ")} and ${set[set.length - 1]}`;
  return new OtlpDecodeError(
    `Cannot decode OTLP/JSON: ${path} sets more than one member of a oneof: ${names}`,
  );
}

function kindOf(value: unknown): string {
  return Array.isArray(value) ? "an array" : value === null ? "null" : typeof value;
}

// A number or a string as itself (a long string cut short), anything else
// as its kind.
function describeJson(value: unknown): string {
  return typeof value === "number" || typeof value === "string" ? describe(value) : kindOf(value);
}

function object(value: unknown, path: string): Record<string, Json> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw typeError(path, "an object", value);
  }
  return value as Record<string, Json>;
}

const EMPTY: Record<string, Json> = Object.freeze({});

function optionalObject(value: unknown, path: string): Record<string, Json> {
  return value == null ? EMPTY : object(value, path);
}

// Yields each item with its index; null or absent is an empty list.
function* list(value: unknown, path: string): Generator<[unknown, number]> {
  if (value == null) return;
  if (!Array.isArray(value)) throw typeError(path, "an array", value);
  for (let i = 0; i < value.length; i++) yield [value[i], i];
}

function string(value: unknown, path: string): string {
  if (value == null) return "";
  if (typeof value !== "string") throw typeError(path, "a string", value);
  return value;
}

// A trace or span id: lowercased, "" when absent; validated by the caller.
function id(value: unknown, path: string): string {
  return string(value, path).toLowerCase();
}

const UINT32_MAX = 0xffffffff;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const UINT64_MAX = 2n ** 64n - 1n;

// A uint32 or fixed32: a number or a string of one (see _json_integer.ts);
// not a fraction, a negative or anything past 32 bits.
function uint32(value: unknown, path: string): number {
  if (value == null) return 0;
  if (
    typeof value === "number" && Number.isInteger(value) && value >= 0 && value <= UINT32_MAX
  ) {
    return value;
  }
  const n = jsonInteger(value);
  if (inRange(n, 0n, BigInt(UINT32_MAX))) return Number(n);
  throw new OtlpDecodeError(
    `Cannot decode OTLP/JSON: ${path} must be an unsigned 32-bit integer (a number or a decimal string), got ${
      describeJson(value)
    }`,
  );
}

// Bytes: "Either standard or URL-safe base64 encoding with/without
// paddings are accepted" (ProtoJSON). Kept as standard, padded base64, as
// the protobuf decoder gives them, so both decoders agree on the same bytes.
function base64(value: unknown, path: string): string {
  const text = string(value, path);
  try {
    return btoa(atob(text.replaceAll("-", "+").replaceAll("_", "/")));
  } catch {
    throw typeError(path, "base64 (standard or URL-safe)", value);
  }
}

function enumNumber(value: unknown, names: readonly string[], path: string): number {
  if (value == null) return 0;
  if (typeof value === "number" && Number.isInteger(value)) return value;
  if (typeof value === "string" && names.includes(value)) return names.indexOf(value);
  throw typeError(path, "an enum number", value);
}

// Up to 19 digits: always within a fixed64, read without a BigInt.
const SHORT_DECIMAL = /^[0-9]{1,19}$/;

// A fixed64 of unix nanoseconds.
function nanos(value: unknown, path: string): number {
  if (value == null) return 0;
  if (typeof value === "string" && SHORT_DECIMAL.test(value)) return decimalNanosToMs(value)!;
  if (typeof value === "number" && Number.isSafeInteger(value) && value >= 0) {
    return numberNanosToMs(value);
  }
  const n = jsonInteger(value);
  if (inRange(n, 0n, UINT64_MAX)) return decimalNanosToMs(n.toString())!;
  throw typeError(path, "unsigned 64-bit nanoseconds as a decimal string or a number", value);
}

// Up to 15 digits: a safe integer, read without a BigInt.
const SHORT_INTEGER = /^-?[0-9]{1,15}$/;

// An int64: a number when it is a safe integer, else its decimal string.
function int64(value: unknown, path: string): number | string {
  if (typeof value === "number" && Number.isSafeInteger(value)) return value === 0 ? 0 : value;
  if (typeof value === "string" && SHORT_INTEGER.test(value)) return Number(value) || 0;
  const n = jsonInteger(value);
  if (inRange(n, INT64_MIN, INT64_MAX)) {
    const number = Number(n);
    return Number.isSafeInteger(number) ? number : n.toString();
  }
  throw typeError(path, "a 64-bit integer or its decimal string", value);
}

function double(value: unknown, path: string): number {
  if (typeof value === "number") return value;
  if (value === "NaN") return NaN;
  if (value === "Infinity") return Infinity;
  if (value === "-Infinity") return -Infinity;
  if (typeof value === "string" && value.trim() !== "" && Number.isFinite(Number(value))) {
    return Number(value);
  }
  throw typeError(path, "a number", value);
}
