// In: code written only against @opentelemetry/api, routed into this
// library, with the current span shared both ways; and addSpanProcessor.

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { withCleanGlobals } from "./_otel_globals.ts";
import { captureWarnings, isDeno, nextTurn, withEnv } from "./_helpers.ts";
import { runFixture } from "./_child_process.ts";
import { boundEventCount } from "../src/context/_bind_emitter.ts";
import { processorSpanOf } from "../src/otel/_processor_span.ts";
import { EventEmitter } from "node:events";
import {
  type Context,
  context,
  createTraceState,
  INVALID_SPAN_CONTEXT,
  propagation,
  type ProxyTracerProvider,
  ROOT_CONTEXT,
  type Span as ApiSpan,
  SpanKind,
  SpanStatusCode,
  trace,
} from "@opentelemetry/api";
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor as SdkSimpleSpanProcessor,
  type SpanProcessor as OtelSpanProcessor,
} from "@opentelemetry/sdk-trace-base";
import {
  AlwaysOffSampler,
  AlwaysOnSampler,
  Baggage,
  getBaggage,
  getCurrentContext,
  getCurrentSpan,
  injectContext,
  InMemorySpanProcessor,
  propagationStats,
  setCurrentSpan,
  Span,
  SpanContext,
  Tracer,
  withBaggage,
  withContext,
  withSpan,
} from "../mod.ts";
import {
  addSpanProcessor,
  BatchSpanProcessor,
  BridgeContextManager,
  SimpleSpanProcessor,
  TracerProvider,
} from "../otel.ts";

// A "library" that knows nothing but @opentelemetry/api.
async function instrumentedQuery(sql: string): Promise<string> {
  const tracer = trace.getTracer("db-driver", "3.1.0");
  return await tracer.startActiveSpan("db.query", { kind: SpanKind.CLIENT }, async (span) => {
    span.setAttribute("db.statement", sql);
    await nextTurn();
    const inner = tracer.startSpan("db.connect");
    inner.end();
    span.end();
    return "rows";
  });
}

function byName(spans: Span[]): Record<string, Span> {
  return Object.fromEntries(spans.map((s) => [s.name, s]));
}

