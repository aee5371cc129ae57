import { describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  BatchSpanProcessor,
  getContextStorage,
  InMemorySpanProcessor,
  isTracingSuppressed,
  setContextStorage,
  SimpleSpanProcessor,
  type Span,
  StackContextStorage,
  suppressTracing,
  Tracer,
} from "../mod.ts";
import { instrumentFetch } from "../http.ts";
import { OtlpHttpExporter } from "../otlp.ts";
import { ManualTime } from "../testing.ts";

describe("suppressTracing()", () => {
  test("spans started inside record nothing and reach no processor, sync and across await", async () => {
    const memory = new InMemorySpanProcessor();
    const tracer = new Tracer({ processors: [memory] });
    const inner = await suppressTracing(async () => {
      const before = tracer.startSpan("before await");
      await new Promise((resolve) => setTimeout(resolve, 1));
      const after = tracer.startSpan("after await");
      return [before, after];
    });
    for (const span of inner) {
      assert.equal(span.isRecording, false);
      assert.equal(span.context.isSampled, false);
      span.end();
    }
    assert.equal(memory.spans.length, 0);
    tracer.startSpan("outside").end();
    assert.deepEqual(memory.spans.map((s) => s.name), ["outside"]);
  });

  test("isTracingSuppressed is true only inside", () => {
    assert.equal(isTracingSuppressed(), false);
    assert.equal(suppressTracing(() => isTracingSuppressed()), true);
    assert.equal(isTracingSuppressed(), false);
  });

  test("an explicit parent does not lift the suppression", () => {
    const memory = new InMemorySpanProcessor();
    const tracer = new Tracer({ processors: [memory] });
    const parent = tracer.startSpan("parent");
    const child = suppressTracing(() => tracer.startSpan("child", { parent }));
    assert.equal(child.isRecording, false);
    assert.equal(child.context.traceId, parent.context.traceId, "the trace still propagates");
  });

  test("a non-function is a TypeError", () => {
    assert.throws(() => suppressTracing(5 as never), /^TypeError: Cannot suppress tracing/);
  });
});

describe("exporters do not trace their own exports", () => {
  // An exporter whose work is itself traced (an instrumented fetch, say)
  // would otherwise feed one new span into the pipeline per export, forever.
  // The first three exports trace a request of their own; bounded, so that a
  // regression fails these tests instead of looping.
  function tracingExporter(tracer: () => Tracer, exported: string[]) {
    let calls = 0;
    return (spans: readonly Span[]) => {
      if (++calls <= 3) tracer().startSpan("exporter's own request").end();
      for (const span of spans) exported.push(span.name);
    };
  }

  test("behind a BatchSpanProcessor", async () => {
    const exported: string[] = [];
    const time = new ManualTime();
    const late: { tracer?: Tracer } = {};
    const batch = new BatchSpanProcessor(tracingExporter(() => late.tracer!, exported), {
      scheduler: time,
      clock: time,
      flushOnExit: false,
    });
    const tracer = late.tracer = new Tracer({ processors: [batch] });
    tracer.startSpan("application work").end();
    await batch.forceFlush();
    await time.tick(60_000);
    await batch.forceFlush();
    assert.deepEqual(exported, ["application work"]);
    assert.deepEqual(batch.stats(), { ended: 1, exported: 1, dropped: 0, failed: 0, queued: 0 });
  });

  test("behind a SimpleSpanProcessor", async () => {
    const exported: string[] = [];
    const late: { tracer?: Tracer } = {};
    const simple = new SimpleSpanProcessor(tracingExporter(() => late.tracer!, exported));
    const tracer = late.tracer = new Tracer({ processors: [simple] });
    tracer.startSpan("application work").end();
    await simple.forceFlush();
    assert.deepEqual(exported, ["application work"]);
    assert.equal(simple.stats().ended, 1);
  });
});

describe("an OTLP export through a traced fetch", () => {
  // A page that replaced its global fetch with a traced one: the exporter
  // sends through it after awaiting the encoding, where a stack (a browser)
  // no longer holds the processor's suppression. Traced, each export's own
  // request would be a span that the next export sends, for ever.
  test("is not traced where the current span lives on a stack (a browser)", async () => {
    const previous = getContextStorage();
    setContextStorage(new StackContextStorage());
    try {
      const memory = new InMemorySpanProcessor();
      const requests: string[] = [];
      const time = new ManualTime();
      const batch = new BatchSpanProcessor(
        new OtlpHttpExporter({
          url: "http://127.0.0.1:4318/v1/traces",
          fetch: (input, init) => tracedFetch(input, init),
          env: {},
        }),
        { scheduler: time, clock: time, flushOnExit: false, flushOnPageHide: false },
      );
      const tracer = new Tracer({ processors: [memory, batch] });
      const tracedFetch = instrumentFetch((input: RequestInfo | URL) => {
        requests.push(String(input));
        return Promise.resolve(new Response(null, { status: 200 }));
      }, { tracer });
      tracer.startSpan("application work").end();
      await batch.forceFlush();
      await batch.forceFlush();
      assert.deepEqual(requests, ["http://127.0.0.1:4318/v1/traces"]);
      assert.deepEqual(memory.spans.map((s) => s.name), ["application work"]);
      assert.deepEqual(batch.stats(), { ended: 1, exported: 1, dropped: 0, failed: 0, queued: 0 });
      await batch.shutdown();
    } finally {
      setContextStorage(previous);
    }
  });
});

describe("propagation under suppressed tracing", () => {
  test("injectContext writes no traceparent, tracestate or baggage", async () => {
    const { Baggage, injectContext, withBaggage } = await import("../mod.ts");
    const tracer = new Tracer();
    const span = tracer.startSpan("application request");
    const baggage = Baggage.parse("user=ada");
    const outside: Record<string, string> = {};
    const inside: Record<string, string> = {};
    withBaggage(baggage, () => {
      injectContext(outside, span);
      suppressTracing(() => injectContext(inside, span));
    });
    assert.match(outside.traceparent, /^00-[0-9a-f]{32}-[0-9a-f]{16}-0[13]$/);
    assert.equal(outside.baggage, "user=ada");
    assert.deepEqual(inside, {});
  });
});
