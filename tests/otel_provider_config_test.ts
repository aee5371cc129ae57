// Code written against @opentelemetry/api, through ./otel's TracerProvider,
// gets what the SDK's provider gives it: undefined or null attribute values
// are skipped as the SDK's span skips them.

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { withCleanGlobals } from "./_otel_globals.ts";
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor as SdkSimpleSpanProcessor,
} from "@opentelemetry/sdk-trace-base";
import { InMemorySpanProcessor, Tracer } from "../mod.ts";
import { TracerProvider } from "../otel.ts";

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
