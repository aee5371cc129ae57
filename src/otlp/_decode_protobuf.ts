// Internal: decodes an OTLP/protobuf `ExportTraceServiceRequest` into
// received spans, by hand: every field of trace.proto, common.proto and
// resource.proto that a span carries (what this library's encoder writes and
// what the OpenTelemetry JS exporters send: scope attributes, kvlist and bytes
// values, schema URLs, flags). Unknown fields are skipped, as protobuf asks.
//
// A body that is not a well-formed message (truncated, a known field with
// the wrong wire type, nesting deeper than MAX_DEPTH) throws an
// OtlpDecodeError and nothing of it is kept. A well-formed span whose trace
// or span id is missing or malformed is left out and counted as rejected; a
// link with a malformed id, or with all-zero ids and neither attributes nor a
// trace state, is dropped and counted in droppedLinksCount.

import { ZERO_SPAN_ID, ZERO_TRACE_ID } from "../platform/_zero_ids.ts";
import { keepsZeroIdLink } from "../span/_link_context.ts";
import { nanosToMs } from "./_nanos_to_ms.ts";
import { readUtf8 } from "./_utf8_strings.ts";
import { ReceivedBatch, RECORD_BYTES, VALUE_BYTES } from "./_received_batch.ts";
import { doubleType, setValueType, type ValueType } from "./_value_types.ts";
import {
  type DecodedRequest,
  newReceivedLink,
  newReceivedSpan,
  type OtlpAttributes,
  OtlpDecodeError,
  type OtlpValue,
  PENDING_RESOURCE,
  PENDING_SCOPE,
  type ReceivedEvent,
  type ReceivedLink,
  type ReceivedResource,
  type ReceivedScope,
  setAttribute,
  toBase64,
} from "./_received_span.ts";

/** Nested lists and maps deeper than this make the body malformed. */
export const MAX_DEPTH = 32;

const VARINT = 0;
const I64 = 1;
const LEN = 2;
const I32 = 5;
const TWO_32 = 4294967296;
const WIRE_NAMES = ["varint", "fixed64", "length-delimited", "group start", "group end", "fixed32"];

const HEX: string[] = [];
for (let i = 0; i < 256; i++) HEX.push(i.toString(16).padStart(2, "0"));

/**
 * Decodes an OTLP/protobuf `ExportTraceServiceRequest`.
 *
 * @param bytes The request body, decompressed.
 * @returns The valid spans and the count of rejected ones.
 * @throws {OtlpDecodeError} When `bytes` is not a well-formed request.
 */
export function decodeOtlpProtobuf(bytes: Uint8Array): DecodedRequest {
  return new Decoder(bytes).request();
}

const RESOURCE_SPANS_FIELDS = [
  "ResourceSpans.resource",
  "ResourceSpans.scope_spans",
  "ResourceSpans.schema_url",
] as const;
const SCOPE_SPANS_FIELDS = [
  "ScopeSpans.scope",
  "ScopeSpans.spans",
  "ScopeSpans.schema_url",
] as const;

class Decoder {
  readonly #buf: Uint8Array;
  readonly #view: DataView;
  #pos = 0;
  readonly #batch = new ReceivedBatch();
  // The heap taken by the events, links, attributes and values decoded so
  // far (RECORD_BYTES and VALUE_BYTES each), for the size estimates: each
  // span, resource and scope is measured as the difference it makes.
  #heap = 0;
  // The type to note for the value #anyValue returned last, if any.
  #type: ValueType | undefined;

  constructor(bytes: Uint8Array) {
    this.#buf = bytes;
    this.#view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  request(): DecodedRequest {
    const end = this.#buf.length;
    while (this.#pos < end) {
      const tag = this.#tag(end);
      // ExportTraceServiceRequest.resource_spans = 1
      if (tag >>> 3 === 1) this.#resourceSpans(this.#len(tag, "resource_spans", end));
      else this.#skip(tag, end);
    }
    return this.#batch.result();
  }

