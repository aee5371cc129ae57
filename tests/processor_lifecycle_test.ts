import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  BatchSpanProcessor,
  InMemorySpanProcessor,
  type Scheduler,
  SimpleSpanProcessor,
  type Span,
  type SpanExporter,
  Tracer,
} from "../mod.ts";
import { ManualTime } from "../testing.ts";
import { assertBalanced, captureWarnings, endedSpan } from "./_helpers.ts";

// Processor lifecycle against the OpenTelemetry trace SDK specification:
// "Shutdown MUST include the effects of ForceFlush", whose built-in
// processors "MUST" call the exporter's Export, "and then invoke ForceFlush
// on it".

/** An exporter that buffers what it is given until its forceFlush. */
function bufferingExporter(calls: string[]): SpanExporter & { delivered: string[] } {
  const buffered: string[] = [];
  const delivered: string[] = [];
  return {
    delivered,
    export(spans: readonly Span[]) {
      calls.push("export");
      buffered.push(...spans.map((s) => s.name));
    },
    forceFlush() {
      calls.push("forceFlush");
      delivered.push(...buffered.splice(0));
      return Promise.resolve();
    },
    shutdown() {
      calls.push("shutdown");
      return Promise.resolve();
    },
  };
}

describe("shutdown includes the effects of forceFlush", () => {
  for (const kind of ["Batch", "Simple"] as const) {
    test(`${kind}SpanProcessor: shutdown() flushes the exporter before shutting it down`, async () => {
      const calls: string[] = [];
      const exporter = bufferingExporter(calls);
      const processor = kind === "Batch"
        ? new BatchSpanProcessor(exporter, { flushOnExit: false })
        : new SimpleSpanProcessor(exporter);
      processor.onEnd(endedSpan("a"));
      await processor.shutdown();
      assert.deepEqual(calls, ["export", "forceFlush", "shutdown"]);
      assert.deepEqual(exporter.delivered, ["a"]);
    });
  }
});

describe("an exporter whose result is a thenable that throws", () => {
  test("fails its batch and leaves no deadline timer behind", async () => {
    const time = new ManualTime();
    const batch = new BatchSpanProcessor(
      {
        export: () =>
          ({
            then: () => {
              throw new Error("broken thenable");
            },
          }) as never,
      },
      { flushOnExit: false, scheduler: time, clock: time, maxBatchSize: 1 },
    );
    await captureWarnings(async () => {
      batch.onEnd(endedSpan("a"));
      await batch.forceFlush();
    });
    assert.deepEqual(batch.stats(), { ended: 1, exported: 0, dropped: 0, failed: 1, queued: 0 });
    assertBalanced(batch.stats());
    // The interval's timer may wait (it is a background one); the export's
    // deadline must not, or it keeps the process alive for exportTimeoutMs.
    await batch.shutdown();
    assert.equal(time.pendingTimers, 0);
  });
});

describe("an exporter whose forceFlush or shutdown cannot even be read", () => {
  for (const kind of ["Batch", "Simple", "redacting Simple"] as const) {
    test(`${kind}SpanProcessor: forceFlush() and shutdown() resolve, and shutdown still reaches the exporter`, async () => {
      const calls: string[] = [];
      // A Proxy whose trap throws, as a broken wrapper or a revoked Proxy does.
      const exporter = new Proxy({
        export: () => void calls.push("export"),
        shutdown: () => {
          calls.push("shutdown");
          return Promise.resolve();
        },
      }, {
        get(target, key) {
          if (key === "forceFlush") throw new Error("forceFlush trap broke");
          return target[key as keyof typeof target];
        },
      }) as SpanExporter;
      const processor = kind === "Batch"
        ? new BatchSpanProcessor(exporter, { flushOnExit: false })
        : new SimpleSpanProcessor(exporter, kind === "Simple" ? {} : { redact: (_k, v) => v });
      processor.onEnd(endedSpan("a"));
      const warned = await captureWarnings(async () => {
        await processor.forceFlush();
        await processor.shutdown();
      });
      assert.deepEqual(calls, ["export", "shutdown"]);
      assert.ok(warned.some((w) => /forceFlush trap broke/.test(w)), warned.join("\n"));
      const { ended, exported } = processor.stats();
      assert.deepEqual([ended, exported], [1, 1]);
      assertBalanced(processor.stats());
    });
  }
});

