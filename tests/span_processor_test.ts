import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { type Diagnostic, InMemorySpanProcessor, setDiagnostics, Span, Tracer } from "../mod.ts";
import { ManualTime } from "../testing.ts";
import { ProcessorFanOut } from "../src/trace/_processor_fan_out.ts";

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

describe("a tracer's flush and shutdown with a processor that never settles", () => {
  // The SDK specification: ForceFlush of the provider "SHOULD complete or
  // abort within some timeout". One processor that never settles must not
  // hang the caller of a flush for good.
  test(
    "forceFlush gives up on it after the deadline, the others settled, with one error; shutdown waits",
    {
      timeout: 60_000,
    },
    async () => {
      const time = new ManualTime(0);
      const heard: Diagnostic[] = [];
      const previous = setDiagnostics({ level: "error", sink: (d) => void heard.push(d) });
      try {
        const memory = new InMemorySpanProcessor();
        const hung = {
          onEnd() {},
          forceFlush: () => new Promise<void>(() => {}),
          shutdown: () => new Promise<void>(() => {}),
        };
        const fanOut = new ProcessorFanOut<Span>([hung, memory], {
          timeoutMs: 30_000,
          scheduler: time,
        });
        let flushed = false;
        void fanOut.forceFlush().then(() => void (flushed = true));
        await time.tick(29_999);
        assert.equal(flushed, false, "waits for the deadline");
        await time.tick(1);
        assert.equal(flushed, true, "given up on at the deadline");
        // Shutdown waits, as the SDK's provider's does: a processor still
        // sending its last batches must not be given up on before exit.
        let shut = false;
        void fanOut.shutdown().then(() => void (shut = true));
        await time.tick(60_000);
        assert.equal(shut, false, "shutdown is not given up on");
        assert.deepEqual(heard.map((d) => d.key), ["processor-forceFlush-timeout"]);
        assert.match(
          heard[0].message,
          /has not finished within 30000 ms; .* resolves without waiting longer/,
        );
        // No timer is left behind: the deadline of a processor that settles is cleared.
        const quick = new ProcessorFanOut<Span>([memory], { timeoutMs: 30_000, scheduler: time });
        await quick.forceFlush();
        assert.equal(time.pendingTimers, 0);
      } finally {
        setDiagnostics(previous);
      }
    },
  );
});
