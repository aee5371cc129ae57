import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { captureWarnings, nextTurn } from "./_helpers.ts";
import {
  AlwaysOffSampler,
  AlwaysOnSampler,
  getCurrentSpan,
  InMemorySpanProcessor,
  Span,
  SpanContext,
  type SpanProcessor,
  TraceFlags,
  Tracer,
  withSpan,
} from "../mod.ts";
import { encodeOtlpJson, encodeOtlpProtobuf } from "../otlp.ts";
import { PASS_THROUGH_SAMPLER } from "../src/trace/_pass_through.ts";

function setup() {
  const memory = new InMemorySpanProcessor();
  const tracer = new Tracer({ name: "test", version: "0.0.1", processors: [memory] });
  return { memory, tracer };
}

describe("Tracer.startSpan()", () => {
  test("starts a root span when nothing is current", () => {
    const { tracer } = setup();
    const span = tracer.startSpan("root");
    assert.equal(span.context.parentSpanId, undefined);
    assert.equal(typeof span.startTime, "number");
    assert.equal(span.context.traceFlags, TraceFlags.SAMPLED | TraceFlags.RANDOM);
  });

  test("parents on the current span automatically", () => {
    const { tracer } = setup();
    const unrelated = tracer.startSpan("started but never made current");
    const [scope, child] = tracer.span("scope", (s) => [s, tracer.startSpan("child")]);
    assert.equal(child.context.parentSpanId, scope.context.spanId);
    assert.notEqual(
      child.context.traceId,
      unrelated.context.traceId,
      "startSpan alone is not current",
    );
    tracer.span("p", (p) => {
      const c = tracer.startSpan("c");
      assert.equal(c.context.parentSpanId, p.context.spanId);
      assert.equal(c.context.traceId, p.context.traceId);
    });
  });

  test("parent: a Span, a SpanContext, or null to force a new trace", () => {
    const { tracer } = setup();
    const parent = tracer.startSpan("parent");
    const remote = new SpanContext({
      traceId: "4bf92f3577b34da6a3ce929d0e0e4736",
      spanId: "00f067aa0ba902b7",
      isRemote: true,
      traceState: "vendor=x",
    });
    assert.equal(tracer.startSpan("a", { parent }).context.parentSpanId, parent.context.spanId);
    const fromRemote = tracer.startSpan("b", { parent: remote });
    assert.equal(fromRemote.context.traceId, remote.traceId);
    assert.equal(fromRemote.context.parentSpanId, remote.spanId);
    assert.equal(fromRemote.context.traceState, "vendor=x");
    assert.equal(fromRemote.context.isRemote, false);
    tracer.span("current", () => {
      const root = tracer.startSpan("root", { parent: null });
      assert.equal(root.context.parentSpanId, undefined);
      assert.notEqual(root.context.traceId, parent.context.traceId);
    });
  });

  test("sets kind, attributes, links and start time from the options", () => {
    const { tracer } = setup();
    const linked = SpanContext.newRoot();
    const span = tracer.startSpan("x", {
      kind: "producer",
      attributes: { a: 1 },
      links: [{ context: linked, attributes: { why: "fan-in" } }],
      startTime: 1234,
    });
    assert.equal(span.kind, "producer");
    assert.deepEqual(span.attributes, { a: 1 });
    assert.equal(span.links[0].context, linked);
    assert.deepEqual(span.links[0].attributes, { why: "fan-in" });
    assert.equal(span.startTime, 1234);
  });

  test("keeps a link option whose ids are all zeros only when it has attributes or a trace state", () => {
    const { tracer } = setup();
    const zeros = { traceId: "0".repeat(32), spanId: "0".repeat(16) } as unknown as SpanContext;
    const withState = { ...zeros, traceState: "vendor=1" } as SpanContext;
    const span = tracer.startSpan("consume", {
      links: [
        { context: zeros, attributes: { "messaging.x": 1 } },
        { context: zeros },
        { context: withState },
        { context: zeros, attributes: {} },
      ],
    });
    // Kept as copies of the contexts given.
    assert.deepEqual(
      span.links.map((
        l,
      ) => [l.context.traceId, l.context.spanId, l.context.traceState, l.attributes]),
      [
        [zeros.traceId, zeros.spanId, undefined, { "messaging.x": 1 }],
        [zeros.traceId, zeros.spanId, "vendor=1", {}],
      ],
    );
    assert.equal(span.droppedLinksCount, 2);
  });

  test("records the tracer's name and version as the instrumentation scope", () => {
    const { tracer } = setup();
    assert.deepEqual(tracer.startSpan("x").instrumentationScope, {
      name: "test",
      version: "0.0.1",
    });
  });

  test("processors get onStart when the span starts and onEnd once when it ends", () => {
    const calls: string[] = [];
    const processor: SpanProcessor = {
      onStart: (s) => void calls.push(`start:${s.name}:${s.ended}`),
      onEnd: (s) => void calls.push(`end:${s.name}:${s.ended}`),
      forceFlush: () => Promise.resolve(),
      shutdown: () => Promise.resolve(),
    };
    const span = new Tracer({ processors: [processor] }).startSpan("x");
    span.end();
    span.end();
    assert.deepEqual(calls, ["start:x:false", "end:x:true"]);
  });

  test("a processor that throws breaks neither the application nor the other processors", async () => {
    const memory = new InMemorySpanProcessor();
    const broken: SpanProcessor = {
      onStart() {
        throw new Error("onStart broke");
      },
      onEnd() {
        throw new Error("onEnd broke");
      },
      forceFlush: () => Promise.reject(new Error("flush broke")),
      shutdown: () => Promise.reject(new Error("shutdown broke")),
    };
    const tracer = new Tracer({ processors: [broken, memory] });
    assert.doesNotThrow(() => tracer.startSpan("x").end());
    assert.equal(memory.spans.length, 1);
    await tracer.forceFlush();
    await tracer.shutdown();
    tracer.startSpan("after shutdown").end();
    assert.equal(
      memory.spans.length,
      1,
      "the healthy processor was shut down despite the broken one",
    );
  });

  test("links that cannot be read are dropped and counted, never thrown into the application", () => {
    const tracer = new Tracer();
    const good = SpanContext.newRoot();
    const throwing = {
      get context(): SpanContext {
        throw new Error("getter broke");
      },
    };
    const span = tracer.startSpan("a", { links: [throwing, { context: good }] as never });
    assert.deepEqual(span.links.map((l) => l.context), [good]);
    assert.equal(span.droppedLinksCount, 1);

    const unreadable = new Proxy([], {
      get() {
        throw new Error("trap broke");
      },
    });
    const other = tracer.startSpan("b", { links: unreadable as never });
    assert.equal(other.links.length, 0);
    assert.equal(other.droppedLinksCount, 1);
    assert.throws(
      () => tracer.startSpan("c", { links: {} as never }),
      TypeError,
      "a mistake still throws",
    );
  });

  test("a flush error and a later shutdown error are each reported, once", async () => {
    // Unique messages: warnings are once per cause for the whole process.
    const id = crypto.randomUUID();
    const broken: SpanProcessor = {
      onEnd() {},
      forceFlush: () => Promise.reject(new Error(`flush broke ${id}`)),
      shutdown: () => Promise.reject(new Error(`shutdown broke ${id}`)),
    };
    const tracer = new Tracer({ processors: [broken] });
    const warned = await captureWarnings(async () => {
      await tracer.forceFlush();
      await tracer.forceFlush();
      await tracer.shutdown();
    });
    const mine = warned.filter((w) => w.includes(id));
    assert.equal(mine.length, 2, mine.join("\n"));
    assert.match(mine[0], /in forceFlush.*flush broke/);
    assert.match(mine[1], /in shutdown.*shutdown broke/);
  });

  const badCalls: [string, (t: Tracer) => unknown, RegExp][] = [
    ["a non-string name", (t) => t.startSpan(5 as never), /^TypeError: Cannot start span: name/],
    ["an unknown kind", (t) => t.startSpan("x", { kind: "bogus" as never }), /kind/],
    ["a bad parent", (t) => t.startSpan("x", { parent: {} as never }), /Cannot start span: parent/],
    [
      "a start time that is no number",
      (t) => t.startSpan("x", { startTime: "now" as never }),
      /Cannot start span: time/,
    ],
  ];
  for (const [what, call, message] of badCalls) {
    test(`${what} is a TypeError`, () => {
      assert.throws(() => call(new Tracer()), (e: unknown) => {
        return e instanceof TypeError && message.test(String(e));
      });
    });
  }
});

