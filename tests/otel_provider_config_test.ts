// A configuration carried over from the OpenTelemetry SDK's provider to
// ./otel's TracerProvider keeps its meaning: the SDK's samplers, its
// spanLimits and generalLimits, its id generator and its spellings of the
// OTEL_* limits; options it does not take are named; and API code's
// undefined or null attribute values are skipped as the SDK's span skips them.

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { withCleanGlobals } from "./_otel_globals.ts";
import { captureWarnings, withEnv } from "./_helpers.ts";
import {
  type Context,
  createTraceState,
  type Link,
  propagation,
  ROOT_CONTEXT,
  type Sampler as OtelSampler,
  SamplingDecision,
  SpanKind,
  trace,
} from "@opentelemetry/api";
import {
  AlwaysOffSampler as SdkAlwaysOffSampler,
  AlwaysOnSampler as SdkAlwaysOnSampler,
  BasicTracerProvider,
  InMemorySpanExporter,
  ParentBasedSampler as SdkParentBasedSampler,
  RandomIdGenerator,
  SimpleSpanProcessor as SdkSimpleSpanProcessor,
  TraceIdRatioBasedSampler,
} from "@opentelemetry/sdk-trace-base";
import {
  AlwaysOnSampler,
  InMemorySpanProcessor,
  type Sampler,
  type SamplingParameters,
  SpanContext,
  Tracer,
} from "../mod.ts";
import { readOtlpEnv } from "../otlp.ts";
import { TracerProvider } from "../otel.ts";

