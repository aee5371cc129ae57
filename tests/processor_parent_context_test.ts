// A processor's onStart is given the span's parent context, as
// OpenTelemetry's OnStart(span, parentContext) is: the context the span
// started in, its span replaced by an explicit parent, or removed for a new
// root.
import { afterEach, describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  Baggage,
  Context,
  getBaggage,
  getDefaultTracer,
  InMemorySpanProcessor,
  ROOT_CONTEXT,
  setDefaultTracer,
  Span,
  SPAN_KEY,
  SpanContext,
  type SpanProcessor,
  Tracer,
  withBaggage,
} from "../mod.ts";
import {
  BatchSpanProcessor as OtelBatchSpanProcessor,
  SimpleSpanProcessor as OtelSimpleSpanProcessor,
  TracerProvider,
} from "../otel.ts";
import { propagation, ROOT_CONTEXT as OTEL_ROOT_CONTEXT, trace } from "@opentelemetry/api";
import { ProcessorFanOut } from "../src/trace/_processor_fan_out.ts";

// Records what each onStart was given, by span name.
function recordingStarts(): { processor: SpanProcessor; seen: Map<string, unknown> } {
  const seen = new Map<string, unknown>();
  return {
    seen,
    processor: {
      onStart(span: Span, parentContext: Context) {
        seen.set(span.name, parentContext);
      },
      onEnd() {},
      forceFlush: async () => {},
      shutdown: async () => {},
    },
  };
}

function spanIn(context: unknown): unknown {
  return (context as Context).getValue(SPAN_KEY);
}

afterEach(() => setDefaultTracer(undefined));

