// Shared by the OTLP tests: the official generated OTLP schema (protobufjs
// static code from @opentelemetry/otlp-transformer@0.216.0, a devDependency),
// spans that use every field, the same spans as OpenTelemetry ReadableSpans,
// and exact reference conversions. Not a test file itself.

import { createRequire } from "node:module";
import { Span, SpanContext, Tracer } from "../mod.ts";
import type { Resource } from "../otlp.ts";

const require = createRequire(import.meta.url);

// deno-lint-ignore no-explicit-any
type Any = any;

const root: Any = require("otlp-transformer-0216/build/esm/generated/root.js");

/** opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest (generated). */
export const ExportTraceServiceRequest: Any =
  root.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
/** opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse (generated). */
export const ExportTraceServiceResponse: Any =
  root.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;

/** How the tests turn a decoded message into comparable plain data. */
export const TO_OBJECT: Any = {
  longs: String,
  enums: Number,
  bytes: String,
  defaults: true,
  arrays: true,
  objects: true,
  oneofs: true,
};

/** Decodes OTLP protobuf bytes with the official schema into plain data. */
export function decodeProtobuf(bytes: Uint8Array): Any {
  return ExportTraceServiceRequest.toObject(ExportTraceServiceRequest.decode(bytes), TO_OBJECT);
}

function hexToBase64(hex: string): string {
  let binary = "";
  for (let i = 0; i < hex.length; i += 2) {
    binary += String.fromCharCode(parseInt(hex.slice(i, i + 2), 16));
  }
  return btoa(binary);
}

/**
 * Maps OTLP/JSON (hex ids) through the official schema: protobufjs's own
 * JSON form wants ids as base64, so they are converted first. Returns the
 * `verify` verdict and the plain data.
 */
export function decodeOtlpJson(json: string): { error: string | null; value: Any } {
  const parsed = JSON.parse(json);
  for (const rs of parsed.resourceSpans ?? []) {
    for (const ss of rs.scopeSpans ?? []) {
      for (const span of ss.spans ?? []) {
        span.traceId = hexToBase64(span.traceId);
        span.spanId = hexToBase64(span.spanId);
        if (span.parentSpanId) span.parentSpanId = hexToBase64(span.parentSpanId);
        for (const link of span.links ?? []) {
          link.traceId = hexToBase64(link.traceId);
          link.spanId = hexToBase64(link.spanId);
        }
      }
    }
  }
  // protobufjs's verify() accepts no decimal strings for int64 in plain
  // objects, though the JSON mapping asks for them: verify the message that
  // fromObject() built instead. Misnamed fields would be lost on the way,
  // which the tests catch by comparing against the protobuf decoding.
  const message = ExportTraceServiceRequest.fromObject(parsed);
  const error = ExportTraceServiceRequest.verify(message);
  return { error, value: ExportTraceServiceRequest.toObject(message, TO_OBJECT) };
}

/** Base64 of hex, for comparing decoded ids. */
export { hexToBase64 };

/**
 * The exact unix nanoseconds of a float of epoch milliseconds, computed
 * independently of the library: the double is scaled by powers of two
 * (exact) to an integer, then multiplied and rounded in BigInt.
 */
export function exactNanos(ms: number): bigint {
  let scaled = ms;
  let shift = 0n;
  while (!Number.isInteger(scaled)) {
    scaled *= 2;
    shift++;
  }
  const numerator = BigInt(scaled) * 1_000_000n;
  const denominator = 1n << shift;
  return (numerator * 2n + denominator) / (denominator * 2n);
}

/** Times with sub-millisecond fractions, as performance.now()-based clocks give. */
export const T0 = 1764099203123.4567;

/**
 * Spans that between them use every field OTLP carries: two scopes and a
 * scope-less span, all five kinds, attributes of every type (arrays, arrays
 * with null elements, negative and large integers, non-ASCII and long
 * strings), events, links with attributes and trace state, a remote parent,
 * statuses, and dropped counts.
 */