const REMOTE = { traceId: "0af7651916cd43dd8448eb211c80319c", spanId: "b7ad6b7169203331" };
describe("TracerProvider takes an OpenTelemetry sampler as the SDK's provider does", () => {
  test("the SDK's AlwaysOn, AlwaysOff and TraceIdRatioBased samplers decide as they do there", async () => {
    await withCleanGlobals(() => {
      const count = (sampler: OtelSampler) => {
        const memory = new InMemorySpanProcessor();
        const tracer = new TracerProvider({ processors: [memory], sampler }).getTracer("lib");
        for (let i = 0; i < 10; i++) tracer.startSpan("s").end();
        return memory.spans.length;
      };
      assert.equal(count(new SdkAlwaysOnSampler()), 10);
      assert.equal(count(new SdkAlwaysOffSampler()), 0);

      const ratio = new TraceIdRatioBasedSampler(0.5);
      const memory = new InMemorySpanProcessor();
      const tracer = new TracerProvider({ processors: [memory], sampler: ratio }).getTracer("lib");
      const spans = Array.from({ length: 64 }, () => tracer.startSpan("s"));
      for (const span of spans) span.end();
      const expected = spans.filter((span) =>
        ratio.shouldSample(ROOT_CONTEXT, span.spanContext().traceId).decision ===
          SamplingDecision.RECORD_AND_SAMPLED
      );
      // 64 random trace ids all on one side of 0.5: a chance of 2^-63.
      assert.ok(expected.length > 0 && expected.length < 64, `${expected.length} of 64`);
      assert.deepEqual(
        memory.spans.map((s) => s.context.spanId),
        expected.map((s) => s.spanContext().spanId),
      );
      for (const span of spans) {
        assert.equal(span.isRecording(), false, "ended");
        assert.equal(
          (span.spanContext().traceFlags & 1) === 1,
          expected.includes(span),
          "the sampled flag is the sampler's decision",
        );
      }
    });
  });

  test("the SDK's ParentBasedSampler follows the parent in the context the span starts in", async () => {
    await withCleanGlobals(() => {
      const memory = new InMemorySpanProcessor();
      const provider = new TracerProvider({
        processors: [memory],
        sampler: new SdkParentBasedSampler({ root: new SdkAlwaysOffSampler() }),
      });
      // The active span is the parent of "local child".
      provider.register();
      const tracer = provider.getTracer("lib");
      tracer.startSpan("root").end();
      const notSampled = trace.setSpanContext(ROOT_CONTEXT, {
        ...REMOTE,
        traceFlags: 0,
        isRemote: true,
      });
      tracer.startSpan("under an unsampled parent", {}, notSampled).end();
      const sampled = trace.setSpanContext(ROOT_CONTEXT, {
        ...REMOTE,
        traceFlags: 1,
        isRemote: true,
      });
      tracer.startSpan("under a sampled parent", {}, sampled).end();
      tracer.startActiveSpan("parent", {}, sampled, (parent) => {
        tracer.startSpan("local child").end();
        tracer.startSpan("new root", { root: true }).end();
        parent.end();
      });
      assert.deepEqual(memory.spans.map((s) => s.name), [
        "under a sampled parent",
        "local child",
        "parent",
      ]);
      assert.equal(memory.spans[0].context.parentSpanId, REMOTE.spanId);
      assert.equal(memory.spans[1].context.parentSpanId, memory.spans[2].context.spanId);
    });
  });

  test("an OpenTelemetry sampler is given the API's arguments, and its answer applies in full", async () => {
    await withCleanGlobals(() => {
      const calls: unknown[][] = [];
      class Recording implements OtelSampler {
        // A private field: the sampler is called as a method of itself.
        #decision = SamplingDecision.RECORD;
        shouldSample(...args: Parameters<OtelSampler["shouldSample"]>) {
          calls.push(args);
          return {
            decision: this.#decision,
            attributes: { "sampler.added": "yes", "sampler.none": undefined },
            traceState: createTraceState("vendor=sampled"),
          };
        }
        toString() {
          return "Recording";
        }
      }
      const memory = new InMemorySpanProcessor();
      const tracer = new TracerProvider({ processors: [memory], sampler: new Recording() })
        .getTracer("lib");
      const linked = { ...REMOTE, spanId: "00f067aa0ba902b7", traceFlags: 1 };
      const parent = trace.setSpanContext(ROOT_CONTEXT, {
        ...REMOTE,
        traceFlags: 1,
        isRemote: true,
      });
      const withBaggage = propagation.setBaggage(
        parent,
        propagation.createBaggage({ tenant: { value: "acme" } }),
      );
      for (let i = 0; i < 2; i++) {
        tracer.startSpan("GET /", {
          kind: SpanKind.SERVER,
          attributes: { "http.method": "GET", "user_agent.original": undefined },
          links: [{ context: linked, attributes: { why: "batch" } }],
        }, withBaggage).end();
      }
      // The first call, before the sampler's kind is known, and a later one, alike.
      assert.equal(calls.length, 2);
      for (const [context, traceId, name, kind, attributes, links] of calls) {
        const ctx = context as Context;
        assert.equal(
          trace.getSpanContext(ctx)?.spanId,
          REMOTE.spanId,
          "the parent, in the context",
        );
        assert.equal(propagation.getBaggage(ctx)?.getEntry("tenant")?.value, "acme");
        assert.equal(traceId, REMOTE.traceId);
        assert.equal(name, "GET /");
        assert.equal(kind, SpanKind.SERVER);
        assert.deepEqual(attributes, { "http.method": "GET" });
        const [link] = links as Link[];
        assert.equal(link.context.spanId, linked.spanId);
        assert.equal(link.context.traceId, linked.traceId);
        assert.equal(link.context.traceFlags, 1);
        assert.deepEqual(link.attributes, { why: "batch" });
      }
      // RECORD: processors see it, unsampled, with the sampler's attributes and trace state.
      assert.equal(memory.spans.length, 2);
      const [span] = memory.spans;
      assert.equal(span.context.isSampled, false);
      assert.equal(span.context.traceState, "vendor=sampled");
      assert.deepEqual(span.attributes, { "http.method": "GET", "sampler.added": "yes" });
      assert.equal(span.droppedAttributesCount, 0);
    });
  });

  test("this library's own sampler is still called with one parameters object, and nothing else shows", async () => {
    await withCleanGlobals(() => {
      const seen: { keys: string[]; parent: unknown; kind: string }[] = [];
      const ours: Sampler = {
        shouldSample(p: SamplingParameters) {
          seen.push({ keys: Object.keys(p).sort(), parent: p.parent, kind: p.kind });
          return { decision: p.kind === "server" ? "record" : "drop" };
        },
      };
      const memory = new InMemorySpanProcessor();
      const tracer = new TracerProvider({ processors: [memory], sampler: ours }).getTracer("lib");
      const parent = trace.setSpanContext(ROOT_CONTEXT, {
        ...REMOTE,
        traceFlags: 1,
        isRemote: true,
      });
      tracer.startSpan("a", { kind: SpanKind.SERVER }, parent).end();
      tracer.startSpan("b", { kind: SpanKind.CLIENT }, parent).end();
      tracer.startSpan("c", { kind: SpanKind.SERVER }).end();
      assert.deepEqual(memory.spans.map((s) => [s.name, s.context.isSampled]), [
        ["a", false],
        ["c", false],
      ]);
      assert.equal(seen.length, 3);
      for (const s of seen.slice(0, 2)) {
        assert.deepEqual(s.keys, ["attributes", "kind", "links", "name", "parent", "traceId"]);
        assert.ok(s.parent instanceof SpanContext);
        assert.equal((s.parent as SpanContext).spanId, REMOTE.spanId);
      }
      assert.deepEqual(seen.map((s) => s.kind), ["server", "client", "server"]);
      assert.equal(seen[2].parent, undefined);
    });
  });

  test("OTEL_TRACES_SAMPLER still decides when no sampler is given, and a given SDK sampler wins over it", async () => {
    await withEnv({ OTEL_TRACES_SAMPLER: "always_off" }, () =>
      withCleanGlobals(() => {
        const memory = new InMemorySpanProcessor();
        new TracerProvider({ processors: [memory] }).getTracer("lib").startSpan("off").end();
        assert.equal(memory.spans.length, 0);
        new TracerProvider({ processors: [memory], sampler: new SdkAlwaysOnSampler() })
          .getTracer("lib").startSpan("on").end();
        assert.deepEqual(memory.spans.map((s) => s.name), ["on"]);
      }));
  });
});

