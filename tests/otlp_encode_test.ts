import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { JsonTraceSerializer, ProtobufTraceSerializer } from "@opentelemetry/otlp-transformer";
import { Span, SpanContext, Tracer } from "../mod.ts";
import { encodeOtlpJson, encodeOtlpProtobuf, Resource } from "../otlp.ts";
import {
  decodeOtlpJson,
  decodeProtobuf,
  exactNanos,
  hexToBase64,
  richSpans,
  T0,
  toReadableSpans,
} from "./_otlp_fixtures.ts";

/** The OTLP/JSON encoding as text. */
function jsonText(spans: Span[], options: { resource: Resource }): string {
  return new TextDecoder().decode(encodeOtlpJson(spans, options));
}

const resource = new Resource({
  "service.name": "checkout",
  "service.version": "2.0.0",
  "telemetry.sdk.language": "nodejs",
  "process.pid": 1234,
});

/** A parent extracted from another process. */
const remote = new SpanContext({
  traceId: "0af7651916cd43dd8448eb211c80319c",
  spanId: "b7ad6b7169203331",
  isRemote: true,
});

/** The items of a decoded ArrayValue: each one's value, or null when none is set. */
// deno-lint-ignore no-explicit-any
function arrayItems(value: any): unknown[] {
  // deno-lint-ignore no-explicit-any
  return value.arrayValue.values.map((item: any) =>
    item.value === undefined ? null : item[item.value]
  );
}

/** A span with arrays holding null elements, and its SDK serializations. */
function nullArraySpans(): { spans: Span[]; protobuf: Uint8Array; json: string } {
  const tracer = new Tracer({ name: "nulls" });
  const spans = [0, 1, 2].map((i) =>
    tracer.startSpan(`s${i}`, {
      startTime: T0,
      attributes: { k: ["a", null, "b"], n: 1 },
    })
      .setAttributes({
        ints: [null, 2, 3],
        doubles: [1.5, null],
        bools: [null, false],
        nulls: [null],
        undefineds: [1, undefined] as unknown as (number | null)[],
      })
      .addEvent("e", { k: [null, "x"] }, T0 + 1)
      .end(T0 + 2)
  );
  const readable = toReadableSpans(spans, resource, new Set());
  return {
    spans,
    protobuf: ProtobufTraceSerializer.serializeRequest(readable)!,
    json: new TextDecoder().decode(JsonTraceSerializer.serializeRequest(readable)!),
  };
}

function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

// KeyValue { key: "k", value: { array_value: { values: ["a", {}, "b"] } } }:
// the empty AnyValue is tag 0x0a, length 0.
const NULL_ARRAY_KEY_VALUE = "0a016b120e2a0c0a030a01610a000a030a0162";

function serverSpan(spans: Span[]): Span {
  return spans.find((s) => s.name === "GET /checkout")!;
}