describe("a Tracer's span contexts", () => {
  // Only a disabled setupTracing's tracer passes its parent's context on
  // (otlp_setup_tracing_test.ts): a sampler's drop is OpenTelemetry's SDK's.
  test("a span a sampler drops under a parent has a new span id, its sampled flag clear", () => {
    const parent = new SpanContext({
      traceId: "0af7651916cd43dd8448eb211c80319c",
      spanId: "b7ad6b7169203331",
      traceState: "congo=t61rcWkgMzE",
      isRemote: true,
    });
    const span = new Tracer({ sampler: new AlwaysOffSampler() }).startSpan("x", { parent });
    assert.equal(span.isRecording, false);
    assert.equal(span.context.traceId, parent.traceId);
    assert.notEqual(span.context.spanId, parent.spanId);
    assert.equal(span.context.traceFlags & TraceFlags.SAMPLED, 0);
    assert.equal(span.context.traceState, parent.traceState);
  });

  test("are handed out frozen, the same object every time, however the span is reached", () => {
    const tracer = new Tracer();
    const parent = tracer.startSpan("parent");
    const child = tracer.startSpan("child", { parent });
    const silent = new Tracer({ sampler: new AlwaysOffSampler() }).startSpan("sampled out");
    const reached = tracer.span("current", () => [parent, child, silent, getCurrentSpan()!]);
    assert.deepEqual(reached.map((span) => span.name), [
      "parent",
      "child",
      "sampled out",
      "current",
    ]);
    for (const span of reached) {
      const context = span.context;
      assert.equal(Object.isFrozen(context), true, span.name);
      assert.equal(span.context, context, span.name);
      assert.throws(() => {
        (context as { traceId: string }).traceId = "x";
      }, TypeError);
    }
  });

  test("carry the span's ids whenever first read, and encode alike read or not", () => {
    const tracer = new Tracer();
    const make = () => {
      const root = tracer.startSpan("root");
      const child = tracer.startSpan("child", { parent: root });
      const silent = tracer.startSpan("silent", {
        parent: new SpanContext({ ...root.context, traceFlags: 0, traceState: "k=v" }),
      });
      tracer.span("current", () => {});
      for (const span of [silent, child, root]) span.end();
      return [root, child, silent];
    };
    const spans = make();
    const [root, child, silent] = spans;
    const before = [encodeOtlpProtobuf(spans), encodeOtlpJson(spans)];
    for (const span of spans) {
      const json = span.toJSON();
      const context = span.context;
      assert.deepEqual(
        [context.traceId, context.spanId, context.parentSpanId ?? null, context.traceFlags],
        [json.traceId, json.spanId, json.parentSpanId, json.traceFlags],
      );
      assert.equal(context.traceState ?? null, json.traceState);
      assert.equal(context.isRemote, false);
      assert.equal(span.context, context);
    }
    assert.equal(child.context.traceId, root.context.traceId);
    assert.equal(child.context.parentSpanId, root.context.spanId);
    assert.equal(silent.context.traceState, "k=v");
    assert.equal(silent.context.isSampled, false);
    assert.deepEqual([encodeOtlpProtobuf(spans), encodeOtlpJson(spans)], before);
  });

  test("reach a sampler frozen, the parent's included", () => {
    const seen: unknown[] = [];
    const tracer = new Tracer({
      sampler: {
        shouldSample: ({ parent }) => {
          seen.push(parent);
          return { decision: "recordAndSample" };
        },
      },
    });
    const root = tracer.startSpan("root");
    tracer.startSpan("child", { parent: root });
    tracer.span("current", () => tracer.startSpan("grandchild"));
    const parents = seen.filter((p) => p !== undefined);
    assert.equal(parents.length, 2);
    for (const parent of parents) assert.equal(Object.isFrozen(parent), true);
  });
});

