import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { getCurrentSpan, InMemorySpanProcessor, type Span, Tracer } from "../mod.ts";

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("async safety", () => {
  test("1,000 concurrent tasks three spans deep: every parent is right and nothing leaks", {
    timeout: 120_000,
  }, async () => {
    const memory = new InMemorySpanProcessor();
    const tracer = new Tracer({ processors: [memory] });
    const leaks: string[] = [];
    const check = (expected: Span, where: string) => {
      if (getCurrentSpan() !== expected) leaks.push(`${expected.name} ${where}`);
    };
    await Promise.all(
      Array.from(
        { length: 1000 },
        (_, task) =>
          tracer.span(`task-${task}`, { parent: null }, async (top) => {
            top.setAttribute("task", task);
            await pause(task % 3);
            check(top, "after first await");
            await tracer.span(`task-${task}/mid`, async (mid) => {
              mid.setAttribute("task", task);
              await pause((task * 7) % 4);
              check(mid, "mid");
              await tracer.span(`task-${task}/mid/leaf`, async (leaf) => {
                leaf.setAttribute("task", task);
                await Promise.resolve();
                await pause(task % 2);
                check(leaf, "leaf");
              });
              check(mid, "after leaf");
            });
            check(top, "after mid");
          }),
      ),
    );
    assert.deepEqual(leaks, []);
    assert.equal(getCurrentSpan(), undefined);
    const spans = memory.spans;
    assert.equal(spans.length, 3000);
    const byId = new Map(spans.map((s) => [s.context.spanId, s]));
    const traces = new Set(spans.map((s) => s.context.traceId));
    assert.equal(traces.size, 1000, "each task is its own trace");
    for (const span of spans) {
      const task = span.attributes.task;
      const depth = span.name.split("/").length;
      if (depth === 1) {
        assert.equal(span.context.parentSpanId, undefined);
        continue;
      }
      const parent = byId.get(span.context.parentSpanId!);
      assert.ok(parent, `${span.name} has its parent among the spans`);
      assert.equal(parent.attributes.task, task, `${span.name} is parented within its own task`);
      assert.equal(parent.context.traceId, span.context.traceId);
      assert.equal(parent.name.split("/").length, depth - 1);
    }
  });
});
