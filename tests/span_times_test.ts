import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { runInNewContext } from "node:vm";
import { AlwaysOffSampler, type Clock, InMemorySpanProcessor, Span, Tracer } from "../mod.ts";
import { encodeOtlpJson, encodeOtlpProtobuf, Resource } from "../otlp.ts";
import { TracerProvider } from "../otel.ts";
import { captureWarnings } from "./_helpers.ts";
import { decodeOtlpJson, decodeProtobuf, exactNanos } from "./_otlp_fixtures.ts";

// OTLP carries times as unsigned 64-bit nanoseconds: epoch milliseconds in
// [0, 2^64 / 1e6). One span outside makes a backend refuse its whole batch.
const END_MS = 2 ** 64 / 1e6;
const MAX_UINT64 = "18446744073709551615";
const resource = new Resource({ "service.name": "times" });

const outOfRange: [string, number | Date][] = [
  ["microseconds passed as epoch milliseconds", Date.now() * 1000],
  ["1e300", 1e300],
  ["a negative time", -1],
  ["NaN", NaN],
  ["Infinity", Infinity],
  ["2^64 ns exactly", END_MS],
  ["an invalid Date", new Date(NaN)],
  ["a Date before 1970", new Date(-1)],
];

describe("times a caller passes are refused with a RangeError when OTLP cannot carry them", () => {
  for (const [what, time] of outOfRange) {
    test(`span.start() and span.end() with ${what}`, () => {
      assert.throws(() => new Span("x").start(time), /^RangeError: Cannot start span: time/);
      const span = new Span("x").start(1_000);
      assert.throws(() => span.end(time), /^RangeError: Cannot end span: time/);
      assert.equal(span.ended, false, "a refused end leaves the span open");
    });

    test(`tracer.startSpan() with a startTime of ${what}, sampled or not`, () => {
      const memory = new InMemorySpanProcessor();
      for (
        const tracer of [
          new Tracer({ processors: [memory] }),
          new Tracer({ sampler: new AlwaysOffSampler() }),
        ]
      ) {
        assert.throws(() => tracer.startSpan("x", { startTime: time }), RangeError);
      }
      assert.equal(memory.spans.length, 0);
    });
  }

  test("a time that is no number or Date is a TypeError", () => {
    assert.throws(() => new Span("x").start("1700000000000" as unknown as number), TypeError);
    assert.throws(() => new Span("x").start().end({} as unknown as number), TypeError);
  });

  test("the first and last times OTLP can carry are accepted", () => {
    const largest = 18446744073709.547; // the largest double below 2^64 ns
    const span = new Span("x").start(0).end(largest);
    assert.equal(span.startTime, 0);
    assert.equal(span.endTime, largest);
    assert.equal(new Span("y").start(new Date(0)).startTime, 0);
  });
});

describe("a Date from another realm is a Date", () => {
  // A Date made in another realm (node:vm, an iframe) fails `instanceof
  // Date` here, yet it is one: its time is taken as any Date's.
  const foreign = () => runInNewContext("new Date(1000)") as Date;

  test("span.start(), span.end() and addEvent() take it", () => {
    assert.equal(foreign() instanceof Date, false);
    const span = new Span("x").start(foreign()).addEvent("e", {}, foreign()).end(foreign());
    assert.equal(span.startTime, 1_000);
    assert.equal(span.endTime, 1_000);
    assert.deepEqual(span.events.map((e) => e.time), [1_000]);
    assert.equal(span.droppedEventsCount, 0);
    assert.equal(new Tracer().startSpan("y", { startTime: foreign() }).startTime, 1_000);
  });

  test("an OpenTelemetry API span takes it as a time, not as attributes", () => {
    const memory = new InMemorySpanProcessor();
    const tracer = new TracerProvider({ processors: [memory] }).getTracer("realms");
    const span = tracer.startSpan("otel", { startTime: foreign() });
    span.addEvent("e", foreign());
    span.end(foreign());
    const [ours] = memory.spans;
    assert.equal(ours.startTime, 1_000);
    assert.equal(ours.endTime, 1_000);
    assert.deepEqual(ours.events.map((e) => e.time), [1_000]);
  });
});