  // ResourceSpans { resource = 1, scope_spans = 2, schema_url = 3 }
  #resourceSpans(end: number): void {
    const first = this.#batch.next;
    const [resource, size, heap] = this.#group(
      end,
      RESOURCE_SPANS_FIELDS,
      (at) => this.#resource(at),
      (at) => this.#scopeSpans(at),
      PENDING_RESOURCE,
    );
    this.#batch.assignResource(first, resource, size, heap);
  }

  // ResourceSpans and ScopeSpans share one shape: a head (resource = 1 or
  // scope = 1), the messages it groups (= 2), and schema_url = 3. Returns the
  // head, with its schema URL, the bytes the two took on the wire, and the
  // heap the head's attributes take.
  #group<T extends { schemaUrl: string }>(
    end: number,
    fields: readonly [head: string, children: string, schemaUrl: string],
    head: (end: number) => T,
    child: (end: number) => void,
    pending: T,
  ): [T, number, number] {
    let found: T | undefined;
    let schemaUrl = "";
    let size = 0;
    let heap = 0;
    while (this.#pos < end) {
      const tag = this.#tag(end);
      switch (tag >>> 3) {
        case 1: {
          const headEnd = this.#len(tag, fields[0], end);
          size += headEnd - this.#pos;
          const heapBefore = this.#heap;
          found = head(headEnd);
          heap += this.#heap - heapBefore;
          break;
        }
        case 2:
          child(this.#len(tag, fields[1], end));
          break;
        case 3: {
          const start = this.#pos;
          schemaUrl = this.#string(tag, fields[2], end);
          size += this.#pos - start;
          break;
        }
        default:
          this.#skip(tag, end);
      }
    }
    found ??= pending;
    return [schemaUrl === "" ? found : { ...found, schemaUrl }, size, heap];
  }

  // Resource { attributes = 1, dropped_attributes_count = 2, entity_refs = 3 }
  #resource(end: number): ReceivedResource {
    const attributes: OtlpAttributes = {};
    let dropped = 0;
    while (this.#pos < end) {
      const tag = this.#tag(end);
      switch (tag >>> 3) {
        case 1:
          this.#keyValue(this.#len(tag, "Resource.attributes", end), attributes, 0);
          break;
        case 2:
          dropped = this.#uint32(tag, "Resource.dropped_attributes_count", end);
          break;
        default:
          this.#skip(tag, end);
      }
    }
    return { attributes, droppedAttributesCount: dropped, schemaUrl: "" };
  }

  // ScopeSpans { scope = 1, spans = 2, schema_url = 3 }
  #scopeSpans(end: number): void {
    const first = this.#batch.next;
    const [scope, size, heap] = this.#group(
      end,
      SCOPE_SPANS_FIELDS,
      (at) => this.#scope(at),
      (at) => this.#span(at),
      PENDING_SCOPE,
    );
    this.#batch.assignScope(first, scope, size, heap);
  }

  // InstrumentationScope { name = 1, version = 2, attributes = 3, dropped_attributes_count = 4 }
  #scope(end: number): ReceivedScope {
    let name = "";
    let version = "";
    const attributes: OtlpAttributes = {};
    let dropped = 0;
    while (this.#pos < end) {
      const tag = this.#tag(end);
      switch (tag >>> 3) {
        case 1:
          name = this.#string(tag, "InstrumentationScope.name", end);
          break;
        case 2:
          version = this.#string(tag, "InstrumentationScope.version", end);
          break;
        case 3:
          this.#keyValue(this.#len(tag, "InstrumentationScope.attributes", end), attributes, 0);
          break;
        case 4:
          dropped = this.#uint32(tag, "InstrumentationScope.dropped_attributes_count", end);
          break;
        default:
          this.#skip(tag, end);
      }
    }
    return { name, version, attributes, droppedAttributesCount: dropped, schemaUrl: "" };
  }

  // Span: trace_id = 1, span_id = 2, trace_state = 3, parent_span_id = 4,
  // name = 5, kind = 6, start_time_unix_nano = 7, end_time_unix_nano = 8,
  // attributes = 9, dropped_attributes_count = 10, events = 11,
  // dropped_events_count = 12, links = 13, dropped_links_count = 14,
  // status = 15, flags = 16.
  #span(end: number): void {
    const start = this.#pos;
    const heapBefore = this.#heap;
    let traceId: string | undefined;
    let spanId: string | undefined;
    let parentSpanId: string | null | undefined = null;
    let traceState = "";
    let name = "";
    let kind = 0;
    let startTime = 0;
    let endTime = 0;
    const attributes: OtlpAttributes = {};
    let droppedAttributes = 0;
    const events: ReceivedEvent[] = [];
    let droppedEvents = 0;
    const links: ReceivedLink[] = [];
    let droppedLinks = 0;
    let statusCode = 0;
    let statusMessage = "";
    let flags: number | undefined;
    while (this.#pos < end) {
      const tag = this.#tag(end);
      switch (tag >>> 3) {
        case 1:
          traceId = this.#id(tag, "Span.trace_id", end, 16);
          break;
        case 2:
          spanId = this.#id(tag, "Span.span_id", end, 8);
          break;
        case 3:
          traceState = this.#string(tag, "Span.trace_state", end);
          break;
        case 4:
          parentSpanId = this.#parentId(tag, "Span.parent_span_id", end);
          break;
        case 5:
          name = this.#string(tag, "Span.name", end);
          break;
        case 6:
          kind = this.#uint32(tag, "Span.kind", end);
          break;
        case 7:
          startTime = this.#fixed64Time(tag, "Span.start_time_unix_nano", end);
          break;
        case 8:
          endTime = this.#fixed64Time(tag, "Span.end_time_unix_nano", end);
          break;
        case 9:
          this.#keyValue(this.#len(tag, "Span.attributes", end), attributes, 0);
          break;
        case 10:
          droppedAttributes = this.#uint32(tag, "Span.dropped_attributes_count", end);
          break;
        case 11:
          events.push(this.#event(this.#len(tag, "Span.events", end)));
          break;
        case 12:
          droppedEvents = this.#uint32(tag, "Span.dropped_events_count", end);
          break;
        case 13: {
          const link = this.#link(this.#len(tag, "Span.links", end));
          if (link === undefined) droppedLinks++;
          else links.push(link);
          break;
        }
        case 14:
          // Links refused for their ids are counted on top of the sender's.
          droppedLinks += this.#uint32(tag, "Span.dropped_links_count", end);
          break;
        case 15: {
          const statusEnd = this.#len(tag, "Span.status", end);
          // Status { message = 2, code = 3 }
          while (this.#pos < statusEnd) {
            const t = this.#tag(statusEnd);
            if (t >>> 3 === 2) statusMessage = this.#string(t, "Status.message", statusEnd);
            else if (t >>> 3 === 3) statusCode = this.#uint32(t, "Status.code", statusEnd);
            else this.#skip(t, statusEnd);
          }
          break;
        }
        case 16:
          flags = this.#fixed32(tag, "Span.flags", end);
          break;
        default:
          this.#skip(tag, end);
      }
    }
    if (traceId === undefined || spanId === undefined || parentSpanId === undefined) {
      this.#batch.reject(
        traceId === undefined
          ? "a span has no valid trace id (16 bytes, not all zero)"
          : spanId === undefined
          ? "a span has no valid span id (8 bytes, not all zero)"
          : "a span has a malformed parent span id",
      );
      return;
    }
    const span = newReceivedSpan(
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
      droppedLinks,
    );
    this.#batch.add(span, end - start, this.#heap - heapBefore);
  }

  // Event { time_unix_nano = 1, name = 2, attributes = 3, dropped_attributes_count = 4 }
  #event(end: number): ReceivedEvent {
    this.#heap += RECORD_BYTES;
    let time = 0;
    let name = "";
    const attributes: OtlpAttributes = {};
    let dropped = 0;
    while (this.#pos < end) {
      const tag = this.#tag(end);
      switch (tag >>> 3) {
        case 1:
          time = this.#fixed64Time(tag, "Event.time_unix_nano", end);
          break;
        case 2:
          name = this.#string(tag, "Event.name", end);
          break;
        case 3:
          this.#keyValue(this.#len(tag, "Event.attributes", end), attributes, 0);
          break;
        case 4:
          dropped = this.#uint32(tag, "Event.dropped_attributes_count", end);
          break;
        default:
          this.#skip(tag, end);
      }
    }
    return { name, time, attributes, droppedAttributesCount: dropped };
  }

  // Link { trace_id = 1, span_id = 2, trace_state = 3, attributes = 4,
  // dropped_attributes_count = 5, flags = 6 }. Undefined when an id is bad,
  // or all zeros on a link with neither attributes nor a trace state.
  #link(end: number): ReceivedLink | undefined {
    let traceId: string | undefined;
    let spanId: string | undefined;
    let traceState = "";
    const attributes: OtlpAttributes = {};
    let dropped = 0;
    let flags = 0;
    while (this.#pos < end) {
      const tag = this.#tag(end);
      switch (tag >>> 3) {
        case 1:
          traceId = this.#hex(tag, "Link.trace_id", end, 16);
          break;
        case 2:
          spanId = this.#hex(tag, "Link.span_id", end, 8);
          break;
        case 3:
          traceState = this.#string(tag, "Link.trace_state", end);
          break;
        case 4:
          this.#keyValue(this.#len(tag, "Link.attributes", end), attributes, 0);
          break;
        case 5:
          dropped = this.#uint32(tag, "Link.dropped_attributes_count", end);
          break;
        case 6:
          flags = this.#fixed32(tag, "Link.flags", end);
          break;
        default:
          this.#skip(tag, end);
      }
    }
    if (traceId === undefined || spanId === undefined) return undefined;
    // All-zero ids (read as "") are kept only with attributes or a trace
    // state, as OpenTelemetry's trace API asks (see _link_context.ts).
    if (traceId === "" || spanId === "") {
      if (!keepsZeroIdLink(traceState, attributes)) return undefined;
      traceId ||= ZERO_TRACE_ID;
      spanId ||= ZERO_SPAN_ID;
    }
    this.#heap += RECORD_BYTES;
    return newReceivedLink(traceId, spanId, traceState, flags, attributes, dropped);
  }

  // KeyValue { key = 1, value = 2 }, stored into `target`.
  #keyValue(end: number, target: OtlpAttributes, depth: number): void {
    this.#heap += VALUE_BYTES;
    let key = "";
    let value: OtlpValue = null;
    let type: ValueType | undefined;
    while (this.#pos < end) {
      const tag = this.#tag(end);
      switch (tag >>> 3) {
        case 1:
          key = this.#string(tag, "KeyValue.key", end);
          break;
        case 2:
          value = this.#anyValue(this.#len(tag, "KeyValue.value", end), depth);
          type = this.#type;
          break;
        default:
          this.#skip(tag, end);
      }
    }
    this.#heap += setAttribute(target, key, value, type);
  }

  // AnyValue { string_value = 1, bool_value = 2, int_value = 3,
  // double_value = 4, array_value = 5, kvlist_value = 6, bytes_value = 7 }:
  // a oneof, so the last one wins. ArrayValue and KeyValueList hold their
  // items in field 1. A value whose JavaScript type does not say its OTLP
  // type leaves that in #type, for the caller to note (_value_types.ts).
  #anyValue(end: number, depth: number): OtlpValue {
    let value: OtlpValue = null;
    let type: ValueType | undefined;
    while (this.#pos < end) {
      const tag = this.#tag(end);
      switch (tag >>> 3) {
        case 1:
          value = this.#string(tag, "AnyValue.string_value", end);
          type = undefined;
          break;
        case 2:
          this.#expect(tag, VARINT, "AnyValue.bool_value");
          value = this.#varint(end) !== 0;
          type = undefined;
          break;
        case 3:
          this.#expect(tag, VARINT, "AnyValue.int_value");
          value = this.#int64(end);
          type = typeof value === "string" ? "intValue" : undefined;
          break;
        case 4:
          this.#expect(tag, I64, "AnyValue.double_value");
          this.#need(8, end);
          value = this.#view.getFloat64(this.#pos, true);
          type = doubleType(value);
          this.#pos += 8;
          break;
        case 5: {
          const listEnd = this.#len(tag, "AnyValue.array_value", end);
          this.#deeper(depth);
          const items: OtlpValue[] = [];
          while (this.#pos < listEnd) {
            const t = this.#tag(listEnd);
            if (t >>> 3 === 1) {
              this.#heap += VALUE_BYTES;
              items.push(this.#anyValue(this.#len(t, "ArrayValue.values", listEnd), depth + 1));
              if (this.#type !== undefined) {
                this.#heap += setValueType(items, items.length - 1, this.#type);
              }
            } else this.#skip(t, listEnd);
          }
          value = items;
          type = undefined;
          break;
        }
        case 6: {
          const listEnd = this.#len(tag, "AnyValue.kvlist_value", end);
          this.#deeper(depth);
          const map: OtlpAttributes = {};
          while (this.#pos < listEnd) {
            const t = this.#tag(listEnd);
            if (t >>> 3 === 1) {
              this.#keyValue(this.#len(t, "KeyValueList.values", listEnd), map, depth + 1);
            } else this.#skip(t, listEnd);
          }
          value = map;
          type = undefined;
          break;
        }
        case 7: {
          const bytesEnd = this.#len(tag, "AnyValue.bytes_value", end);
          value = toBase64(this.#buf.subarray(this.#pos, bytesEnd));
          type = "bytesValue";
          this.#pos = bytesEnd;
          break;
        }
        default:
          this.#skip(tag, end);
      }
    }
    this.#type = type;
    return value;
  }

  #deeper(depth: number): void {
    if (depth + 1 >= MAX_DEPTH) {
      throw new OtlpDecodeError(
        `Cannot decode OTLP/protobuf: attribute values nest deeper than ${MAX_DEPTH} levels`,
      );
    }
  }

  // ---- wire format ----

  #fail(what: string): never {
    throw new OtlpDecodeError(`Cannot decode OTLP/protobuf: ${what} at byte ${this.#pos}`);
  }

  #need(count: number, end: number): void {
    if (this.#pos + count > end) this.#fail("truncated message");
  }

  #expect(tag: number, wire: number, field: string): void {
    if ((tag & 7) !== wire) {
      this.#fail(
        `${field} has wire type ${WIRE_NAMES[tag & 7] ?? tag & 7}, not ${WIRE_NAMES[wire]}`,
      );
    }
  }

  // An unsigned varint of up to 64 bits, as a number (exact below 2^53).
  #varint(end: number): number {
    const buf = this.#buf;
    let pos = this.#pos;
    if (pos >= end) this.#fail("truncated varint");
    let b = buf[pos++];
    if (b < 0x80) {
      this.#pos = pos;
      return b;
    }
    let result = b & 0x7f;
    let scale = 128;
    for (let i = 1; i < 10; i++) {
      if (pos >= end) this.#fail("truncated varint");
      b = buf[pos++];
      result += (b & 0x7f) * scale;
      if (b < 0x80) {
        this.#pos = pos;
        return result;
      }
      scale *= 128;
    }
    this.#fail("varint longer than 10 bytes");
  }

  // A field's tag: a uint32 (field numbers end at 2^29 - 1). A longer
  // varint is malformed, not a tag whose low 32 bits name a known field.
  #tag(end: number): number {
    const tag = this.#varint(end);
    if (tag >= TWO_32) this.#fail("tag beyond 32 bits");
    return tag;
  }

  // A uint32 or enum field: proto3 keeps the low 32 bits of a longer varint.
  #uint32(tag: number, field: string, end: number): number {
    this.#expect(tag, VARINT, field);
    const value = this.#varint(end);
    return value < TWO_32 ? value : value % TWO_32;
  }

  // An int64 varint (negatives are ten-byte two's complement): a number
  // when it is a safe integer, else its decimal string.
  #int64(end: number): number | string {
    const buf = this.#buf;
    let lo = 0;
    let hi = 0;
    let b = 0;
    let i = 0;
    for (; i < 4; i++) {
      if (this.#pos >= end) this.#fail("truncated varint");
      b = buf[this.#pos++];
      lo |= (b & 0x7f) << (i * 7);
      if (b < 0x80) return lo >>> 0;
    }
    if (this.#pos >= end) this.#fail("truncated varint");
    b = buf[this.#pos++];
    lo |= (b & 0x7f) << 28;
    hi = (b & 0x7f) >>> 4;
    for (i = 0; b >= 0x80; i++) {
      if (i === 5) this.#fail("varint longer than 10 bytes");
      if (this.#pos >= end) this.#fail("truncated varint");
      b = buf[this.#pos++];
      hi |= (b & 0x7f) << (i * 7 + 3);
    }
    lo >>>= 0;
    hi >>>= 0;
    if (hi < 0x80000000) {
      const value = hi * TWO_32 + lo;
      return Number.isSafeInteger(value) ? value : ((BigInt(hi) << 32n) | BigInt(lo)).toString();
    }
    // Negative: the magnitude is the two's complement.
    const nlo = (~lo + 1) >>> 0;
    const nhi = (~hi + (nlo === 0 ? 1 : 0)) >>> 0;
    const magnitude = nhi * TWO_32 + nlo;
    return Number.isSafeInteger(magnitude)
      ? -magnitude
      : "-" + ((BigInt(nhi) << 32n) | BigInt(nlo)).toString();
  }

  // The end of a length-delimited field's body, which starts at this.#pos.
  #len(tag: number, field: string, end: number): number {
    this.#expect(tag, LEN, field);
    const length = this.#varint(end);
    if (length > end - this.#pos) this.#fail(`${field} is longer than its message`);
    return this.#pos + length;
  }

  #string(tag: number, field: string, end: number): string {
    const stringEnd = this.#len(tag, field, end);
    const start = this.#pos;
    this.#pos = stringEnd;
    return readUtf8(this.#buf, start, stringEnd);
  }

  // An id as lowercase hex; undefined when it has the wrong length or is all zeros.
  #id(tag: number, field: string, end: number, length: 8 | 16): string | undefined {
    const hex = this.#hex(tag, field, end, length);
    return hex === "" ? undefined : hex;
  }

  // A parent span id: null (a root) when it is empty or all zeros, as some
  // exporters send; undefined when it has the wrong length.
  #parentId(tag: number, field: string, end: number): string | null | undefined {
    const idEnd = this.#len(tag, field, end);
    if (idEnd === this.#pos) return null;
    const hex = this.#hexAt(idEnd, 8);
    return hex === "" ? null : hex;
  }

  // Hex of a length-delimited id; "" when all zeros, undefined for a wrong length.
  #hex(tag: number, field: string, end: number, length: 8 | 16): string | undefined {
    return this.#hexAt(this.#len(tag, field, end), length);
  }

  #hexAt(idEnd: number, length: number): string | undefined {
    const buf = this.#buf;
    const start = this.#pos;
    this.#pos = idEnd;
    if (idEnd - start !== length) return undefined;
    let hex = "";
    let zero = true;
    for (let i = start; i < idEnd; i++) {
      const b = buf[i];
      if (b !== 0) zero = false;
      hex += HEX[b];
    }
    return zero ? "" : hex;
  }

  #fixed64Time(tag: number, field: string, end: number): number {
    this.#expect(tag, I64, field);
    this.#need(8, end);
    const view = this.#view;
    const lo = view.getUint32(this.#pos, true);
    const hi = view.getUint32(this.#pos + 4, true);
    this.#pos += 8;
    return nanosToMs(lo, hi);
  }

  #fixed32(tag: number, field: string, end: number): number {
    this.#expect(tag, I32, field);
    this.#need(4, end);
    const value = this.#view.getUint32(this.#pos, true);
    this.#pos += 4;
    return value;
  }

  #skip(tag: number, end: number): void {
    if (tag >>> 3 === 0) this.#fail("field number 0");
    switch (tag & 7) {
      case VARINT:
        this.#varint(end);
        return;
      case I64:
        this.#need(8, end);
        this.#pos += 8;
        return;
      case LEN:
        this.#pos = this.#len(tag, `field ${tag >>> 3}`, end);
        return;
      case I32:
        this.#need(4, end);
        this.#pos += 4;
        return;
      default:
        this.#fail(`field ${tag >>> 3} has unsupported wire type ${tag & 7}`);
    }
  }
}
