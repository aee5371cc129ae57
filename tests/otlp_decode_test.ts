// The viewer's OTLP decoders (src/otlp/_decode_protobuf.ts, _decode_json.ts):
// field for field against this library's encoders and the OpenTelemetry
// SDK's serializers, and what they do with bodies that are not OTLP.

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { JsonTraceSerializer, ProtobufTraceSerializer } from "@opentelemetry/otlp-transformer";
import { Span, Tracer } from "../mod.ts";
import { encodeOtlpJson, encodeOtlpProtobuf, Resource } from "../otlp.ts";
import { decodeOtlpJson } from "../src/otlp/_decode_json.ts";
import { jsonInteger } from "../src/otlp/_json_integer.ts";
import { decodeOtlpProtobuf, MAX_DEPTH } from "../src/otlp/_decode_protobuf.ts";
import { encodeReceivedAsOtlpJson } from "../src/otlp/_encode_received_json.ts";
import { OtlpDecodeError, type ReceivedSpan } from "../src/otlp/_received_span.ts";
import { richSpans, T0, toReadableSpans } from "./_otlp_fixtures.ts";
import { expectedReceived, type SchemaUrls } from "./_viewer_fixtures.ts";

const resource = new Resource({
  "service.name": "checkout",
  "service.version": "2.0.0",
  "process.pid": 1234,
});

/** The decoded spans as plain data, by span id. */
function bySpanId(spans: readonly ReceivedSpan[]): Map<string, unknown> {
  return new Map(spans.map((s) => [s.spanId, JSON.parse(JSON.stringify(s))]));
}

function assertSameSpans(
  decoded: readonly ReceivedSpan[],
  spans: readonly Span[],
  schemaUrls?: SchemaUrls,
): void {
  assert.equal(decoded.length, spans.length);
  const got = bySpanId(decoded);
  for (const span of spans) {
    assert.deepEqual(
      got.get(span.context.spanId),
      expectedReceived(span, resource.attributes, schemaUrls),
      span.name,
    );
  }
}

// Schema URLs the SDK's serializers are given, so the decoders must keep them.
const SCHEMA_URLS = {
  resource: "https://opentelemetry.io/schemas/1.26.0",
  scope: "https://opentelemetry.io/schemas/1.24.0",
};

// ---- a few protobuf bytes by hand, for what no encoder writes ----

function varint(value: number | bigint): number[] {
  let v = BigInt.asUintN(64, BigInt(value));
  const out: number[] = [];
  while (v > 0x7fn) {
    out.push(Number(v & 0x7fn) | 0x80);
    v >>= 7n;
  }
  out.push(Number(v));
  return out;
}
const bytes = (...parts: (number[] | Uint8Array)[]) => parts.flatMap((p) => [...p]);
const len = (
  field: number,
  body: number[],
) => [...varint(field * 8 + 2), ...varint(body.length), ...body];
const str = (field: number, text: string) => len(field, [...new TextEncoder().encode(text)]);
const uint = (field: number, value: number | bigint) => [...varint(field * 8), ...varint(value)];
const fixed64 = (field: number, value: bigint) => {
  const out = [...varint(field * 8 + 1)];
  for (let i = 0n; i < 8n; i++) out.push(Number((value >> (8n * i)) & 0xffn));
  return out;
};
const fixed32 = (field: number, value: number) => {
  const out = [...varint(field * 8 + 5)];
  for (let i = 0; i < 4; i++) out.push((value >>> (8 * i)) & 0xff);
  return out;
};
const hex = (id: string) => id.match(/../g)!.map((b) => parseInt(b, 16));
const TRACE = "5b8efff798038103d269b633813fc60c";
const SPAN = "eee19b7ec3c1b174";
const ZERO_TRACE = "0".repeat(32);
const ZERO_SPAN = "0".repeat(16);

/**
 * What both decoders keep of the links with all-zero ids that their tests
 * send: those with an attribute `messaging.x` of 1, or a trace state.
 */
const ZERO_ID_LINKS = [
  {
    traceId: ZERO_TRACE,
    spanId: ZERO_SPAN,
    traceFlags: 0,
    attributes: { "messaging.x": 1 },
    droppedAttributesCount: 0,
  },
  {
    traceId: ZERO_TRACE,
    spanId: SPAN,
    traceState: "vendor=1",
    traceFlags: 1,
    attributes: {},
    droppedAttributesCount: 0,
    isRemote: true,
  },
  {
    traceId: TRACE,
    spanId: ZERO_SPAN,
    traceFlags: 0,
    attributes: { "messaging.x": 1 },
    droppedAttributesCount: 0,
  },
];

/** A Span message with valid ids, start and end, plus `extra` fields. */
function spanMessage(...extra: number[][]): number[] {
  return bytes(
    len(1, hex(TRACE)),
    len(2, hex(SPAN)),
    str(5, "op"),
    fixed64(7, 1_700_000_000_000_000_000n),
    fixed64(8, 1_700_000_000_001_500_000n),
    ...extra,
  );
}

/** A request with one resource (`service`), one scope and these spans. */
function request(...spans: number[][]): Uint8Array {
  const resourceBody = len(1, bytes(str(1, "service.name"), len(2, str(1, "svc"))));
  const scopeSpans = bytes(len(1, str(1, "lib")), ...spans.map((s) => len(2, s)));
  return Uint8Array.from(len(1, bytes(len(1, resourceBody), len(2, scopeSpans))));
}

function decodeOne(...extra: number[][]): ReceivedSpan {
  const { spans } = decodeOtlpProtobuf(request(spanMessage(...extra)));
  assert.equal(spans.length, 1);
  return spans[0];
}