describe("after shutdown, an export that never settled keeps nothing waiting", () => {
  // Scheduler rule: only a timer an awaited promise waits on keeps the
  // process alive. Once shutdown has settled no export follows, so the wait
  // for a hung export to settle (which keeps the next export from
  // overlapping it) has nothing left to guard: it must not hold the process
  // open for one more exportTimeoutMs, nor warn that exports go on.
  for (const kind of ["Batch", "Simple"] as const) {
    test(
      `${kind}SpanProcessor: no timer that keeps the process alive is left, and no warning of another export`,
      {
        timeout: 60_000,
      },
      async () => {
        const time = new ManualTime();
        const keepAlive = new Set<unknown>();
        const scheduler: Scheduler = {
          setTimeout(fn, ms, options) {
            const handle = time.setTimeout(() => {
              keepAlive.delete(handle);
              fn();
            }, ms);
            if (options?.background !== true) keepAlive.add(handle);
            return handle;
          },
          clearTimeout(handle) {
            keepAlive.delete(handle);
            time.clearTimeout(handle);
          },
        };
        let calls = 0;
        const exporter: SpanExporter = {
          export: () => {
            calls++;
            return new Promise(() => {});
          },
        };
        const options = { scheduler, exportTimeoutMs: 100 };
        const processor = kind === "Batch"
          ? new BatchSpanProcessor(exporter, { ...options, clock: time, flushOnExit: false })
          : new SimpleSpanProcessor(exporter, options);
        const warned = await captureWarnings(async () => {
          processor.onEnd(endedSpan("a"));
          const done = processor.shutdown();
          await time.tick(100);
          await done;
          assert.equal(keepAlive.size, 0, "a timer left that keeps the process alive");
          // Past the old wait for the hung export: nothing is said of it.
          await time.tick(1_000);
        });
        assert.equal(calls, 1);
        const { ended, failed, queued } = processor.stats();
        assert.deepEqual({ ended, failed, queued }, { ended: 1, failed: 1, queued: 0 });
        assertBalanced(processor.stats());
        assert.ok(!warned.some((w) => /exports again/.test(w)), warned.join("\n"));
      },
    );
  }
});

describe("onEnding: OpenTelemetry's OnEnding, before any onEnd, on a span that still changes", () => {
  test("each processor's onEnding runs before any onEnd; the span has its end time, is not ended, and takes writes", () => {
    const log: string[] = [];
    const seen: Span[] = [];
    const ending = (name: string) => ({
      onEnding(span: Span) {
        log.push(`${name}.onEnding ended=${span.ended} endTime=${span.endTime !== undefined}`);
        span.setAttribute(`${name}.at.end`, true);
        // Ending it again here does nothing: it ends once.
        span.end();
      },
      onEnd(span: Span) {
        log.push(`${name}.onEnd ended=${span.ended}`);
        seen.push(span);
      },
      forceFlush: () => Promise.resolve(),
      shutdown: () => Promise.resolve(),
    });
    const plain = {
      onEnd: () => void log.push("plain.onEnd"),
      forceFlush: () => Promise.resolve(),
      shutdown: () => Promise.resolve(),
    };
    const tracer = new Tracer({ processors: [ending("a"), plain, ending("b")] });
    const span = tracer.startSpan("checkout");
    span.end();
    span.end();
    assert.deepEqual(log, [
      "a.onEnding ended=false endTime=true",
      "b.onEnding ended=false endTime=true",
      "a.onEnd ended=true",
      "plain.onEnd",
      "b.onEnd ended=true",
    ]);
    assert.deepEqual(seen[0].attributes, { "a.at.end": true, "b.at.end": true });
    // After onEnd the span no longer changes.
    span.setAttribute("late", 1);
    assert.equal(span.attributes.late, undefined);
  });

  test("an onEnding that throws is reported, and the span still ends for every processor", async () => {
    const memory = new InMemorySpanProcessor();
    const ended: string[] = [];
    const tracer = new Tracer({
      processors: [{
        onEnding() {
          throw new Error("boom at the end");
        },
        onEnd: (span: Span) => void ended.push(span.name),
        forceFlush: () => Promise.resolve(),
        shutdown: () => Promise.resolve(),
      }, memory],
    });
    const reports = await captureWarnings(() => tracer.startSpan("x").end());
    assert.deepEqual(ended, ["x"]);
    assert.deepEqual(memory.spans.map((s) => s.name), ["x"]);
    assert.equal(memory.spans[0].ended, true);
    assert.equal(reports.length, 1);
    assert.match(reports[0], /onEnding.*boom at the end/);
  });

  test("a sampled-out span calls no onEnding", () => {
    let calls = 0;
    const tracer = new Tracer({
      sampler: { shouldSample: () => ({ decision: "drop" }) },
      processors: [{
        onEnding: () => void calls++,
        onEnd: () => void calls++,
        forceFlush: () => Promise.resolve(),
        shutdown: () => Promise.resolve(),
      }],
    });
    tracer.startSpan("dropped").end();
    assert.equal(calls, 0);
  });
});