describe("OTLP protobuf encoding", () => {
  test("decodes with the official generated schema, every field in place", () => {
    const spans = richSpans();
    const decoded = decodeProtobuf(encodeOtlpProtobuf(spans, { resource }));
    assert.equal(decoded.resourceSpans.length, 1);
    const rs = decoded.resourceSpans[0];
    assert.deepEqual(
      rs.resource.attributes.map((kv: { key: string }) => kv.key),
      ["service.name", "service.version", "telemetry.sdk.language", "process.pid"],
    );
    assert.deepEqual(rs.scopeSpans.map((s: { scope: { name: string } }) => s.scope), [
      { name: "shop", version: "1.2.3", attributes: [], droppedAttributesCount: 0 },
      { name: "db", version: "", attributes: [], droppedAttributesCount: 0 },
      { name: "", version: "", attributes: [], droppedAttributesCount: 0 },
    ]);
    const shop = rs.scopeSpans[0].spans;
    assert.deepEqual(shop.map((s: { name: string }) => s.name), [
      "charge",
      "render",
      "GET /checkout",
    ]);
    const server = shop[2];
    const source = serverSpan(spans);
    assert.equal(server.traceId, hexToBase64(source.context.traceId));
    assert.equal(server.spanId, hexToBase64(source.context.spanId));
    assert.equal(server.parentSpanId, hexToBase64("b7ad6b7169203331"));
    assert.equal(server.traceState, "vendor=abc,other=1");
    assert.equal(server.kind, 2);
    assert.equal(server.startTimeUnixNano, exactNanos(T0).toString());
    assert.equal(server.endTimeUnixNano, exactNanos(T0 + 20.000999).toString());
    // Sampled, parent remote-ness known (0x100) and remote (0x200).
    assert.equal(server.flags, 0x301);
    // 14 attributes set against a limit of 13; 3 events and 3 links against 2.
    assert.equal(server.droppedAttributesCount, 1);
    assert.equal(server.droppedEventsCount, 1);
    assert.equal(server.droppedLinksCount, 1);
    assert.deepEqual(server.status, { code: 2, message: "payment declined" });
    const attrs = Object.fromEntries(
      server.attributes.map((kv: { key: string; value: unknown }) => [kv.key, kv.value]),
    );
    assert.equal(attrs["http.route"].stringValue, "/checkout");
    assert.equal(attrs["http.status_code"].intValue, "200");
    assert.equal(attrs.negative.intValue, "-42");
    assert.equal(attrs.big.intValue, String(2 ** 40 + 7));
    assert.equal(attrs.ratio.doubleValue, 0.25);
    assert.equal(attrs.flag.boolValue, true);
    assert.equal(attrs.unicode.stringValue, "grüße, 世界");
    assert.equal(attrs.long.stringValue, "x".repeat(300));
    assert.deepEqual(
      attrs.names.arrayValue.values.map((v: { stringValue: string }) => v.stringValue),
      ["a", "é", "🙂"],
    );
    assert.deepEqual(
      attrs.counts.arrayValue.values.map((v: { intValue: string }) => v.intValue),
      ["1", "-2", "3"],
    );
    assert.deepEqual(
      attrs.floats.arrayValue.values.map((v: { doubleValue: number }) => v.doubleValue),
      [1.5, 2.25],
    );
    assert.deepEqual(
      attrs.bools.arrayValue.values.map((v: { boolValue: boolean }) => v.boolValue),
      [true, false],
    );
    assert.deepEqual(attrs.empty.arrayValue.values, []);
    assert.equal(server.events.length, 2);
    assert.equal(server.events[0].name, "cache.miss");
    assert.equal(server.events[0].timeUnixNano, exactNanos(T0 + 1.000001).toString());
    assert.equal(server.events[0].attributes[1].value.intValue, "2");
    // A null element is an AnyValue with no value set.
    const eventAttrs = Object.fromEntries(
      server.events[0].attributes.map((kv: { key: string; value: unknown }) => [kv.key, kv.value]),
    );
    assert.deepEqual(eventAttrs.header_keys.arrayValue.values, [
      { stringValue: "accept", value: "stringValue" },
      {},
      { stringValue: "host", value: "stringValue" },
    ]);
    assert.deepEqual(arrayItems(eventAttrs.header_values), ["text/html", null, "shop.test"]);
    assert.equal(server.links.length, 2);
    assert.equal(server.links[0].traceId, hexToBase64("0af7651916cd43dd8448eb211c80319c"));
    assert.equal(server.links[0].spanId, hexToBase64("b7ad6b7169203331"));
    assert.equal(server.links[0].traceState, "vendor=abc,other=1");
    assert.equal(server.links[0].flags, 0x301);
    assert.equal(server.links[0].attributes[0].value.stringValue, "follows");
    assert.deepEqual(
      server.links[0].attributes.slice(1).map((kv: { key: string; value: unknown }) => [
        kv.key,
        arrayItems(kv.value),
      ]),
      [["ids", [null, "7", "-1"]], ["flags", [true, null]], ["nulls", [null, null]]],
    );
    assert.equal(server.links[1].flags, 0x103);
    const client = shop[0];
    assert.equal(client.kind, 3);
    // Inherits the remote parent's flags (sampled, no random bit); its parent is local.
    assert.equal(client.flags, 0x101);
    assert.equal(client.parentSpanId, server.spanId);
    assert.deepEqual(client.status, { code: 1, message: "" });
    const db = rs.scopeSpans[1].spans;
    assert.deepEqual(db.map((s: { kind: number }) => s.kind), [4, 5]);
    assert.equal(db[1].parentSpanId, "");
    assert.equal(db[1].links[0].attributes[0].value.intValue, "1");
  });

  test("matches the OpenTelemetry SDK's ProtobufTraceSerializer field by field", () => {
    const spans = richSpans();
    const server = serverSpan(spans);
    const ours = decodeProtobuf(encodeOtlpProtobuf(spans, { resource }));
    const theirs = decodeProtobuf(
      ProtobufTraceSerializer.serializeRequest(
        toReadableSpans(spans, resource, new Set([server])),
      )!,
    );
    assert.deepEqual(ours, theirs);
  });

  test("matches the SDK's serializers for unusual values, in protobuf and JSON", () => {
    const tracer = new Tracer({ name: "odd", version: "" });
    const many: Record<string, number> = {};
    for (let i = 0; i < 128; i++) many[`k${i}`] = i % 2 === 0 ? i : i + 0.5;
    const full = tracer.startSpan("full", { startTime: T0, attributes: many });
    for (let i = 0; i < 128; i++) {
      full.addEvent(`e${i}`, many, T0 + i).addLink(SpanContext.newRoot(), { i });
    }
    const kinds = ["internal", "server", "client", "producer", "consumer"] as const;
    const spans = [
      full.end(T0 + 200),
      tracer.startSpan("", {
        startTime: T0,
        attributes: { e: "", a: [], z: -0, tiny: 5e-324, neg: -1e-300, l: "é".repeat(70_000) },
      }).setStatus("ok").end(T0),
      ...kinds.map((kind, i) =>
        tracer.startSpan(kind, { kind, parent: i % 2 === 0 ? remote : null, startTime: T0 })
          .setStatus(i < 2 ? "error" : "unset", i === 0 ? "why" : undefined).end(T0 + i)
      ),
      // Past 2262, where int64 nanoseconds end and OTLP's fixed64 goes on.
      new Span("late").start(9_460_800_000_000.5).end(9_460_800_000_001),
      new Span("epoch").start(0).end(0),
    ];
    const readable = toReadableSpans(spans, resource, new Set([spans[2], spans[4], spans[6]]));
    const ours = decodeProtobuf(encodeOtlpProtobuf(spans, { resource }));
    assert.deepEqual(ours, decodeProtobuf(ProtobufTraceSerializer.serializeRequest(readable)!));
    const json = decodeOtlpJson(jsonText(spans, { resource }));
    assert.equal(json.error, null);
    const theirs = decodeOtlpJson(
      new TextDecoder().decode(JsonTraceSerializer.serializeRequest(readable)!),
    );
    // The schema's fromObject reads a decimal fixed64 past 2^63 as signed:
    // the late span's times are compared as text instead.
    const late = (value: { resourceSpans: { scopeSpans: { spans: unknown[] }[] }[] }) =>
      value.resourceSpans[0].scopeSpans[1].spans.splice(0, 1);
    late(json.value);
    late(theirs.value);
    assert.deepEqual(json.value, theirs.value);
    const text = JSON.parse(jsonText(spans, { resource })).resourceSpans[0].scopeSpans[1].spans[0];
    assert.equal(text.startTimeUnixNano, "9460800000000500000");
    assert.equal(text.endTimeUnixNano, "9460800000001000000");
    late(ours);
    assert.deepEqual(json.value, ours);
  });

  test("encodes an empty batch as an empty request", () => {
    assert.deepEqual(decodeProtobuf(encodeOtlpProtobuf([], { resource })).resourceSpans, []);
  });

  test("refuses an object that only looks like a span with a 'Cannot encode' TypeError, in both encodings", () => {
    // The encoders read a span's ids from its private fields: an object
    // with a span's public shape (a span-like record, or a Span of another
    // copy of the library) has none, and must be refused as the caller's
    // mistake ("Cannot X: detail"), not fail deep inside with an engine
    // error about a private member.
    const real = new Span("real").start(T0).end(T0 + 1);
    const lookalike = {
      name: "lookalike",
      kind: "internal",
      context: real.context,
      attributes: {},
      events: [],
      links: [],
      status: { code: "unset" },
      startTime: T0,
      endTime: T0 + 1,
      droppedAttributesCount: 0,
      droppedEventsCount: 0,
      droppedLinksCount: 0,
    } as unknown as Span;
    for (
      const [encode, action] of [
        [encodeOtlpProtobuf, "encode OTLP/protobuf"],
        [encodeOtlpJson, "encode OTLP/JSON"],
      ] as const
    ) {
      assert.throws(
        () => encode([real, lookalike], { resource }),
        (error) =>
          error instanceof TypeError &&
          error.message.startsWith(`Cannot ${action}: spans[1] is not a Span`),
        action,
      );
      // The encoder is left usable.
      assert.equal(
        decodeProtobuf(encodeOtlpProtobuf([real], { resource })).resourceSpans[0].scopeSpans[0]
          .spans[0].name,
        "real",
      );
    }
  });
  test("writes a null array element as an empty AnyValue, as the SDK's serializer does", () => {
    const { spans, protobuf } = nullArraySpans();
    const ours = encodeOtlpProtobuf(spans, { resource });
    assert.ok(hex(protobuf).includes(NULL_ARRAY_KEY_VALUE), "the SDK writes 0a 00");
    assert.ok(hex(ours).includes(NULL_ARRAY_KEY_VALUE));
    const decoded = decodeProtobuf(ours);
    assert.deepEqual(decoded, decodeProtobuf(protobuf));
    const out = decoded.resourceSpans[0].scopeSpans[0].spans;
    assert.equal(out.length, 3);
    for (const span of out) {
      assert.deepEqual(
        span.attributes.map((kv: { key: string; value: { value: string } }) => [
          kv.key,
          kv.value.value === "arrayValue" ? arrayItems(kv.value) : kv.value.value,
        ]),
        [
          ["k", ["a", null, "b"]],
          ["n", "intValue"],
          ["ints", [null, "2", "3"]],
          ["doubles", [1.5, null]],
          ["bools", [null, false]],
          ["nulls", [null]],
          ["undefineds", ["1", null]],
        ],
      );
      assert.deepEqual(arrayItems(span.events[0].attributes[0].value), [null, "x"]);
    }
  });

  test("hands out bytes that stay as they are after the next calls, protobuf and JSON alike", () => {
    const tracer = new Tracer({ name: "kept" });
    const batch = (n: number, name: string) =>
      Array.from({ length: n }, (_, i) => tracer.startSpan(`${name} ${i}`).end());
    for (const encode of [encodeOtlpProtobuf, encodeOtlpJson]) {
      const first = encode(batch(3, "first"), { resource });
      const copy = first.slice();
      for (let i = 0; i < 5; i++) encode(batch(200, `later ${i}`), { resource });
      assert.deepEqual(first, copy, encode.name);
    }
  });

  test("keeps spans of two tracers with the same name and version in one scope", () => {
    const a = new Tracer({ name: "same", version: "1" }).startSpan("a").end();
    const b = new Tracer({ name: "same", version: "1" }).startSpan("b").end();
    const decoded = decodeProtobuf(encodeOtlpProtobuf([a, b], { resource }));
    assert.equal(decoded.resourceSpans[0].scopeSpans.length, 1);
    assert.equal(decoded.resourceSpans[0].scopeSpans[0].spans.length, 2);
  });

  test("survives a batch big enough to grow the buffer and lengthen every length prefix", () => {
    const tracer = new Tracer({ name: "bulk" });
    const spans = Array.from(
      { length: 2000 },
      (_, i) => tracer.startSpan(`s${i}`, { attributes: { blob: "y".repeat(i % 400) } }).end(),
    );
    const decoded = decodeProtobuf(encodeOtlpProtobuf(spans, { resource }));
    const out = decoded.resourceSpans[0].scopeSpans[0].spans;
    assert.equal(out.length, 2000);
    assert.equal(out[1999].attributes[0].value.stringValue, "y".repeat(1999 % 400));
    // The shared buffer is reused: a small batch afterwards is still right.
    const small = decodeProtobuf(encodeOtlpProtobuf([spans[3]], { resource }));
    assert.equal(small.resourceSpans[0].scopeSpans[0].spans[0].name, "s3");
  });

  test("keeps every trace id right when the spans of several traces interleave in one batch", () => {
    const tracer = new Tracer({ name: "interleaved" });
    const roots = Array.from({ length: 5 }, (_, i) => tracer.startSpan(`root ${i}`));
    const spans: Span[] = [];
    // Runs of two spans of one trace, then the next trace: the encoder keeps
    // the last trace id decoded, and must change it at every switch.
    for (let round = 0; round < 4; round++) {
      for (const root of roots) {
        for (let k = 0; k < 2; k++) spans.push(tracer.startSpan("child", { parent: root }).end());
      }
    }
    for (const root of roots) spans.push(root.end());
    const decoded = decodeProtobuf(encodeOtlpProtobuf(spans, { resource }));
    const out = decoded.resourceSpans[0].scopeSpans[0].spans;
    assert.equal(out.length, spans.length);
    for (let i = 0; i < spans.length; i++) {
      assert.equal(out[i].traceId, hexToBase64(spans[i].context.traceId), `span ${i}`);
      assert.equal(out[i].spanId, hexToBase64(spans[i].context.spanId), `span ${i}`);
    }
  });

  test("a root span written before its children leaves them the right trace id", () => {
    const tracer = new Tracer({ name: "order" });
    const spans: Span[] = [];
    for (let i = 0; i < 3; i++) {
      const root = tracer.startSpan(`root ${i}`).end();
      spans.push(root);
      for (let k = 0; k < 2; k++) spans.push(tracer.startSpan("child", { parent: root }).end());
    }
    const out =
      decodeProtobuf(encodeOtlpProtobuf(spans, { resource })).resourceSpans[0].scopeSpans[0]
        .spans;
    for (let i = 0; i < spans.length; i++) {
      assert.equal(out[i].traceId, hexToBase64(spans[i].context.traceId), `span ${i}`);
    }
  });

  test("writes every span's ids as its hex ids say, whatever made its parent", () => {
    const tracer = new Tracer({ name: "ids" });
    const spans: Span[] = [];
    // More ids than one pool of random bytes (4096 bytes) gives.
    for (let i = 0; i < 300; i++) {
      const root = tracer.startSpan(`root ${i}`);
      const child = tracer.startSpan("child", { parent: root });
      spans.push(tracer.startSpan("grandchild", { parent: child }).end(), child.end(), root.end());
    }
    spans.push(tracer.startSpan("under a remote parent", { parent: remote }).end());
    spans.push(tracer.startSpan("under a hand-made root", { parent: SpanContext.newRoot() }).end());
    let n = 0;
    const sequential = new Tracer({
      idGenerator: {
        traceId: () => "ab".repeat(16),
        spanId: () => (++n).toString(16).padStart(16, "0"),
      },
    });
    spans.push(sequential.startSpan("custom ids", { parent: spans[0] }).end());
    const out = decodeProtobuf(encodeOtlpProtobuf(spans, { resource })).resourceSpans[0].scopeSpans
      .flatMap((scope: { spans: unknown[] }) => scope.spans);
    assert.equal(out.length, spans.length);
    const bySpanId = new Map(out.map((d: { spanId: string }) => [d.spanId, d]));
    for (let i = 0; i < spans.length; i++) {
      const context = spans[i].context;
      const decoded = bySpanId.get(hexToBase64(context.spanId)) as Record<string, string>;
      assert.ok(decoded, `span ${i} (${spans[i].name}) is in the request`);
      assert.equal(decoded.traceId, hexToBase64(context.traceId), `span ${i}`);
      const parent = context.parentSpanId;
      assert.equal(
        decoded.parentSpanId,
        parent === undefined ? "" : hexToBase64(parent),
        `span ${i}`,
      );
    }
  });

  test("writes exact times whether they share a millisecond, cross one, go back or jump years", () => {
    const times = [
      T0,
      T0 + 0.000001,
      T0 + 0.5,
      T0 + 0.999999,
      T0 + 1,
      T0 - 1.25,
      T0 + 0.25,
      T0 + 86_400_000 * 400,
      1,
      0.000001,
      T0,
    ];
    const spans = times.map((t, i) => new Span(`t${i}`).start(t).addEvent("e", {}, t).end(t));
    const out =
      decodeProtobuf(encodeOtlpProtobuf(spans, { resource })).resourceSpans[0].scopeSpans[0]
        .spans;
    for (let i = 0; i < times.length; i++) {
      const nanos = exactNanos(times[i]).toString();
      assert.equal(out[i].startTimeUnixNano, nanos, `start ${i}`);
      assert.equal(out[i].endTimeUnixNano, nanos, `end ${i}`);
      assert.equal(out[i].events[0].timeUnixNano, nanos, `event ${i}`);
    }
  });

  test("writes span and event names right as they repeat, change, grow long or leave ASCII", () => {
    const names = [
      "GET /a",
      "GET /a",
      "POST /b",
      "GET /a",
      "é ü 世界 🙂",
      "x".repeat(300),
      "GET /a",
    ];
    const tracer = new Tracer({ name: "names" });
    const spans = names.map((name, i) =>
      tracer.startSpan(name).addEvent(names[names.length - 1 - i]).end()
    );
    const out =
      decodeProtobuf(encodeOtlpProtobuf(spans, { resource })).resourceSpans[0].scopeSpans[0]
        .spans;
    assert.deepEqual(out.map((s: { name: string }) => s.name), names);
    assert.deepEqual(
      out.map((s: { events: { name: string }[] }) => s.events[0].name),
      [...names].reverse(),
    );
  });

  test("encodes integers beyond int64 and non-finite numbers as doubles", () => {
    const span = new Span("n").setAttributes({
      huge: 2 ** 64,
      inf: Infinity,
      nan: NaN,
      min: Number.MIN_SAFE_INTEGER,
    }).start(T0).end(T0);
    const decoded = decodeProtobuf(encodeOtlpProtobuf([span], { resource }));
    const attrs = decoded.resourceSpans[0].scopeSpans[0].spans[0].attributes;
    assert.equal(attrs[0].value.doubleValue, 2 ** 64);
    assert.equal(attrs[1].value.doubleValue, Infinity);
    assert.ok(Number.isNaN(attrs[2].value.doubleValue));
    assert.equal(attrs[3].value.intValue, String(Number.MIN_SAFE_INTEGER));
  });
});