/** An AnyValue attribute "k" on a span. */
function attribute(value: number[]): unknown {
  return decodeOne(len(9, bytes(str(1, "k"), len(2, value)))).attributes.k;
}

describe("OTLP/protobuf decoding", () => {
  test("decodes this library's encoding to every field of toJSON(), with service, resource and scope", () => {
    const spans = richSpans();
    const decoded = decodeOtlpProtobuf(encodeOtlpProtobuf(spans, { resource }));
    assert.equal(decoded.rejected, 0);
    assertSameSpans(decoded.spans, spans);
    assert.equal(decoded.sizes.length, spans.length);
    assert.ok(decoded.sizes.every((n) => n > 0));
  });

  test("decodes the OpenTelemetry SDK's protobuf serializer to the same spans", () => {
    const spans = richSpans();
    const readable = toReadableSpans(spans, resource, new Set([spans[4]]), SCHEMA_URLS);
    const body = ProtobufTraceSerializer.serializeRequest(readable)!;
    const decoded = decodeOtlpProtobuf(body);
    assertSameSpans(decoded.spans, spans, SCHEMA_URLS);
  });

  test("spans share one resource and one scope object per group", () => {
    const decoded = decodeOtlpProtobuf(encodeOtlpProtobuf(richSpans(), { resource }));
    assert.equal(new Set(decoded.spans.map((s) => s.resource)).size, 1);
    assert.equal(new Set(decoded.spans.map((s) => s.scope)).size, 3);
  });

  test("the resource and the scope may come after the spans on the wire", () => {
    const resourceBody = len(1, bytes(str(1, "service.name"), len(2, str(1, "late"))));
    const scopeSpans = bytes(len(2, spanMessage()), len(1, bytes(str(1, "lib"), str(2, "9"))));
    const body = Uint8Array.from(len(1, bytes(len(2, scopeSpans), len(1, resourceBody))));
    const [span] = decodeOtlpProtobuf(body).spans;
    assert.equal(span.service, "late");
    assert.deepEqual([span.scope.name, span.scope.version], ["lib", "9"]);
  });

  test("times are exact: whole milliseconds and the nanoseconds below them", () => {
    const span = decodeOne();
    assert.equal(span.startTime, 1_700_000_000_000);
    assert.equal(span.endTime, 1_700_000_000_001.5);
    assert.equal(span.durationMs, 1.5);
  });

  test("a time this library's encoder wrote comes back as the very same float", () => {
    // Dividing the 64-bit nanoseconds as one double would give ...264.9146 here.
    const times = [1_700_787_669_264.9143];
    let seed = 11;
    for (let i = 0; i < 10_000; i++) {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      times.push(1_700_000_000_000 + (seed / 2 ** 31) * 1e9);
    }
    const spans = times.map((t) => new Span("t").start(t).end(t + 0.001));
    const decoded = decodeOtlpProtobuf(encodeOtlpProtobuf(spans, { resource })).spans;
    assert.deepEqual(decoded.map((s) => s.startTime), times);
  });

  test("int64 values: negatives, and beyond 2^53 as decimal strings", () => {
    assert.equal(attribute(uint(3, -1)), -1);
    assert.equal(attribute(uint(3, -(2 ** 40))), -(2 ** 40));
    assert.equal(attribute(uint(3, 2n ** 53n + 1n)), "9007199254740993");
    assert.equal(attribute(uint(3, 2n ** 63n - 1n)), "9223372036854775807");
    assert.equal(attribute(uint(3, -(2n ** 63n))), "-9223372036854775808");
  });

  test("kvlist values become objects, bytes base64, an empty value null", () => {
    const kv = (k: string, v: number[]) => len(1, bytes(str(1, k), len(2, v)));
    assert.deepEqual(attribute(len(6, bytes(kv("a", str(1, "x")), kv("b", uint(2, 1))))), {
      a: "x",
      b: true,
    });
    assert.equal(attribute(len(7, [1, 2, 3])), "AQID");
    assert.equal(attribute([]), null);
  });

  test("short strings come back as themselves, whatever they share with strings seen before", () => {
    let seed = 3;
    const random = (n: number) => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % n;
    const words: string[] = [];
    for (let i = 0; i < 20_000; i++) {
      const length = random(34);
      let word = "";
      for (let j = 0; j < length; j++) word += String.fromCharCode(32 + random(95));
      words.push(i % 7 === 0 ? word + "é" : word);
    }
    // Each word as a span name and as an attribute key and value, many times over.
    const spans = words.map((w) =>
      spanMessage(str(5, w), len(9, bytes(str(1, w), len(2, str(1, w)))))
    );
    const decoded = decodeOtlpProtobuf(request(...spans)).spans;
    assert.deepEqual(decoded.map((s) => s.name), words);
    assert.ok(decoded.every((s, i) => s.attributes[words[i]] === words[i]));
  });

  test("a leading U+FEFF is a character of the string, kept as the JSON decoder keeps it", () => {
    // TextDecoder drops a leading byte order mark unless told not to.
    const bom = "\uFEFF";
    const span = new Span(`${bom}checkout`).setAttribute(`${bom}k`, `${bom}v`).start(T0);
    span.setAttribute("ascii", `${bom}x`).end(T0 + 1);
    const fromProtobuf = decodeOtlpProtobuf(encodeOtlpProtobuf([span], { resource })).spans[0];
    const fromJson =
      decodeOtlpJson(new TextDecoder().decode(encodeOtlpJson([span], { resource }))).spans[0];
    assert.equal(fromProtobuf.name, `${bom}checkout`);
    assert.deepEqual(fromProtobuf.attributes, { [`${bom}k`]: `${bom}v`, ascii: `${bom}x` });
    assert.deepEqual(fromProtobuf.attributes, fromJson.attributes);
  });

  test("a __proto__ key is kept as an attribute, not as a prototype", () => {
    const span = decodeOne(len(9, bytes(str(1, "__proto__"), len(2, str(1, "x")))));
    assert.equal(Object.getPrototypeOf(span.attributes), Object.prototype);
    assert.deepEqual(Object.entries(span.attributes), [["__proto__", "x"]]);
  });

  test("a span without flags (OTLP before 1.1) reads as sampled", () => {
    assert.equal(decodeOne().traceFlags, 1);
  });

  test("an empty or all-zero parent span id is a root", () => {
    assert.equal(decodeOne(len(4, [])).parentSpanId, null);
    assert.equal(decodeOne(len(4, [0, 0, 0, 0, 0, 0, 0, 0])).parentSpanId, null);
  });

  test("spans with a missing or malformed id are rejected and counted; the others are kept", () => {
    const noTrace = bytes(len(2, hex(SPAN)), str(5, "a"));
    const shortSpan = bytes(len(1, hex(TRACE)), len(2, [1, 2, 3]), str(5, "b"));
    const zeroTrace = bytes(len(1, new Array(16).fill(0)), len(2, hex(SPAN)));
    const badParent = spanMessage(len(4, [1, 2]));
    const decoded = decodeOtlpProtobuf(
      request(noTrace, spanMessage(), shortSpan, zeroTrace, badParent),
    );
    assert.equal(decoded.spans.length, 1);
    assert.equal(decoded.rejected, 4);
    assert.match(decoded.reason!, /no valid trace id/);
  });

  test("a link with a malformed id is dropped and counted in droppedLinksCount", () => {
    const badLink = len(13, bytes(len(1, hex(TRACE)), len(2, [1])));
    const goodLink = len(13, bytes(len(1, hex(TRACE)), len(2, hex(SPAN)), str(3, "k=v")));
    const span = decodeOne(badLink, goodLink, uint(14, 2));
    assert.deepEqual(span.links, [{
      traceId: TRACE,
      spanId: SPAN,
      traceState: "k=v",
      traceFlags: 0,
      attributes: {},
      droppedAttributesCount: 0,
    }]);
    assert.equal(span.droppedLinksCount, 3);
  });

  test("a link with all-zero ids is kept when it has attributes or a trace state, else dropped and counted", () => {
    const zeroTrace = len(1, new Array(16).fill(0));
    const zeroSpan = len(2, new Array(8).fill(0));
    const attribute = len(4, bytes(str(1, "messaging.x"), len(2, uint(3, 1))));
    const span = decodeOne(
      len(13, bytes(zeroTrace, zeroSpan, attribute)),
      len(13, bytes(zeroTrace, len(2, hex(SPAN)), str(3, "vendor=1"), fixed32(6, 0x301))),
      len(13, bytes(len(1, hex(TRACE)), zeroSpan, attribute)),
      // Dropped: nothing but zero ids, an empty trace state, or a wrong length.
      len(13, bytes(zeroTrace, zeroSpan)),
      len(13, bytes(zeroTrace, zeroSpan, str(3, ""))),
      len(13, bytes(len(1, new Array(15).fill(0)), zeroSpan, attribute)),
      len(13, bytes(zeroTrace, len(2, []), attribute)),
      len(13, bytes(zeroTrace, attribute)),
      uint(14, 1),
    );
    assert.deepEqual(span.links, ZERO_ID_LINKS);
    assert.equal(span.droppedLinksCount, 6);
  });

  test("the is-remote bits of Span.flags and Link.flags are kept; without them, remote-ness is unknown", () => {
    const remoteness = (flags?: number) => {
      const link = len(
        13,
        bytes(
          len(1, hex(TRACE)),
          len(2, hex(SPAN)),
          ...(flags === undefined ? [] : [fixed32(6, flags)]),
        ),
      );
      const span = decodeOne(link, ...(flags === undefined ? [] : [fixed32(16, flags)]));
      const [{ traceFlags, isRemote }] = span.links;
      return [span.traceFlags, span.parentIsRemote, traceFlags, isRemote];
    };
    // SpanFlags: trace flags in bits 0-7, has-is-remote bit 8, is-remote bit 9.
    assert.deepEqual(remoteness(0x301), [1, true, 1, true]);
    assert.deepEqual(remoteness(0x101), [1, false, 1, false]);
    assert.deepEqual(remoteness(0x100), [0, false, 0, false]);
    assert.deepEqual(remoteness(0x201), [1, null, 1, undefined]);
    assert.deepEqual(remoteness(), [1, null, 0, undefined]);
    assert.ok(
      !("isRemote" in decodeOne(len(13, bytes(len(1, hex(TRACE)), len(2, hex(SPAN))))).links[0]),
    );
  });

  test("the schema URLs of ResourceSpans and ScopeSpans are kept on the resource and the scope", () => {
    const scopeSpans = bytes(
      len(1, str(1, "lib")),
      len(2, spanMessage()),
      str(3, "https://s/scope"),
    );
    const body = Uint8Array.from(len(1, bytes(str(3, "https://s/resource"), len(2, scopeSpans))));
    const [span] = decodeOtlpProtobuf(body).spans;
    assert.equal(span.resource.schemaUrl, "https://s/resource");
    assert.equal(span.scope.schemaUrl, "https://s/scope");
    assert.equal(span.scope.name, "lib");
    const [plain] = decodeOtlpProtobuf(request(spanMessage())).spans;
    assert.deepEqual([plain.resource.schemaUrl, plain.scope.schemaUrl], ["", ""]);
  });

  test("unknown fields of every wire type are skipped", () => {
    const span = decodeOne(
      uint(40, 7),
      fixed64(41, 1n),
      str(42, "x"),
      [...varint(43 * 8 + 5), 1, 2, 3, 4],
    );
    assert.equal(span.name, "op");
  });

  test("an unknown span kind or status code reads as internal and unset", () => {
    const span = decodeOne(uint(6, 9), len(15, uint(3, 7)));
    assert.equal(span.kind, "internal");
    assert.deepEqual(span.status, { code: "unset" });
  });

  for (
    const [what, body, message] of [
      ["a truncated message", request(spanMessage()).slice(0, -1), /longer than its message/],
      [
        "a known field with the wrong wire type",
        Uint8Array.from([0x08, 0x01]),
        /resource_spans has wire type varint, not length-delimited/,
      ],
      ["field number 0", Uint8Array.from([0x00, 0x01]), /field number 0/],
      ["a group (wire type 3)", Uint8Array.from([0x2b]), /field 5 has unsupported wire type 3/],
      [
        "a varint longer than 10 bytes",
        Uint8Array.from([0x28, ...new Array(11).fill(0xff)]),
        /varint longer than 10 bytes/,
      ],
      ["a truncated varint", Uint8Array.from([0x0a, 0x80]), /truncated varint/],
      [
        // Its low 32 bits read as resource_spans: a tag is a uint32.
        "a tag beyond 32 bits",
        Uint8Array.from([...varint(2 ** 32 + 0x0a), ...request(spanMessage()).slice(1)]),
        /tag beyond 32 bits/,
      ],
      [
        "a tag beyond 32 bits in a nested message",
        request(spanMessage([...varint(2 ** 35 + 5 * 8 + 2), 1, 0x78])),
        /tag beyond 32 bits/,
      ],
    ] as const
  ) {
    test(`${what} is an OtlpDecodeError that says what and where`, () => {
      assert.throws(
        () => decodeOtlpProtobuf(body),
        (error) => error instanceof OtlpDecodeError && message.test(error.message),
      );
    });
  }

  test(`attribute values nested deeper than ${MAX_DEPTH} levels are an OtlpDecodeError`, () => {
    let value = str(1, "leaf");
    for (let i = 0; i < MAX_DEPTH; i++) value = len(5, len(1, value));
    assert.throws(() => attribute(value), /nest deeper than 32 levels/);
    let shallow = str(1, "leaf");
    for (let i = 0; i < MAX_DEPTH - 2; i++) shallow = len(5, len(1, shallow));
    assert.ok(Array.isArray(attribute(shallow)));
  });

  test(
    "any mutation or truncation of a valid body decodes or throws OtlpDecodeError, nothing else",
    {
      timeout: 120_000,
    },
    () => {
      const valid = encodeOtlpProtobuf(richSpans(), { resource });
      let seed = 42;
      const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
      const tries: Uint8Array[] = [];
      for (let end = 0; end < valid.length; end += 7) tries.push(valid.slice(0, end));
      for (let i = 0; i < 3000; i++) {
        const mutated = valid.slice();
        for (let j = 0; j < 1 + random() * 4; j++) {
          mutated[Math.floor(random() * mutated.length)] = Math.floor(random() * 256);
        }
        tries.push(mutated);
      }
      let threw = 0;
      for (const body of tries) {
        try {
          decodeOtlpProtobuf(body);
        } catch (error) {
          assert.ok(error instanceof OtlpDecodeError, String(error));
          threw++;
        }
      }
      assert.ok(threw > 0 && threw < tries.length, `${threw} of ${tries.length} threw`);
    },
  );
});