describe("TracerProvider: @opentelemetry/api spans become this library's spans", () => {
  test("API spans started inside tracer.span(...) are its children, across awaits", async () => {
    await withCleanGlobals(async () => {
      const memory = new InMemorySpanProcessor();
      assert.equal(new TracerProvider({ processors: [memory] }).register(), true);
      const tracer = new Tracer({ name: "app", processors: [memory] });
      const result = await tracer.span("GET /users", { kind: "server" }, async () => {
        await nextTurn();
        return await instrumentedQuery("select 1");
      });
      assert.equal(result, "rows");
      const s = byName(memory.spans);
      assert.equal(s["db.query"].context.parentSpanId, s["GET /users"].context.spanId);
      assert.equal(s["db.connect"].context.parentSpanId, s["db.query"].context.spanId);
      assert.equal(s["db.query"].context.traceId, s["GET /users"].context.traceId);
      assert.equal(s["db.query"].kind, "client");
      assert.equal(s["db.query"].attributes["db.statement"], "select 1");
      assert.deepEqual(s["db.query"].instrumentationScope, { name: "db-driver", version: "3.1.0" });
    });
  });

  test("recordException through the API never throws, whatever the exception's getters do", async () => {
    await withCleanGlobals(() => {
      const memory = new InMemorySpanProcessor();
      new TracerProvider({ processors: [memory] }).register();
      const hostile = {
        get code(): never {
          throw new Error("code getter broke");
        },
        message: "disk full",
      };
      const apiSpan = trace.getTracer("lib").startSpan("write");
      assert.doesNotThrow(() => apiSpan.recordException(hostile as never));
      apiSpan.recordException({ code: "ENOSPC", name: "Error", message: "no space" });
      apiSpan.end();
      const [first, second] = memory.spans[0].events;
      assert.equal(first.attributes["exception.message"], "disk full");
      assert.equal(second.attributes["exception.type"], "ENOSPC", "code first, as the SDK does");
    });
  });

  test("a trace state from the API that is no valid header is dropped and counted, never sent", async () => {
    await withCleanGlobals(() => {
      const memory = new InMemorySpanProcessor();
      new TracerProvider({ processors: [memory] }).register();
      const before = propagationStats().tracestate;
      const remote = trace.setSpanContext(context.active(), {
        traceId: "0af7651916cd43dd8448eb211c80319c",
        spanId: "b7ad6b7169203331",
        traceFlags: 1,
        isRemote: true,
        traceState: {
          serialize: () => "good=1\r\nx-injected: yes",
        } as never,
      });
      const child = trace.getTracer("lib").startSpan("child", {}, remote);
      const headers: Record<string, string> = {};
      context.with(trace.setSpan(context.active(), child), () => {
        new Tracer().span("ours", (span) => injectContext(headers, span));
      });
      child.end();
      const [span] = memory.spans;
      assert.equal(span.context.traceId, "0af7651916cd43dd8448eb211c80319c", "the trace goes on");
      assert.equal(span.context.traceState, undefined);
      assert.equal(propagationStats().tracestate, before + 1);
      assert.equal(headers.tracestate, undefined);
      assert.match(headers.traceparent, /^00-0af7651916cd43dd8448eb211c80319c-/);
    });
  });

  test("a trace state from the API whose serialize() throws is dropped and counted, as a link's is", async () => {
    await withCleanGlobals(() => {
      const memory = new InMemorySpanProcessor();
      new TracerProvider({ processors: [memory] }).register();
      const before = propagationStats().tracestate;
      const remote = trace.setSpanContext(context.active(), {
        traceId: "0af7651916cd43dd8448eb211c80319c",
        spanId: "b7ad6b7169203331",
        traceFlags: 1,
        isRemote: true,
        traceState: {
          serialize: () => {
            throw new Error("broken");
          },
        } as never,
      });
      trace.getTracer("lib").startSpan("child", {}, remote).end();
      const [span] = memory.spans;
      assert.equal(span.context.parentSpanId, "b7ad6b7169203331", "the trace goes on");
      assert.equal(span.context.traceState, undefined);
      assert.equal(propagationStats().tracestate, before + 1);
    });
  });

  test("this library's spans started inside startActiveSpan are children of the API span", async () => {
    await withCleanGlobals(async () => {
      const memory = new InMemorySpanProcessor();
      new TracerProvider({ processors: [memory] }).register();
      const tracer = new Tracer({ name: "app", processors: [memory] });
      await trace.getTracer("framework").startActiveSpan("request", async (span) => {
        await nextTurn();
        await tracer.span("handler", async () => {
          await nextTurn();
          tracer.startSpan("render").end();
        });
        span.end();
      });
      const s = byName(memory.spans);
      assert.equal(s.handler.context.parentSpanId, s.request.context.spanId);
      assert.equal(s.render.context.parentSpanId, s.handler.context.spanId);
      assert.equal(s.request.context.parentSpanId, undefined);
    });
  });

  test("context.with(trace.setSpan(ctx, apiSpan), ...) makes apiSpan the parent on both sides", async () => {
    await withCleanGlobals(async () => {
      const memory = new InMemorySpanProcessor();
      new TracerProvider({ processors: [memory] }).register();
      const tracer = new Tracer({ processors: [memory] });
      const api = trace.getTracer("lib").startSpan("outer");
      await context.with(trace.setSpan(context.active(), api), async () => {
        await nextTurn();
        assert.equal(trace.getActiveSpan(), api);
        tracer.startSpan("ours").end();
        trace.getTracer("lib").startSpan("theirs").end();
      });
      api.end();
      assert.equal(getCurrentSpan(), undefined);
      const s = byName(memory.spans);
      assert.equal(s.ours.context.parentSpanId, s.outer.context.spanId);
      assert.equal(s.theirs.context.parentSpanId, s.outer.context.spanId);
    });
  });

  test("trace.getActiveSpan() inside tracer.span(...) reports that span's ids", async () => {
    await withCleanGlobals(() => {
      new TracerProvider().register();
      const tracer = new Tracer();
      tracer.span("ours", (span) => {
        const active = trace.getActiveSpan();
        assert.equal(active?.spanContext().spanId, span.context.spanId);
        assert.equal(active?.spanContext().traceId, span.context.traceId);
        assert.equal(active?.isRecording(), true);
        assert.equal(trace.getActiveSpan(), active, "the same API object each time");
      });
      assert.equal(trace.getActiveSpan(), undefined);
    });
  });

  test("a remote parent extracted by an OpenTelemetry propagator parents this library's spans", async () => {
    await withCleanGlobals(async () => {
      const memory = new InMemorySpanProcessor();
      new TracerProvider({ processors: [memory] }).register();
      const { W3CTraceContextPropagator } = await import("@opentelemetry/core");
      const extracted = new W3CTraceContextPropagator().extract(
        context.active(),
        { traceparent: "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01" },
        { get: (c, k) => (c as Record<string, string>)[k], keys: (c) => Object.keys(c) },
      );
      context.with(extracted, () => new Tracer({ processors: [memory] }).startSpan("ours").end());
      const [ours] = memory.spans;
      assert.equal(ours.context.traceId, "0af7651916cd43dd8448eb211c80319c");
      assert.equal(ours.context.parentSpanId, "b7ad6b7169203331");
      assert.equal(propagation.getActiveBaggage(), undefined);
    });
  });

  test("root: true and an explicit context choose the parent, not the current span", async () => {
    await withCleanGlobals(() => {
      const memory = new InMemorySpanProcessor();
      new TracerProvider({ processors: [memory] }).register();
      const tracer = new Tracer({ processors: [memory] });
      const api = trace.getTracer("lib");
      tracer.span("current", () => {
        api.startSpan("root", { root: true }).end();
        api.startSpan("explicit", {}, context.active()).end();
        api.startSpan("detached", {}, trace.deleteSpan(context.active())).end();
      });
      const s = byName(memory.spans);
      assert.equal(s.root.context.parentSpanId, undefined);
      assert.notEqual(s.root.context.traceId, s.current.context.traceId);
      assert.equal(s.explicit.context.parentSpanId, s.current.context.spanId);
      assert.equal(s.detached.context.parentSpanId, undefined);
    });
  });

  test("the API span's methods map onto this library's span", async () => {
    await withCleanGlobals(() => {
      const memory = new InMemorySpanProcessor();
      const provider = new TracerProvider({ processors: [memory] });
      const other = new Tracer().startSpan("other").end();
      // Numbers up to performance.now() are performance.now() readings, as in the SDK.
      const now = Date.now();
      const span: ApiSpan = provider.getTracer("lib").startSpan("op", {
        kind: SpanKind.PRODUCER,
        attributes: { a: 1 },
        startTime: new Date(now),
        links: [{
          context: {
            traceId: other.context.traceId,
            spanId: other.context.spanId,
            traceFlags: 1,
          },
          attributes: { why: "batch" },
        }],
      });
      span.setAttributes({ b: "two" }).setAttribute("c", true);
      span.addEvent("with attrs", { k: "v" }, [Math.floor(now / 1000), 500_000_000]);
      span.addEvent("time only", now + 750);
      const perf = performance.now();
      span.addEvent("performance time", perf);
      span.addLink({ context: { traceId: "0", spanId: "0", traceFlags: 0 } }); // invalid: dropped
      span.recordException(new RangeError("too big"));
      span.updateName("op renamed");
      span.setStatus({ code: SpanStatusCode.ERROR, message: "failed" });
      span.end(new Date(now + 1000));
      assert.equal(span.isRecording(), false);
      const [ours] = memory.spans;
      assert.equal(ours.name, "op renamed");
      assert.equal(ours.kind, "producer");
      assert.deepEqual(ours.attributes, { a: 1, b: "two", c: true });
      assert.equal(ours.startTime, now);
      assert.equal(ours.endTime, now + 1000);
      assert.deepEqual(ours.events.map((e) => e.name), [
        "with attrs",
        "time only",
        "performance time",
        "exception",
      ]);
      assert.equal(ours.events[0].time, Math.floor(now / 1000) * 1000 + 500);
      assert.equal(ours.events[1].time, now + 750);
      assert.equal(ours.events[2].time, performance.timeOrigin + perf);
      assert.equal(ours.events[3].attributes["exception.type"], "RangeError");
      assert.equal(ours.events[3].attributes["exception.message"], "too big");
      assert.equal(ours.links[0].context.spanId, other.context.spanId);
      assert.deepEqual(ours.links[0].attributes, { why: "batch" });
      assert.equal(ours.droppedLinksCount, 1);
      assert.deepEqual(ours.status, { code: "error", message: "failed" });
    });
  });

  test("an API link whose context has all-zero ids is kept when it has attributes or a trace state", async () => {
    await withCleanGlobals(() => {
      const memory = new InMemorySpanProcessor();
      const provider = new TracerProvider({ processors: [memory] });
      const traceId = "0af7651916cd43dd8448eb211c80319c";
      const zeroSpan = { traceId, spanId: "0".repeat(16), traceFlags: 1, isRemote: true };
      const state = { ...INVALID_SPAN_CONTEXT, traceState: createTraceState("vendor=1") };
      const span: ApiSpan = provider.getTracer("lib").startSpan("consume", {
        links: [
          { context: INVALID_SPAN_CONTEXT, attributes: { "messaging.x": 1 } },
          { context: INVALID_SPAN_CONTEXT },
          { context: state },
        ],
      });
      span.addLink({ context: INVALID_SPAN_CONTEXT, attributes: { a: "b" } });
      span.addLink({ context: INVALID_SPAN_CONTEXT, attributes: {} });
      span.addLinks([{ context: zeroSpan, attributes: { c: true } }, {
        context: { ...INVALID_SPAN_CONTEXT, traceState: createTraceState("") },
      }]);
      // Malformed ids stay dropped, whatever the link carries.
      span.addLink({ context: { traceId: "0", spanId: "0", traceFlags: 0 }, attributes: { d: 1 } });
      const throwing = {
        get context(): never {
          throw new Error("getter broke");
        },
      };
      assert.doesNotThrow(() => span.addLink(throwing));
      span.end();
      const [ours] = memory.spans;
      const zeros = {
        traceId: INVALID_SPAN_CONTEXT.traceId,
        spanId: INVALID_SPAN_CONTEXT.spanId,
        traceFlags: 0,
        isRemote: false,
      };
      assert.deepEqual(ours.links.map((l) => ({ ...l.context })), [
        zeros,
        { ...zeros, traceState: "vendor=1" },
        zeros,
        zeroSpan,
      ]);
      assert.deepEqual(ours.links.map((l) => l.attributes), [
        { "messaging.x": 1 },
        {},
        { a: "b" },
        { c: true },
      ]);
      assert.ok(ours.links.every((l) => !(l.context instanceof SpanContext)));
      assert.equal(ours.droppedLinksCount, 5);
    });
  });

  test("arrays with null or undefined elements are kept, with null, as the SDK's span keeps them", async () => {
    await withCleanGlobals(() => {
      const memory = new InMemorySpanProcessor();
      const provider = new TracerProvider({ processors: [memory] });
      const other = new Tracer().startSpan("other").end();
      const span: ApiSpan = provider.getTracer("lib").startSpan("op", {
        attributes: { header_keys: ["accept", null, "host"], n: 1 },
        links: [{
          context: { traceId: other.context.traceId, spanId: other.context.spanId, traceFlags: 1 },
          attributes: { ids: [undefined, 2] },
        }],
      });
      span.setAttribute("header_values", ["text/html", undefined, "shop.test"]);
      span.setAttributes({ flags: [null, true], nulls: [null, undefined] });
      span.setAttribute("mixed", [null, "a", 1] as never);
      span.addEvent("e", { v: [null, 1.5] });
      span.addLink({
        context: { traceId: other.context.traceId, spanId: other.context.spanId, traceFlags: 1 },
        attributes: { w: ["x", null] },
      });
      span.end();
      const [ours] = memory.spans;
      assert.deepEqual(ours.attributes, {
        header_keys: ["accept", null, "host"],
        n: 1,
        header_values: ["text/html", null, "shop.test"],
        flags: [null, true],
        nulls: [null, null],
      });
      assert.equal(ours.droppedAttributesCount, 1, "the mixed array");
      assert.deepEqual(ours.events[0].attributes, { v: [null, 1.5] });
      assert.deepEqual(ours.links.map((l) => l.attributes), [{ ids: [null, 2] }, {
        w: ["x", null],
      }]);
    });
  });

  test("an epoch-milliseconds number from before the process started is read as the SDK's span reads it", async () => {
    await withCleanGlobals(async () => {
      // A message enqueued a minute before this process started: its epoch
      // time is below performance.timeOrigin, yet far above any
      // performance.now() reading, which is what the SDK's span checks.
      const enqueued = Math.floor(performance.timeOrigin) - 60_000;
      const run = (tracer: ReturnType<typeof trace.getTracer>) => {
        const span = tracer.startSpan("process message", { startTime: enqueued });
        span.addEvent("dequeued", enqueued + 10);
        span.end(enqueued + 20);
      };
      const memory = new InMemorySpanProcessor();
      run(new TracerProvider({ processors: [memory] }).getTracer("queue"));
      const sdkExporter = new InMemorySpanExporter();
      const sdkProvider = new BasicTracerProvider({
        spanProcessors: [new SimpleSpanProcessor(sdkExporter)],
      });
      run(sdkProvider.getTracer("queue"));
      const [sdkSpan] = sdkExporter.getFinishedSpans();
      const [ours] = memory.spans;
      const ms = ([s, ns]: [number, number]) => s * 1000 + ns / 1e6;
      assert.equal(ms(sdkSpan.startTime), enqueued);
      assert.equal(ours.startTime, enqueued);
      assert.equal(ours.events[0].time, ms(sdkSpan.events[0].time));
      assert.equal(ours.endTime, enqueued + 20);
      assert.equal(ours.durationMs, 20);
      await sdkProvider.shutdown();
    });
  });

  test("addEvent(name, time, time): the third argument is the time, as the API documents", async () => {
    await withCleanGlobals(() => {
      const memory = new InMemorySpanProcessor();
      const span = new TracerProvider({ processors: [memory] }).getTracer("lib").startSpan("op");
      const now = Date.now();
      span.addEvent("both times", new Date(now - 5_000), new Date(now - 1_000));
      span.end();
      assert.equal(memory.spans[0].events[0].time, now - 1_000);
    });
  });

  test("startSpan and startActiveSpan given null options or a non-context never throw", async () => {
    await withCleanGlobals(() => {
      const memory = new InMemorySpanProcessor();
      const api = new TracerProvider({ processors: [memory] }).getTracer("lib");
      api.startSpan("null options", null as never).end();
      api.startSpan("no context", {}, {} as never).end();
      api.startActiveSpan("active, null options", null as never, (s) => s.end());
      api.startActiveSpan("active, no context", {}, {} as never, (s) => s.end());
      assert.deepEqual(memory.spans.map((s) => s.name), [
        "null options",
        "no context",
        "active, null options",
        "active, no context",
      ]);
    });
  });

  test("getTracer and startSpan never throw for a name or version with no string form", async () => {
    await withCleanGlobals(() => {
      const memory = new InMemorySpanProcessor();
      const provider = new TracerProvider({ processors: [memory] });
      const noString = {
        toString(): never {
          throw new Error("no string form");
        },
      };
      const tracer = provider.getTracer(Symbol("lib") as never, Symbol("1.0") as never);
      tracer.startSpan(noString as never).end();
      provider.getTracer("lib").startSpan(Symbol("op") as never).end();
      assert.deepEqual(memory.spans.map((s) => s.instrumentationScope), [{ name: "" }, {
        name: "lib",
      }]);
      assert.equal(typeof memory.spans[0].name, "string");
    });
  });

  test("getTracer keeps apart scopes whose name and version only join alike", () => {
    const provider = new TracerProvider();
    const memory = new InMemorySpanProcessor();
    provider.addProcessor(memory);
    provider.getTracer("a@b").startSpan("one").end();
    provider.getTracer("a", "b@").startSpan("two").end();
    assert.deepEqual(memory.spans.map((s) => s.instrumentationScope), [
      { name: "a@b" },
      { name: "a", version: "b@" },
    ]);
  });

  test("getTracer passes the schema URL through, and tells scopes apart by it", () => {
    const url = "https://opentelemetry.io/schemas/1.26.0";
    const memory = new InMemorySpanProcessor();
    const provider = new TracerProvider({ processors: [memory] });
    const withUrl = provider.getTracer("lib", "1.0.0", { schemaUrl: url });
    assert.equal(provider.getTracer("lib", "1.0.0", { schemaUrl: url }), withUrl);
    assert.notEqual(provider.getTracer("lib", "1.0.0"), withUrl);
    withUrl.startSpan("one").end();
    provider.getTracer("lib", "1.0.0").startSpan("two").end();
    // OpenTelemetry's API never throws: a schema URL that is no string is none.
    provider.getTracer("lib", "1.0.0", { schemaUrl: 5 } as never).startSpan("three").end();
    provider.getTracer("lib", "1.0.0", null as never).startSpan("four").end();
    assert.deepEqual(memory.spans.map((s) => s.instrumentationScope), [
      { name: "lib", version: "1.0.0", schemaUrl: url },
      { name: "lib", version: "1.0.0" },
      { name: "lib", version: "1.0.0" },
      { name: "lib", version: "1.0.0" },
    ]);
  });

  test("a span the sampler drops is a valid, non-recording API span that no processor sees", async () => {
    await withCleanGlobals(() => {
      const memory = new InMemorySpanProcessor();
      const provider = new TracerProvider({
        processors: [memory],
        sampler: new AlwaysOffSampler(),
      });
      const span = provider.getTracer("lib").startSpan("dropped");
      assert.equal(span.isRecording(), false);
      assert.match(span.spanContext().traceId, /^[0-9a-f]{32}$/);
      assert.equal(span.spanContext().traceFlags & 1, 0);
      span.end();
      assert.equal(memory.spans.length, 0);
    });
  });

  test("register() refuses, and says so, when another provider is already global", async () => {
    await withCleanGlobals(async () => {
      trace.setGlobalTracerProvider(new BasicTracerProvider());
      const warnings = await captureWarnings(() => {
        assert.equal(new TracerProvider().register(), false);
        assert.equal(new TracerProvider().register(), false);
      });
      assert.equal(warnings.length, 1, "one warning, not one per call");
      assert.match(warnings[0], /BasicTracerProvider/);
      assert.match(warnings[0], /trace\.disable\(\)/);
    });
  });
});