describe("TracerProvider takes the SDK's spanLimits, generalLimits and idGenerator", () => {
  const attributesOf = (options: ConstructorParameters<typeof TracerProvider>[0]) => {
    const memory = new InMemorySpanProcessor();
    new TracerProvider({ ...options, processors: [memory] }).getTracer("lib")
      .startSpan("s", { attributes: { a: "abcdef", b: "xyz", c: 3 } })
      .addEvent("e1", { x: 1, y: 2 })
      .addEvent("e2")
      .end();
    return memory.spans[0];
  };

  test("spanLimits bounds spans as the SDK's option of that name does", async () => {
    await withCleanGlobals(() => {
      const span = attributesOf({
        spanLimits: {
          attributeCountLimit: 2,
          attributeValueLengthLimit: 3,
          eventCountLimit: 1,
          attributePerEventCountLimit: 1,
        },
      });
      assert.deepEqual(span.attributes, { a: "abc", b: "xyz" });
      assert.equal(span.droppedAttributesCount, 1);
      assert.equal(span.events.length, 1);
      assert.equal(span.droppedEventsCount, 1);
      assert.deepEqual(span.events[0].attributes, { x: 1 });
    });
  });

  test("generalLimits fills in the span's attribute limits that spanLimits or limits leave unset", async () => {
    await withCleanGlobals(() => {
      const general = { attributeCountLimit: 1, attributeValueLengthLimit: 2 };
      assert.deepEqual(attributesOf({ generalLimits: general }).attributes, { a: "ab" });
      assert.deepEqual(
        attributesOf({ generalLimits: general, spanLimits: { attributeCountLimit: 2 } }).attributes,
        { a: "ab", b: "xy" },
      );
      assert.deepEqual(
        attributesOf({ generalLimits: general, limits: { attributeValueLengthLimit: 4 } })
          .attributes,
        { a: "abcd" },
      );
      // As in the SDK, the per-event count is not a general limit.
      assert.deepEqual(attributesOf({ generalLimits: general }).events[0].attributes, {
        x: 1,
        y: 2,
      });
    });
  });

  test("limits and spanLimits together are refused, as are malformed ones", () => {
    assert.throws(
      () =>
        new TracerProvider({ limits: { eventCountLimit: 1 }, spanLimits: { linkCountLimit: 1 } }),
      { name: "TypeError", message: /^Cannot create TracerProvider: limits and spanLimits/ },
    );
    assert.throws(
      () => new TracerProvider({ spanLimits: { attributeCountLimit: -1 } }),
      RangeError,
    );
    assert.throws(
      () => new TracerProvider({ generalLimits: 5 as never }),
      { name: "TypeError", message: /generalLimits must be an object, got number 5$/ },
    );
  });

  test("limits given in part take the rest from the environment, with a sampler given too", async () => {
    await withEnv({ OTEL_SPAN_EVENT_COUNT_LIMIT: "1" }, () =>
      withCleanGlobals(() => {
        const span = attributesOf({
          sampler: new AlwaysOnSampler(),
          limits: { attributeCountLimit: 1 },
        });
        assert.deepEqual(span.attributes, { a: "abcdef" });
        assert.equal(span.events.length, 1, "OTEL_SPAN_EVENT_COUNT_LIMIT");
      }));
  });

  test("the SDK's id generator makes the ids", async () => {
    await withCleanGlobals(() => {
      const memory = new InMemorySpanProcessor();
      const idGenerator = {
        generateTraceId: () => "4bf92f3577b34da6a3ce929d0e0e4736",
        generateSpanId: () => "00f067aa0ba902b7",
      };
      new TracerProvider({ processors: [memory], idGenerator }).getTracer("lib").startSpan("s")
        .end();
      assert.equal(memory.spans[0].context.traceId, idGenerator.generateTraceId());
      assert.equal(memory.spans[0].context.spanId, idGenerator.generateSpanId());
      new TracerProvider({ processors: [memory], idGenerator: new RandomIdGenerator() })
        .getTracer("lib").startSpan("random").end();
      assert.match(memory.spans[1].context.traceId, /^[0-9a-f]{32}$/);
    });
  });

  test("an option it does not take is named in a warning, once", async () => {
    const warnings = await captureWarnings(() => {
      new TracerProvider({
        resource: {},
        forceFlushTimeoutMillis: 500,
        meterProvider: {},
        spanLimitz: { attributeCountLimit: 1 },
        notGiven: undefined,
      } as never);
      new TracerProvider({ resource: {}, spanLimitz: {} } as never);
    });
    assert.equal(warnings.length, 3, warnings.join("\n"));
    assert.match(warnings[0], /ignores the option "forceFlushTimeoutMillis": its forceFlush\(\)/);
    assert.match(warnings[1], /ignores the option "meterProvider"/);
    assert.match(
      warnings[2],
      /ignores the option "spanLimitz": it is none of TracerProviderOptions/,
    );
    const none = await captureWarnings(() =>
      new TracerProvider({
        resource: {},
        processors: [],
        spanProcessors: [],
        spanLimits: {},
        generalLimits: {},
        idGenerator: new RandomIdGenerator(),
        clock: { now: () => 0 },
        sampler: new AlwaysOnSampler(),
      })
    );
    assert.deepEqual(none, []);
  });
});