describe("OTLP/JSON decoding", () => {
  test("decodes this library's JSON encoding to the same spans as its protobuf encoding", () => {
    const spans = richSpans();
    const decoded = decodeOtlpJson(new TextDecoder().decode(encodeOtlpJson(spans, { resource })));
    assert.equal(decoded.rejected, 0);
    assertSameSpans(decoded.spans, spans);
  });

  test("decodes the OpenTelemetry SDK's JSON serializer (integers as numbers) to the same spans", () => {
    const spans = richSpans();
    const readable = toReadableSpans(spans, resource, new Set([spans[4]]), SCHEMA_URLS);
    const body = new TextDecoder().decode(JsonTraceSerializer.serializeRequest(readable)!);
    assert.match(body, /"intValue":200/);
    assertSameSpans(decodeOtlpJson(body).spans, spans, SCHEMA_URLS);
  });

  test("kvlist and bytes values from the SDK's serializers read alike in protobuf and JSON", () => {
    const [span] = richSpans();
    const [readable] = toReadableSpans([span], resource, new Set());
    readable.attributes = { map: { a: 1, b: ["x"] }, raw: new Uint8Array([1, 2, 3]) };
    const fromProto = decodeOtlpProtobuf(ProtobufTraceSerializer.serializeRequest([readable])!);
    const fromJson = decodeOtlpJson(
      new TextDecoder().decode(JsonTraceSerializer.serializeRequest([readable])!),
    );
    const want = { map: { a: 1, b: ["x"] }, raw: "AQID" };
    assert.deepEqual(fromProto.spans[0].attributes, want);
    assert.deepEqual(fromJson.spans[0].attributes, want);
  });

  test("null array elements from this library's encoders and the SDK's serializers come back as null", () => {
    const span = new Span("nulls").setAttributes({
      k: ["a", null, "b"],
      ints: [null, 2],
      bools: [true, null],
      nulls: [null, null],
    }).addEvent("e", { v: [null, "x"] }, T0 + 1).start(T0).end(T0 + 2);
    const want = { k: ["a", null, "b"], ints: [null, 2], bools: [true, null], nulls: [null, null] };
    const [readable] = toReadableSpans([span], resource, new Set());
    const bodies = [
      decodeOtlpProtobuf(encodeOtlpProtobuf([span], { resource })),
      decodeOtlpProtobuf(ProtobufTraceSerializer.serializeRequest([readable])!),
      decodeOtlpJson(new TextDecoder().decode(encodeOtlpJson([span], { resource }))),
      decodeOtlpJson(new TextDecoder().decode(JsonTraceSerializer.serializeRequest([readable])!)),
    ];
    for (const [i, decoded] of bodies.entries()) {
      assert.deepEqual(decoded.spans[0].attributes, want, `body ${i}`);
      assert.deepEqual(decoded.spans[0].events[0].attributes, { v: [null, "x"] }, `body ${i}`);
    }
    // And back to OTLP/JSON (the viewer's file format): still {} in the array.
    const line = encodeReceivedAsOtlpJson(bodies[0].spans);
    assert.match(line, /"values":\[\{"stringValue":"a"\},\{\},\{"stringValue":"b"\}\]/);
    assert.deepEqual(decodeOtlpJson(line).spans[0].attributes, want);
  });

  test("accepts what the JSON mapping allows: number or string integers, enum names, upper-case hex, null", () => {
    const body = JSON.stringify({
      resourceSpans: [{
        resource: null,
        unknownField: { anything: true },
        scopeSpans: [{
          scope: { name: "lib" },
          spans: [{
            traceId: TRACE.toUpperCase(),
            spanId: SPAN.toUpperCase(),
            parentSpanId: "",
            name: "op",
            kind: "SPAN_KIND_SERVER",
            startTimeUnixNano: 1_700_000_000_000_000,
            endTimeUnixNano: "1700000000001500000",
            attributes: [
              { key: "i", value: { intValue: "-12" } },
              { key: "d", value: { doubleValue: "NaN" } },
              { key: "e", value: {} },
              { key: "big", value: { intValue: "9223372036854775807" } },
              { key: "least", value: { intValue: "-9223372036854775808" } },
              // "Exponent notation ... is accepted in both quoted and unquoted
              // forms", "Zero fractional portions are accepted" (ProtoJSON).
              { key: "exp", value: { intValue: "1e2" } },
              { key: "zeroFraction", value: { intValue: "-100.0" } },
              { key: "unquoted", value: { intValue: 1.5e3 } },
              { key: "bigNumber", value: { intValue: 2 ** 60 } },
              // "Either standard or URL-safe base64 ... with/without paddings".
              { key: "urlSafe", value: { bytesValue: "-_8" } },
              { key: "standard", value: { bytesValue: "+/8=" } },
            ],
            droppedAttributesCount: "1e1",
            status: { code: "STATUS_CODE_ERROR", message: "boom" },
            events: null,
          }],
        }],
      }],
    });
    const { spans, rejected } = decodeOtlpJson(body);
    assert.equal(rejected, 0);
    const [span] = spans;
    assert.equal(span.traceId, TRACE);
    assert.equal(span.spanId, SPAN);
    assert.equal(span.parentSpanId, null);
    assert.equal(span.kind, "server");
    assert.equal(span.startTime, 1_700_000_000);
    assert.equal(span.endTime, 1_700_000_000_001.5);
    assert.deepEqual(span.status, { code: "error", message: "boom" });
    assert.equal(span.service, "unknown_service");
    assert.deepEqual(span.attributes, {
      i: -12,
      d: NaN,
      e: null,
      big: "9223372036854775807",
      least: "-9223372036854775808",
      exp: 100,
      zeroFraction: -100,
      unquoted: 1500,
      bigNumber: "1152921504606846976",
      urlSafe: "+/8=",
      standard: "+/8=",
    });
    assert.equal(span.droppedAttributesCount, 10);
  });

  test("uint32 and fixed32 fields may be decimal strings, as the JSON mapping allows", () => {
    const counts = { droppedAttributesCount: "1" };
    const body = JSON.stringify({
      resourceSpans: [{
        resource: { ...counts, attributes: [] },
        scopeSpans: [{
          scope: { name: "lib", droppedAttributesCount: "2" },
          spans: [{
            traceId: TRACE,
            spanId: SPAN,
            name: "op",
            flags: "769",
            droppedAttributesCount: "3",
            droppedEventsCount: "4",
            droppedLinksCount: "5",
            events: [{ name: "e", ...counts }],
            links: [{ traceId: TRACE, spanId: SPAN, flags: "257", ...counts }],
          }],
        }],
      }],
    });
    const [span] = decodeOtlpJson(body).spans;
    assert.equal(span.resource.droppedAttributesCount, 1);
    assert.equal(span.scope.droppedAttributesCount, 2);
    assert.deepEqual(
      [span.traceFlags, span.parentIsRemote, span.droppedAttributesCount],
      [1, true, 3],
    );
    assert.deepEqual([span.droppedEventsCount, span.droppedLinksCount], [4, 5]);
    assert.equal(span.events[0].droppedAttributesCount, 1);
    const [link] = span.links;
    assert.deepEqual([link.traceFlags, link.isRemote, link.droppedAttributesCount], [1, false, 1]);
    assert.equal(decodeOtlpJson(body.replace('"769"', '"4294967295"')).spans[0].traceFlags, 255);
  });

  test("a link with all-zero ids is kept when it has attributes or a trace state, else dropped and counted", () => {
    const attributes = [{ key: "messaging.x", value: { intValue: "1" } }];
    const links = [
      { traceId: ZERO_TRACE, spanId: ZERO_SPAN, attributes },
      { traceId: ZERO_TRACE, spanId: SPAN.toUpperCase(), traceState: "vendor=1", flags: 769 },
      { traceId: TRACE, spanId: ZERO_SPAN, attributes },
      // Dropped: nothing but zero ids, an empty trace state, or a wrong length.
      { traceId: ZERO_TRACE, spanId: ZERO_SPAN },
      { traceId: ZERO_TRACE, spanId: ZERO_SPAN, traceState: "", attributes: [] },
      { traceId: "0".repeat(30), spanId: ZERO_SPAN, attributes },
      { traceId: ZERO_TRACE, spanId: "", attributes },
      { traceId: ZERO_TRACE, attributes },
    ];
    const body = JSON.stringify({
      resourceSpans: [{
        scopeSpans: [{ spans: [{ traceId: TRACE, spanId: SPAN, name: "x", links }] }],
      }],
    });
    const [span] = decodeOtlpJson(body).spans;
    assert.deepEqual(span.links, ZERO_ID_LINKS);
    assert.equal(span.droppedLinksCount, 5);
  });

  test("a span with an id that is not hex of the right length is rejected and named", () => {
    const span = (traceId: string) => ({ traceId, spanId: SPAN, name: "x" });
    const { spans, rejected, reason } = decodeOtlpJson(JSON.stringify({
      resourceSpans: [{
        scopeSpans: [{ spans: [span("abc"), span(TRACE), span("0".repeat(32))] }],
      }],
    }));
    assert.equal(spans.length, 1);
    assert.equal(rejected, 2);
    assert.equal(
      reason,
      "resourceSpans[0].scopeSpans[0].spans[0].traceId is not 32 hex digits, not all zero",
    );
  });

  test("an integer's exponent and zero fraction are read exactly, a fraction refused", () => {
    let seed = 7;
    const random = (n: number) => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % n;
    for (let i = 0; i < 2000; i++) {
      const digits = String(random(2 ** 30)) + String(random(10 ** 9)).padStart(9, "0");
      const n = BigInt(digits) * (random(2) === 0 ? 1n : -1n);
      const k = random(12);
      const zeros = "0".repeat(k);
      assert.equal(jsonInteger(`${n}e${k}`), n * 10n ** BigInt(k));
      assert.equal(jsonInteger(`${n}E+${k}`), n * 10n ** BigInt(k));
      assert.equal(jsonInteger(`${n}${zeros}e-${k}`), n);
      assert.equal(jsonInteger(`${n}.${zeros}0`), n);
      assert.equal(jsonInteger(`${n}.${zeros}1`), undefined);
      assert.equal(
        jsonInteger(`${n}e-${k + 1}`),
        n % 10n ** BigInt(k + 1) === 0n ? n / 10n ** BigInt(k + 1) : undefined,
      );
    }
    assert.equal(jsonInteger("0e-400"), 0n);
    assert.equal(jsonInteger("-0"), 0n);
    assert.notEqual(jsonInteger("1e999999999"), undefined, "huge, not a fraction");
    for (const text of ["", "-", "1.", ".5", "1e", "+1", "0x10", " 1", "1 ", "Infinity", "NaN"]) {
      assert.equal(jsonInteger(text), undefined, JSON.stringify(text));
    }
  });

  test("an AnyValue member that is null is absent, so the one member beside it is the value", () => {
    const values = [
      { stringValue: "a", intValue: null },
      { intValue: null, stringValue: "a" },
      { stringValue: null, intValue: "1" },
      { boolValue: null, doubleValue: 0, bytesValue: null },
      { arrayValue: null, kvlistValue: { values: [] } },
      { stringValue: null, intValue: null },
    ];
    const body = JSON.stringify({
      resourceSpans: [{
        resource: { attributes: values.map((value, i) => ({ key: `k${i}`, value })) },
        scopeSpans: [{ spans: [{ traceId: TRACE, spanId: SPAN, name: "op" }] }],
      }],
    });
    const [span] = decodeOtlpJson(body).spans;
    assert.deepEqual(span.resource.attributes, {
      k0: "a",
      k1: "a",
      k2: 1,
      k3: 0,
      k4: {},
      k5: null,
    });
  });

  for (
    const [what, body, message] of [
      ["text that is not JSON", "{", /^Cannot decode OTLP\/JSON: /],
      ["a body that is not an object", "[]", /the request must be an object, got an array/],
      [
        "resourceSpans that is not a list",
        '{"resourceSpans":{}}',
        /resourceSpans must be an array, got object/,
      ],
      [
        "a span name that is a number",
        '{"resourceSpans":[{"scopeSpans":[{"spans":[{"name":5}]}]}]}',
        /resourceSpans\[0\]\.scopeSpans\[0\]\.spans\[0\]\.name must be a string, got number/,
      ],
      [
        "a time that is not a decimal",
        '{"resourceSpans":[{"scopeSpans":[{"spans":[{"startTimeUnixNano":"soon"}]}]}]}',
        /startTimeUnixNano must be unsigned 64-bit nanoseconds/,
      ],
      // "if the number ... doesn't fit in the corresponding type, the parser
      // should fail to parse" (ProtoJSON).
      [
        "a time past 64 bits",
        '{"resourceSpans":[{"scopeSpans":[{"spans":[{"startTimeUnixNano":"18446744073709551616"}]}]}]}',
        /startTimeUnixNano must be unsigned 64-bit nanoseconds/,
      ],
      ...['"9223372036854775808"', '"-9223372036854775809"', "1e19", '"1e19"', '"1.5"'].map((
        value,
      ) =>
        [
          `an intValue that is no int64 (${value})`,
          `{"resourceSpans":[{"resource":{"attributes":[{"key":"a","value":{"intValue":${value}}}]}}]}`,
          /value\.intValue must be a 64-bit integer/,
        ] as const
      ),
      [
        "bytes that are not base64",
        '{"resourceSpans":[{"resource":{"attributes":[{"key":"a","value":{"bytesValue":"%%"}}]}}]}',
        /value\.bytesValue must be base64/,
      ],
      [
        "a kind that is not an enum",
        '{"resourceSpans":[{"scopeSpans":[{"spans":[{"kind":"fast"}]}]}]}',
        /kind must be an enum number, got string/,
      ],
      ...[
        ['"1.5"', "not integral"],
        ["1.5", "not integral"],
        ['"15e-1"', "not integral"],
        ['"-1"', "negative"],
        ["-1", "negative"],
        ['"4294967296"', "past 32 bits"],
        ["4294967296", "past 32 bits"],
        ['"0x10"', "not decimal"],
        ['""', "empty"],
        ["true", "a boolean"],
      ].flatMap(([value, why]) => [
        [
          `a dropped count that is ${why} (${value})`,
          `{"resourceSpans":[{"scopeSpans":[{"spans":[{"droppedEventsCount":${value}}]}]}]}`,
          /spans\[0\]\.droppedEventsCount must be an unsigned 32-bit integer/,
        ] as const,
        [
          `span flags that are ${why} (${value})`,
          `{"resourceSpans":[{"scopeSpans":[{"spans":[{"flags":${value}}]}]}]}`,
          /spans\[0\]\.flags must be an unsigned 32-bit integer/,
        ] as const,
      ]),
      [
        "span flags that are a very long string",
        `{"resourceSpans":[{"scopeSpans":[{"spans":[{"flags":"${"9".repeat(100_000)}"}]}]}]}`,
        // Cut short in the message, which an error log or a 400 body carries.
        /spans\[0\]\.flags must be an unsigned 32-bit integer .*, got string "9{8}…" \(100000 characters\)$/,
      ],
      [
        "an attribute value of the wrong type",
        '{"resourceSpans":[{"resource":{"attributes":[{"key":"a","value":{"boolValue":"yes"}}]}}]}',
        /resource\.attributes\[0\]\.value\.boolValue must be a boolean, got string/,
      ],
      // AnyValue's members are a oneof: the JSON mapping may refuse two of
      // them in one object, and this decoder does, as it refuses a member of
      // the wrong type there (the protobuf conformance suite's
      // OneofFieldDuplicate: a parse error, or the last member in the text).
      ...[
        ['{"stringValue":"a","intValue":"1"}', "stringValue and intValue"],
        ['{"intValue":"1","stringValue":"a"}', "stringValue and intValue"],
        ['{"boolValue":false,"doubleValue":0}', "boolValue and doubleValue"],
        ['{"stringValue":"","bytesValue":""}', "stringValue and bytesValue"],
        ['{"arrayValue":{},"kvlistValue":{}}', "arrayValue and kvlistValue"],
        [
          '{"stringValue":"a","intValue":1,"boolValue":true}',
          "stringValue, boolValue and intValue",
        ],
      ].map(([value, members]) =>
        [
          `an AnyValue with more than one member (${value})`,
          `{"resourceSpans":[{"resource":{"attributes":[{"key":"a","value":${value}}]}}]}`,
          new RegExp(
            `resource\\.attributes\\[0\\]\\.value sets more than one member of a oneof: ${members}$`,
          ),
        ] as const
      ),
      [
        "an AnyValue with more than one member inside a list",
        '{"resourceSpans":[{"resource":{"attributes":[{"key":"a","value":{"arrayValue":{"values":[{"stringValue":"a","boolValue":true}]}}}]}}]}',
        /value\.arrayValue\.values\[0\] sets more than one member of a oneof: stringValue and boolValue$/,
      ],
    ] as const
  ) {
    test(`${what} is an OtlpDecodeError naming the path`, () => {
      assert.throws(
        () => decodeOtlpJson(body),
        (error) => error instanceof OtlpDecodeError && message.test(error.message),
      );
    });
  }
});

