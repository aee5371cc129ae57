import { describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  AlwaysOffSampler,
  InMemorySpanProcessor,
  propagationStats,
  Span,
  SpanContext,
  Tracer,
} from "../mod.ts";
import { ManualTime } from "../testing.ts";
import { PASS_THROUGH_SAMPLER } from "../src/trace/_pass_through.ts";

const ZERO_TRACE = "0".repeat(32);
const ZERO_SPAN = "0".repeat(16);
// What a link keeps of a context it was given: a context that is no
// SpanContext is kept as a copy, not as the object itself.
const idsOf = (c: { traceId: string; spanId: string; traceState?: string }) => ({
  traceId: c.traceId,
  spanId: c.spanId,
  traceState: c.traceState,
});

describe("new Span()", () => {
  test("defaults to a new root context and kind internal", () => {
    const span = new Span("work");
    assert.equal(span.name, "work");
    assert.equal(span.kind, "internal");
    assert.equal(span.context.parentSpanId, undefined);
    assert.match(span.context.traceId, /^[0-9a-f]{32}$/);
  });

  test("uses the context and kind it is given", () => {
    const ctx = SpanContext.newRoot();
    const span = new Span("rpc", ctx, "client");
    assert.equal(span.context, ctx);
    assert.equal(span.kind, "client");
  });

  test("accepts all five kinds", () => {
    for (const kind of ["internal", "server", "client", "producer", "consumer"] as const) {
      assert.equal(new Span("x", undefined, kind).kind, kind);
    }
  });

  test("throws a TypeError for a non-string name, an unknown kind or a non-SpanContext context", () => {
    assert.throws(() => new Span(1 as never), /^TypeError: Cannot create span: name/);
    assert.throws(() => new Span("x", undefined, "INTERNAL" as never), /Cannot create span: kind/);
    assert.throws(() => new Span("x", {} as never), /Cannot create span: context/);
  });

  // The README's rule: a wrong argument is a TypeError that reads "Cannot X:
  // detail", at once. A clock or listener of the wrong shape used to be taken,
  // and the span threw an engine error ("now is not a function") later, at
  // start or end; `null` threw one at once.
  test("throws a TypeError for an init that is no object, or a clock or listener of the wrong shape", () => {
    const cases: [string, unknown][] = [
      ["null", null],
      ["a string", "clock"],
      ["a clock with no now method", { clock: {} }],
      ["a listener that is null", { listener: null }],
      ["a listener with no spanEnded method", { listener: { spanStarted() {} } }],
      ["a listener that is a function", { listener: () => {} }],
      ["recording that is no boolean", { recording: "no" }],
    ];
    for (const [what, init] of cases) {
      assert.throws(
        () => new Span("x", undefined, "internal", init as never),
        { name: "TypeError", message: /^Cannot create span: init/ },
        what,
      );
    }
    const ended: Span[] = [];
    const listener = { spanStarted() {}, spanEnded: (span: Span) => void ended.push(span) };
    const span = new Span("x", undefined, "internal", {
      clock: { now: () => 7 },
      listener,
      recording: true,
    }).start().end();
    assert.equal(span.startTime, 7);
    assert.deepEqual(ended, [span]);
    const defaultClock = new Span("x", undefined, "internal", { clock: null } as never).start();
    assert.equal(typeof defaultClock.startTime, "number", "a null clock is the default");
  });

  test("is not started until start() is called", () => {
    const span = new Span("x");
    assert.equal(span.startTime, undefined);
    assert.equal(span.endTime, undefined);
    assert.equal(span.durationMs, undefined);
    assert.equal(span.ended, false);
    assert.equal(span.isRecording, true);
  });
});

describe("new Span() with limits", () => {
  test("partial limits keep the defaults for every limit they leave out", () => {
    const span = new Span("capped", undefined, "internal", { limits: { attributeCountLimit: 1 } })
      .start();
    span.setAttribute("a", 1).setAttribute("b", 2);
    for (let i = 0; i < 300; i++) span.addEvent(`e${i}`);
    for (let i = 0; i < 300; i++) span.addLink(SpanContext.newRoot());
    assert.deepEqual(span.attributes, { a: 1 });
    assert.equal(span.events.length, 128, "the default event limit still holds");
    assert.equal(span.droppedEventsCount, 172);
    assert.equal(span.links.length, 128, "the default link limit still holds");
  });

  test("limits out of range are refused as a programming error", () => {
    assert.throws(
      () => new Span("x", undefined, "internal", { limits: { eventCountLimit: -1 } }),
      { name: "RangeError", message: /^Cannot resolve span limits: eventCountLimit/ },
    );
  });
});

