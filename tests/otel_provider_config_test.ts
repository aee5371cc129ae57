// A configuration carried over from the OpenTelemetry SDK's provider to
// ./otel's TracerProvider keeps its meaning: the SDK's spellings of the
// OTEL_* limits; and API code's undefined or null attribute values are
// skipped as the SDK's span skips them.

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { withCleanGlobals } from "./_otel_globals.ts";
import { withEnv } from "./_helpers.ts";
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor as SdkSimpleSpanProcessor,
} from "@opentelemetry/sdk-trace-base";
import { InMemorySpanProcessor, Tracer } from "../mod.ts";
import { readOtlpEnv } from "../otlp.ts";
import { TracerProvider } from "../otel.ts";

const REMOTE = { traceId: "0af7651916cd43dd8448eb211c80319c", spanId: "b7ad6b7169203331" };
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