describe("schema URLs through this library's encoders and decoders", () => {
  test("a span from a tracer with a schema URL keeps both schema URLs, in protobuf and JSON", () => {
    const withSchema = new Resource(resource.attributes, { schemaUrl: SCHEMA_URLS.resource });
    const tracer = new Tracer({ name: "shop", version: "1.0.0", schemaUrl: SCHEMA_URLS.scope });
    const spans = [
      tracer.startSpan("with", { startTime: T0 }).end(T0 + 1),
      new Tracer({ name: "shop", version: "1.0.0" }).startSpan("without").end(),
    ];
    const options = { resource: withSchema };
    for (
      const decoded of [
        decodeOtlpProtobuf(encodeOtlpProtobuf(spans, options)),
        decodeOtlpJson(new TextDecoder().decode(encodeOtlpJson(spans, options))),
      ]
    ) {
      const [withUrl, without] = decoded.spans;
      assert.equal(withUrl.name, "with");
      assert.equal(withUrl.resource.schemaUrl, SCHEMA_URLS.resource);
      assert.equal(withUrl.scope.schemaUrl, SCHEMA_URLS.scope);
      assert.deepEqual([withUrl.scope.name, withUrl.scope.version], ["shop", "1.0.0"]);
      assert.equal(without.resource.schemaUrl, SCHEMA_URLS.resource);
      assert.equal(without.scope.schemaUrl, "");
    }
  });
});