describe("Span.start() and end()", () => {
  test("start() sets startTime from the clock; end() sets endTime and durationMs", async () => {
    const clock = new ManualTime(1_700_000_000_000);
    const span = new Span("x", undefined, "internal", { clock }).start();
    assert.equal(span.startTime, clock.now());
    await clock.tick(12.5);
    span.end();
    assert.equal(span.endTime, clock.now());
    assert.equal(span.durationMs, 12.5);
    assert.equal(span.ended, true);
    assert.equal(span.isRecording, false);
  });

  test("a span ended by its listener while end() starts it is handed over once, with that end", () => {
    // end() on a span never started starts it first; a listener that ends
    // the span from spanStarted has ended it by the time start() returns.
    const ended: number[] = [];
    const span = new Span("x", undefined, "internal", {
      listener: {
        spanStarted: (s) => void s.end(20),
        spanEnded: (s) => void ended.push(s.endTime!),
      },
    });
    span.end(10);
    assert.deepEqual(ended, [20]);
    assert.equal(span.endTime, 20);
  });

  test("the default clock gives epoch milliseconds close to Date.now()", () => {
    const span = new Span("x").start().end();
    assert.ok(Math.abs(span.startTime! - Date.now()) < 60_000);
    assert.ok(span.durationMs! >= 0);
  });

  test("both accept explicit times as numbers or Dates", () => {
    const span = new Span("x").start(new Date(1_000)).end(1_500.25);
    assert.equal(span.startTime, 1_000);
    assert.equal(span.endTime, 1_500.25);
    assert.equal(span.durationMs, 500.25);
  });

  test("a second start() and a second end() do nothing", async () => {
    const clock = new ManualTime(1_700_000_000_000);
    const memory = new InMemorySpanProcessor();
    const span = new Tracer({ clock, processors: [memory] }).startSpan("x");
    const started = span.startTime;
    await clock.tick(5);
    span.start().end();
    await clock.tick(5);
    span.end();
    assert.equal(span.startTime, started);
    assert.equal(span.durationMs, 5);
    assert.equal(memory.spans.length, 1, "processors see the span once");
  });

  test("end() on a span that was never started starts it at the same time", () => {
    const span = new Span("x").end(2_000);
    assert.equal(span.startTime, 2_000);
    assert.equal(span.durationMs, 0);
  });

  test("an end time before the start time never makes a negative duration", () => {
    const span = new Span("x").start(5_000).end(4_000);
    assert.equal(span.durationMs, 0);
    assert.equal(span.endTime, 5_000);
  });

  test("a non-numeric time is a TypeError; NaN, Infinity or an invalid Date a RangeError", () => {
    assert.throws(
      () => new Span("x").start().end("soon" as never),
      /^TypeError: Cannot end span: time/,
    );
    assert.throws(() => new Span("x").start(NaN), /^RangeError: Cannot start span: time/);
    assert.throws(() => new Span("x").start(-Infinity), RangeError);
    assert.throws(() => new Span("x").start(new Date("nope")), RangeError);
  });

  test("Symbol.dispose ends the span, so `using` works", () => {
    const memory = new InMemorySpanProcessor();
    const tracer = new Tracer({ processors: [memory] });
    {
      using span = tracer.startSpan("scoped");
      assert.equal(span.ended, false);
    }
    assert.equal(memory.spans[0].name, "scoped");
    assert.equal(memory.spans[0].ended, true);
  });
});