describe("TracerProvider and the SDK's environment variables", () => {
  // As the SDK's provider reads them: setupTracing's tracer and the API's
  // spans then sample and limit alike, with one OTEL_* configuration.
  test("OTEL_TRACES_SAMPLER and the span limits apply to API spans, as in the SDK's provider", async () => {
    await withEnv(
      { OTEL_TRACES_SAMPLER: "always_off", OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT: "1" },
      () =>
        withCleanGlobals(() => {
          const sdk = new InMemorySpanExporter();
          new BasicTracerProvider({ spanProcessors: [new SdkSimpleSpanProcessor(sdk)] })
            .getTracer("lib").startSpan("root").end();
          assert.equal(sdk.getFinishedSpans().length, 0, "the SDK's provider samples the root out");

          const memory = new InMemorySpanProcessor();
          new TracerProvider({ processors: [memory] }).getTracer("lib").startSpan("root").end();
          assert.equal(memory.spans.length, 0, "so does this entry's provider");

          // An option wins over its variable; the limit still comes from the environment.
          new TracerProvider({ processors: [memory], sampler: new AlwaysOnSampler() })
            .getTracer("lib").startSpan("kept").setAttributes({ a: 1, b: 2 }).end();
          assert.equal(memory.spans.length, 1);
          assert.deepEqual(memory.spans[0].attributes, { a: 1 });
          assert.equal(memory.spans[0].droppedAttributesCount, 1);
          new TracerProvider({
            processors: [memory],
            sampler: new AlwaysOnSampler(),
            limits: { attributeCountLimit: 5 },
          }).getTracer("lib").startSpan("given limits").setAttributes({ a: 1, b: 2 }).end();
          assert.deepEqual(memory.spans[1].attributes, { a: 1, b: 2 });
        }),
    );
  });

  test("every sampler and limit variable it reads is honoured", async () => {
    const link = { context: { traceId: "1".repeat(32), spanId: "2".repeat(16), traceFlags: 1 } };
    const oneSpan = () => {
      const memory = new InMemorySpanProcessor();
      const span = new TracerProvider({ processors: [memory], resource: {} }).getTracer("lib")
        .startSpan("s", { links: [{ ...link, attributes: { a: 1, b: 2 } }, link] });
      span.setAttributes({ long: "abcdef", b: 2, c: 3 });
      span.addEvent("e1", { a: 1, b: 2 }).addEvent("e2");
      span.end();
      return memory.spans[0];
    };
    await withEnv({
      OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT: "2",
      OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT: "3",
      OTEL_SPAN_EVENT_COUNT_LIMIT: "1",
      OTEL_SPAN_LINK_COUNT_LIMIT: "1",
      OTEL_EVENT_ATTRIBUTE_COUNT_LIMIT: "1",
      OTEL_LINK_ATTRIBUTE_COUNT_LIMIT: "1",
    }, () => {
      const span = oneSpan();
      assert.deepEqual(span.attributes, { long: "abc", b: 2 });
      assert.equal(span.events.length, 1);
      assert.deepEqual(span.events[0].attributes, { a: 1 });
      assert.equal(span.links.length, 1);
      assert.deepEqual(span.links[0].attributes, { a: 1 });
    });
    await withEnv({
      OTEL_ATTRIBUTE_COUNT_LIMIT: "1",
      OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT: "2",
    }, () => {
      const span = oneSpan();
      assert.deepEqual(span.attributes, { long: "ab" });
      assert.deepEqual(span.events[0].attributes, { a: 1 });
    });
    await withEnv({ OTEL_TRACES_SAMPLER: "traceidratio", OTEL_TRACES_SAMPLER_ARG: "0" }, () => {
      assert.equal(oneSpan(), undefined, "a ratio of 0 samples nothing");
    });
  });

  test("it warns about no variable it does not read: a malformed exporter endpoint is the exporter's", async () => {
    await withEnv({
      OTEL_EXPORTER_OTLP_ENDPOINT: "collector.invalid:4318",
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: "ftp://collector.invalid/v1/traces",
      OTEL_EXPORTER_OTLP_TIMEOUT: "soon",
      OTEL_BSP_SCHEDULE_DELAY: "never",
    }, async () => {
      const given = await captureWarnings(() =>
        new TracerProvider({ resource: { "service.name": "x" } })
      );
      assert.deepEqual(given, [], "with a resource given");
      const detected = await captureWarnings(() => new TracerProvider());
      assert.deepEqual(detected, [], "with the detected resource");
    });
    // The variables the SDK's provider reads are still checked.
    await withEnv(
      { OTEL_TRACES_SAMPLER: "sometimes", OTEL_SPAN_LINK_COUNT_LIMIT: "many" },
      async () => {
        const warnings = await captureWarnings(() => new TracerProvider({ resource: {} }));
        assert.equal(warnings.length, 2, warnings.join("\n"));
        assert.match(warnings[0], /OTEL_TRACES_SAMPLER="sometimes"/);
        assert.match(warnings[1], /OTEL_SPAN_LINK_COUNT_LIMIT="many"/);
      },
    );
  });
});