describe("SpanProcessor.onStart's parent context", () => {
  test("is the context the span starts in: its baggage, and the parent span", () => {
    const { processor, seen } = recordingStarts();
    const tracer = new Tracer({ processors: [processor] });
    withBaggage(new Baggage({ tenant: "acme" }), () => {
      tracer.span("outer", (outer) => {
        tracer.startSpan("inner").end();
        assert.equal(spanIn(seen.get("inner")), outer);
      });
    });
    assert.equal(getBaggage(seen.get("inner") as Context).get("tenant")?.value, "acme");
    assert.equal(getBaggage(seen.get("outer") as Context).get("tenant")?.value, "acme");
    assert.equal(spanIn(seen.get("outer")), undefined);
  });

  test("is the root context outside any", () => {
    const { processor, seen } = recordingStarts();
    new Tracer({ processors: [processor] }).startSpan("alone").end();
    assert.equal(seen.get("alone"), ROOT_CONTEXT);
  });

  test("has an explicit parent span in place of the current one, and keeps the rest", () => {
    const { processor, seen } = recordingStarts();
    const tracer = new Tracer({ processors: [processor] });
    const other = tracer.startSpan("other");
    withBaggage(new Baggage({ tenant: "acme" }), () => {
      tracer.span("current", () => tracer.startSpan("child", { parent: other }).end());
    });
    const context = seen.get("child") as Context;
    assert.equal(spanIn(context), other);
    assert.equal(getBaggage(context).get("tenant")?.value, "acme");
    other.end();
  });

  test("has a non-recording span for an explicit SpanContext parent (a remote one, say)", () => {
    const { processor, seen } = recordingStarts();
    const tracer = new Tracer({ processors: [processor] });
    const remote = new SpanContext({
      traceId: "0af7651916cd43dd8448eb211c80319c",
      spanId: "b7ad6b7169203331",
      traceFlags: 1,
      isRemote: true,
    });
    tracer.span("current", () => tracer.startSpan("child", { parent: remote }).end());
    const parent = spanIn(seen.get("child"));
    assert.ok(parent instanceof Span);
    assert.equal(parent.isRecording, false);
    assert.equal(parent.context, remote);
  });

  test("has no span for a new root (parent: null), and keeps the baggage", () => {
    const { processor, seen } = recordingStarts();
    const tracer = new Tracer({ processors: [processor] });
    withBaggage(new Baggage({ tenant: "acme" }), () => {
      tracer.span("current", () => tracer.startSpan("root", { parent: null }).end());
    });
    const context = seen.get("root") as Context;
    assert.equal(spanIn(context), undefined);
    assert.equal(getBaggage(context).get("tenant")?.value, "acme");
  });

  test("of a span started inside another's onStart is that span's own", () => {
    const seen = new Map<string, unknown>();
    const processor: SpanProcessor = {
      onStart(span: Span, parentContext: Context) {
        seen.set(span.name, parentContext);
        if (span.name === "outer") tracer.startSpan("side", { parent: null }).end();
      },
      onEnd() {},
      forceFlush: async () => {},
      shutdown: async () => {},
    };
    const tracer = new Tracer({ processors: [processor] });
    tracer.span("current", () => tracer.startSpan("outer").end());
    assert.equal(spanIn(seen.get("side")), undefined);
    assert.ok(spanIn(seen.get("outer")) instanceof Span);
    assert.notEqual(seen.get("side"), seen.get("outer"));
  });

  test("reaches the default tracer's processors when a tracer taken before it was set starts the span", () => {
    const early = getDefaultTracer();
    const { processor, seen } = recordingStarts();
    setDefaultTracer(new Tracer({ processors: [processor] }));
    withBaggage(new Baggage({ tenant: "acme" }), () => early.startSpan("late").end());
    assert.equal(getBaggage(seen.get("late") as Context).get("tenant")?.value, "acme");
  });

  test("reaches this library's processors on ./otel's TracerProvider", () => {
    const { processor, seen } = recordingStarts();
    const memory = new InMemorySpanProcessor();
    const provider = new TracerProvider({ processors: [processor, memory] });
    provider.getTracer("lib").startSpan("via otel").end();
    const context = seen.get("via otel");
    assert.ok(context instanceof Context);
    assert.equal(spanIn(context), undefined);
    assert.equal(memory.spans.length, 1);
  });

  test("on ./otel's TracerProvider, is the context the application gave startSpan, baggage and all", () => {
    const { processor, seen } = recordingStarts();
    const provider = new TracerProvider({ processors: [processor] });
    const tracer = provider.getTracer("lib");
    const parent = tracer.startSpan("parent");
    const baggage = propagation.createBaggage({ tenant: { value: "acme" } });
    // A context of the API's own making, as instrumentation builds it.
    const given = trace.setSpan(propagation.setBaggage(OTEL_ROOT_CONTEXT, baggage), parent);
    tracer.startSpan("child", {}, given).end();
    tracer.startSpan("root", { root: true }, given).end();
    const child = seen.get("child") as Context;
    assert.ok(child instanceof Context);
    assert.equal(getBaggage(child).get("tenant")?.value, "acme");
    assert.equal((spanIn(child) as Span).context.spanId, parent.spanContext().spanId);
    const root = seen.get("root") as Context;
    assert.equal(getBaggage(root).get("tenant")?.value, "acme");
    assert.equal(spanIn(root), undefined);
    parent.end();
  });

  test("on ./otel's TracerProvider, a given context whose baggage cannot be read gives way to the current one, never an error", () => {
    const { processor, seen } = recordingStarts();
    const tracer = new TracerProvider({ processors: [processor] }).getTracer("lib");
    const baggageKey = Symbol.for("OpenTelemetry Baggage Key");
    const hostile = {
      getValue(key: symbol): unknown {
        if (key === baggageKey) throw new Error("no baggage here");
        return OTEL_ROOT_CONTEXT.getValue(key);
      },
      setValue: () => hostile,
      deleteValue: () => hostile,
    };
    tracer.startSpan("hostile", {}, hostile).end();
    const context = seen.get("hostile") as Context;
    assert.ok(context instanceof Context);
    assert.equal(spanIn(context), undefined);
    assert.equal(getBaggage(context).size, 0);
  });

  test("is not made for processors whose onStart does nothing (./otel's), nor for none", () => {
    assert.equal(new ProcessorFanOut([new InMemorySpanProcessor()]).hasStarters, false);
    assert.equal(
      new ProcessorFanOut([
        new OtelSimpleSpanProcessor(() => {}),
        new OtelBatchSpanProcessor(() => {}),
      ])
        .hasStarters,
      false,
    );
    class Counting extends OtelSimpleSpanProcessor {
      override onStart(): void {}
    }
    assert.equal(new ProcessorFanOut([new Counting(() => {})]).hasStarters, true);
    // A nested fan-out counts by its own processors.
    assert.equal(new ProcessorFanOut([new ProcessorFanOut([])]).hasStarters, false);
  });

  test("getBaggage refuses a context that is none", () => {
    assert.throws(
      () => getBaggage({} as Context),
      (e) =>
        e instanceof TypeError && /^Cannot get baggage: context must be a Context/.test(e.message),
    );
  });
});