describe("new Tracer()", () => {
  test("enabled says whether any processor sees its spans (OpenTelemetry's Tracer Enabled)", () => {
    // "Enabled MUST return false when ... there are no registered
    // SpanProcessors" (SDK specification); a disabled tracer is not either.
    const memory = new InMemorySpanProcessor();
    assert.equal(new Tracer().enabled, false);
    assert.equal(new Tracer({ processors: [] }).enabled, false);
    assert.equal(new Tracer({ processors: [memory] }).enabled, true);
    assert.equal(
      new Tracer({ processors: [memory], sampler: PASS_THROUGH_SAMPLER }).enabled,
      false,
    );
    assert.equal(
      new Tracer({ processors: [memory], sampler: new AlwaysOffSampler() }).enabled,
      true,
    );
  });

  const badOptions: [string, unknown][] = [
    ["options that are not an object", 5],
    ["processors that are not an array", { processors: {} }],
    ["a processor without onEnd", { processors: [{}] }],
    ["an id generator without spanId", { idGenerator: { traceId: () => "" } }],
    ["a clock without now", { clock: {} }],
    ["a sampler without shouldSample", { sampler: {} }],
    ["a numeric name", { name: 5 }],
    ["a numeric schemaUrl", { schemaUrl: 5 }],
  ];
  for (const [what, options] of badOptions) {
    test(`rejects ${what} with a TypeError`, () => {
      assert.throws(
        () => new Tracer(options as never),
        (e: unknown) => e instanceof TypeError && /^Cannot create Tracer: /.test(e.message),
      );
    });
  }

  test("says what a schemaUrl that is no string was", () => {
    assert.throws(() => new Tracer({ schemaUrl: 5 } as never), {
      name: "TypeError",
      message: "Cannot create Tracer: schemaUrl must be a string, got number 5",
    });
  });

  test("puts its schemaUrl in the instrumentation scope of its spans, and none when not given", () => {
    const url = "https://opentelemetry.io/schemas/1.26.0";
    const span = new Tracer({ name: "shop", version: "1.0.0", schemaUrl: url }).startSpan("a");
    assert.deepEqual(span.instrumentationScope, { name: "shop", version: "1.0.0", schemaUrl: url });
    const plain = new Tracer({ name: "shop", version: "1.0.0" }).startSpan("b");
    assert.deepEqual(plain.instrumentationScope, { name: "shop", version: "1.0.0" });
    assert.ok(Object.isFrozen(span.instrumentationScope));
  });

  test("uses the injected id generator and clock", () => {
    let n = 0;
    const tracer = new Tracer({
      idGenerator: {
        traceId: () => "abcdefabcdefabcdefabcdefabcdefab",
        spanId: () => (++n).toString(16).padStart(16, "0"),
      },
      clock: { now: () => 7 },
    });
    const span = tracer.startSpan("x");
    assert.equal(span.context.traceId, "abcdefabcdefabcdefabcdefabcdefab");
    assert.equal(span.context.spanId, "0000000000000001");
    assert.equal(span.startTime, 7);
  });
});