describe("addSpanProcessor: the seed's add_span_processor()", () => {
  test("a span from the global API reaches a processor added with addSpanProcessor", async () => {
    await withCleanGlobals(async () => {
      const exporter = new InMemorySpanExporter();
      assert.equal(addSpanProcessor(new SimpleSpanProcessor(exporter)), true);
      const second = new InMemorySpanExporter();
      assert.equal(addSpanProcessor(new BatchSpanProcessor(second)), true);
      trace.getTracer("app").startActiveSpan("parent", (parent) => {
        trace.getTracer("app").startSpan("child").end();
        parent.end();
      });
      const global = trace.getTracerProvider() as ProxyTracerProvider;
      await (global.getDelegate() as BasicTracerProvider).forceFlush();
      for (const e of [exporter, second]) {
        const [child, parent] = e.getFinishedSpans();
        assert.deepEqual([child.name, parent.name], ["child", "parent"]);
        assert.equal(child.parentSpanContext?.spanId, parent.spanContext().spanId);
      }
    });
  });

  test("the provider addSpanProcessor registers comes with W3C propagation, where no propagator is installed, as the SDK's register() does", async () => {
    await withCleanGlobals(() => {
      assert.equal(addSpanProcessor(new SimpleSpanProcessor(new InMemorySpanExporter())), true);
      const headers: Record<string, string> = {};
      trace.getTracer("client").startActiveSpan("GET", (span) => {
        propagation.inject(context.active(), headers);
        span.end();
        assert.equal(
          headers.traceparent,
          `00-${span.spanContext().traceId}-${span.spanContext().spanId}-01`,
        );
      });
    });
    // One installed already stays, and nothing is said.
    await withCleanGlobals(async () => {
      const { W3CTraceContextPropagator } = await import("@opentelemetry/core");
      const own = new W3CTraceContextPropagator();
      propagation.setGlobalPropagator(own);
      const warnings = await captureWarnings(() =>
        addSpanProcessor(new SimpleSpanProcessor(new InMemorySpanExporter()))
      );
      assert.deepEqual(warnings, []);
      assert.equal(
        (globalThis as Record<symbol, { propagation?: unknown }>)[
          Symbol.for("opentelemetry.js.api.1")
        ].propagation,
        own,
      );
    });
  });

  test("SDK spans and this library's spans share parents once addSpanProcessor registered", async () => {
    await withCleanGlobals(async () => {
      const exporter = new InMemorySpanExporter();
      addSpanProcessor(new SimpleSpanProcessor(exporter));
      const memory = new InMemorySpanProcessor();
      const tracer = new Tracer({ processors: [memory] });
      await tracer.span("ours", async (span) => {
        await nextTurn();
        trace.getTracer("sdk").startActiveSpan("sdk span", (sdkSpan) => {
          tracer.startSpan("ours inside").end();
          sdkSpan.end();
        });
        const [sdkSpan] = exporter.getFinishedSpans();
        assert.equal(sdkSpan.parentSpanContext?.spanId, span.context.spanId);
        assert.equal(memory.spans[0].context.parentSpanId, sdkSpan.spanContext().spanId);
      });
    });
  });

  test("with this entry's TracerProvider global, OpenTelemetry processors join it", async () => {
    await withCleanGlobals(() => {
      const provider = new TracerProvider({ resource: { "service.name": "shop" } });
      provider.register();
      const seen: ReadableSpan[] = [];
      const plain: OtelSpanProcessor = {
        onStart: () => {},
        onEnd: (span) => void seen.push(span),
        forceFlush: () => Promise.resolve(),
        shutdown: () => Promise.resolve(),
      };
      assert.equal(addSpanProcessor(plain), true);
      trace.getTracer("app").startSpan("through ours").end();
      assert.equal(seen[0].name, "through ours");
      assert.equal(seen[0].resource.attributes["service.name"], "shop");
    });
  });

  test("the same processor added twice sees each span once, on this entry's provider as on the SDK's", async () => {
    for (const ours of [true, false]) {
      await withCleanGlobals(() => {
        if (ours) new TracerProvider().register();
        const seen: string[] = [];
        const plain: OtelSpanProcessor = {
          onStart: () => {},
          onEnd: (span) => void seen.push(span.name),
          forceFlush: () => Promise.resolve(),
          shutdown: () => Promise.resolve(),
        };
        const simple = new InMemorySpanExporter();
        const processor = new SimpleSpanProcessor(simple);
        for (let i = 0; i < 2; i++) {
          assert.equal(addSpanProcessor(plain), true);
          assert.equal(addSpanProcessor(processor), true);
        }
        trace.getTracer("app").startSpan("once").end();
        const where = ours ? "this entry's TracerProvider" : "the SDK's provider";
        assert.deepEqual(seen, ["once"], where);
        assert.deepEqual(simple.getFinishedSpans().map((s) => s.name), ["once"], where);
      });
    }
  });

  test("this entry's processors added to its registered TracerProvider see the provider's resource", async () => {
    await withCleanGlobals(async () => {
      const provider = new TracerProvider({ resource: { "service.name": "shop" } });
      provider.register();
      const simple = new InMemorySpanExporter();
      const batch = new InMemorySpanExporter();
      const own = new InMemorySpanExporter();
      assert.equal(addSpanProcessor(new SimpleSpanProcessor(simple)), true);
      assert.equal(addSpanProcessor(new BatchSpanProcessor(batch)), true);
      // A resource given to the processor itself is kept.
      addSpanProcessor(new SimpleSpanProcessor(own, { resource: { "service.name": "own" } }));
      trace.getTracer("app").startSpan("through ours").end();
      await provider.forceFlush();
      for (const exporter of [simple, batch]) {
        const [span] = exporter.getFinishedSpans();
        assert.equal(span.name, "through ours");
        assert.equal(span.instrumentationScope.name, "app");
        assert.equal(span.resource.attributes["service.name"], "shop");
      }
      assert.equal(own.getFinishedSpans()[0].resource.attributes["service.name"], "own");
      await provider.shutdown();
    });
  });

  test("when another SDK owns the global provider it warns once and returns false", async () => {
    await withCleanGlobals(async () => {
      trace.setGlobalTracerProvider(new BasicTracerProvider());
      const processor = new SimpleSpanProcessor(new InMemorySpanExporter());
      const warnings = await captureWarnings(() => {
        assert.equal(addSpanProcessor(processor), false);
        assert.equal(addSpanProcessor(processor), false);
      });
      assert.equal(warnings.length, 1, "one warning, not one per call");
      assert.match(warnings[0], /already the global one/);
      assert.match(warnings[0], /spanProcessors/);
    });
  });

  test("a processor without onEnd is a TypeError", () => {
    assert.throws(() => addSpanProcessor({} as never), TypeError);
  });
});

// What the SDK's span gives a processor in onStart: the span (read and
// write) and the context it was started in.
interface StartedSpan {
  name: string;
  ended: boolean;
  attributes: Record<string, unknown>;
  spanContext(): { spanId: string };
  parentSpanContext?: { spanId: string };
  instrumentationScope: { name: string };
  resource: { attributes: Record<string, unknown> };
  isRecording(): boolean;
  setAttribute(key: string, value: unknown): unknown;
  setAttributes(attributes: Record<string, unknown>): unknown;
  addEvent(name: string): unknown;
  setStatus(status: { code: number; message?: string }): unknown;
  updateName(name: string): unknown;
}