describe("Span mutators", () => {
  test("every mutator returns the span, so calls chain", () => {
    const span = new Span("x");
    const other = SpanContext.newRoot();
    assert.equal(span.start(), span);
    assert.equal(span.setAttribute("a", 1), span);
    assert.equal(span.setAttributes({ b: 2 }), span);
    assert.equal(span.addEvent("e"), span);
    assert.equal(span.addLink(other), span);
    assert.equal(span.recordException(new Error("x")), span);
    assert.equal(span.setStatus("error"), span);
    assert.equal(span.updateName("y"), span);
    assert.equal(span.end(), span);
  });

  test("addEvent records the name, the attributes and the current time", async () => {
    const clock = new ManualTime(1_700_000_000_000);
    const span = new Span("x", undefined, "internal", { clock }).start();
    await clock.tick(3);
    span.addEvent("cache.miss", { key: "k" });
    assert.deepEqual(span.events, [{
      name: "cache.miss",
      time: clock.now(),
      attributes: { key: "k" },
      droppedAttributesCount: 0,
    }]);
  });

  test("addEvent takes an explicit time; a bad one drops the event, counted, without throwing", () => {
    const clock = new ManualTime(1_700_000_000_000);
    const span = new Span("x", undefined, "internal", { clock }).start();
    span.addEvent("a", undefined, 42).addEvent("b", undefined, "bad" as never).addEvent("c");
    assert.deepEqual(span.events.map((e) => [e.name, e.time]), [["a", 42], ["c", clock.now()]]);
    assert.equal(span.droppedEventsCount, 1);
  });

  test("addEvent with a non-string name is dropped and counted", () => {
    const span = new Span("x").addEvent(undefined as never);
    assert.equal(span.events.length, 0);
    assert.equal(span.droppedEventsCount, 1);
  });

  test("addLink keeps the linked context and its attributes", () => {
    const other = SpanContext.newRoot();
    const span = new Span("x").addLink(other, { reason: "batch" });
    assert.equal(span.links[0].context, other);
    assert.deepEqual(span.links[0].attributes, { reason: "batch" });
  });

  test("addLink with something that is not a span context is dropped and counted", () => {
    const span = new Span("x")
      .addLink(undefined as never)
      .addLink({ traceId: "nope", spanId: "nope" } as never);
    assert.equal(span.links.length, 0);
    assert.equal(span.droppedLinksCount, 2);
  });

  test("addLink keeps a link whose ids are all zeros when it has attributes or a trace state", () => {
    // OpenTelemetry's trace API, "Link": such links SHOULD be recorded "as
    // long as either the attribute set or TraceState is non-empty".
    const zeros = { traceId: ZERO_TRACE, spanId: ZERO_SPAN, traceFlags: 0, isRemote: false };
    const withState = { ...zeros, traceState: "vendor=1" };
    const zeroTrace = { traceId: ZERO_TRACE, spanId: "b7ad6b7169203331", traceFlags: 1 };
    const zeroSpan = { traceId: "0af7651916cd43dd8448eb211c80319c", spanId: ZERO_SPAN };
    const span = new Span("consume")
      .addLink(zeros as never, { "messaging.x": 1 })
      .addLink(withState as never)
      .addLink(zeroTrace as never, { a: "b" })
      .addLink(zeroSpan as never, { c: true });
    assert.deepEqual(
      span.links.map((l) => idsOf(l.context)),
      [zeros, withState, zeroTrace, zeroSpan].map(idsOf),
    );
    assert.deepEqual(span.links.map((l) => l.attributes), [{ "messaging.x": 1 }, {}, { a: "b" }, {
      c: true,
    }]);
    assert.equal(span.droppedLinksCount, 0);
  });

  test("addLink drops and counts a link with all-zero ids and no attributes or trace state", () => {
    const zeros = { traceId: ZERO_TRACE, spanId: ZERO_SPAN };
    const span = new Span("x", undefined, "internal", { limits: { attributePerLinkCountLimit: 0 } })
      .addLink(zeros as never)
      .addLink(zeros as never, {})
      .addLink({ ...zeros, traceState: "" } as never, {})
      .addLink({ ...zeros, traceState: 5 } as never)
      // Attributes none of which is kept leave the link's attribute set empty.
      .addLink(zeros as never, { a: 1 });
    const invalid = new Span("y").addLink(zeros as never, { bad: {} as never, "": 1 });
    assert.equal(span.links.length, 0);
    assert.equal(span.droppedLinksCount, 5);
    assert.equal(invalid.links.length, 0);
    assert.equal(invalid.droppedLinksCount, 1);
    // The rule holds for the one SpanContext with zero ids too: a disabled
    // setupTracing's span's context (INVALID_SPAN_CONTEXT).
    const none = new Tracer({ sampler: PASS_THROUGH_SAMPLER }).startSpan("disabled").context;
    assert.equal(none.traceId, ZERO_TRACE);
    const linked = new Span("z").addLink(none).addLink(none, { "messaging.id": "m1" });
    assert.equal(linked.links.length, 1);
    assert.deepEqual(linked.links[0].attributes, { "messaging.id": "m1" });
    assert.equal(linked.droppedLinksCount, 1);
    const started = new Tracer().startSpan("started", { links: [{ context: none }] });
    assert.equal(started.links.length, 0);
    assert.equal(started.droppedLinksCount, 1);
  });

  test("addLink still drops malformed ids, even with attributes and a trace state", () => {
    const malformed = [
      { traceId: "0".repeat(31), spanId: ZERO_SPAN },
      { traceId: ZERO_TRACE, spanId: "0".repeat(17) },
      { traceId: "0".repeat(32).toUpperCase(), spanId: "B7AD6B7169203331" },
      { traceId: "0af7651916cd43dd8448eb211c80319C", spanId: ZERO_SPAN },
      { traceId: ZERO_TRACE, spanId: "000000000000000g" },
      { traceId: ZERO_TRACE },
      { spanId: ZERO_SPAN },
      { traceId: 0, spanId: 0 },
    ];
    const span = new Span("x");
    for (const ids of malformed) span.addLink({ ...ids, traceState: "a=b" } as never, { k: 1 });
    assert.equal(span.links.length, 0);
    assert.equal(span.droppedLinksCount, malformed.length);
  });

  test("addLink drops and counts a zero-id link whose getters throw, without throwing", () => {
    const throwingState = {
      traceId: ZERO_TRACE,
      spanId: ZERO_SPAN,
      get traceState(): string {
        throw new Error("getter broke");
      },
    };
    const trap = new Proxy({ traceId: ZERO_TRACE, spanId: ZERO_SPAN, traceState: "a=b" }, {
      get(target, key) {
        if (key === "traceState") throw new Error("trap broke");
        return Reflect.get(target, key);
      },
    });
    const span = new Span("x");
    assert.doesNotThrow(() => span.addLink(throwingState as never, { k: 1 }));
    assert.doesNotThrow(() => span.addLink(trap as never, { k: 1 }));
    assert.equal(span.links.length, 0);
    assert.equal(span.droppedLinksCount, 2);
  });

  test("addLink keeps a copy of a context that is no SpanContext: later changes and throwing getters are not seen", () => {
    const TRACE = "0af7651916cd43dd8448eb211c80319c";
    const given = { traceId: TRACE, spanId: "b7ad6b7169203331", traceFlags: 1, traceState: "a=b" };
    let reads = 0;
    const once = {
      traceId: TRACE,
      spanId: "00f067aa0ba902b7",
      // Read as the link is added; a second read throws.
      get traceState(): string {
        if (reads++ > 0) throw new Error("read twice");
        return "k=v";
      },
    };
    const span = new Span("x").addLink(given as never, { n: 1 }).addLink(once as never);
    given.traceId = "not an id";
    given.traceState = "changed=1";
    assert.equal(span.links.length, 2);
    const [first, second] = span.links.map((l) => l.context);
    assert.ok(first instanceof SpanContext);
    assert.deepEqual(
      [first.traceId, first.spanId, first.traceFlags, first.traceState, first.isRemote],
      [TRACE, "b7ad6b7169203331", 1, "a=b", false],
    );
    assert.equal(second.traceState, "k=v");
    // What exporters read of the links: before, toJSON read the getter again.
    assert.deepEqual(span.toJSON().links.map((l) => l.traceState), ["a=b", "k=v"]);
    assert.equal(reads, 1);
  });

  test("addLink keeps a context's trace flags as a byte and its trace state only when valid, counting a dropped one", () => {
    const ids = { traceId: "0af7651916cd43dd8448eb211c80319c", spanId: "b7ad6b7169203331" };
    const before = propagationStats().tracestate;
    const span = new Span("x")
      .addLink({ ...ids, traceFlags: "x", traceState: 5 } as never)
      .addLink({ ...ids, traceFlags: 0x101, traceState: "a=1\r\nX: y" } as never)
      .addLink({ ...ids, traceState: { serialize: () => "vendor=1" } } as never)
      .addLink({ ...ids, traceState: "" } as never)
      .addLink({
        ...ids,
        traceState: {
          serialize: () => {
            throw new Error("broken");
          },
        },
      } as never);
    assert.deepEqual(
      span.links.map((l) => [l.context.traceFlags, l.context.traceState]),
      [[0, undefined], [1, undefined], [0, "vendor=1"], [0, undefined], [0, undefined]],
    );
    assert.equal(span.droppedLinksCount, 0);
    // 5, the header with a line break and the one that cannot be read are
    // dropped trace states.
    assert.equal(propagationStats().tracestate - before, 3);
  });

  test("a zero-id link counts against linkCountLimit as any link does", () => {
    const zeros = { traceId: ZERO_TRACE, spanId: ZERO_SPAN };
    const valid = SpanContext.newRoot();
    const span = new Span("x", undefined, "internal", { limits: { linkCountLimit: 2 } })
      .addLink(zeros as never, { n: 1 })
      .addLink(valid)
      .addLink(zeros as never, { n: 2 })
      .addLink(valid);
    assert.deepEqual(span.links.map((l) => idsOf(l.context)), [zeros, valid].map(idsOf));
    assert.equal(span.droppedLinksCount, 2);
  });

  test("updateName renames; a non-string name is a TypeError", () => {
    const span = new Span("GET");
    assert.equal(span.updateName("GET /users/:id").name, "GET /users/:id");
    assert.throws(() => span.updateName(5 as never), /^TypeError: Cannot update span name/);
  });

  test("every mutation after end() is ignored and nothing throws", () => {
    const span = new Span("x").start().end();
    span.setAttribute("a", 1)
      .setAttributes({ b: 2 })
      .addEvent("e")
      .addLink(SpanContext.newRoot())
      .recordException(new Error("late"))
      .setStatus("error", "late")
      .updateName("renamed")
      .setStatus("nonsense" as never)
      .updateName(5 as never);
    assert.deepEqual(span.attributes, {});
    assert.equal(span.events.length, 0);
    assert.equal(span.links.length, 0);
    assert.deepEqual(span.status, { code: "unset" });
    assert.equal(span.name, "x");
  });
});