describe("OTLP integer attributes beyond 2^53", () => {
  // Integers that int64 holds but a double cannot count to one by one: the
  // SDK's serializers write them as intValue, as they do every integer in
  // [-2^63, 2^63); 2^63 itself and beyond stay doubles.
  const values = {
    p53: 2 ** 53,
    p60: 2 ** 60,
    n60: -(2 ** 60),
    min: -(2 ** 63),
    max: 2 ** 63 - 1024,
    arr: [2 ** 62, -(2 ** 55), 1.5],
    over: 2 ** 63,
    e20: -1e20,
  };
  const spans = () => [new Span("n").setAttributes(values).start(T0).end(T0)];

  test("are intValues in protobuf, as in the SDK's ProtobufTraceSerializer", () => {
    const list = spans();
    const ours = decodeProtobuf(encodeOtlpProtobuf(list, { resource }));
    const theirs = decodeProtobuf(
      ProtobufTraceSerializer.serializeRequest(toReadableSpans(list, resource, new Set()))!,
    );
    assert.deepEqual(ours, theirs);
    const attrs = ours.resourceSpans[0].scopeSpans[0].spans[0].attributes;
    assert.deepEqual(attrs.map((kv: { value: { value: string } }) => kv.value.value), [
      "intValue",
      "intValue",
      "intValue",
      "intValue",
      "intValue",
      "arrayValue",
      "doubleValue",
      "doubleValue",
    ]);
    assert.equal(attrs[3].value.intValue, "-9223372036854775808");
    assert.equal(attrs[4].value.intValue, "9223372036854774784");
  });

  test("are exact decimal intValues in JSON, equal to the protobuf encoding", () => {
    const list = spans();
    const text = jsonText(list, { resource });
    const attrs = JSON.parse(text).resourceSpans[0].scopeSpans[0].spans[0].attributes;
    assert.deepEqual(attrs[1].value, { intValue: "1152921504606846976" });
    assert.deepEqual(attrs[3].value, { intValue: "-9223372036854775808" });
    assert.deepEqual(attrs[5].value.arrayValue.values, [
      { intValue: "4611686018427387904" },
      { intValue: "-36028797018963968" },
      { doubleValue: 1.5 },
    ]);
    const { error, value } = decodeOtlpJson(text);
    assert.equal(error, null);
    assert.deepEqual(value, decodeProtobuf(encodeOtlpProtobuf(list, { resource })));
  });
});