// An OpenTelemetry processor that copies the `user.id` baggage entry onto
// every span as it starts, the use the spec names for onStart.
function baggageCopier(log: unknown[] = []): OtelSpanProcessor {
  return {
    onStart(span: StartedSpan, parentContext: Context) {
      log.push({ span, parentContext });
      const entry = propagation.getBaggage(parentContext)?.getEntry("user.id");
      if (entry !== undefined) span.setAttribute("user.id", entry.value);
    },
    onEnd: (span: ReadableSpan) => void log.push({ ended: span }),
    forceFlush: () => Promise.resolve(),
    shutdown: () => Promise.resolve(),
  } as unknown as OtelSpanProcessor;
}

function withUser(ctx: Context, id: string): Context {
  return propagation.setBaggage(ctx, propagation.createBaggage({ "user.id": { value: id } }));
}

describe("OpenTelemetry processors' onStart on this entry's TracerProvider", () => {
  test("onStart copies baggage from the parent context into an attribute the exported span carries", async () => {
    await withCleanGlobals(() => {
      const exporter = new InMemorySpanExporter();
      const log: { span?: StartedSpan; parentContext?: Context }[] = [];
      const provider = new TracerProvider({
        spanProcessors: [baggageCopier(log), new SdkSimpleSpanProcessor(exporter)],
      });
      const ctx = withUser(ROOT_CONTEXT, "42");
      provider.getTracer("app").startSpan("checkout", {}, ctx).end();
      assert.equal(log[0].parentContext, ctx, "the context the span was started in");
      const [exported] = exporter.getFinishedSpans();
      assert.equal(exported.name, "checkout");
      assert.equal(exported.attributes["user.id"], "42");
      // The SDK's processor, whose onStart does nothing, is left off the
      // start path: it gets a plain ReadableSpan, no live view.
      assert.equal("setAttribute" in exported, false);
    });
  });

  test("through addSpanProcessor, onStart gets the active context: its baggage, and its span as the parent", async () => {
    await withCleanGlobals(() => {
      const memory = new InMemorySpanProcessor();
      const provider = new TracerProvider({ processors: [memory] });
      provider.register();
      const log: { span?: StartedSpan; parentContext?: Context }[] = [];
      assert.equal(addSpanProcessor(baggageCopier(log)), true);
      const tracer = trace.getTracer("app");
      context.with(withUser(context.active(), "7"), () => {
        tracer.startActiveSpan("parent", (parent) => {
          tracer.startSpan("child").end();
          // root: true starts a new trace: its parent context has no span,
          // as the SDK's tracer deletes it; the baggage stays.
          tracer.startSpan("root", { root: true }).end();
          parent.end();
          const [, child, root] = log.filter((e) => e.span !== undefined);
          assert.equal(
            trace.getSpan(child.parentContext!)?.spanContext().spanId,
            parent.spanContext().spanId,
          );
          assert.equal(trace.getSpan(root.parentContext!), undefined);
          assert.equal(
            propagation.getBaggage(root.parentContext!)?.getEntry("user.id")?.value,
            "7",
          );
        });
      });
      const spans = byName(memory.spans);
      for (const name of ["parent", "child", "root"]) {
        assert.equal(spans[name].attributes["user.id"], "7", name);
      }
      // Outside any: the active context, as the SDK's tracer gives it.
      tracer.startSpan("alone").end();
      assert.equal(log.filter((e) => e.span !== undefined)[3].parentContext, context.active());
    });
  });

  test("onStart's span reads as a ReadableSpan, writes through, and is the object onEnd gets", async () => {
    await withCleanGlobals(() => {
      const memory = new InMemorySpanProcessor();
      const exporter = new InMemorySpanExporter();
      const log: { span?: StartedSpan; ended?: unknown }[] = [];
      const writer: OtelSpanProcessor = {
        onStart(span: StartedSpan) {
          log.push({ span });
          assert.equal(span.name, "draft");
          assert.equal(span.ended, false);
          assert.equal(span.isRecording(), true);
          assert.deepEqual(span.attributes, { given: 1 });
          assert.equal(span.instrumentationScope.name, "lib");
          assert.equal(span.resource.attributes["service.name"], "shop");
          span.setAttributes({ a: 1, b: "two" });
          span.addEvent("started");
          span.setStatus({ code: SpanStatusCode.ERROR, message: "on purpose" });
          span.updateName("final");
        },
        onEnd: (span: ReadableSpan) => void log.push({ ended: span }),
        forceFlush: () => Promise.resolve(),
        shutdown: () => Promise.resolve(),
      } as unknown as OtelSpanProcessor;
      const provider = new TracerProvider({
        resource: { "service.name": "shop" },
        processors: [memory],
        spanProcessors: [writer, new SdkSimpleSpanProcessor(exporter)],
      });
      const tracer = provider.getTracer("lib");
      const parent = tracer.startSpan("parent");
      const api = tracer.startSpan(
        "draft",
        { attributes: { given: 1 } },
        trace.setSpan(ROOT_CONTEXT, parent),
      );
      const started = log[1].span!;
      // "the same Span instance ... that the span creation API returned"
      // (trace/sdk.md, Read/write span).
      assert.equal(api as unknown, started, "startSpan returns the object onStart got");
      assert.equal(log[0].span, parent);
      assert.equal(started.parentSpanContext?.spanId, parent.spanContext().spanId);
      api.end();
      assert.equal(log[2].ended, started, "onEnd gets the object onStart got");
      assert.equal(started.ended, true);
      assert.equal(started.isRecording(), false);
      parent.end();
      const ours = memory.spans[0];
      assert.equal(ours.name, "final");
      assert.deepEqual(ours.attributes, { given: 1, a: 1, b: "two" });
      assert.equal(ours.events[0].name, "started");
      assert.deepEqual(ours.status, { code: "error", message: "on purpose" });
      const [exported] = exporter.getFinishedSpans();
      assert.equal(exported.name, "final");
      assert.equal(exported.attributes.b, "two");
      assert.deepEqual(exported.status, { code: SpanStatusCode.ERROR, message: "on purpose" });
      assert.equal(exported.events[0].name, "started");
      assert.equal(exported.resource.attributes["service.name"], "shop");
      // startActiveSpan's span is the object onStart got too.
      log.length = 0;
      const active = tracer.startActiveSpan("draft", { attributes: { given: 1 } }, (span) => {
        span.end();
        return span;
      });
      assert.equal(active as unknown, log[0].span, "startActiveSpan gives the object onStart got");
    });
  });

  test("onStart's span reads each field as the span is now, however it changes between reads", async () => {
    await withCleanGlobals(() => {
      const seen: Record<string, unknown>[] = [];
      let view: (StartedSpan & ReadableSpan) | undefined;
      const read = (span: StartedSpan & ReadableSpan) => ({
        name: span.name,
        attributes: { ...span.attributes },
        status: span.status,
        events: span.events.map((e) => e.name),
        links: span.links.length,
        endTime: span.endTime,
        duration: span.duration,
        ended: span.ended,
      });
      const linked = SpanContext.newRoot();
      const reader: OtelSpanProcessor = {
        onStart(span: StartedSpan & ReadableSpan) {
          view = span;
          seen.push(read(span));
          span.updateName("renamed");
          span.setAttribute("a", 1);
          span.setStatus({ code: SpanStatusCode.ERROR, message: "late" });
          span.addEvent("first");
          (span as unknown as ApiSpan).addLink({ context: linked as never });
          seen.push(read(span));
          span.addEvent("second");
          seen.push(read(span));
        },
        onEnd: () => {},
        forceFlush: () => Promise.resolve(),
        shutdown: () => Promise.resolve(),
      } as unknown as OtelSpanProcessor;
      const tracer = new TracerProvider({ spanProcessors: [reader] }).getTracer("lib");
      const start = 1_700_000_000_000;
      const api = tracer.startSpan("op", { startTime: start });
      const unended = { endTime: [1_700_000_000, 0], duration: [0, 0], ended: false };
      assert.deepEqual(seen[0], {
        name: "op",
        attributes: {},
        status: { code: SpanStatusCode.UNSET },
        events: [],
        links: 0,
        ...unended,
      });
      assert.deepEqual(seen[1], {
        name: "renamed",
        attributes: { a: 1 },
        status: { code: SpanStatusCode.ERROR, message: "late" },
        events: ["first"],
        links: 1,
        ...unended,
      });
      assert.deepEqual(seen[2].events, ["first", "second"]);
      api.end(start + 1.5);
      assert.deepEqual(read(view!), {
        ...seen[2],
        endTime: [1_700_000_000, 1_500_000],
        duration: [0, 1_500_000],
        ended: true,
      });
    });
  });

  test("fields read in onStart are each made once, and made again only when the span changed", () => {
    // A span that counts reads of its events and links, the costly fields
    // to convert: a ReadableSpan built whole reads both for every field.
    const reads = { events: 0, links: 0 };
    class Counting extends Span {
      override get events() {
        reads.events++;
        return super.events;
      }
      override get links() {
        reads.links++;
        return super.links;
      }
    }
    const span = new Counting("op").start(1_000);
    const view = processorSpanOf(span, { attributes: {} } as never);
    // What an OpenTelemetry processor reads in onStart, the SDK's span being
    // one object: its times, its parent, its status.
    const fields = () => [
      view.parentSpanContext,
      view.startTime,
      view.endTime,
      view.duration,
      view.status,
    ];
    const first = fields();
    assert.deepEqual(reads, { events: 0, links: 0 }, "no field but events and links reads them");
    assert.deepEqual(fields(), first);
    fields().forEach((value, i) => assert.equal(value, first[i], `field ${i} was made again`));
    const events = view.events;
    const links = view.links;
    assert.equal(view.events, events, "events unchanged: the same array, not converted again");
    assert.equal(view.links, links, "links unchanged: the same array, not converted again");

    span.addEvent("e", { k: "v" }, 1_000.5).setStatus("error", "boom").updateName("renamed");
    span.addLink(SpanContext.newRoot());
    assert.notEqual(view.events, events);
    assert.deepEqual(view.events.map((e) => [e.name, e.time, e.attributes]), [
      ["e", [1, 500_000], { k: "v" }],
    ]);
    assert.equal(view.links.length, 1);
    assert.deepEqual(view.status, { code: SpanStatusCode.ERROR, message: "boom" });
    assert.equal(view.name, "renamed");
    assert.equal(view.startTime, first[1], "the start never changes");
    span.end(1_002);
    assert.deepEqual(view.endTime, [1, 2_000_000]);
    assert.deepEqual(view.duration, [0, 2_000_000]);
    assert.equal(view.ended, true);
  });

  test("an entry processor with its own resource and its own onStart is checked once as it is added", async () => {
    await withCleanGlobals(() => {
      const exporter = new InMemorySpanExporter();
      const processor = new SimpleSpanProcessor(exporter, { resource: { "service.name": "own" } });
      let reads = 0;
      const started: unknown[] = [];
      const onStart = (span: unknown) => void started.push(span);
      Object.defineProperty(processor, "onStart", {
        get: () => {
          reads++;
          return onStart;
        },
      });
      const provider = new TracerProvider({ spanProcessors: [processor] });
      assert.equal(reads, 1, "whether it starts spans is asked once");
      provider.getTracer("lib").startSpan("op").end();
      assert.equal(started.length, 1);
      const [exported] = exporter.getFinishedSpans();
      assert.equal(exported.resource.attributes["service.name"], "own");
    });
  });

  test("an onStart that throws is reported once; the span, the app and the other processors go on", async () => {
    await withCleanGlobals(async () => {
      const exporter = new InMemorySpanExporter();
      const broken: OtelSpanProcessor = {
        onStart() {
          throw new Error("onStart broke");
        },
        onEnd: () => {},
        forceFlush: () => Promise.resolve(),
        shutdown: () => Promise.resolve(),
      };
      const provider = new TracerProvider({
        spanProcessors: [broken, baggageCopier(), new SdkSimpleSpanProcessor(exporter)],
      });
      const tracer = provider.getTracer("app");
      const warnings = await captureWarnings(() => {
        for (const name of ["first", "second"]) {
          const span = tracer.startSpan(name, {}, withUser(ROOT_CONTEXT, name));
          assert.equal(span.isRecording(), true);
          span.setAttribute("after", true);
          span.end();
        }
      });
      assert.equal(warnings.length, 1, warnings.join("\n"));
      assert.match(warnings[0], /onStart broke/);
      const exported = exporter.getFinishedSpans();
      assert.deepEqual(exported.map((s) => s.name), ["first", "second"]);
      assert.deepEqual(exported.map((s) => s.attributes), [
        { "user.id": "first", after: true },
        { "user.id": "second", after: true },
      ]);
    });
  });

  test("this entry's processors in `processors`: a subclass's onStart gets the span and the parent context", async () => {
    await withCleanGlobals(() => {
      const exporter = new InMemorySpanExporter();
      class Tagging extends SimpleSpanProcessor {
        override onStart(span: unknown, parentContext?: unknown): void {
          const entry = propagation.getBaggage(parentContext as Context)?.getEntry("user.id");
          (span as StartedSpan).setAttribute("user.id", entry?.value);
        }
      }
      const provider = new TracerProvider({ processors: [new Tagging(exporter)] });
      provider.getTracer("app").startSpan("tagged", {}, withUser(ROOT_CONTEXT, "9")).end();
      assert.equal(exporter.getFinishedSpans()[0].attributes["user.id"], "9");
    });
  });

  test("spanProcessors that are no array, or hold a processor without onEnd, are a TypeError", () => {
    assert.throws(() => new TracerProvider({ spanProcessors: {} as never }), TypeError);
    assert.throws(
      () =>
        new TracerProvider({ spanProcessors: [{ forceFlush: () => Promise.resolve() }] as never }),
      /spanProcessors\[0\] must have onEnd and forceFlush methods/,
    );
  });
});