describe("received spans back to OTLP/JSON (the viewer's file format)", () => {
  test("encodes one line that decodes to the same spans, schema URLs and remote bits included", () => {
    const spans = richSpans();
    const readable = toReadableSpans(spans, resource, new Set([spans[4]]), SCHEMA_URLS);
    for (
      const decoded of [
        decodeOtlpProtobuf(encodeOtlpProtobuf(spans, { resource })).spans,
        decodeOtlpProtobuf(ProtobufTraceSerializer.serializeRequest(readable)!).spans,
      ]
    ) {
      const line = encodeReceivedAsOtlpJson(decoded);
      assert.ok(!line.includes("\n"));
      const again = decodeOtlpJson(line);
      assert.deepEqual(bySpanId(again.spans), bySpanId(decoded));
    }
    // Spans of OTLP before 1.1 say nothing of remote-ness, and the file keeps that.
    const [old] = decodeOtlpJson(encodeReceivedAsOtlpJson([decodeOne()])).spans;
    assert.equal(old.parentIsRemote, null);
  });

  test("keeps an int64 past 2^53, bytes and an integral double as what they were sent as", () => {
    const BIG = 2n ** 53n + 1n;
    const LEAST = -(2n ** 63n);
    const float64 = (field: number, value: number) => {
      const out = new Uint8Array(8);
      new DataView(out.buffer).setFloat64(0, value, true);
      return [...varint(field * 8 + 1), ...out];
    };
    const keyValue = (key: string, value: number[]) => bytes(str(1, key), len(2, value));
    const list = (...items: number[][]) => len(5, bytes(...items.map((item) => len(1, item))));
    // AnyValue { int_value = 3, double_value = 4, kvlist_value = 6, bytes_value = 7 }.
    const protobuf = request(spanMessage(
      ...[
        keyValue("big", uint(3, BIG)),
        keyValue("least", uint(3, LEAST)),
        keyValue("raw", len(7, [1, 2, 3])),
        keyValue("empty", len(7, [])),
        keyValue("three", float64(4, 3)),
        keyValue("minus zero", float64(4, -0)),
        keyValue("list", list(uint(3, BIG), len(7, [255]), float64(4, 2), uint(3, 2))),
        keyValue("map", len(6, len(1, keyValue("half", float64(4, 1))))),
        // The last value of a key wins, and with it its type.
        keyValue("again", len(7, [1])),
        keyValue("again", str(1, "AQ==")),
      ].map((kv) => len(9, kv)),
    ));
    const json = JSON.stringify({
      resourceSpans: [{
        scopeSpans: [{
          spans: [{
            traceId: TRACE,
            spanId: SPAN,
            name: "op",
            attributes: [
              { key: "big", value: { intValue: String(BIG) } },
              { key: "least", value: { intValue: String(LEAST) } },
              { key: "raw", value: { bytesValue: "AQID" } },
              { key: "empty", value: { bytesValue: "" } },
              { key: "three", value: { doubleValue: 3 } },
              { key: "minus zero", value: { doubleValue: "-0" } },
              {
                key: "list",
                value: {
                  arrayValue: {
                    values: [
                      { intValue: String(BIG) },
                      { bytesValue: "_w" },
                      { doubleValue: "2" },
                      { intValue: 2 },
                    ],
                  },
                },
              },
              {
                key: "map",
                value: { kvlistValue: { values: [{ key: "half", value: { doubleValue: 1.0 } }] } },
              },
              { key: "again", value: { bytesValue: "AQ==" } },
              { key: "again", value: { stringValue: "AQ==" } },
            ],
          }],
        }],
      }],
    });
    // What the file holds of each, as OTLP/JSON AnyValues.
    const want = [
      { key: "big", value: { intValue: String(BIG) } },
      { key: "least", value: { intValue: String(LEAST) } },
      { key: "raw", value: { bytesValue: "AQID" } },
      { key: "empty", value: { bytesValue: "" } },
      { key: "three", value: { doubleValue: 3 } },
      { key: "minus zero", value: { doubleValue: "-0" } },
      {
        key: "list",
        value: {
          arrayValue: {
            values: [
              { intValue: String(BIG) },
              { bytesValue: "/w==" },
              { doubleValue: 2 },
              { intValue: "2" },
            ],
          },
        },
      },
      {
        key: "map",
        value: { kvlistValue: { values: [{ key: "half", value: { doubleValue: 1 } }] } },
      },
      { key: "again", value: { stringValue: "AQ==" } },
    ];
    // What the viewer's API shows of them, as it did before they were typed.
    const shown = {
      big: String(BIG),
      least: String(LEAST),
      raw: "AQID",
      empty: "",
      three: 3,
      "minus zero": 0,
      list: [String(BIG), "/w==", 2, 2],
      map: { half: 1 },
      again: "AQ==",
    };
    for (
      const [how, decoded] of [["protobuf", decodeOtlpProtobuf(protobuf)], [
        "json",
        decodeOtlpJson(json),
      ]] as const
    ) {
      const line = encodeReceivedAsOtlpJson(decoded.spans);
      const attributes = JSON.parse(line).resourceSpans[0].scopeSpans[0].spans[0].attributes;
      assert.deepEqual(attributes, want, how);
      const [back] = decodeOtlpJson(line).spans;
      assert.equal(Object.is(back.attributes["minus zero"], -0), true, how);
      assert.deepEqual(JSON.parse(JSON.stringify(back.attributes)), shown, how);
      assert.deepEqual(back.attributes, decoded.spans[0].attributes, how);
      // And again: the file is rewritten from what was loaded.
      assert.equal(encodeReceivedAsOtlpJson([back]), line, how);
    }
  });

  test("times keep every nanosecond through the round trip", () => {
    const [span] = decodeOtlpJson(encodeReceivedAsOtlpJson([decodeOne()])).spans;
    assert.equal(span.startTime, 1_700_000_000_000);
    assert.equal(span.endTime, 1_700_000_000_001.5);
    const [fine] = richSpans();
    const [decoded] = decodeOtlpProtobuf(encodeOtlpProtobuf([fine], { resource })).spans;
    const [back] = decodeOtlpJson(encodeReceivedAsOtlpJson([decoded])).spans;
    assert.equal(back.endTime, T0 + 7.123456);
  });
});