describe("a pass-through tracer (a disabled setupTracing's)", () => {
  test("makes no ids and passes its parent's context on, root or child", () => {
    let made = 0;
    const tracer = new Tracer({
      sampler: PASS_THROUGH_SAMPLER,
      idGenerator: {
        traceId: () => (made++, "abcdefabcdefabcdefabcdefabcdefab"),
        spanId: () => (made++, "0000000000000001"),
      },
    });
    const root = tracer.startSpan("root");
    assert.equal(root.context.traceId, "0".repeat(32));
    assert.equal(root.isRecording, false);
    const parent = new SpanContext({
      traceId: "4bf92f3577b34da6a3ce929d0e0e4736",
      spanId: "00f067aa0ba902b7",
      traceFlags: 1,
    });
    const child = tracer.startSpan("child", { parent, kind: "client" });
    assert.equal(child.context.spanId, parent.spanId);
    assert.equal(child.kind, "client");
    tracer.span("inner", { parent: child }, (inner) => {
      assert.equal(inner.context.spanId, parent.spanId);
    });
    assert.equal(made, 0);
  });

  test("a span of it with no trace (all-zero ids) is no parent to a recording tracer's spans", () => {
    // "If there is a valid parent trace ID, use it. Otherwise generate a new
    // trace ID" (SDK specification): the all-zero trace id was taken over,
    // and the child dropped as an unsampled parent's, or, under AlwaysOn,
    // recorded and exported with it.
    const disabled = new Tracer({ sampler: PASS_THROUGH_SAMPLER }).startSpan("outer");
    assert.equal(disabled.context.traceId, "0".repeat(32));
    for (const sampler of [undefined, new AlwaysOnSampler()]) {
      const memory = new InMemorySpanProcessor();
      const tracer = new Tracer({ sampler, processors: [memory] });
      const explicit = tracer.startSpan("explicit", { parent: disabled });
      const current = withSpan(disabled, () => tracer.startSpan("current"));
      const given = tracer.startSpan("context", { parent: disabled.context });
      for (const span of [explicit, current, given]) {
        assert.notEqual(span.context.traceId, "0".repeat(32), span.name);
        assert.equal(span.context.parentSpanId, undefined, span.name);
        assert.equal(span.isRecording, true, span.name);
        span.end();
      }
      assert.equal(memory.spans.length, 3);
      // A child of such a root is a child as usual.
      const child = tracer.startSpan("child", { parent: explicit });
      assert.equal(child.context.parentSpanId, explicit.context.spanId);
    }
  });
});