describe("Deno's built-in OpenTelemetry", () => {
  test(
    "with OTEL_DENO=true, addSpanProcessor and register() explain in one warning (Deno only: spawns deno)",
    { skip: !isDeno, timeout: 120_000 },
    async () => {
      const out = await runFixture("otel_deno", [], { env: { OTEL_DENO: "true" } });
      assert.equal(out.code, 0, out.stderr);
      const result = JSON.parse(out.stdout);
      assert.equal(result.added, false);
      assert.equal(result.registered, false);
      assert.equal(result.warnings.length, 1);
      assert.match(result.warnings[0], /OTEL_DENO/);
    },
  );
});

describe("BridgeContextManager", () => {
  test("with() given this library's current context keeps its span on both sides, even over an older API span", async () => {
    await withCleanGlobals(() => {
      const manager = new BridgeContextManager();
      context.setGlobalContextManager(manager);
      const tracer = new Tracer();
      const remote = trace.wrapSpanContext({
        traceId: "0af7651916cd43dd8448eb211c80319c",
        spanId: "b7ad6b7169203331",
        traceFlags: 1,
        isRemote: true,
      });
      const seen: [string | undefined, string | undefined][] = [];
      const look = () =>
        seen.push([getCurrentSpan()?.name, trace.getActiveSpan()?.spanContext().spanId]);
      const ids: string[] = [];
      tracer.span("plain", (plain) => {
        // A context our API made: our key only.
        context.with(getCurrentContext() as never, look);
        ids.push(plain.context.spanId);
      });
      context.with(trace.setSpan(context.active(), remote), () => {
        tracer.span("over api", (over) => {
          // Our key set after the API's: ours is the newer, and current.
          context.with(getCurrentContext() as never, look);
          ids.push(over.context.spanId);
        });
        // The API's own deletion still wins over our older key.
        tracer.span("deleted", () => {
          context.with(trace.deleteSpan(context.active()), look);
        });
      });
      assert.deepEqual(seen, [
        ["plain", ids[0]],
        ["over api", ids[1]],
        [undefined, undefined],
      ]);
    });
  });

  test("with() given something that is not a context runs the function with none", () => {
    const manager = new BridgeContextManager();
    const tracer = new Tracer();
    tracer.span("outer", () => {
      const seen = manager.with(undefined as never, () => getCurrentSpan());
      assert.equal(seen, undefined);
    });
  });

  test("withSpan(undefined) and setCurrentSpan(undefined) inside an API span leave no span current on either side", async () => {
    await withCleanGlobals(async () => {
      const memory = new InMemorySpanProcessor();
      new TracerProvider({ processors: [memory] }).register();
      const api = trace.getTracer("lib");
      const tracer = new Tracer({ processors: [memory] });
      const seen: [string, boolean, boolean][] = [];
      const look = (where: string) => {
        seen.push([where, getCurrentSpan() === undefined, trace.getActiveSpan() === undefined]);
        api.startSpan(`api ${where}`).end();
        tracer.startSpan(`ours ${where}`).end();
      };
      await api.startActiveSpan("outer", async (outer) => {
        withSpan(undefined, () => look("withSpan"));
        await withContext(context.active() as never, async () => {
          await nextTurn();
          setCurrentSpan(undefined);
          look("setCurrentSpan");
        });
        outer.end();
      });
      assert.deepEqual(seen, [["withSpan", true, true], ["setCurrentSpan", true, true]]);
      const parents = memory.spans.filter((s) => s.name !== "outer")
        .map((s) => [s.name, s.context.parentSpanId]);
      assert.deepEqual(parents, [
        ["api withSpan", undefined],
        ["ours withSpan", undefined],
        ["api setCurrentSpan", undefined],
        ["ours setCurrentSpan", undefined],
      ]);
    });
  });

  test("bind() keeps a function's length, as the SDK's managers do (an Express error handler takes 4)", () => {
    const manager = new BridgeContextManager();
    const key = Symbol("k");
    const ctx = context.active().setValue(key, "v");
    const handler = manager.bind(
      ctx,
      function (this: unknown, _err: unknown, _req: unknown, _res: unknown, _next: unknown) {
        return [this, manager.active().getValue(key)];
      },
    );
    assert.equal(handler.length, 4);
    const self = {};
    assert.deepEqual(handler.call(self, 1, 2, 3, 4), [self, "v"]);
  });

  test("bind() carries a span made current on our side to a later callback on both sides", async () => {
    await withCleanGlobals(async () => {
      const manager = new BridgeContextManager();
      context.setGlobalContextManager(manager);
      const tracer = new Tracer();
      let later: (() => [string | undefined, string | undefined]) | undefined;
      tracer.span("ours", () => {
        later = context.bind(context.active(), () => [
          trace.getActiveSpan()?.spanContext().spanId,
          getCurrentSpan()?.context.spanId,
        ]);
      });
      await nextTurn();
      const [apiSeen, oursSeen] = later!();
      assert.match(apiSeen ?? "", /^[0-9a-f]{16}$/);
      assert.equal(apiSeen, oursSeen);
      assert.equal(getCurrentSpan(), undefined);
    });
  });
  test("bind() binds an EventEmitter: its listeners run in the context, as the SDK's managers do", async () => {
    await withCleanGlobals(async () => {
      context.setGlobalContextManager(new BridgeContextManager());
      const memory = new InMemorySpanProcessor();
      const api = new TracerProvider({ processors: [memory] }).getTracer("http");
      const request = new EventEmitter();
      const seen: (string | undefined)[] = [];
      let requestSpanId: string | undefined;
      api.startActiveSpan("request", (span) => {
        requestSpanId = span.spanContext().spanId;
        assert.equal(context.bind(context.active(), request), request);
        span.end();
      });
      const onData = () => seen.push(getCurrentSpan()?.context.spanId);
      const onEnd = () => seen.push(trace.getActiveSpan()?.spanContext().spanId);
      request.on("data", onData);
      request.once("end", onEnd);
      await nextTurn();
      request.emit("data");
      request.emit("end");
      request.emit("end");
      assert.deepEqual(seen, [requestSpanId, requestSpanId]);
      // The listener given is the one that comes off.
      request.removeListener("data", onData);
      assert.equal(request.listenerCount("data"), 0);
    });
  });
  test("bind() on an EventEmitter: a listener added while another is being added (a newListener handler) is bound too", () => {
    const manager = new BridgeContextManager();
    const key = Symbol("k");
    const outer = new EventEmitter();
    const inner = new EventEmitter();
    manager.bind(ROOT_CONTEXT.setValue(key, "outer"), outer);
    manager.bind(ROOT_CONTEXT.setValue(key, "inner"), inner);
    const seen: unknown[] = [];
    const read = () => seen.push(manager.active().getValue(key));
    outer.on("newListener", (event: string) => {
      if (event === "data") inner.on("data", read);
      if (event === "end") inner.once("end", read);
    });
    outer.on("data", read);
    outer.once("end", read);
    inner.emit("data");
    inner.emit("end");
    outer.emit("data");
    outer.emit("end");
    assert.deepEqual(seen, ["inner", "inner", "outer", "outer"]);
    inner.removeListener("data", read);
    assert.equal(inner.listenerCount("data"), 0);
    // once()'s own wrapper is not wrapped again: the listener given comes off.
    outer.once("close", read);
    outer.prependOnceListener("close", read);
    outer.removeListener("close", read);
    outer.removeListener("close", read);
    assert.equal(outer.listenerCount("close"), 0);
  });
  // An emitter bound to a context, and a listener that records the context it runs in.
  const boundEmitter = () => {
    const manager = new BridgeContextManager();
    const key = Symbol("k");
    const emitter = new EventEmitter();
    manager.bind(ROOT_CONTEXT.setValue(key, "bound"), emitter);
    const seen: unknown[] = [];
    const listener = () => seen.push(manager.active().getValue(key));
    return { manager, emitter, seen, listener };
  };
  test("bind() on an EventEmitter: a listener added twice comes off with two removeListener calls, as Node's contract says", () => {
    const { manager, emitter, seen, listener } = boundEmitter();
    emitter.on("data", listener);
    emitter.on("data", listener);
    emitter.emit("data");
    assert.deepEqual(seen, ["bound", "bound"]);
    emitter.removeListener("data", listener);
    assert.equal(emitter.listenerCount("data"), 1);
    emitter.off("data", listener);
    assert.equal(emitter.listenerCount("data"), 0);
    // Added before bind() and after: both come off with the listener given.
    const late = new EventEmitter();
    late.on("data", listener);
    manager.bind(ROOT_CONTEXT, late);
    late.on("data", listener);
    late.removeListener("data", listener);
    late.removeListener("data", listener);
    assert.equal(late.listenerCount("data"), 0);
  });
  test("bind() on an EventEmitter keeps nothing for an event once its last listener is gone (event names made per call)", () => {
    const { emitter, seen, listener } = boundEmitter();
    emitter.on("data", listener);
    for (let i = 0; i < 1000; i++) {
      // An RPC client's pattern: one event name per request, answered once.
      emitter.once(`response:${i}`, listener);
      emitter.emit(`response:${i}`);
      emitter.prependOnceListener(`timeout:${i}`, listener);
      emitter.removeListener(`timeout:${i}`, listener);
      emitter.on(`progress:${i}`, listener);
      emitter.off(`progress:${i}`, listener);
    }
    assert.equal(seen.length, 1000);
    assert.ok(seen.every((value) => value === "bound"));
    // The event still listened to keeps its wrapper: it runs bound, and comes off.
    assert.equal(boundEventCount(emitter), 1);
    emitter.emit("data");
    assert.equal(seen.at(-1), "bound");
    emitter.removeListener("data", listener);
    assert.equal(emitter.listenerCount("data"), 0);
    assert.equal(boundEventCount(emitter), 0);
    // An event listened to again is bound again.
    emitter.once("response:0", listener);
    emitter.emit("response:0");
    assert.equal(seen.length, 1002);
    assert.equal(seen.at(-1), "bound");
  });
});