describe("OTLP JSON encoding", () => {
  test("passes the official schema's verify and maps to the same request as protobuf", () => {
    const spans = richSpans();
    const { error, value } = decodeOtlpJson(jsonText(spans, { resource }));
    assert.equal(error, null);
    assert.deepEqual(value, decodeProtobuf(encodeOtlpProtobuf(spans, { resource })));
  });

  test("uses hex ids, integer enums and decimal-string int64s as the OTLP JSON mapping says", () => {
    const spans = richSpans();
    const json = JSON.parse(jsonText(spans, { resource }));
    const server = json.resourceSpans[0].scopeSpans[0].spans[2];
    const source = serverSpan(spans);
    assert.equal(server.traceId, source.context.traceId);
    assert.equal(server.spanId, source.context.spanId);
    assert.equal(server.parentSpanId, "b7ad6b7169203331");
    assert.equal(server.kind, 2);
    assert.equal(server.status.code, 2);
    assert.equal(server.flags, 0x301);
    assert.equal(server.startTimeUnixNano, exactNanos(T0).toString());
    assert.equal(typeof server.endTimeUnixNano, "string");
    const status = server.attributes.find((kv: { key: string }) => kv.key === "http.status_code");
    assert.deepEqual(status.value, { intValue: "200" });
    assert.equal(server.links[0].traceId, "0af7651916cd43dd8448eb211c80319c");
    assert.equal(server.events[0].timeUnixNano, exactNanos(T0 + 1.000001).toString());
  });

  test("matches the OpenTelemetry SDK's JsonTraceSerializer field by field", () => {
    const spans = richSpans();
    const server = serverSpan(spans);
    const theirs = new TextDecoder().decode(
      JsonTraceSerializer.serializeRequest(toReadableSpans(spans, resource, new Set([server])))!,
    );
    const a = decodeOtlpJson(jsonText(spans, { resource }));
    const b = decodeOtlpJson(theirs);
    assert.equal(b.error, null);
    assert.deepEqual(a.value, b.value);
  });

  test("writes a null array element as {}, as the SDK's serializer does", () => {
    const { spans, json } = nullArraySpans();
    const ours = jsonText(spans, { resource });
    const pair =
      '{"key":"k","value":{"arrayValue":{"values":[{"stringValue":"a"},{},{"stringValue":"b"}]}}}';
    assert.ok(json.includes(pair), "the SDK writes {}");
    assert.ok(ours.includes(pair));
    const a = decodeOtlpJson(ours);
    const b = decodeOtlpJson(json);
    assert.equal(a.error, null);
    assert.deepEqual(a.value, b.value);
    assert.deepEqual(a.value, decodeProtobuf(encodeOtlpProtobuf(spans, { resource })));
    const span = JSON.parse(ours).resourceSpans[0].scopeSpans[0].spans[0];
    assert.deepEqual(span.attributes[2].value, {
      arrayValue: { values: [{}, { intValue: "2" }, { intValue: "3" }] },
    });
    assert.deepEqual(span.attributes[5].value, { arrayValue: { values: [{}] } });
  });

  test("escapes strings that need it and spells non-finite doubles as strings", () => {
    const span = new Span('quote " back \\ nl \n tab \t').setAttributes({
      inf: -Infinity,
      nan: NaN,
    }).start(T0).end(T0);
    const json = JSON.parse(jsonText([span], { resource }));
    const out = json.resourceSpans[0].scopeSpans[0].spans[0];
    assert.equal(out.name, 'quote " back \\ nl \n tab \t');
    assert.deepEqual(out.attributes.map((kv: { value: unknown }) => kv.value), [
      { doubleValue: "-Infinity" },
      { doubleValue: "NaN" },
    ]);
  });

  test("encodes an empty batch as an empty request", () => {
    assert.deepEqual(JSON.parse(jsonText([], { resource })), { resourceSpans: [] });
  });
});

