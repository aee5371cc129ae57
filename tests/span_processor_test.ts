import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { InMemorySpanProcessor, Span, Tracer } from "../mod.ts";

describe("InMemorySpanProcessor", () => {
  test("collects completed spans in end order", () => {
    const memory = new InMemorySpanProcessor();
    const tracer = new Tracer({ processors: [memory] });
    const a = tracer.startSpan("a");
    const b = tracer.startSpan("b");
    b.end();
    a.end();
    assert.deepEqual(memory.spans.map((s) => s.name), ["b", "a"]);
  });

  test("does not collect spans that have not ended", () => {
    const memory = new InMemorySpanProcessor();
    new Tracer({ processors: [memory] }).startSpan("open");
    assert.equal(memory.spans.length, 0);
  });

  test("spans returns a copy that callers cannot use to change the collection", () => {
    const memory = new InMemorySpanProcessor();
    memory.onEnd(new Span("x").start().end());
    memory.spans.pop();
    assert.equal(memory.spans.length, 1);
  });

  test("clear() empties the collection and keeps the accounting", () => {
    const memory = new InMemorySpanProcessor();
    memory.onEnd(new Span("x").start().end());
    memory.onEnd(new Span("y").start().end());
    memory.clear();
    assert.equal(memory.spans.length, 0);
    memory.onEnd(new Span("z").start().end());
    assert.deepEqual(memory.spans.map((s) => s.name), ["z"]);
    assert.deepEqual(memory.stats(), { ended: 3, exported: 3, dropped: 0, failed: 0, queued: 0 });
  });

  test("after shutdown, later spans are dropped and counted, earlier ones stay readable", async () => {
    const memory = new InMemorySpanProcessor();
    memory.onEnd(new Span("before").start().end());
    await memory.shutdown();
    memory.onEnd(new Span("after").start().end());
    assert.deepEqual(memory.spans.map((s) => s.name), ["before"]);
    const stats = memory.stats();
    assert.equal(stats.dropped, 1);
    assert.equal(stats.ended, stats.exported + stats.dropped + stats.failed + stats.queued);
  });
});