describe("baggage across the bridge: one current baggage for both libraries", () => {
  const entry = (ctx: Context, key: string) => propagation.getBaggage(ctx)?.getEntry(key)?.value;

  test("this library's baggage is the API's: an instrumented client's headers carry it", async () => {
    await withCleanGlobals(() => {
      new TracerProvider({ processors: [] }).register();
      const headers: Record<string, string> = {};
      withBaggage(new Baggage({ "user.id": "42" }), () => {
        assert.equal(entry(context.active(), "user.id"), "42");
        propagation.inject(context.active(), headers);
      });
      assert.equal(headers.baggage, "user.id=42");
      assert.equal(propagation.getBaggage(context.active()), undefined);
    });
  });

  test("the API's baggage is this library's: set with setBaggage, or extracted by an instrumented server", async () => {
    await withCleanGlobals(() => {
      new TracerProvider({ processors: [] }).register();
      const set = propagation.setBaggage(
        context.active(),
        propagation.createBaggage({ tenant: { value: "acme" } }),
      );
      const seen: (string | undefined)[] = [];
      context.with(set, () => seen.push(getBaggage().get("tenant")?.value));
      const extracted = propagation.extract(ROOT_CONTEXT, { baggage: "tenant=initech;ttl=60" });
      context.with(extracted, () => {
        seen.push(getBaggage().get("tenant")?.value, getBaggage().get("tenant")?.metadata);
      });
      assert.deepEqual(seen, ["acme", "initech", "ttl=60"]);
      // An entry W3C baggage cannot carry is left out and counted, never thrown.
      const before = propagationStats().baggage;
      const odd = propagation.createBaggage({ "no spaces": { value: "x" }, ok: { value: "y" } });
      context.with(propagation.setBaggage(context.active(), odd), () => {
        assert.deepEqual(getBaggage().entries().map(([key]) => key), ["ok"]);
      });
      assert.equal(propagationStats().baggage, before + 1);
    });
  });

  test("something that is no baggage under the API's baggage key is none, and nothing is thrown", async () => {
    await withCleanGlobals(() => {
      new TracerProvider({ processors: [] }).register();
      const key = Symbol.for("OpenTelemetry Baggage Key");
      const seen: number[] = [];
      for (
        const odd of ["tenant=acme", 42, { getAllEntries: () => 7 }, { getAllEntries: () => [5] }]
      ) {
        assert.doesNotThrow(() =>
          context.with(context.active().setValue(key, odd), () => seen.push(getBaggage().size))
        );
      }
      assert.deepEqual(seen, [0, 0, 0, 0]);
    });
  });

  test("whichever side set the baggage last wins, and a deletion counts", async () => {
    await withCleanGlobals(() => {
      new TracerProvider({ processors: [] }).register();
      const theirs = propagation.createBaggage({ k: { value: "api" } });
      const seen: unknown[] = [];
      context.with(propagation.setBaggage(context.active(), theirs), () => {
        withBaggage(new Baggage({ k: "ours" }), () => {
          seen.push(entry(context.active(), "k"));
          context.with(propagation.deleteBaggage(context.active()), () => {
            seen.push(getBaggage().size, propagation.getBaggage(context.active()));
          });
          // A context of ours handed back through the API keeps its baggage.
          context.with(getCurrentContext() as never, () => seen.push(getBaggage().get("k")?.value));
        });
        seen.push(getBaggage().get("k")?.value);
      });
      assert.deepEqual(seen, ["ours", 0, undefined, "ours", "api"]);
    });
  });
});

