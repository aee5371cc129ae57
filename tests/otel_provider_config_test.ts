// A configuration carried over from the OpenTelemetry SDK's provider to
// ./otel's TracerProvider keeps its meaning: its spanLimits and
// generalLimits, its id generator and its spellings of the OTEL_* limits;
// options it does not take are named; and API code's undefined or null
// attribute values are skipped as the SDK's span skips them.

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { withCleanGlobals } from "./_otel_globals.ts";
import { captureWarnings, withEnv } from "./_helpers.ts";
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  RandomIdGenerator,
  SimpleSpanProcessor as SdkSimpleSpanProcessor,
} from "@opentelemetry/sdk-trace-base";
import { AlwaysOnSampler, InMemorySpanProcessor, Tracer } from "../mod.ts";
import { readOtlpEnv } from "../otlp.ts";
import { TracerProvider } from "../otel.ts";

const REMOTE = { traceId: "0af7651916cd43dd8448eb211c80319c", spanId: "b7ad6b7169203331" };
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