describe("an object that only inherits from Date.prototype is no Date", () => {
  // It passes `instanceof Date` but has no time: reading one must not throw
  // the engine's "this is not a Date object" into the application.
  const fake = () => Object.create(Date.prototype) as Date;

  test("start() and end() refuse it with a TypeError that says what it was", () => {
    const message = /^Cannot (start|end) span: time must be epoch milliseconds or a Date, got /;
    assert.throws(() => new Span("x").start(fake()), { name: "TypeError", message });
    assert.throws(() => new Span("x").start().end(fake()), { name: "TypeError", message });
  });

  test("addEvent() drops the event and counts it, as for any time that is no Date", () => {
    const span = new Span("x").start().addEvent("e", {}, fake());
    assert.equal(span.events.length, 0);
    assert.equal(span.droppedEventsCount, 1);
  });
});

describe("times that come from data are dropped or replaced, and counted", () => {
  for (const [what, time] of outOfRange) {
    test(`an event at ${what} is dropped and counted in droppedEventsCount`, () => {
      const span = new Span("x").start(1_000).addEvent("kept", {}, 1_001).addEvent("bad", {}, time);
      assert.deepEqual(span.events.map((e) => e.name), ["kept"]);
      assert.equal(span.droppedEventsCount, 1);
    });
  }

  test("OpenTelemetry API spans given such times never throw: start and end become now, with one warning, and the event is dropped", async () => {
    const memory = new InMemorySpanProcessor();
    const provider = new TracerProvider({ processors: [memory] });
    const tracer = provider.getTracer("otel-times");
    const before = Date.now();
    const warnings = await captureWarnings(() => {
      const span = tracer.startSpan("otel", { startTime: 1e300 });
      span.addEvent("bad", 1e300);
      span.end(-5e20);
    });
    const [span] = memory.spans;
    assert.ok(span.startTime! >= before - 1 && span.startTime! < END_MS, `${span.startTime}`);
    assert.ok(span.endTime! >= span.startTime!);
    assert.equal(span.events.length, 0);
    assert.equal(span.droppedEventsCount, 1);
    assert.equal(warnings.length, 1, warnings.join("\n"));
    assert.match(warnings[0], /OpenTelemetry span time \(1e\+300 ms since the epoch\) is outside/);
  });
});

describe("every encoded time is a valid uint64", () => {
  const readings: [string, number, string][] = [
    ["a clock reading past 2^64 ns is clamped to 2^64 - 1 ns", 1e300, MAX_UINT64],
    ["a clock reading of microseconds is clamped to 2^64 - 1 ns", 1.7e15, MAX_UINT64],
    ["a negative clock reading is clamped to 0", -5, "0"],
    ["a NaN clock reading is clamped to 0", NaN, "0"],
    [
      "the largest time below 2^64 ns is encoded exactly",
      18446744073709.547,
      String(exactNanos(18446744073709.547)),
    ],
  ];
  for (const [what, reading, nanos] of readings) {
    test(`${what}, in protobuf and in JSON`, () => {
      // A clock is not checked on the hot path; the encoders clamp what it said.
      const clock: Clock = { now: () => reading };
      const span = new Tracer({ name: "t", clock }).startSpan("s");
      span.addEvent("e");
      span.end();
      const fromProtobuf = decodeProtobuf(encodeOtlpProtobuf([span], { resource }))
        .resourceSpans[0].scopeSpans[0].spans[0];
      assert.equal(fromProtobuf.startTimeUnixNano, nanos);
      assert.equal(fromProtobuf.endTimeUnixNano, nanos);
      assert.equal(fromProtobuf.events[0].timeUnixNano, nanos);
      // The JSON is read as text: protobufjs reads a fixed64 above 2^63 in
      // a JSON string back as a signed -1.
      const json = new TextDecoder().decode(encodeOtlpJson([span], { resource }));
      assert.equal(decodeOtlpJson(json).error, null);
      const encoded = JSON.parse(json).resourceSpans[0].scopeSpans[0].spans[0];
      assert.equal(encoded.startTimeUnixNano, nanos);
      assert.equal(encoded.endTimeUnixNano, nanos);
      assert.equal(encoded.events[0].timeUnixNano, nanos);
    });
  }
});