describe("OTLP schema URLs", () => {
  const RESOURCE_URL = "https://opentelemetry.io/schemas/1.26.0";
  const A = "https://opentelemetry.io/schemas/1.24.0";
  const B = "https://example.com/schemas/2";
  const withSchema = new Resource(resource.attributes, { schemaUrl: RESOURCE_URL });

  /** Spans of three scopes that differ only in their schema URL (B, none, A). */
  function schemaSpans(): Span[] {
    const tracers = [B, undefined, A].map((schemaUrl) =>
      new Tracer({ name: "shop", version: "1.0.0", schemaUrl })
    );
    return tracers.flatMap((tracer, i) => [
      tracer.startSpan(`s${i}`, { startTime: T0 }).end(T0 + 1),
      tracer.startSpan(`t${i}`, { startTime: T0 }).end(T0 + 2),
    ]);
  }

  /** One protobuf message's fields in the order written: each one's number and body. */
  function fields(bytes: Uint8Array): { field: number; body: Uint8Array }[] {
    const out: { field: number; body: Uint8Array }[] = [];
    let at = 0;
    const varint = (): number => {
      let value = 0;
      for (let shift = 0;; shift += 7) {
        const b = bytes[at++];
        value += (b & 0x7f) * 2 ** shift;
        if (b < 0x80) return value;
      }
    };
    while (at < bytes.length) {
      const tag = varint();
      const wire = tag & 7;
      const from = at;
      if (wire === 0) varint();
      else if (wire === 1) at += 8;
      else if (wire === 5) at += 4;
      else {
        const length = varint();
        at += length;
        out.push({ field: tag >>> 3, body: bytes.subarray(at - length, at) });
        continue;
      }
      out.push({ field: tag >>> 3, body: bytes.subarray(from, at) });
    }
    return out;
  }

  const fieldNumbers = (bytes: Uint8Array) => fields(bytes).map((f) => f.field);
  const firstField = (bytes: Uint8Array, field: number) =>
    fields(bytes).find((f) => f.field === field)!.body;

  test("protobuf: ResourceSpans and ScopeSpans carry them, as the SDK's ProtobufTraceSerializer writes them", () => {
    const spans = schemaSpans();
    const readable = toReadableSpans(spans, withSchema, new Set());
    const bytes = encodeOtlpProtobuf(spans, { resource: withSchema });
    const ours = decodeProtobuf(bytes);
    assert.deepEqual(ours, decodeProtobuf(ProtobufTraceSerializer.serializeRequest(readable)!));
    const rs = ours.resourceSpans[0];
    assert.equal(rs.schemaUrl, RESOURCE_URL);
    assert.deepEqual(rs.scopeSpans.map((ss: { schemaUrl: string }) => ss.schemaUrl), [B, "", A]);
    assert.deepEqual(
      rs.scopeSpans.map((ss: { spans: { name: string }[] }) => ss.spans.map((s) => s.name)),
      [["s0", "t0"], ["s1", "t1"], ["s2", "t2"]],
    );
    // schema_url (3) after the messages it describes, as the SDK writes it.
    const resourceSpans = firstField(bytes, 1);
    assert.deepEqual(fieldNumbers(resourceSpans), [1, 2, 2, 2, 3]);
    assert.deepEqual(fieldNumbers(firstField(resourceSpans, 2)), [1, 2, 2, 3]);
  });

  test("protobuf: none is written where none is set", () => {
    const spans = [new Tracer({ name: "shop", schemaUrl: "" }).startSpan("x").end()];
    const resourceSpans = firstField(encodeOtlpProtobuf(spans, { resource }), 1);
    assert.deepEqual(fieldNumbers(resourceSpans), [1, 2]);
    assert.deepEqual(fieldNumbers(firstField(resourceSpans, 2)), [1, 2]);
  });

  test("JSON: ResourceSpans and ScopeSpans carry them, as the SDK's JsonTraceSerializer writes them", () => {
    const spans = schemaSpans();
    const readable = toReadableSpans(spans, withSchema, new Set());
    const text = jsonText(spans, { resource: withSchema });
    const theirs = new TextDecoder().decode(JsonTraceSerializer.serializeRequest(readable)!);
    const ours = decodeOtlpJson(text);
    assert.equal(ours.error, null);
    assert.deepEqual(ours.value, decodeOtlpJson(theirs).value);
    assert.deepEqual(
      ours.value,
      decodeProtobuf(encodeOtlpProtobuf(spans, { resource: withSchema })),
    );
    const rs = JSON.parse(text).resourceSpans[0];
    const sdk = JSON.parse(theirs).resourceSpans[0];
    assert.deepEqual(Object.keys(rs), ["resource", "scopeSpans", "schemaUrl"]);
    assert.deepEqual(Object.keys(rs), Object.keys(sdk));
    assert.equal(rs.schemaUrl, RESOURCE_URL);
    assert.deepEqual(rs.scopeSpans.map((ss: object) => Object.keys(ss)), [
      ["scope", "spans", "schemaUrl"],
      ["scope", "spans"],
      ["scope", "spans", "schemaUrl"],
    ]);
    assert.deepEqual(
      rs.scopeSpans.map((ss: object) => Object.keys(ss)),
      sdk.scopeSpans.map((ss: object) => Object.keys(ss)),
    );
    assert.deepEqual(rs.scopeSpans.map((ss: { schemaUrl?: string }) => ss.schemaUrl), [
      B,
      undefined,
      A,
    ]);
  });

  test("tracers alike in name, version and schema URL share one ScopeSpans; any difference is another", () => {
    const make = (version: string, schemaUrl?: string) =>
      new Tracer({ name: "shop", version, schemaUrl }).startSpan("x").end();
    const spans = [make("1", A), make("1", B), make("1", A), make("1"), make("2", A)];
    for (
      const body of [
        decodeProtobuf(encodeOtlpProtobuf(spans, { resource })),
        decodeOtlpJson(jsonText(spans, { resource })).value,
      ]
    ) {
      const scopes = body.resourceSpans[0].scopeSpans.map((
        ss: { scope: { version: string }; schemaUrl: string; spans: unknown[] },
      ) => [ss.scope.version, ss.schemaUrl, ss.spans.length]);
      assert.deepEqual(scopes, [["1", A, 2], ["1", B, 1], ["1", "", 1], ["2", A, 1]]);
    }
  });
});

