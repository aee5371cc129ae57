import { test } from "node:test";
import assert from "node:assert/strict";
import { InMemorySpanProcessor, Tracer } from "../mod.ts";

test("a span declared with `using` ends when its block exits, also by a throw", () => {
  const memory = new InMemorySpanProcessor();
  const tracer = new Tracer({ name: "test", processors: [memory] });
  {
    using span = tracer.startSpan("scoped");
    assert.equal(span.ended, false);
  }
  assert.throws(() => {
    using _span = tracer.startSpan("thrown");
    throw new Error("boom");
  }, /boom/);
  assert.deepEqual(memory.spans.map((s) => [s.name, s.ended]), [["scoped", true], [
    "thrown",
    true,
  ]]);
});
