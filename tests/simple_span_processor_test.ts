import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { ManualTime } from "../testing.ts";
import { type Sampler, SimpleSpanProcessor, type Span, type SpanExporter, Tracer } from "../mod.ts";
import { assertBalanced, captureWarnings, deferred, endedSpan } from "./_helpers.ts";

describe("SimpleSpanProcessor", () => {
  test("exports each sampled span as it ends, inside end() for a synchronous exporter", () => {
    const got: string[] = [];
    const simple = new SimpleSpanProcessor((spans) => void got.push(...spans.map((s) => s.name)));
    const tracer = new Tracer({ processors: [simple] });
    tracer.startSpan("a").end();
    assert.deepEqual(got, ["a"]);
    tracer.startSpan("b").end();
    assert.deepEqual(got, ["a", "b"]);
    assert.deepEqual(simple.stats(), { ended: 2, exported: 2, dropped: 0, failed: 0, queued: 0 });
  });

  test("a recorded but unsampled span is neither exported nor counted", () => {
    const got: Span[] = [];
    const record: Sampler = { shouldSample: () => ({ decision: "record" }) };
    const simple = new SimpleSpanProcessor((spans) => void got.push(...spans));
    new Tracer({ sampler: record, processors: [simple] }).startSpan("x").end();
    assert.equal(got.length, 0);
    assert.equal(simple.stats().ended, 0);
  });

  test("calls to export never overlap and keep end order", async () => {
    let active = 0;
    let maxActive = 0;
    const calls: string[] = [];
    const gates = [deferred(), deferred(), deferred()];
    const simple = new SimpleSpanProcessor(async (spans) => {
      active++;
      maxActive = Math.max(maxActive, active);
      calls.push(spans.map((s) => s.name).join());
      await gates[calls.length - 1].promise;
      active--;
    });
    for (const name of ["a", "b", "c"]) simple.onEnd(endedSpan(name));
    assert.deepEqual(calls, ["a"]);
    assert.deepEqual(simple.stats(), { ended: 3, exported: 0, dropped: 0, failed: 0, queued: 3 });
    gates[0].resolve();
    await gates[0].promise;
    await new Promise((r) => setTimeout(r, 0));
    assert.deepEqual(calls, ["a", "b"]);
    gates[1].resolve();
    gates[2].resolve();
    await simple.forceFlush();
    assert.deepEqual(calls, ["a", "b", "c"]);
    assert.equal(maxActive, 1);
    assert.deepEqual(simple.stats(), { ended: 3, exported: 3, dropped: 0, failed: 0, queued: 0 });
  });

  test("forceFlush waits for the exports in flight, then flushes the exporter", async () => {
    const gate = deferred();
    const order: string[] = [];
    const exporter: SpanExporter = {
      export: async () => {
        await gate.promise;
        order.push("exported");
      },
      forceFlush: () => Promise.resolve(void order.push("exporter flushed")),
    };
    const simple = new SimpleSpanProcessor(exporter);
    simple.onEnd(endedSpan());
    let flushed = false;
    const flushing = simple.forceFlush().then(() => (flushed = true));
    await new Promise((r) => setTimeout(r, 0));
    assert.equal(flushed, false);
    gate.resolve();
    await flushing;
    assert.deepEqual(order, ["exported", "exporter flushed"]);
  });

  test("the queue behind a slow export is bounded: overflow is dropped, counted and warned once", async () => {
    const gate = deferred();
    const simple = new SimpleSpanProcessor(() => gate.promise, { maxQueueSize: 3 });
    const warned = await captureWarnings(() => {
      for (let i = 0; i < 10; i++) {
        simple.onEnd(endedSpan(`s${i}`));
        assertBalanced(simple.stats(), `after span ${i}`);
      }
    });
    assert.deepEqual(simple.stats(), { ended: 10, exported: 0, dropped: 7, failed: 0, queued: 3 });
    assert.equal(warned.filter((w) => w.includes("SimpleSpanProcessor")).length, 1);
    gate.resolve();
    await simple.forceFlush();
    assert.deepEqual(simple.stats(), { ended: 10, exported: 3, dropped: 7, failed: 0, queued: 0 });
  });

  test("an export that hangs past exportTimeoutMs is aborted through its signal and fails", async () => {
    const time = new ManualTime();
    const signals: AbortSignal[] = [];
    let calls = 0;
    const simple = new SimpleSpanProcessor((_spans, signal) => {
      calls++;
      signals.push(signal!);
      return calls === 1 ? new Promise<void>(() => {}) : undefined;
    }, { exportTimeoutMs: 1_000, scheduler: time });
    simple.onEnd(endedSpan("hangs"));
    simple.onEnd(endedSpan("next"));
    await time.tick(999);
    assert.equal(signals[0].aborted, false);
    assert.equal(calls, 1);
    await captureWarnings(async () => {
      await time.tick(1);
      assert.equal(signals[0].aborted, true);
      assert.equal((signals[0].reason as DOMException).name, "TimeoutError");
      // Never two calls at once: the next waits one more deadline for the
      // hung one to settle, then goes on.
      assert.equal(calls, 1);
      await time.tick(999);
      assert.equal(calls, 1);
      await time.tick(1);
    });
    assert.equal(calls, 2);
    assert.deepEqual(simple.stats(), { ended: 2, exported: 1, dropped: 0, failed: 1, queued: 0 });
  });

  test("export is never called while an earlier export still runs, even past its deadline", async () => {
    const time = new ManualTime();
    const gate = deferred();
    let calls = 0;
    let active = 0;
    let maxActive = 0;
    const simple = new SimpleSpanProcessor(async () => {
      calls++;
      active++;
      maxActive = Math.max(maxActive, active);
      try {
        if (calls === 1) await gate.promise;
      } finally {
        active--;
      }
    }, { exportTimeoutMs: 100, scheduler: time });
    await captureWarnings(async () => {
      simple.onEnd(endedSpan("late"));
      simple.onEnd(endedSpan("next"));
      await time.tick(100);
      assert.deepEqual(simple.stats(), { ended: 2, exported: 0, dropped: 0, failed: 1, queued: 1 });
      assert.equal(calls, 1);
      gate.resolve();
      await simple.forceFlush();
    });
    assert.equal(calls, 2);
    assert.equal(maxActive, 1);
    assert.deepEqual(simple.stats(), { ended: 2, exported: 1, dropped: 0, failed: 1, queued: 0 });
  });

  test("a hung export that settles late does not end the wait for a later hung one", async () => {
    // Two exports that both ignore their aborted signal: the first settles
    // only after the second has missed its deadline too. Its settling must
    // not let a third export start while the second still runs.
    const time = new ManualTime();
    const gates = [deferred(), deferred(), deferred()];
    let calls = 0;
    let active = 0;
    // How many exports ran as each one started.
    const running: number[] = [];
    const simple = new SimpleSpanProcessor(async () => {
      const gate = gates[calls++];
      running.push(active++);
      try {
        await gate.promise;
      } finally {
        active--;
      }
    }, { exportTimeoutMs: 100, scheduler: time });
    await captureWarnings(async () => {
      for (const name of ["a", "b", "c"]) simple.onEnd(endedSpan(name));
      await time.tick(100); // the first misses its deadline
      await time.tick(100); // the wait for it ends: the second starts
      assert.equal(calls, 2);
      await time.tick(100); // the second misses its deadline
      gates[0].resolve(); // the first settles at last
      await time.tick(50);
      assert.equal(calls, 2, "the third export waits for the second");
      gates[1].resolve();
      gates[2].resolve();
      await simple.forceFlush();
    });
    // The second overlaps the first, with a warning, once the wait is over;
    // the third never overlaps the second.
    assert.deepEqual(running, [0, 1, 0]);
    assert.deepEqual(simple.stats(), { ended: 3, exported: 1, dropped: 0, failed: 2, queued: 0 });
  });

  test("an exporter that throws or rejects never reaches the application", async () => {
    let n = 0;
    const simple = new SimpleSpanProcessor(() => {
      if (n++ % 2 === 0) throw new Error("sync boom");
      return Promise.reject(new Error("async boom"));
    });
    const tracer = new Tracer({ processors: [simple] });
    for (let i = 0; i < 4; i++) assert.doesNotThrow(() => tracer.startSpan(`s${i}`).end());
    await tracer.forceFlush();
    assert.deepEqual(simple.stats(), { ended: 4, exported: 0, dropped: 0, failed: 4, queued: 0 });
  });

  test("shutdown waits for the export in flight, shuts the exporter down once, and drops later spans", async () => {
    const gate = deferred();
    const order: string[] = [];
    const exporter: SpanExporter = {
      export: async (spans) => {
        await gate.promise;
        order.push(`exported ${spans[0].name}`);
      },
      shutdown: () => Promise.resolve(void order.push("exporter shut down")),
    };
    const simple = new SimpleSpanProcessor(exporter);
    simple.onEnd(endedSpan("in flight"));
    const first = simple.shutdown();
    const second = simple.shutdown();
    assert.equal(first, second);
    simple.onEnd(endedSpan("late"));
    gate.resolve();
    await Promise.all([first, second, simple.shutdown()]);
    assert.deepEqual(order, ["exported in flight", "exporter shut down"]);
    assert.deepEqual(simple.stats(), { ended: 2, exported: 1, dropped: 1, failed: 0, queued: 0 });
  });

  test("an exporter whose shutdown hangs is given up on at exportTimeoutMs", async () => {
    const time = new ManualTime();
    const simple = new SimpleSpanProcessor({
      export: () => {},
      shutdown: () => new Promise<void>(() => {}),
    }, { exportTimeoutMs: 50, scheduler: time });
    let done = false;
    const shutting = simple.shutdown().then(() => (done = true));
    await time.tick(49);
    assert.equal(done, false);
    await time.tick(1);
    await shutting;
    assert.equal(done, true);
  });

  test("bad options are RangeErrors and TypeErrors that say what is wrong", () => {
    const ok = () => {};
    for (const maxQueueSize of [0, -1, 1.5, Number.NaN]) {
      assert.throws(
        () => new SimpleSpanProcessor(ok, { maxQueueSize }),
        /^RangeError: Cannot create SimpleSpanProcessor: maxQueueSize must be a positive integer/,
      );
    }
    assert.throws(
      () => new SimpleSpanProcessor(ok, { exportTimeoutMs: 0 }),
      /^RangeError: Cannot create SimpleSpanProcessor: exportTimeoutMs must be a positive finite number/,
    );
    assert.throws(
      () => new SimpleSpanProcessor(ok, { scheduler: {} as never }),
      /^TypeError: Cannot create SimpleSpanProcessor: scheduler must have setTimeout and clearTimeout/,
    );
  });
});
