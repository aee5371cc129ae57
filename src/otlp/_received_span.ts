// Internal: a span as an OTLP receiver decodes it. It has the fields of
// `Span.toJSON()` (epoch-millisecond times, hex ids, kind and status as
// names), so a viewer can serve it as it is, plus what OTLP carries around a
// span: its service, resource and instrumentation scope. Both decoders
// (protobuf and JSON) build these records through the helpers below, and
// collect them in a ReceivedBatch (_received_batch.ts), so the two agree
// field for field.

import { setOwnAttribute } from "../span/_attribute_bag.ts";
import type { SpanJSON, SpanKind, SpanStatus } from "../span/span.ts";
import { remoteFromFlags } from "./_span_flags.ts";
import { clearValueType, setValueType, type ValueType } from "./_value_types.ts";

/**
 * An attribute value as OTLP carries it: wider than this library's
 * attributes, since other SDKs send nested lists and maps. An int64 beyond
 * 2^53 is kept as its decimal string, bytes as base64, a double as a number
 * (an integral one as an int would be), an empty value as null; the
 * decoders note the OTLP type of those three (_value_types.ts).
 */
export type OtlpValue =
  | string
  | number
  | boolean
  | null
  | OtlpValue[]
  | { [key: string]: OtlpValue };

/** Attributes keyed by name. */
export type OtlpAttributes = Record<string, OtlpValue>;

/** What produced the spans: one object shared by every span it sent in a request. */
export interface ReceivedResource {
  /** The resource's attributes. */
  readonly attributes: OtlpAttributes;
  /** Attributes the sender dropped. */
  readonly droppedAttributesCount: number;
  /** The schema URL of the resource's `ResourceSpans` ("" when none). */
  readonly schemaUrl: string;
}

/** The instrumentation scope: one object shared by its spans in a request. */
export interface ReceivedScope {
  /** The scope's name ("" when unknown). */
  readonly name: string;
  /** The scope's version ("" when unknown). */
  readonly version: string;
  /** The scope's attributes. */
  readonly attributes: OtlpAttributes;
  /** Attributes the sender dropped. */
  readonly droppedAttributesCount: number;
  /** The schema URL of the scope's `ScopeSpans` ("" when none). */
  readonly schemaUrl: string;
}

/** A timestamped event. */
export interface ReceivedEvent {
  /** The event's name. */
  name: string;
  /** Epoch milliseconds. */
  time: number;
  /** Its attributes. */
  attributes: OtlpAttributes;
  /** Attributes the sender dropped. */
  droppedAttributesCount: number;
}

/** A link to another span. */
export interface ReceivedLink {
  /** The linked trace. */
  traceId: string;
  /** The linked span. */
  spanId: string;
  /** The linked context's W3C `tracestate`, when it had one. */
  traceState?: string;
  /** The linked context's W3C trace flags: the low byte of the link's OTLP `flags` (0 when absent). */
  traceFlags: number;
  /** Whether the linked context came from another process, when the sender said. */
  isRemote?: boolean;
  /** The link's attributes. */
  attributes: OtlpAttributes;
  /** Attributes the sender dropped. */
  droppedAttributesCount: number;
}

/**
 * One received span: `Span.toJSON()`'s fields, then service, resource and
 * scope. An ended span's times are numbers; attributes, events and links
 * are OTLP's wider kinds. The kind is `"internal"` for OTLP's UNSPECIFIED (or
 * an unknown number); `traceFlags` is the low byte of OTLP's `flags`, and
 * `parentIsRemote` its is-remote bits (null when the sender did not say);
 * and `droppedLinksCount` also counts links whose ids were not valid.
 */
export interface ReceivedSpan extends
  Omit<
    SpanJSON,
    "startTime" | "endTime" | "durationMs" | "attributes" | "events" | "links"
  > {
  /** Whether the parent context came from another process; null when the sender did not say. */
  parentIsRemote: boolean | null;
  /** Epoch milliseconds. */
  startTime: number;
  /** Epoch milliseconds. */
  endTime: number;
  /** `endTime - startTime`. */
  durationMs: number;
  /** The attributes. */
  attributes: OtlpAttributes;
  /** The events. */
  events: ReceivedEvent[];
  /** The links. */
  links: ReceivedLink[];
  /** The resource's `service.name`, or `"unknown_service"`. */
  service: string;
  /** The resource. */
  resource: ReceivedResource;
  /** The instrumentation scope. */
  scope: ReceivedScope;
}

/** What a decoder returns for one request. */
export interface DecodedRequest {
  /** The valid spans, in the order they came. */
  readonly spans: ReceivedSpan[];
  /** An estimate of the memory each span holds, in bytes, by index. */
  readonly sizes: number[];
  /**
   * The part of each span's size, by index, that is its share of its
   * resource and of its scope, objects its group's spans share.
   */
  readonly shares?: SharedBytes;
  /** Spans left out because an id was missing or malformed. */
  readonly rejected: number;
  /** Why the first rejected span was left out. */
  readonly reason: string | undefined;
}