describe("Tracer.span()", () => {
  test("returns what a synchronous fn returns and ends the span", () => {
    const { tracer, memory } = setup();
    assert.equal(tracer.span("x", () => 42), 42);
    assert.equal(memory.spans[0].ended, true);
  });

  test("returns a promise for an async fn and ends the span when it settles", async () => {
    const { tracer, memory } = setup();
    const promise = tracer.span("x", async () => {
      await nextTurn();
      return "done";
    });
    assert.ok(promise instanceof Promise);
    assert.equal(memory.spans.length, 0, "not ended before the promise settles");
    assert.equal(await promise, "done");
    assert.equal(memory.spans.length, 1);
  });

  test("makes the span current inside fn and restores the previous one after", async () => {
    const { tracer } = setup();
    const outer = tracer.startSpan("outer");
    await tracer.span("wrapper", { parent: outer }, async () => {
      await tracer.span("inner", async (inner) => {
        await nextTurn();
        assert.equal(getCurrentSpan(), inner);
      });
      assert.equal(getCurrentSpan()?.name, "wrapper");
    });
    assert.equal(getCurrentSpan(), undefined);
  });

  test("passes the span to fn", () => {
    const { tracer, memory } = setup();
    const given: unknown[] = [];
    tracer.span("x", (span) => void given.push(span));
    assert.equal(given.length, 1, "fn ran once");
    assert.ok(given[0] instanceof Span);
    assert.equal(given[0], memory.spans[0], "the very span the tracer recorded");
    assert.equal(memory.spans[0].name, "x");
  });

  test("records a thrown error, rethrows it and ends the span", () => {
    const { tracer, memory } = setup();
    const error = new Error("sync boom");
    assert.throws(() =>
      tracer.span("x", () => {
        throw error;
      }), (e) => e === error);
    const span = memory.spans[0];
    assert.equal(span.ended, true);
    assert.deepEqual(span.status, { code: "error", message: "sync boom" });
    assert.equal(span.events[0].name, "exception");
    assert.equal(getCurrentSpan(), undefined);
  });

  test("records a rejection, rejects with the same error and ends the span", async () => {
    const { tracer, memory } = setup();
    const error = new Error("async boom");
    await assert.rejects(
      tracer.span("x", async () => {
        await nextTurn();
        throw error;
      }),
      (e) => e === error,
    );
    assert.equal(memory.spans[0].status.code, "error");
    assert.equal(memory.spans[0].ended, true);
  });

  test("follows a thenable that is no promise as await does: its value, its rejection, a then that throws", async () => {
    const { tracer, memory } = setup();
    // A minimal thenable: its then returns nothing, and calls back later.
    const later = (settle: (f: (v: unknown) => void, r: (e: unknown) => void) => void) =>
      ({
        then(onFulfilled: (v: unknown) => void, onRejected: (e: unknown) => void) {
          setTimeout(() => settle(onFulfilled, onRejected), 0);
        },
      }) as unknown as PromiseLike<unknown>;
    const thrownIntoThenable: unknown[] = [];
    const rejecting = {
      then(_: unknown, onRejected: (e: unknown) => void): void {
        setTimeout(() => {
          try {
            onRejected(new Error("no rows"));
          } catch (error) {
            // Without this catch, the application would crash here.
            thrownIntoThenable.push(error);
          }
        }, 0);
      },
    } as unknown as PromiseLike<never>;
    const throwing = {
      then() {
        throw new Error("then threw");
      },
    } as unknown as PromiseLike<never>;
    assert.equal(await tracer.span("value", () => later((ok) => ok(42))), 42);
    await assert.rejects(async () => await tracer.span("rejects", () => rejecting), /no rows/);
    await assert.rejects(async () => await tracer.span("throws", () => throwing), /then threw/);
    await nextTurn();
    assert.deepEqual(thrownIntoThenable, []);
    const spans = Object.fromEntries(memory.spans.map((s) => [s.name, s]));
    assert.deepEqual(Object.keys(spans).sort(), ["rejects", "throws", "value"]);
    assert.equal(spans.value.status.code, "unset");
    assert.deepEqual(spans.rejects.status, { code: "error", message: "no rows" });
    assert.deepEqual(spans.throws.status, { code: "error", message: "then threw" });
    assert.equal(getCurrentSpan(), undefined);
  });

  test("follows a function with a then method as await does, and ends its span when it settles", async () => {
    const { tracer, memory } = setup();
    let settle: (value: number) => void = () => {};
    const thenable = Object.assign(() => {}, {
      then(resolve: (value: number) => void) {
        settle = resolve;
      },
    });
    const result = tracer.span("fn-thenable", () => thenable) as unknown;
    assert.ok(result instanceof Promise, "a promise of its outcome, as for any thenable");
    assert.equal(memory.spans.length, 0, "not ended before it settles");
    settle(5);
    assert.equal(await result, 5);
    assert.deepEqual(memory.spans.map((s) => s.name), ["fn-thenable"]);
  });

  test("returns a value whose then getter throws as it is, and ends its span once", () => {
    const { tracer, memory } = setup();
    let reads = 0;
    const value = {
      get then(): never {
        reads++;
        throw new Error("then getter");
      },
    };
    assert.equal(tracer.span("odd", () => value), value);
    assert.equal(
      tracer.wrap(function odd() {
        return value;
      })(),
      value,
    );
    assert.deepEqual(memory.spans.map((s) => [s.name, s.ended, s.status.code]), [
      ["odd", true, "unset"],
      ["odd", true, "unset"],
    ]);
    assert.equal(reads, 2);
    assert.equal(getCurrentSpan(), undefined);
  });

  test("takes options between the name and fn", () => {
    const { tracer } = setup();
    const kind = tracer.span("x", { kind: "consumer", attributes: { q: "jobs" } }, (s) => {
      assert.equal(s.attributes.q, "jobs");
      return s.kind;
    });
    assert.equal(kind, "consumer");
  });

  test("a missing fn is a TypeError", () => {
    const { tracer } = setup();
    assert.throws(() => tracer.span("x", {} as never), /^TypeError: Cannot run span: fn/);
  });
});