describe("OTLP encoders under churn", () => {
  test("encode every attribute right while the attribute cache fills, overflows and resets", () => {
    const tracer = new Tracer({ name: "churn" });
    const spans: Span[] = [];
    for (let i = 0; i < 3000; i++) {
      spans.push(
        tracer.startSpan(`s${i}`, {
          attributes: {
            [`key.${i % 1200}`]: `value ${i % 40}`,
            "shared": i % 3 === 0 ? "a" : i % 3 === 1 ? 1 : true,
            "unique": `id-${i}`,
            "ratio": i / 7,
          },
        }).end(),
      );
    }
    const flatten = (decodedSpans: { attributes: { key: string; value: unknown }[] }[]) =>
      decodedSpans.map((s) =>
        Object.fromEntries(s.attributes.map((kv) => {
          // With `oneofs`, `value` names the AnyValue field that is set.
          const v = kv.value as Record<string, unknown>;
          const field = v.value as string;
          const value = field === "intValue" ? Number(v.intValue) : v[field];
          return [kv.key, value];
        }))
      );
    const expected = spans.map((s) => ({ ...s.attributes }));
    const proto = decodeProtobuf(encodeOtlpProtobuf(spans, { resource }));
    assert.deepEqual(flatten(proto.resourceSpans[0].scopeSpans[0].spans), expected);
    const json = decodeOtlpJson(jsonText(spans, { resource }));
    assert.deepEqual(flatten(json.value.resourceSpans[0].scopeSpans[0].spans), expected);
  });

  test("encode leading attributes right as they repeat, alternate, grow, shrink and change", () => {
    // The protobuf encoder copies the attributes a span begins with when the
    // span before began with the same ones: every way of differing from
    // that span must still write each span's own attributes.
    const tracer = new Tracer({ name: "runs" });
    const spans: Span[] = [];
    const shapes = [
      (i: number) => ({ "http.request.method": "GET", "http.route": "/a", status: 200, id: i }),
      (i: number) => ({ "http.request.method": i % 2 === 0 ? "GET" : "POST", "http.route": "/a" }),
      () => ({ "http.request.method": "GET", "http.route": "/a", status: 200, more: "m" }),
      () => ({ "http.request.method": "GET" }),
      (i: number) => ({ "http.request.method": "GET", "http.route": `/r${i % 40}`, status: 200 }),
      (i: number) => ({ "http.request.method": "GET", list: ["x", String(i % 3)], status: i % 4 }),
      () => ({}),
    ];
    for (let i = 0; i < 2000; i++) {
      const shape = shapes[(i >> (i % 3 === 0 ? 2 : 4)) % shapes.length];
      spans.push(
        tracer.startSpan("s", { attributes: shape(i) })
          .addEvent("e", shapes[(i >> 3) % shapes.length](i)).end(),
      );
    }
    const value = (v: Record<string, unknown>): unknown =>
      v.value === "intValue"
        ? Number(v.intValue)
        : v.value === "arrayValue"
        ? (v.arrayValue as { values: Record<string, unknown>[] }).values.map(value)
        : v[v.value as string];
    const flatten = (attributes: { key: string; value: unknown }[]) =>
      Object.fromEntries(
        attributes.map((kv) => [kv.key, value(kv.value as Record<string, unknown>)]),
      );
    const decoded = decodeProtobuf(encodeOtlpProtobuf(spans, { resource }));
    const out = decoded.resourceSpans[0].scopeSpans[0].spans;
    assert.deepEqual(
      out.map((s: { attributes: { key: string; value: unknown }[] }) => flatten(s.attributes)),
      spans.map((s) => ({ ...s.attributes })),
    );
    assert.deepEqual(
      out.map((s: { events: { attributes: { key: string; value: unknown }[] }[] }) =>
        flatten(s.events[0].attributes)
      ),
      spans.map((s) => ({ ...s.events[0].attributes })),
    );
  });

  test("encode a span name or attribute key right when its kind, flags or value type changes", () => {
    const tracer = new Tracer({ name: "switch" });
    const kinds = ["internal", "server", "client", "producer", "consumer"] as const;
    const spans: Span[] = [];
    for (let i = 0; i < 300; i++) {
      // Over 32 distinct values, so the key's values stop being cached.
      const changing = i % 3 === 0 ? `v${i}` : i % 3 === 1 ? i : i + 0.5;
      spans.push(
        tracer.startSpan("same name", {
          kind: kinds[i % 5],
          parent: i % 2 === 0 ? remote : null,
          attributes: { changing },
        }).end(),
      );
    }
    const out = JSON.parse(jsonText(spans, { resource })).resourceSpans[0].scopeSpans[0].spans;
    assert.deepEqual(
      out.map((s: { kind: number }) => s.kind),
      spans.map((_, i) => (i % 5) + 1),
    );
    assert.deepEqual(
      out.map((s: { flags: number }) => (s.flags & 0x200) !== 0),
      spans.map((_, i) => i % 2 === 0),
    );
    assert.deepEqual(
      out.map((s: { attributes: { value: unknown }[] }) => s.attributes[0].value),
      spans.map((_, i) =>
        i % 3 === 0
          ? { stringValue: `v${i}` }
          : i % 3 === 1
          ? { intValue: String(i) }
          : { doubleValue: i + 0.5 }
      ),
    );
  });

  test("frame a span over 16 KiB and one under 128 bytes correctly", () => {
    const big = new Span("big").setAttribute("blob", "z".repeat(20_000)).start(T0).end(T0);
    const tiny = new Span("t").start(T0).end(T0);
    const decoded = decodeProtobuf(encodeOtlpProtobuf([tiny, big, tiny], { resource }));
    const out = decoded.resourceSpans[0].scopeSpans[0].spans;
    assert.deepEqual(out.map((s: { name: string }) => s.name), ["t", "big", "t"]);
    assert.equal(out[1].attributes[0].value.stringValue.length, 20_000);
  });

  test("writes lone surrogates as U+FFFD in JSON, as in protobuf, and keeps surrogate pairs", () => {
    // A proto string is valid UTF-8: "\ud800" in JSON names no character,
    // and a strict OTLP/JSON parser refuses the whole request for it.
    const odd = "a\ud800b\udc00c🙂\udbff";
    const span = new Tracer({ name: `scope${odd}` }).startSpan(odd, {
      startTime: T0,
      attributes: { [`key${odd}`]: odd, list: [odd, "\udfff"] },
    }).addEvent(odd, { [odd]: 1 }, T0).addLink(remote, { [odd]: odd })
      .setStatus("error", odd).end(T0);
    const bytes = encodeOtlpJson([span], { resource });
    const text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
    assert.doesNotMatch(text, /\\u[dD][89a-fA-F]/, "no surrogate escape");
    const fixed = "a\ufffdb\ufffdc🙂\ufffd";
    const out = JSON.parse(text).resourceSpans[0].scopeSpans[0];
    assert.equal(out.scope.name, `scope${fixed}`);
    const encoded = out.spans[0];
    assert.equal(encoded.name, fixed);
    assert.deepEqual(encoded.attributes, [
      { key: `key${fixed}`, value: { stringValue: fixed } },
      {
        key: "list",
        value: { arrayValue: { values: [{ stringValue: fixed }, { stringValue: "\ufffd" }] } },
      },
    ]);
    assert.equal(encoded.events[0].name, fixed);
    assert.equal(encoded.events[0].attributes[0].key, fixed);
    assert.deepEqual(encoded.links[0].attributes[0], { key: fixed, value: { stringValue: fixed } });
    assert.equal(encoded.status.message, fixed);
    // The same request as the protobuf encoding, whose UTF-8 has U+FFFD.
    const { error, value } = decodeOtlpJson(text);
    assert.equal(error, null);
    assert.deepEqual(value, decodeProtobuf(encodeOtlpProtobuf([span], { resource })));
  });
});