describe("Span.setStatus()", () => {
  test("error keeps its message; ok drops any message", () => {
    assert.deepEqual(new Span("x").setStatus("error", "boom").status, {
      code: "error",
      message: "boom",
    });
    assert.deepEqual(new Span("x").setStatus("ok", "fine").status, { code: "ok" });
  });

  test("ok is final", () => {
    const span = new Span("x").setStatus("ok").setStatus("error", "no").setStatus("unset");
    assert.deepEqual(span.status, { code: "ok" });
  });

  test("unset is ignored, and error can later become ok", () => {
    const span = new Span("x").setStatus("error", "a").setStatus("unset");
    assert.equal(span.status.code, "error");
    assert.equal(span.setStatus("ok").status.code, "ok");
  });

  test("an unknown code is a TypeError", () => {
    assert.throws(() => new Span("x").setStatus("OK" as never), /^TypeError: Cannot set status/);
  });

  // Someone moving from @opentelemetry/api writes setStatus({ code, message })
  // or passes SpanStatusCode.ERROR (2): "got object" did not say what to do.
  test("OpenTelemetry's status shapes are refused with what to write instead", () => {
    const span = new Span("x").start();
    assert.throws(
      () => span.setStatus({ code: 2, message: "declined" } as never),
      /^TypeError: Cannot set status: code must be "unset", "ok" or "error", got object \(the code and the message go apart: setStatus\("error", message\), not OpenTelemetry's setStatus\(\{ code, message \}\)\)$/,
    );
    for (const code of [0, 1, 2]) {
      assert.throws(
        () => span.setStatus(code as never),
        new RegExp(
          `got number ${code} \\(OpenTelemetry's SpanStatusCode\\? Here the codes are "unset", "ok" and "error"\\)$`,
        ),
      );
    }
    assert.throws(() => span.setStatus(7 as never), /got number 7$/);
    assert.deepEqual(span.status, { code: "unset" });
  });

  test("a sampled-out span refuses an unknown code and a non-string name too", () => {
    // Programming errors are loud whether or not the span is sampled: a
    // mistake must not throw only in the configurations that record.
    const spans = [
      new Tracer({ sampler: new AlwaysOffSampler() }).startSpan("x"),
      new Span("x", undefined, "internal", { recording: false }).start(),
    ];
    for (const span of spans) {
      assert.equal(span.isRecording, false);
      assert.throws(() => span.setStatus(2 as never), /^TypeError: Cannot set status/);
      assert.throws(() => span.updateName(5 as never), /^TypeError: Cannot update span name/);
      assert.equal(span.setStatus("error", "fine").updateName("y").name, "x");
      assert.deepEqual(span.status, { code: "unset" });
    }
  });
});

describe("Span.recordException()", () => {
  test("adds an exception event with type, message and stacktrace, and sets error status", () => {
    const error = new TypeError("bad thing");
    const span = new Span("x").recordException(error);
    const event = span.events[0];
    assert.equal(event.name, "exception");
    assert.equal(event.attributes["exception.type"], "TypeError");
    assert.equal(event.attributes["exception.message"], "bad thing");
    assert.equal(event.attributes["exception.stacktrace"], error.stack);
    assert.deepEqual(span.status, { code: "error", message: "bad thing" });
  });

  test("does not rethrow", () => {
    assert.doesNotThrow(() => new Span("x").recordException(new Error("x")));
  });

  test("takes additional event attributes, which win over the ones it generates", () => {
    // Trace API, Record Exception: "the method MUST accept an optional
    // parameter to provide any additional event attributes ... If attributes
    // with the same name would be generated by the method already, the
    // additional attributes take precedence."
    const error = new Error("card declined");
    const span = new Span("x").recordException(error, {
      "exception.escaped": true,
      "exception.message": "declined (redacted)",
    });
    assert.deepEqual(span.events[0].attributes, {
      "exception.type": "Error",
      "exception.message": "declined (redacted)",
      "exception.stacktrace": error.stack,
      "exception.escaped": true,
    });
    assert.equal(span.events[0].droppedAttributesCount, 0);
  });

  test("a given exception.message is the status description too, not the error's own message", () => {
    // The caller replaced the message (to scrub a secret from it, say): the
    // status, which recordException sets, must not carry the raw one.
    const span = new Span("x").recordException(new Error("token=s3cr3t"), {
      "exception.message": "x",
    });
    assert.equal(span.events[0].attributes["exception.message"], "x");
    assert.deepEqual(span.status, { code: "error", message: "x" });
    // Also when the event itself is dropped, or its message is past the
    // per-event limit: the status is set all the same, from the given message.
    const full = new Span("x", undefined, "internal", {
      limits: { eventCountLimit: 0 },
    }).recordException(new Error("token=s3cr3t"), { "exception.message": "token=REDACTED" });
    assert.equal(full.events.length, 0);
    assert.deepEqual(full.status, { code: "error", message: "token=REDACTED" });
    // An empty given message is none: the type describes the error, the
    // given one first.
    assert.deepEqual(
      new Span("x").recordException(new Error("token=s3cr3t"), { "exception.message": "" }).status,
      { code: "error", message: "Error" },
    );
    assert.deepEqual(
      new Span("x").recordException(new Error(""), { "exception.type": "Retryable" }).status,
      { code: "error", message: "Retryable" },
    );
    // A given value that is not a string (or cannot be read) is not a
    // message: the error's own describes the status, as before.
    const hostile = Object.defineProperty({}, "exception.message", {
      enumerable: true,
      get() {
        throw new Error("getter exploded");
      },
    });
    assert.deepEqual(new Span("x").recordException(new Error("m"), hostile).status, {
      code: "error",
      message: "m",
    });
    assert.deepEqual(
      new Span("x").recordException(new Error("m"), { "exception.message": 42 }).status,
      { code: "error", message: "m" },
    );
  });

  test("additional attributes follow the event's rules: invalid ones and ones past the limit are dropped and counted", () => {
    const span = new Span("x", undefined, "internal", {
      limits: { attributePerEventCountLimit: 4, attributeValueLengthLimit: 5 },
    });
    const hostile = Object.defineProperty({ ok: "fine" }, "boom", {
      enumerable: true,
      get() {
        throw new Error("getter exploded");
      },
    });
    span.recordException(new Error("m"), hostile);
    span.recordException(new Error("m"), { a: 1, b: 2, c: 3, "": 4, d: "toolong" } as never);
    const [first, second] = span.events;
    assert.deepEqual(first.attributes["ok"], "fine");
    assert.equal(first.droppedAttributesCount, 1, "the throwing getter");
    assert.equal(Object.keys(second.attributes).length, 4);
    assert.equal(second.attributes["a"], 1);
    assert.equal(second.droppedAttributesCount, 4, "the empty key, and three past the limit");
    assert.equal(span.events.length, 2);
  });

  test("takes the time the exception happened, as addEvent does; a bad one drops the event, counted", () => {
    // Trace API, Record Exception: "a specialized variant of AddEvent, so for
    // anything not specified here, the same requirements as for AddEvent
    // apply"; AddEvent takes "an optional Timestamp which can be used to
    // specify the time at which the event occurred".
    const clock = new ManualTime(1_700_000_000_000);
    const span = new Span("x", undefined, "internal", { clock }).start();
    span.recordException(new Error("a"), undefined, 1_600_000_000_000)
      .recordException(new Error("b"), { retry: 2 }, new Date(1_650_000_000_000))
      .recordException(new Error("c"))
      .recordException(new Error("d"), undefined, -1)
      .recordException(new Error("e"), { retry: 3 }, "soon" as never);
    assert.deepEqual(span.events.map((e) => [e.attributes["exception.message"], e.time]), [
      ["a", 1_600_000_000_000],
      ["b", 1_650_000_000_000],
      ["c", clock.now()],
    ]);
    assert.equal(span.events[1].attributes["retry"], 2);
    assert.equal(span.droppedEventsCount, 2);
    assert.deepEqual(span.status, { code: "error", message: "e" });
  });

  test("an attribute both generated and given counts once against the per-event limit", () => {
    // Trace API, Record Exception: "If attributes with the same name would be
    // generated by the method already, the additional attributes take
    // precedence": the event has one attribute per key. Common, Attribute
    // Limits: an attribute is discarded only when "adding [it] ... would
    // result in exceeding the limit (counting each attribute in the
    // collection as 1)", so a key is dropped, and counted, at most once.
    const error = new Error("m");
    const two = new Span("x", undefined, "internal", {
      limits: { attributePerEventCountLimit: 2 },
    }).recordException(error, { "exception.stacktrace": "(redacted)" });
    assert.deepEqual(two.events[0].attributes, {
      "exception.type": "Error",
      "exception.message": "m",
    });
    assert.equal(two.events[0].droppedAttributesCount, 1, "three keys, two kept");

    const none = new Span("x", undefined, "internal", {
      limits: { attributePerEventCountLimit: 0 },
    }).recordException(error, { "exception.type": "T", "exception.message": "M", extra: 1 });
    assert.deepEqual(none.events[0].attributes, {});
    assert.equal(none.events[0].droppedAttributesCount, 4, "four keys, none kept");

    const invalid = new Span("x", undefined, "internal", {
      limits: { attributePerEventCountLimit: 2 },
    }).recordException(error, { "exception.stacktrace": { nested: true } } as never);
    assert.equal(
      invalid.events[0].droppedAttributesCount,
      2,
      "the invalid value, and the generated stacktrace past the limit",
    );
  });

  test("additional attributes that are not a record are counted as one dropped attribute", () => {
    const span = new Span("x").recordException(new Error("m"), 42 as never);
    assert.equal(span.events[0].attributes["exception.message"], "m");
    assert.equal(span.events[0].droppedAttributesCount, 1);
  });

  const odd: [string, unknown, Record<string, unknown>][] = [
    ["a string", "plain failure", { "exception.message": "plain failure" }],
    ["null", null, { "exception.type": "null", "exception.message": "null" }],
    ["undefined", undefined, { "exception.type": "undefined", "exception.message": "undefined" }],
    ["a number", 42, { "exception.type": "number", "exception.message": "42" }],
    ["a plain object", { message: "obj", code: 7 }, {
      "exception.type": "Object",
      "exception.message": "obj",
    }],
  ];
  for (const [what, value, expected] of odd) {
    test(`handles ${what} without throwing`, () => {
      const span = new Span("x").recordException(value);
      assert.deepEqual(span.events[0].attributes, expected);
      assert.equal(span.status.code, "error");
    });
  }

  test("an error with an empty message describes the error status by its type, as one with none does", () => {
    // Trace API, Set Status: "An empty Description is equivalent with a not
    // present one." An error whose message cannot be read gives its type as
    // the description; one whose message is "" gave none.
    const span = new Span("x").recordException(new TypeError());
    assert.equal(span.events[0].attributes["exception.message"], "", "the event keeps it as it is");
    assert.deepEqual(span.status, { code: "error", message: "TypeError" });
  });

  test("handles an error whose message getter throws", () => {
    const error = new Error("hidden");
    Object.defineProperty(error, "message", {
      get() {
        throw new Error("getter exploded");
      },
    });
    const span = new Span("x").recordException(error);
    assert.equal(span.events[0].attributes["exception.type"], "Error");
    assert.equal(span.events[0].attributes["exception.message"], undefined);
    assert.deepEqual(span.status, { code: "error", message: "Error" });
  });

  test("handles a proxy that throws on every property read", () => {
    const hostile = new Proxy({}, {
      get() {
        throw new Error("no");
      },
    });
    const span = new Span("x").recordException(hostile);
    assert.equal(span.events[0].attributes["exception.type"], "Object");
    assert.equal(span.status.code, "error");
  });

  test("a subclass that sets no name of its own has its class's name as its type", () => {
    // Semantic conventions: exception.type is "the exception type's
    // fully-qualified class name"; the inherited name would say "Error".
    class DbError extends Error {}
    class Timeout extends RangeError {}
    class Base extends Error {}
    Object.defineProperty(Base.prototype, "name", { value: "Base", configurable: true });
    class Derived extends Base {}
    const typeOf = (error: unknown) =>
      new Span("x").recordException(error).events[0].attributes["exception.type"];
    assert.equal(typeOf(new DbError("down")), "DbError");
    assert.equal(typeOf(new Timeout("late")), "Timeout");
    assert.equal(typeOf(new Base("b")), "Base", "a name on the class's own prototype is kept");
    assert.equal(typeOf(new Derived("d")), "Derived");
    assert.deepEqual(
      new Span("x").recordException(new DbError()).status,
      { code: "error", message: "DbError" },
      "with no message, the status says the class",
    );
  });

  test("a name the error gives itself, and built-in errors' names, are kept", () => {
    class Named extends Error {
      constructor(message: string) {
        super(message);
        this.name = "Retryable";
      }
    }
    const typeOf = (error: unknown) =>
      new Span("x").recordException(error).events[0].attributes["exception.type"];
    assert.equal(typeOf(new Named("again")), "Retryable");
    assert.equal(typeOf(new TypeError("t")), "TypeError");
    assert.equal(typeOf(new DOMException("stop", "AbortError")), "AbortError");
    assert.equal(typeOf(new AggregateError([], "all")), "AggregateError");
    const proxy = new Proxy(new (class Odd extends Error {})("o"), {
      getPrototypeOf() {
        throw new Error("no prototype for you");
      },
    });
    assert.equal(typeOf(proxy), "Error", "a trap that throws keeps the name it gave");
  });

  test("uses a custom error's name", () => {
    class PaymentDeclined extends Error {
      override name = "PaymentDeclined";
    }
    const span = new Span("x").recordException(new PaymentDeclined("card"));
    assert.equal(span.events[0].attributes["exception.type"], "PaymentDeclined");
  });
});

describe("Span.toJSON()", () => {
  test("serializes every field, with durationMs, so JSON.stringify works", async () => {
    const clock = new ManualTime(1_000);
    const parent = SpanContext.newRoot();
    const ctx = new SpanContext({
      traceId: parent.traceId,
      spanId: "1111111111111111",
      parentSpanId: parent.spanId,
      traceFlags: 1,
      traceState: "a=b",
    });
    const linked = SpanContext.newRoot();
    const span = new Span("op", ctx, "server", { clock }).start();
    span.setAttribute("k", "v").addEvent("e", { n: 1 }).addLink(linked, { l: true });
    await clock.tick(250);
    span.setStatus("error", "bad").end();
    assert.deepEqual(JSON.parse(JSON.stringify(span)), {
      name: "op",
      kind: "server",
      traceId: parent.traceId,
      spanId: "1111111111111111",
      parentSpanId: parent.spanId,
      traceFlags: 1,
      traceState: "a=b",
      startTime: 1_000,
      endTime: 1_250,
      durationMs: 250,
      status: { code: "error", message: "bad" },
      attributes: { k: "v" },
      events: [{ name: "e", time: 1_000, attributes: { n: 1 }, droppedAttributesCount: 0 }],
      links: [{
        traceId: linked.traceId,
        spanId: linked.spanId,
        traceFlags: linked.traceFlags,
        attributes: { l: true },
        droppedAttributesCount: 0,
      }],
      droppedAttributesCount: 0,
      droppedEventsCount: 0,
      droppedLinksCount: 0,
    });
  });

  test("serializes a link whose ids are all zeros with those ids", () => {
    const zeros = { traceId: "0".repeat(32), spanId: "0".repeat(16), traceState: "v=1" };
    const json = JSON.parse(JSON.stringify(new Span("x").addLink(zeros as never, { k: 1 })));
    assert.deepEqual(json.links, [{
      ...zeros,
      traceFlags: 0,
      attributes: { k: 1 },
      droppedAttributesCount: 0,
    }]);
    assert.equal(json.droppedLinksCount, 0);
  });

  test("a root span has parentSpanId null; an unended span has null times", () => {
    const json = new Span("x").toJSON();
    assert.equal(json.parentSpanId, null);
    assert.equal(json.startTime, null);
    assert.equal(json.endTime, null);
    assert.equal(json.durationMs, null);
  });

  test("the dropped counts are serialized", () => {
    const json = new Span("x").setAttribute("bad", null as never).addEvent(5 as never)
      .addLink(null as never).toJSON();
    assert.equal(json.droppedAttributesCount, 1);
    assert.equal(json.droppedEventsCount, 1);
    assert.equal(json.droppedLinksCount, 1);
  });

  test("each event's and link's dropped attributes are serialized, and a link's trace flags", () => {
    const linked = new SpanContext({
      traceId: "a".repeat(32),
      spanId: "b".repeat(16),
      traceFlags: 1,
    });
    const json = JSON.parse(JSON.stringify(
      new Span("x")
        .addEvent("e", { ok: 1, bad: {} as never })
        .addLink(linked, { ok: 1, bad: null as never, worse: [1, "a"] as never }),
    ));
    assert.deepEqual(json.events[0].attributes, { ok: 1 });
    assert.equal(json.events[0].droppedAttributesCount, 1);
    assert.deepEqual(json.links[0].attributes, { ok: 1 });
    assert.equal(json.links[0].droppedAttributesCount, 2);
    assert.equal(json.links[0].traceFlags, 1);
  });
});