describe("Tracer.wrap()", () => {
  test("keeps arguments, this and the return value, one span per call", () => {
    const { tracer, memory } = setup();
    const counter = {
      base: 10,
      add: tracer.wrap(function add(this: { base: number }, a: number, b: number) {
        return this.base + a + b;
      }),
    };
    assert.equal(counter.add(1, 2), 13);
    assert.equal(counter.add(3, 4), 17);
    assert.deepEqual(memory.spans.map((s) => s.name), ["add", "add"]);
    assert.equal(counter.add.name, "add");
    assert.equal(counter.add.length, 2);
  });

  test("names the span from options, else fn.name, else anonymous", () => {
    const { tracer, memory } = setup();
    tracer.wrap(function named() {})();
    tracer.wrap(() => {}, { name: "custom", kind: "client", attributes: { a: 1 } })();
    const anon = Object.defineProperty(() => {}, "name", { value: "" });
    tracer.wrap(anon)();
    assert.deepEqual(memory.spans.map((s) => s.name), ["named", "custom", "anonymous"]);
    assert.equal(memory.spans[1].kind, "client");
    assert.deepEqual(memory.spans[1].attributes, { a: 1 });
  });

  test("works with async functions and records their rejections", async () => {
    const { tracer, memory } = setup();
    const fail = tracer.wrap(async function fail(reason: string) {
      await nextTurn();
      throw new Error(reason);
    });
    await assert.rejects(fail("nope"), /nope/);
    assert.deepEqual(memory.spans[0].status, { code: "error", message: "nope" });
  });

  test("each call's span is a child of the span current at the call", () => {
    const { tracer, memory } = setup();
    const inner = tracer.wrap(function inner() {});
    tracer.span("outer", () => inner());
    const [innerSpan, outerSpan] = memory.spans;
    assert.equal(innerSpan.context.parentSpanId, outerSpan.context.spanId);
  });

  test("new on a wrapped constructor builds what new on the constructor builds, in a span", () => {
    const { tracer, memory } = setup();
    function Point(this: { x: number }, x: number) {
      this.x = x;
    }
    const TracedPoint = tracer.wrap(Point) as unknown as new (x: number) => { x: number };
    const point = new TracedPoint(3);
    assert.equal(point.x, 3);
    assert.ok(point instanceof Point);
    assert.ok(point instanceof TracedPoint);
    class Cart {
      constructor(readonly items: number) {}
    }
    const TracedCart = tracer.wrap(Cart as never) as unknown as typeof Cart;
    const cart = new TracedCart(2);
    assert.ok(cart instanceof Cart);
    assert.equal(cart.items, 2);
    assert.deepEqual(memory.spans.map((s) => [s.name, s.status.code]), [
      ["Point", "unset"],
      ["Cart", "unset"],
    ]);
  });

  test("wrapping a non-function or with a non-string name is a TypeError", () => {
    const { tracer } = setup();
    assert.throws(() => tracer.wrap(5 as never), /^TypeError: Cannot wrap: fn/);
    assert.throws(() => tracer.wrap(() => {}, { name: 5 as never }), /Cannot wrap: name/);
  });
});