describe("OTLP unix nanoseconds", () => {
  test("are exact to the nanosecond where Math.round(ms * 1e6) is off by up to 128 ns", () => {
    const ms = T0;
    assert.notEqual(BigInt(Math.round(ms * 1e6)), exactNanos(ms));
    const span = new Span("t").start(ms).end(ms);
    const decoded = decodeProtobuf(encodeOtlpProtobuf([span], { resource }));
    assert.equal(
      decoded.resourceSpans[0].scopeSpans[0].spans[0].startTimeUnixNano,
      exactNanos(ms).toString(),
    );
  });

  test("agree with an exact BigInt reference for thousands of random times, in both encodings", () => {
    let seed = 12345;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const spans: Span[] = [];
    for (let i = 0; i < 3000; i++) {
      const ms = i === 0 ? 0.0000004 : i === 1 ? 999.9999996 : 1e12 + random() * 1e12;
      spans.push(new Span(String(i)).start(ms).end(ms + random() * 1000));
    }
    const proto = decodeProtobuf(encodeOtlpProtobuf(spans, { resource }));
    const json = JSON.parse(jsonText(spans, { resource }));
    const protoSpans = proto.resourceSpans[0].scopeSpans[0].spans;
    const jsonSpans = json.resourceSpans[0].scopeSpans[0].spans;
    spans.forEach((span, i) => {
      const start = exactNanos(span.startTime!).toString();
      const end = exactNanos(span.endTime!).toString();
      assert.equal(protoSpans[i].startTimeUnixNano, start, `proto start of ${span.startTime}`);
      assert.equal(protoSpans[i].endTimeUnixNano, end);
      assert.equal(jsonSpans[i].startTimeUnixNano, start, `json start of ${span.startTime}`);
      assert.equal(jsonSpans[i].endTimeUnixNano, end);
    });
  });
});