/** Each span's share of its resource's and its scope's estimated bytes, by index. */
export interface SharedBytes {
  readonly resource: readonly number[];
  readonly scope: readonly number[];
}

/** A request body that is not OTLP: the receiver answers 400 with `message`. */
export class OtlpDecodeError extends Error {
  /** @param message What is wrong, and where. */
  constructor(message: string) {
    super(message);
    this.name = "OtlpDecodeError";
  }
}

const KINDS: readonly SpanKind[] = [
  "internal", // 0: UNSPECIFIED
  "internal",
  "server",
  "client",
  "producer",
  "consumer",
];

/** The kind for OTLP's `Span.SpanKind` number. */
function kindName(kind: number): SpanKind {
  return KINDS[kind] ?? "internal";
}

const UNSET: SpanStatus = Object.freeze({ code: "unset" });
const OK: SpanStatus = Object.freeze({ code: "ok" });

/** The status for OTLP's `Status.code` number and message (kept with errors only, as ours). */
function statusOf(code: number, message: string): SpanStatus {
  if (code === 2) return message === "" ? { code: "error" } : { code: "error", message };
  return code === 1 ? OK : UNSET;
}

/** The service that a resource's attributes name. */
export function serviceOf(attributes: OtlpAttributes): string {
  const name = attributes["service.name"];
  return typeof name === "string" && name !== "" ? name : "unknown_service";
}

/**
 * Stores an attribute as an own property, `__proto__` included; the last
 * value of a key wins, and with it its type (see _value_types.ts).
 *
 * @returns The bytes the type's note takes, estimated (0 with none).
 */
export function setAttribute(
  target: OtlpAttributes,
  key: string,
  value: OtlpValue,
  type?: ValueType,
): number {
  let noted = 0;
  if (type !== undefined) noted = setValueType(target, key, type);
  else if (Object.hasOwn(target, key)) clearValueType(target, key);
  if (key === "__proto__") setOwnAttribute(target, key, value);
  else target[key] = value;
  return noted;
}

/**
 * Makes a span record from OTLP's fields (`flags` undefined when absent,
 * kind and status code as numbers). Both decoders call this, so every
 * record has the same fields in the same order; resource, service and scope
 * are filled in once the enclosing messages have been read (see
 * `ReceivedBatch`).
 */
export function newReceivedSpan(
  traceId: string,
  spanId: string,
  parentSpanId: string | null,
  traceState: string,
  flags: number | undefined,
  name: string,
  kind: number,
  startTime: number,
  endTime: number,
  statusCode: number,
  statusMessage: string,
  attributes: OtlpAttributes,
  droppedAttributesCount: number,
  events: ReceivedEvent[],
  droppedEventsCount: number,
  links: ReceivedLink[],
  droppedLinksCount: number,
): ReceivedSpan {
  return {
    name,
    kind: kindName(kind),
    traceId,
    spanId,
    parentSpanId,
    // Producers before OTLP 1.1 send no flags; what they export was sampled.
    traceFlags: flags === undefined ? 1 : flags & 0xff,
    traceState: traceState === "" ? null : traceState,
    parentIsRemote: flags === undefined ? null : remoteFromFlags(flags),
    startTime,
    endTime,
    durationMs: endTime - startTime,
    status: statusOf(statusCode, statusMessage),
    attributes,
    events,
    links,
    droppedAttributesCount,
    droppedEventsCount,
    droppedLinksCount,
    service: "unknown_service",
    resource: PENDING_RESOURCE,
    scope: PENDING_SCOPE,
  };
}

/**
 * Makes a link record from OTLP's fields (`flags` 0 when absent);
 * `traceState` is left out when empty, as `toJSON()` does, and `isRemote`
 * when the flags do not say.
 */
export function newReceivedLink(
  traceId: string,
  spanId: string,
  traceState: string,
  flags: number,
  attributes: OtlpAttributes,
  droppedAttributesCount: number,
): ReceivedLink {
  const link: ReceivedLink = {
    traceId,
    spanId,
    traceFlags: flags & 0xff,
    attributes,
    droppedAttributesCount,
  };
  if (traceState !== "") link.traceState = traceState;
  const isRemote = remoteFromFlags(flags);
  if (isRemote !== null) link.isRemote = isRemote;
  return link;
}

/** Placeholders a decoder fills in once it has read the enclosing message. */
export const PENDING_RESOURCE: ReceivedResource = Object.freeze({
  attributes: Object.freeze({}) as OtlpAttributes,
  droppedAttributesCount: 0,
  schemaUrl: "",
});
/** See {@linkcode PENDING_RESOURCE}. */
export const PENDING_SCOPE: ReceivedScope = Object.freeze({
  name: "",
  version: "",
  attributes: Object.freeze({}) as OtlpAttributes,
  droppedAttributesCount: 0,
  schemaUrl: "",
});

/** The bytes of the base64 alphabet, for `bytes_value`. */
export function toBase64(bytes: Uint8Array): string {
  let binary = "";
  for (let i = 0; i < bytes.length; i++) binary += String.fromCharCode(bytes[i]);
  return btoa(binary);
}