export function richSpans(): Span[] {
  const tracer = new Tracer({
    name: "shop",
    version: "1.2.3",
    limits: { attributeCountLimit: 13, eventCountLimit: 2, linkCountLimit: 2 },
  });
  const other = new Tracer({ name: "db" });
  const remote = new SpanContext({
    traceId: "0af7651916cd43dd8448eb211c80319c",
    spanId: "b7ad6b7169203331",
    traceFlags: 1,
    traceState: "vendor=abc,other=1",
    isRemote: true,
  });
  const server = tracer.startSpan("GET /checkout", {
    kind: "server",
    parent: remote,
    startTime: T0,
    attributes: {
      "http.route": "/checkout",
      "http.status_code": 200,
      "negative": -42,
      "big": 2 ** 40 + 7,
      "ratio": 0.25,
      "flag": true,
      "names": ["a", "é", "🙂"],
      "counts": [1, -2, 3],
      "floats": [1.5, 2.25],
      "bools": [true, false],
      "empty": [],
      "unicode": "grüße, 世界",
    },
  });
  server.setAttribute("long", "x".repeat(300));
  server.setAttribute("over.the.limit", 1);
  server.addEvent("cache.miss", {
    key: "user:1",
    attempt: 2,
    // Null elements, as a map kept in two arrays in sync holds them.
    header_keys: ["accept", null, "host"],
    header_values: ["text/html", null, "shop.test"],
  }, T0 + 1.000001);
  server.addEvent("retry", undefined, T0 + 2.5);
  server.addEvent("dropped.by.limit");
  server.addLink(remote, {
    "link.kind": "follows",
    "ids": [null, 7, -1],
    "flags": [true, null],
    "nulls": [null, null],
  });
  server.addLink(SpanContext.newRoot());
  server.addLink(SpanContext.newRoot());
  server.setStatus("error", "payment declined");
  const client = tracer.startSpan("charge", { kind: "client", parent: server, startTime: T0 + 3 });
  client.setStatus("ok");
  client.end(T0 + 7.123456);
  const producer = other.startSpan("enqueue", {
    kind: "producer",
    parent: server,
    startTime: T0 + 8,
  }).end(T0 + 9);
  const consumer = other.startSpan("dequeue", {
    kind: "consumer",
    parent: null,
    startTime: T0 + 10,
    links: [{ context: producer.context, attributes: { n: 1 } }],
  }).end(T0 + 11);
  const internal = tracer.startSpan("render", { parent: server, startTime: T0 + 12 }).end(
    T0 + 13,
  );
  server.end(T0 + 20.000999);
  const bare = new Span("bare").start(T0).end(T0 + 1);
  return [client, producer, consumer, internal, server, bare];
}

function hrTime(ms: number): [number, number] {
  const n = exactNanos(ms);
  return [Number(n / 1_000_000_000n), Number(n % 1_000_000_000n)];
}

const OTEL_KIND = { internal: 0, server: 1, client: 2, producer: 3, consumer: 4 } as const;
const OTEL_STATUS = { unset: 0, ok: 1, error: 2 } as const;

function otelContext(ctx: SpanContext): Any {
  return {
    traceId: ctx.traceId,
    spanId: ctx.spanId,
    traceFlags: ctx.traceFlags,
    isRemote: ctx.isRemote,
    traceState: ctx.traceState === undefined ? undefined : { serialize: () => ctx.traceState },
  };
}

/**
 * The same spans as OpenTelemetry SDK `ReadableSpan`s, built by hand field
 * by field, for the official serializers. `remoteParents` lists the spans
 * whose parent context was remote; `schemaUrls` go on the resource and on
 * every scope, where the resource or the span's scope has none of its own.
 */
export function toReadableSpans(
  spans: readonly Span[],
  resource: Resource,
  remoteParents: ReadonlySet<Span>,
  schemaUrls: { resource?: string; scope?: string } = {},
): Any[] {
  const otelResource = {
    attributes: resource.attributes,
    schemaUrl: schemaUrls.resource ?? resource.schemaUrl,
  };
  const scopes = new Map<unknown, Any>();
  return spans.map((span) => {
    const ctx = span.context;
    const scopeKey = span.instrumentationScope;
    let scope = scopes.get(scopeKey);
    if (scope === undefined) {
      scope = {
        name: scopeKey?.name ?? "",
        version: scopeKey?.version,
        schemaUrl: scopeKey?.schemaUrl ?? schemaUrls.scope,
      };
      scopes.set(scopeKey, scope);
    }
    return {
      name: span.name,
      kind: OTEL_KIND[span.kind],
      spanContext: () => otelContext(ctx),
      parentSpanContext: ctx.parentSpanId === undefined ? undefined : {
        traceId: ctx.traceId,
        spanId: ctx.parentSpanId,
        traceFlags: ctx.traceFlags,
        isRemote: remoteParents.has(span),
      },
      startTime: hrTime(span.startTime!),
      endTime: hrTime(span.endTime!),
      status: { code: OTEL_STATUS[span.status.code], message: span.status.message },
      attributes: span.attributes,
      links: span.links.map((link) => ({
        context: otelContext(link.context),
        attributes: link.attributes,
        droppedAttributesCount: link.droppedAttributesCount,
      })),
      events: span.events.map((event) => ({
        name: event.name,
        time: hrTime(event.time),
        attributes: event.attributes,
        droppedAttributesCount: event.droppedAttributesCount,
      })),
      duration: [0, 0],
      ended: true,
      resource: otelResource,
      instrumentationScope: scope,
      droppedAttributesCount: span.droppedAttributesCount,
      droppedEventsCount: span.droppedEventsCount,
      droppedLinksCount: span.droppedLinksCount,
    };
  });
}