describe("tracing suppression across the bridge", () => {
  // Runs `fn` with this entry's TracerProvider registered, its spans in `memory`.
  async function withProvider(
    fn: (
      memory: InMemorySpanProcessor,
      otelSuppressTracing: typeof import("@opentelemetry/core").suppressTracing,
      ourSuppressTracing: typeof import("../mod.ts").suppressTracing,
    ) => void,
  ): Promise<void> {
    const { suppressTracing: otelSuppressTracing } = await import("@opentelemetry/core");
    const { suppressTracing: ourSuppressTracing } = await import("../mod.ts");
    await withCleanGlobals(() => {
      const memory = new InMemorySpanProcessor();
      new TracerProvider({ processors: [memory] }).register();
      fn(memory, otelSuppressTracing, ourSuppressTracing);
    });
  }

  test("OpenTelemetry's suppressTracing is honoured by this library's tracer, and ours by API tracers", async () => {
    await withProvider((memory, otelSuppressTracing, ourSuppressTracing) => {
      const tracer = new Tracer({ processors: [memory] });
      const ours = context.with(
        otelSuppressTracing(context.active()),
        () => tracer.startSpan("ours, inside OpenTelemetry's suppression"),
      );
      assert.equal(ours.isRecording, false);
      ours.end();
      const api = ourSuppressTracing(() => trace.getTracer("lib").startSpan("api, inside ours"));
      assert.equal(api.isRecording(), false);
      api.end();
      tracer.startSpan("ours, not suppressed").end();
      assert.deepEqual(memory.spans.map((s) => s.name), ["ours, not suppressed"]);
    });
  });

  test("an API tracer given a context reads suppression from that context, as the SDK's tracer does", async () => {
    await withProvider((memory, otelSuppressTracing, ourSuppressTracing) => {
      const api = trace.getTracer("lib");
      const quiet = otelSuppressTracing(context.active());
      const loud = context.active();
      const recording: Record<string, boolean> = {};
      const start = (name: string, ctx: typeof loud) => {
        const span = api.startSpan(name, {}, ctx);
        recording[name] = span.isRecording();
        span.end();
      };
      start("suppressed context given, none active", quiet);
      ourSuppressTracing(() => start("unsuppressed context given, suppression active", loud));
      api.startActiveSpan("active, suppressed context given", {}, quiet, (span) => {
        recording["active, suppressed context given"] = span.isRecording();
        span.end();
      });
      assert.deepEqual(recording, {
        "suppressed context given, none active": false,
        "unsuppressed context given, suppression active": true,
        "active, suppressed context given": false,
      });
      assert.deepEqual(memory.spans.map((s) => s.name), [
        "unsuppressed context given, suppression active",
      ]);
    });
  });
});

describe("ReadableSpan.parentSpanContext is the parent's own span context", () => {
  // "they MUST expose at least the full parent SpanContext" (trace/sdk.md):
  // its flags and trace state too, which a sampler may have changed for the
  // child; the SDK's provider gives them as the parent had them.
  const remoteParent = {
    traceId: "0af7651916cd43dd8448eb211c80319c",
    spanId: "b7ad6b7169203331",
    traceFlags: 0,
    isRemote: true,
    traceState: createTraceState("vendor=x"),
  };
  type Sampler = ConstructorParameters<typeof TracerProvider>[0] extends infer O
    ? O extends { sampler?: infer S } ? S : never
    : never;

  function parentOfChild(
    parent: typeof remoteParent,
    sampler: Sampler | undefined,
  ): { parent: unknown; child: unknown } {
    const exporter = new InMemorySpanExporter();
    const provider = new TracerProvider({
      sampler,
      spanProcessors: [new SdkSimpleSpanProcessor(exporter)],
    });
    provider.getTracer("t").startSpan("child", {}, trace.setSpanContext(ROOT_CONTEXT, parent))
      .end();
    const [span] = exporter.getFinishedSpans();
    const plain = (c: ReadableSpan["parentSpanContext"]) =>
      c && { ...c, traceState: c.traceState?.serialize() };
    return { parent: plain(span.parentSpanContext), child: plain(span.spanContext()) };
  }

  test("a sampler that records under an unsampled parent: the parent's flags stay 0", () => {
    const { parent, child } = parentOfChild(remoteParent, new AlwaysOnSampler());
    assert.deepEqual(parent, { ...remoteParent, traceState: "vendor=x" });
    assert.equal((child as { traceFlags: number }).traceFlags & 1, 1);
  });

  test("the parent's trace state is carried, as the child's is", () => {
    const sampled = { ...remoteParent, traceFlags: 1 };
    const { parent, child } = parentOfChild(sampled, undefined);
    assert.deepEqual(parent, { ...sampled, traceState: "vendor=x" });
    assert.equal((child as { traceState: string }).traceState, "vendor=x");
  });

  test("a sampler that sets the child's trace state leaves the parent's as it was", () => {
    const sampled = { ...remoteParent, traceFlags: 1 };
    const { parent, child } = parentOfChild(sampled, {
      shouldSample: () => ({ decision: "recordAndSample" as const, traceState: "mine=1" }),
    });
    assert.deepEqual(parent, { ...sampled, traceState: "vendor=x" });
    assert.equal((child as { traceState: string }).traceState, "mine=1");
  });

  test("a parent with no trace state gives none", () => {
    const bare = { ...remoteParent, traceFlags: 1, traceState: undefined! };
    const { parent } = parentOfChild(bare, undefined);
    assert.deepEqual(parent, { ...bare, traceState: undefined });
  });
});

describe("OpenTelemetry processors' onEnding on this entry's TracerProvider", () => {
  // SDK 2's SpanProcessor.onEnding: "called synchronously within the
  // Span.End() API", the span "still mutable", before any OnEnd
  // (trace/sdk.md, OnEnding).
  test("onEnding gets the span onStart got, writable and not yet ended, before onEnd gets it again", async () => {
    await withCleanGlobals(() => {
      const log: string[] = [];
      const objects: unknown[] = [];
      const processor = {
        onStart(span: unknown) {
          objects.push(span);
          log.push("onStart");
        },
        onEnding(span: ApiSpan & ReadableSpan) {
          objects.push(span);
          log.push(`onEnding ended=${span.ended} endTime=${span.endTime[0] > 0}`);
          span.setAttribute("from.onEnding", 1);
        },
        onEnd(span: ReadableSpan) {
          objects.push(span);
          log.push(`onEnd ended=${span.ended}`);
        },
        forceFlush: () => Promise.resolve(),
        shutdown: () => Promise.resolve(),
      } as unknown as OtelSpanProcessor;
      // One with onEnding and no onStart gets one object in both too.
      const endingOnly: unknown[] = [];
      const late = {
        onEnding: (span: unknown) => void endingOnly.push(span),
        onEnd: (span: unknown) => void endingOnly.push(span),
        forceFlush: () => Promise.resolve(),
        shutdown: () => Promise.resolve(),
      } as unknown as OtelSpanProcessor;
      const exporter = new InMemorySpanExporter();
      const provider = new TracerProvider({
        spanProcessors: [processor, late, new SdkSimpleSpanProcessor(exporter)],
      });
      const span = provider.getTracer("lib").startSpan("checkout");
      span.end();
      assert.deepEqual(log, ["onStart", "onEnding ended=false endTime=true", "onEnd ended=true"]);
      assert.equal(new Set(objects).size, 1, "one object in onStart, onEnding and onEnd");
      assert.equal(objects[0], span, "the span startSpan returned");
      assert.equal(endingOnly.length, 2);
      assert.equal(endingOnly[0], endingOnly[1]);
      assert.deepEqual(exporter.getFinishedSpans()[0].attributes, { "from.onEnding": 1 });
    });
  });
});