describe("TracerProvider reads the SDK's spellings of the per-event and per-link limits", () => {
  const oneSpan = () => {
    const memory = new InMemorySpanProcessor();
    const link = { context: { ...REMOTE, traceFlags: 1 }, attributes: { a: 1, b: 2, c: 3 } };
    new TracerProvider({ processors: [memory], resource: {} }).getTracer("lib")
      .startSpan("s", { links: [link] })
      .addEvent("e", { a: 1, b: 2, c: 3 })
      .end();
    const [span] = memory.spans;
    return [
      Object.keys(span.events[0].attributes).length,
      Object.keys(span.links[0].attributes).length,
    ];
  };

  test("OTEL_SPAN_ATTRIBUTE_PER_EVENT_COUNT_LIMIT and _PER_LINK_ apply, as in the SDK", async () => {
    await withEnv({
      OTEL_SPAN_ATTRIBUTE_PER_EVENT_COUNT_LIMIT: "1",
      OTEL_SPAN_ATTRIBUTE_PER_LINK_COUNT_LIMIT: "2",
    }, () => {
      assert.deepEqual(oneSpan(), [1, 2]);
      assert.deepEqual(
        readOtlpEnv({
          OTEL_SPAN_ATTRIBUTE_PER_EVENT_COUNT_LIMIT: "1",
          OTEL_SPAN_ATTRIBUTE_PER_LINK_COUNT_LIMIT: "2",
        }).limits,
        { attributePerEventCountLimit: 1, attributePerLinkCountLimit: 2 },
        "setupTracing reads them alike",
      );
    });
  });

  test("the specification's names win where both are set", async () => {
    await withEnv({
      OTEL_SPAN_ATTRIBUTE_PER_EVENT_COUNT_LIMIT: "1",
      OTEL_SPAN_ATTRIBUTE_PER_LINK_COUNT_LIMIT: "1",
      OTEL_EVENT_ATTRIBUTE_COUNT_LIMIT: "2",
      OTEL_LINK_ATTRIBUTE_COUNT_LIMIT: "3",
    }, () => assert.deepEqual(oneSpan(), [2, 3]));
  });
});