describe("OTLP span flags", () => {
  test("mark a local parent as known and not remote, and keep the trace flags", () => {
    const tracer = new Tracer();
    const parent = tracer.startSpan("p");
    const child = tracer.startSpan("c", { parent }).end();
    const unsampledRemote = new SpanContext({
      traceId: "0af7651916cd43dd8448eb211c80319c",
      spanId: "b7ad6b7169203331",
      traceFlags: 0,
      isRemote: true,
    });
    const link = new Span("l").addLink(unsampledRemote).start(T0).end(T0);
    const decoded = decodeProtobuf(encodeOtlpProtobuf([child, link], { resource }));
    const out = decoded.resourceSpans[0].scopeSpans.flatMap((s: { spans: unknown[] }) => s.spans);
    const c = out.find((s: { name: string }) => s.name === "c");
    const l = out.find((s: { name: string }) => s.name === "l");
    assert.equal(c.flags, 0x100 | child.context.traceFlags);
    assert.equal(l.links[0].flags, 0x300);
  });
});

describe("OTLP links with all-zero ids", () => {
  const ZERO_TRACE = "0".repeat(32);
  const ZERO_SPAN = "0".repeat(16);
  const local = { traceFlags: 0, isRemote: false };

  /** A span with links whose ids are all zeros, kept for their attributes or trace state. */
  function zeroLinkSpan(): Span {
    const links = [
      { context: { ...local, traceId: ZERO_TRACE, spanId: ZERO_SPAN }, attributes: { n: 1 } },
      {
        context: {
          traceId: ZERO_TRACE,
          spanId: "b7ad6b7169203331",
          traceFlags: 1,
          isRemote: true,
          traceState: "vendor=1",
        },
      },
      {
        context: { ...local, traceId: "0af7651916cd43dd8448eb211c80319c", spanId: ZERO_SPAN },
        attributes: { k: "v" },
      },
    ];
    return new Tracer({ name: "queue" }).startSpan("consume", {
      startTime: T0,
      links: links as never,
    }).end(T0 + 1);
  }

  test("are written as zero bytes in protobuf, as the SDK's ProtobufTraceSerializer writes them", () => {
    const span = zeroLinkSpan();
    assert.equal(span.links.length, 3);
    const ours = decodeProtobuf(encodeOtlpProtobuf([span], { resource }));
    const theirs = decodeProtobuf(
      ProtobufTraceSerializer.serializeRequest(toReadableSpans([span], resource, new Set()))!,
    );
    assert.deepEqual(ours, theirs);
    const links = ours.resourceSpans[0].scopeSpans[0].spans[0].links;
    assert.deepEqual(
      links.map((l: { traceId: string; spanId: string }) => [l.traceId, l.spanId]),
      [
        [hexToBase64(ZERO_TRACE), hexToBase64(ZERO_SPAN)],
        [hexToBase64(ZERO_TRACE), hexToBase64("b7ad6b7169203331")],
        [hexToBase64("0af7651916cd43dd8448eb211c80319c"), hexToBase64(ZERO_SPAN)],
      ],
    );
    assert.equal(links[1].traceState, "vendor=1");
    assert.equal(links[1].flags, 0x301);
  });

  test("are written as zero hex in JSON, which the schema verifies, as the SDK's JsonTraceSerializer writes them", () => {
    const span = zeroLinkSpan();
    const ours = jsonText([span], { resource });
    const links = JSON.parse(ours).resourceSpans[0].scopeSpans[0].spans[0].links;
    assert.deepEqual(links.map((l: { traceId: string; spanId: string }) => [l.traceId, l.spanId]), [
      [ZERO_TRACE, ZERO_SPAN],
      [ZERO_TRACE, "b7ad6b7169203331"],
      ["0af7651916cd43dd8448eb211c80319c", ZERO_SPAN],
    ]);
    const theirs = new TextDecoder().decode(
      JsonTraceSerializer.serializeRequest(toReadableSpans([span], resource, new Set()))!,
    );
    const a = decodeOtlpJson(ours);
    assert.equal(a.error, null);
    assert.deepEqual(a.value, decodeOtlpJson(theirs).value);
    assert.deepEqual(a.value, decodeProtobuf(encodeOtlpProtobuf([span], { resource })));
  });
});