describe("undefined and null attribute values through the API are skipped, as the SDK's span skips them", () => {
  // The same calls on the SDK's span and on this entry's.
  const exercise = (tracer: ReturnType<TracerProvider["getTracer"]>) => {
    const span = tracer.startSpan("GET /", {
      attributes: { "http.method": "GET", "http.user_agent": undefined, "net.peer": null as never },
    });
    span.setAttribute("user_agent.original", undefined as never);
    span.setAttribute("kept", "yes");
    span.setAttribute("kept", null as never);
    span.setAttributes({ "a.none": undefined, "a.null": null as never, "a.one": 1 });
    span.setAttribute("an.object", {} as never);
    span.end();
  };

  test("they are neither stored nor counted as dropped; other malformed values still are", async () => {
    await withCleanGlobals(() => {
      const sdk = new InMemorySpanExporter();
      exercise(
        new BasicTracerProvider({ spanProcessors: [new SdkSimpleSpanProcessor(sdk)] }).getTracer(
          "lib",
        ),
      );
      const [theirs] = sdk.getFinishedSpans();

      const memory = new InMemorySpanProcessor();
      exercise(new TracerProvider({ processors: [memory] }).getTracer("lib"));
      const [ours] = memory.spans;
      const expected = { "http.method": "GET", kept: "yes", "a.one": 1 };
      assert.deepEqual(theirs.attributes, expected);
      assert.deepEqual(ours.attributes, expected);
      // The SDK's span drops an object without counting it; ours counts it,
      // as it counts every malformed value but these.
      assert.equal(theirs.droppedAttributesCount, 0);
      assert.equal(ours.droppedAttributesCount, 1);
    });
  });

  test("this library's own Span still drops and counts them", () => {
    const span = new Tracer().startSpan("s", { attributes: { a: undefined as never } });
    span.setAttribute("b", null as never).setAttributes({ c: undefined as never }).end();
    assert.deepEqual(span.attributes, {});
    assert.equal(span.droppedAttributesCount, 3);
  });
});
