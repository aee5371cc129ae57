import { describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  BatchSpanProcessor,
  type BatchSpanProcessorOptions,
  type ExportResult,
  InMemorySpanExporter,
  type Sampler,
  type Scheduler,
  SimpleSpanProcessor,
  type Span,
  type SpanExporter,
  type SpanExporterLike,
  type TimerOptions,
  Tracer,
} from "../mod.ts";
import { ManualTime } from "../testing.ts";
import {
  assertBalanced,
  captureWarnings,
  type Deferred,
  deferred,
  endedSpan,
  nextTurn,
  waitUntil,
} from "./_helpers.ts";

/** A processor on manual time that never hooks process exit. */
function manual(
  exporter: SpanExporterLike,
  options: BatchSpanProcessorOptions = {},
  time: ManualTime = new ManualTime(),
): { batch: BatchSpanProcessor; time: ManualTime } {
  const batch = new BatchSpanProcessor(exporter, {
    scheduler: time,
    clock: time,
    flushOnExit: false,
    ...options,
  });
  return { batch, time };
}

/** Records every call's span names. */
function recorder(): { calls: string[][]; export: (spans: readonly Span[]) => void } {
  const calls: string[][] = [];
  return { calls, export: (spans) => void calls.push(spans.map((s) => s.name)) };
}

function endMany(batch: BatchSpanProcessor, n: number, prefix = "s"): void {
  for (let i = 0; i < n; i++) batch.onEnd(endedSpan(`${prefix}${i}`));
}

describe("BatchSpanProcessor: when a batch goes out", () => {
  test("a full batch goes out at once, before the interval, but not inside end()", async () => {
    const rec = recorder();
    const { batch, time } = manual(rec.export, { maxBatchSize: 3 });
    endMany(batch, 3);
    assert.deepEqual(rec.calls, []);
    await time.tick(0);
    assert.deepEqual(rec.calls, [["s0", "s1", "s2"]]);
  });

  test("with the defaults, 99 spans wait and the 100th sends a batch of 100", async () => {
    const rec = recorder();
    const { batch, time } = manual(rec.export);
    endMany(batch, 99);
    await time.tick(0);
    assert.equal(rec.calls.length, 0);
    batch.onEnd(endedSpan("100th"));
    await time.tick(0);
    assert.deepEqual(rec.calls.map((c) => c.length), [100]);
  });

  test("a partial batch goes out when its oldest span has waited flushIntervalMs (default 5000)", async () => {
    const rec = recorder();
    const { batch, time } = manual(rec.export);
    batch.onEnd(endedSpan("first"));
    await time.tick(3_000);
    batch.onEnd(endedSpan("second"));
    await time.tick(1_999);
    assert.deepEqual(rec.calls, []);
    await time.tick(1);
    assert.deepEqual(rec.calls, [["first", "second"]]);
    // The next span starts a new interval.
    batch.onEnd(endedSpan("third"));
    await time.tick(4_999);
    assert.equal(rec.calls.length, 1);
    await time.tick(1);
    assert.deepEqual(rec.calls[1], ["third"]);
  });

  test("flushIntervalMs is honoured when set", async () => {
    const rec = recorder();
    const { batch, time } = manual(rec.export, { flushIntervalMs: 250 });
    batch.onEnd(endedSpan());
    await time.tick(249);
    assert.equal(rec.calls.length, 0);
    await time.tick(1);
    assert.equal(rec.calls.length, 1);
  });

  test("one export is in flight at a time, and batches keep end order", async () => {
    let active = 0;
    let maxActive = 0;
    const calls: string[][] = [];
    const gates: Deferred[] = [];
    const { batch, time } = manual(async (spans) => {
      active++;
      maxActive = Math.max(maxActive, active);
      calls.push(spans.map((s) => s.name));
      const gate = deferred();
      gates.push(gate);
      await gate.promise;
      active--;
    }, { maxBatchSize: 2, maxExportBatchSize: 2 });
    endMany(batch, 6);
    await time.tick(0);
    assert.equal(calls.length, 1);
    for (let i = 0; i < 3; i++) {
      await time.tick(0);
      assert.equal(calls.length, i + 1);
      gates[i].resolve();
      await time.tick(0);
    }
    assert.deepEqual(calls, [["s0", "s1"], ["s2", "s3"], ["s4", "s5"]]);
    assert.equal(maxActive, 1);
    assert.deepEqual(batch.stats(), { ended: 6, exported: 6, dropped: 0, failed: 0, queued: 0 });
  });

  test("a batch that waited behind a slow export goes out as soon as that export ends", async () => {
    const calls: number[] = [];
    const { batch, time } = manual(async (spans) => {
      calls.push(time.now());
      if (spans[0].name === "slow") await new Promise((r) => time.setTimeout(() => r(null), 8_000));
    }, { maxBatchSize: 1 });
    batch.onEnd(endedSpan("slow"));
    await time.tick(100);
    batch.onEnd(endedSpan("waits"));
    await time.tick(7_899);
    assert.deepEqual(calls, [0]);
    await time.tick(1);
    assert.deepEqual(calls, [0, 8_000]);
  });
});

describe("BatchSpanProcessor: how much one export carries", () => {
  /** An exporter that takes `ms` of manual time and records each batch's size. */
  function slowExporter(time: ManualTime, ms: number) {
    const sizes: number[] = [];
    let active = 0;
    let maxActive = 0;
    const exporter = (spans: readonly Span[]) => {
      sizes.push(spans.length);
      maxActive = Math.max(maxActive, ++active);
      return new Promise<void>((resolve) =>
        time.setTimeout(() => {
          active--;
          resolve();
        }, ms)
      );
    };
    return { sizes, exporter, maxActive: () => maxActive };
  }

  /** A processor on manual time in front of {@linkcode slowExporter}. */
  function slowBatch(ms: number, options: BatchSpanProcessorOptions = {}) {
    const time = new ManualTime();
    const slow = slowExporter(time, ms);
    const { batch } = manual(slow.exporter, options, time);
    return { batch, time, sizes: slow.sizes, maxActive: slow.maxActive };
  }

  test("spans that piled up behind a slow export go out together, up to maxExportBatchSize (1024)", async () => {
    const { batch, time, ...slow } = slowBatch(10);
    endMany(batch, 100);
    await time.tick(0);
    endMany(batch, 1_200, "behind");
    await time.tick(10);
    await time.tick(10);
    assert.deepEqual(slow.sizes, [100, 1_024, 176]);
    assert.equal(slow.maxActive(), 1);
    await time.tick(10);
    assert.deepEqual(batch.stats(), {
      ended: 1_300,
      exported: 1_300,
      dropped: 0,
      failed: 0,
      queued: 0,
    });
  });

  test("after an export, fewer than maxBatchSize waiting spans still wait for the interval", async () => {
    const { batch, time, ...slow } = slowBatch(10);
    endMany(batch, 100);
    await time.tick(0);
    endMany(batch, 99, "behind");
    await time.tick(10);
    assert.deepEqual(slow.sizes, [100]);
    await time.tick(4_989);
    assert.deepEqual(slow.sizes, [100]);
    await time.tick(1);
    assert.deepEqual(slow.sizes, [100, 99]);
  });

  test(
    "100,000 spans a second behind an exporter that takes 2 ms: none dropped with the defaults",
    { timeout: 120_000 },
    async () => {
      const { batch, time, ...slow } = slowBatch(2);
      // Half a second of manual time, 100 spans every millisecond: the queue
      // (4096) would fill in 41 ms if the exporter fell behind.
      for (let ms = 0; ms < 500; ms++) {
        endMany(batch, 100, `ms${ms}-`);
        await time.tick(1);
      }
      await time.tick(10);
      assert.deepEqual(batch.stats(), {
        ended: 50_000,
        exported: 50_000,
        dropped: 0,
        failed: 0,
        queued: 0,
      });
      assert.equal(slow.maxActive(), 1);
      assert.ok(Math.max(...slow.sizes) <= 1_024);
    },
  );

  test("maxExportBatchSize defaults to maxBatchSize when that is larger than 1024", async () => {
    const { batch, time, ...slow } = slowBatch(10, { maxBatchSize: 1_200, maxQueueSize: 4_000 });
    endMany(batch, 1_200);
    await time.tick(0);
    endMany(batch, 2_000, "behind");
    await time.tick(10);
    await time.tick(10);
    assert.deepEqual(slow.sizes, [1_200, 1_200]);
  });

  test("maxExportBatchSize defaults to maxQueueSize when the queue is smaller than 1024", async () => {
    const rec = recorder();
    const { batch, time } = manual(rec.export, { maxQueueSize: 300 });
    endMany(batch, 300);
    await time.tick(0);
    assert.deepEqual(rec.calls.map((c) => c.length), [300]);
  });
});

describe("BatchSpanProcessor: which timers keep the process alive", () => {
  test("only a flush keeps the process alive: the interval, an export's deadline and the wait for a late export are background timers", async () => {
    const time = new ManualTime();
    const timers: { ms: number; background: boolean }[] = [];
    const scheduler: Scheduler = {
      setTimeout(fn, ms, options?: TimerOptions) {
        timers.push({ ms, background: options?.background === true });
        return time.setTimeout(fn, ms);
      },
      clearTimeout: (handle) => time.clearTimeout(handle),
    };
    const batch = new BatchSpanProcessor(() => new Promise<void>(() => {}), {
      scheduler,
      clock: time,
      flushOnExit: false,
      exportTimeoutMs: 300,
    });
    batch.onEnd(endedSpan());
    await captureWarnings(() => time.tick(5_300));
    // The interval, the export's deadline, and the wait for the export that
    // missed it: nothing awaits them, so none keeps the process alive.
    assert.deepEqual(timers, [
      { ms: 5_000, background: true },
      { ms: 300, background: true },
      { ms: 300, background: true },
    ]);
    assert.equal(batch.stats().failed, 1);
    // A flush is awaited: its deadline, one for the whole flush, does.
    timers.length = 0;
    let settled = false;
    batch.forceFlush().then(() => (settled = true));
    assert.deepEqual(timers, [{ ms: 300, background: false }]);
    await captureWarnings(() => time.tick(300));
    assert.equal(settled, true);
  });
});

describe("BatchSpanProcessor: the bounded queue", () => {
  test("a span that finds the queue full is dropped and counted, with one warning", async () => {
    const gate = deferred();
    const { batch, time } = manual(() => gate.promise, { maxQueueSize: 4, maxBatchSize: 2 });
    const warned = await captureWarnings(async () => {
      endMany(batch, 2);
      await time.tick(0);
      endMany(batch, 8, "more");
      await time.tick(0);
      endMany(batch, 5, "again");
    });
    // The two in flight have left the queue, as in the OpenTelemetry SDK:
    // four more wait and fill it.
    assert.deepEqual(batch.stats(), { ended: 15, exported: 0, dropped: 9, failed: 0, queued: 6 });
    assert.equal(warned.filter((w) => w.includes("BatchSpanProcessor's queue is full")).length, 1);
    gate.resolve();
    await batch.forceFlush();
    assert.deepEqual(batch.stats(), { ended: 15, exported: 6, dropped: 9, failed: 0, queued: 0 });
  });

  test("by default it holds 4096 waiting spans and the 1024 in flight when the exporter does not answer", async () => {
    const { batch, time } = manual(() => new Promise<void>(() => {}));
    await captureWarnings(async () => {
      endMany(batch, 5_000);
      await time.tick(0);
      assert.equal(batch.stats().dropped, 5_000 - 4096, "before the export: 4096 wait");
      endMany(batch, 5_000, "after first batch");
    });
    const stats = batch.stats();
    assert.equal(stats.queued, 4096 + 1024);
    assert.equal(stats.dropped, 10_000 - (4096 + 1024));
  });
});

describe("BatchSpanProcessor: forceFlush", () => {
  test("resolves once every span ended before the call is exported, without waiting for the interval", async () => {
    const exported: string[] = [];
    const { batch, time } = manual(async (spans) => {
      await new Promise((r) => time.setTimeout(() => r(null), 100));
      exported.push(...spans.map((s) => s.name));
    }, { flushIntervalMs: 1e9 });
    endMany(batch, 250);
    let atResolve: number | undefined;
    const flushing = batch.forceFlush().then(() => (atResolve = exported.length));
    endMany(batch, 30, "later");
    for (let i = 0; i < 10 && atResolve === undefined; i++) await time.tick(100);
    await flushing;
    assert.ok(atResolve! >= 250, `${atResolve}`);
    assert.deepEqual(exported.slice(0, 250), Array.from({ length: 250 }, (_, i) => `s${i}`));
  });

  test("resolves when the exports fail, too", async () => {
    const { batch, time } = manual(() => Promise.reject(new Error("down")), { maxBatchSize: 10 });
    endMany(batch, 25);
    const flushing = batch.forceFlush();
    await time.tick(0);
    await flushing;
    assert.deepEqual(batch.stats(), { ended: 25, exported: 0, dropped: 0, failed: 25, queued: 0 });
  });

  test("with nothing queued it resolves at once, and asks the exporter to flush", async () => {
    let exporterFlushes = 0;
    const { batch } = manual({
      export: () => {},
      forceFlush: () => Promise.resolve(void exporterFlushes++),
    });
    await batch.forceFlush();
    assert.equal(exporterFlushes, 1);
  });
});

describe("BatchSpanProcessor: shutdown", () => {
  test("exports what is queued, then shuts the exporter down, once however often it is called", async () => {
    const order: string[] = [];
    const exporter: SpanExporter = {
      export: (spans) => void order.push(`export ${spans.length}`),
      shutdown: () => Promise.resolve(void order.push("shutdown")),
    };
    const { batch, time } = manual(exporter);
    endMany(batch, 3);
    const first = batch.shutdown();
    assert.equal(batch.shutdown(), first);
    await Promise.all([first, batch.shutdown()]);
    assert.deepEqual(order, ["export 3", "shutdown"]);
    assert.equal(time.pendingTimers, 0);
  });

  test("forceFlush during or after shutdown waits for it and never calls the shut-down exporter", async () => {
    // Trace SDK, span processor Shutdown: "After the call to Shutdown,
    // subsequent calls to OnStart, OnEnd, or ForceFlush are not allowed.
    // SDKs SHOULD ignore these calls gracefully".
    for (const Processor of [BatchSpanProcessor, SimpleSpanProcessor]) {
      const order: string[] = [];
      const exporter: SpanExporter = {
        export: (spans) => void order.push(`export ${spans.length}`),
        forceFlush: () => Promise.resolve(void order.push("forceFlush")),
        shutdown: () => Promise.resolve(void order.push("shutdown")),
      };
      const processor = new Processor(
        exporter,
        { flushOnExit: false } as BatchSpanProcessorOptions,
      );
      processor.onEnd(endedSpan("before"));
      const shutdown = processor.shutdown();
      const during = processor.forceFlush();
      await Promise.all([shutdown, during]);
      await processor.forceFlush();
      await new Tracer({ processors: [processor] }).forceFlush();
      // The one forceFlush is shutdown's own, before the exporter shuts down
      // ("Shutdown MUST include the effects of ForceFlush").
      assert.deepEqual(order, ["export 1", "forceFlush", "shutdown"], Processor.name);
    }
  });

  test("spans that end after shutdown is called are dropped and counted", async () => {
    const exporter = new InMemorySpanExporter();
    const { batch } = manual(exporter);
    batch.onEnd(endedSpan("before"));
    const done = batch.shutdown();
    batch.onEnd(endedSpan("during"));
    await done;
    batch.onEnd(endedSpan("after"));
    assert.deepEqual(exporter.spans.map((s) => s.name), ["before"]);
    assert.deepEqual(batch.stats(), { ended: 3, exported: 1, dropped: 2, failed: 0, queued: 0 });
  });

  test("via the Tracer: tracer.shutdown flushes the batch processor", async () => {
    const exporter = new InMemorySpanExporter();
    const batch = new BatchSpanProcessor(exporter, { flushOnExit: false });
    const tracer = new Tracer({ processors: [batch] });
    tracer.span("parent", () => tracer.startSpan("child").end());
    await tracer.shutdown();
    assert.deepEqual(exporter.spans.map((s) => s.name), ["child", "parent"]);
    assert.equal(exporter.isShutdown, true);
  });
});

describe("BatchSpanProcessor: exporter faults stay inside", () => {
  const faults: [string, SpanExporter["export"]][] = [
    ["throws", () => {
      throw new Error("sync");
    }],
    ["rejects", () => Promise.reject(new Error("async"))],
    ["returns a failure", () => ({ code: "failure" })],
    ["resolves a failure", () => Promise.resolve({ code: "failure" as const })],
    ["returns something that is not a result", () => "done" as unknown as ExportResult],
  ];
  for (const [what, fault] of faults) {
    test(`an exporter that ${what} fails its batch and the next batch goes on`, async () => {
      let calls = 0;
      const exporter: SpanExporter = {
        export(spans, signal) {
          calls++;
          if (calls === 1) return fault(spans, signal);
        },
      };
      const { batch, time } = manual(exporter, { maxBatchSize: 2, maxExportBatchSize: 2 });
      const tracer = new Tracer({ processors: [batch] });
      await captureWarnings(async () => {
        for (let i = 0; i < 4; i++) assert.doesNotThrow(() => tracer.startSpan(`s${i}`).end());
        await time.tick(0);
        await batch.forceFlush();
      });
      assert.equal(calls, 2);
      assert.deepEqual(batch.stats(), { ended: 4, exported: 2, dropped: 0, failed: 2, queued: 0 });
    });
  }

  test("an export that hangs is aborted at exportTimeoutMs (default 30000), and the next batch goes on one deadline later", async () => {
    const signals: AbortSignal[] = [];
    const { batch, time } = manual((_spans, signal) => {
      signals.push(signal!);
      return signals.length === 1 ? new Promise<void>(() => {}) : undefined;
    }, { maxBatchSize: 1, maxExportBatchSize: 1 });
    endMany(batch, 2);
    await time.tick(29_999);
    assert.equal(signals.length, 1);
    assert.equal(signals[0].aborted, false);
    const warnings = await captureWarnings(async () => {
      await time.tick(1);
      assert.equal(signals[0].aborted, true);
      assert.equal((signals[0].reason as DOMException).name, "TimeoutError");
      assert.deepEqual(batch.stats(), { ended: 2, exported: 0, dropped: 0, failed: 1, queued: 1 });
      // The hung export may still be running: the next waits one more
      // deadline for it to settle, then goes on.
      await time.tick(29_999);
      assert.equal(signals.length, 1);
      await time.tick(1);
    });
    assert.equal(signals.length, 2);
    assert.equal(signals[1].aborted, false);
    assert.deepEqual(batch.stats(), { ended: 2, exported: 1, dropped: 0, failed: 1, queued: 0 });
    assert.ok(
      warnings.some((w) => /did not settle within 30000 ms after its deadline/.test(w)),
      warnings.join("\n"),
    );
  });

  test("export is never called while an earlier export still runs, even past its deadline", async () => {
    let calls = 0;
    let active = 0;
    let maxActive = 0;
    const gates = [deferred(), deferred()];
    const { batch, time } = manual(async () => {
      const gate = gates[calls++];
      active++;
      maxActive = Math.max(maxActive, active);
      try {
        await gate.promise;
      } finally {
        active--;
      }
    }, { maxBatchSize: 1, maxExportBatchSize: 1, exportTimeoutMs: 100 });
    await captureWarnings(async () => {
      endMany(batch, 2);
      await time.tick(100);
      // The first export is failed at its deadline, and still runs: the
      // second waits for it.
      assert.deepEqual(batch.stats(), { ended: 2, exported: 0, dropped: 0, failed: 1, queued: 1 });
      assert.equal(calls, 1);
      gates[0].resolve();
      await nextTurn();
      assert.equal(calls, 2);
      gates[1].resolve();
      await batch.forceFlush();
    });
    assert.equal(maxActive, 1);
    assert.deepEqual(batch.stats(), { ended: 2, exported: 1, dropped: 0, failed: 1, queued: 0 });
  });

  test("an exporter declared without a signal parameter hangs, and is still failed at the deadline", async () => {
    let calls = 0;
    let signalGiven: unknown = "not called";
    const { batch, time } = manual(function (_spans: readonly Span[]) {
      calls++;
      signalGiven = arguments[1];
      return calls === 1 ? new Promise<void>(() => {}) : undefined;
    }, { maxBatchSize: 1, maxExportBatchSize: 1, exportTimeoutMs: 100 });
    endMany(batch, 2);
    await time.tick(99);
    assert.equal(calls, 1);
    await captureWarnings(async () => {
      await time.tick(1);
      assert.equal(batch.stats().failed, 1);
      await time.tick(100);
    });
    assert.equal(signalGiven, undefined, "a one-parameter exporter is not handed a signal");
    assert.equal(calls, 2);
    assert.deepEqual(batch.stats(), { ended: 2, exported: 1, dropped: 0, failed: 1, queued: 0 });
  });

  test("an ExportResult whose getters throw, returned or resolved, fails its batch, with one warning in all", async () => {
    const throwing = (what: string) => () => {
      throw new Error(what);
    };
    const broken: (() => ExportResult)[] = [
      () => ({
        get code(): "success" {
          throw new Error("code getter");
        },
      }),
      () => ({
        code: "failure",
        get error(): Error {
          throw new Error("error getter");
        },
      }),
      () => ({
        code: "success",
        get rejected(): number {
          throw new Error("rejected getter");
        },
      }),
      () =>
        new Proxy({} as ExportResult, {
          // Not a thenable (a throwing `then` is a rejection, tested above).
          get: (_target, key) => key === "then" ? undefined : throwing("proxy get")(),
          getPrototypeOf: throwing("proxy getPrototypeOf"),
          has: throwing("proxy has"),
        }),
    ];
    const warnings = await captureWarnings(async () => {
      for (const result of broken) {
        for (const resolved of [false, true]) {
          const { batch, time } = manual({
            export: () => resolved ? Promise.resolve().then(result) : result(),
          }, { maxBatchSize: 2 });
          endMany(batch, 3);
          // The interval's timer exports the last span: a throw there would
          // reject this tick (an uncaught error from the batch timer).
          await time.tick(5_000);
          await batch.forceFlush();
          endMany(batch, 2, "again");
          await batch.forceFlush();
          assert.deepEqual(
            batch.stats(),
            { ended: 5, exported: 0, dropped: 0, failed: 5, queued: 0 },
            `${result} ${resolved ? "resolved" : "returned"}`,
          );
        }
      }
    });
    assert.equal(warnings.length, 1, warnings.join("\n"));
    assert.match(warnings[0], /an exporter returned an unreadable ExportResult/);
  });

  test("a late answer from an aborted export does not count twice", async () => {
    const late = deferred<ExportResult>();
    const { batch, time } = manual({ export: () => late.promise }, { exportTimeoutMs: 10 });
    batch.onEnd(endedSpan());
    await captureWarnings(() => time.tick(5_010));
    assert.deepEqual(batch.stats(), { ended: 1, exported: 0, dropped: 0, failed: 1, queued: 0 });
    late.resolve({ code: "success" });
    await time.tick(0);
    assert.deepEqual(batch.stats(), { ended: 1, exported: 0, dropped: 0, failed: 1, queued: 0 });
  });
});

describe("BatchSpanProcessor: accounting", () => {
  test("only sampled spans are exported; recorded-but-unsampled spans are not counted", async () => {
    const exporter = new InMemorySpanExporter();
    const { batch } = manual(exporter);
    let n = 0;
    const alternate: Sampler = {
      shouldSample: () => ({ decision: n++ % 2 === 0 ? "recordAndSample" : "record" }),
    };
    const tracer = new Tracer({ sampler: alternate, processors: [batch] });
    for (let i = 0; i < 6; i++) tracer.startSpan(`s${i}`, { parent: null }).end();
    await batch.forceFlush();
    assert.deepEqual(exporter.spans.map((s) => s.name), ["s0", "s2", "s4"]);
    assert.equal(batch.stats().ended, 3);
  });

  test("ended === exported + dropped + failed + queued at every moment of a mixed workload", async () => {
    // A small deterministic PRNG, so a failure can be replayed.
    let seed = 42;
    const random = () => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
    const checks: number[] = [];
    // The exporter below checks the processor it is given to, so it is
    // declared first and bound once the processor exists.
    const ref: { batch?: BatchSpanProcessor } = {};
    const check = (where: string) => {
      assertBalanced(ref.batch!.stats(), where);
      // 64 waiting at most, plus the batch in flight: maxExportBatchSize
      // defaults to maxQueueSize here, 64.
      assert.ok(ref.batch!.stats().queued <= 64 + 64, where);
      checks.push(1);
    };
    const time = new ManualTime();
    const exporter: SpanExporter = {
      export(spans) {
        check("inside export");
        const r = random();
        if (r < 0.15) throw new Error("sync");
        if (r < 0.3) return { code: "failure" };
        if (r < 0.4) return { code: "success", rejected: Math.floor(spans.length / 2) };
        if (r < 0.5) return new Promise<ExportResult>(() => {}); // hangs until the deadline
        if (r < 0.8) {
          return new Promise((resolve) =>
            time.setTimeout(() => {
              check("slow export resolving");
              resolve({ code: "success" });
            }, Math.floor(random() * 300))
          );
        }
      },
    };
    const batch = ref.batch = new BatchSpanProcessor(exporter, {
      maxBatchSize: 16,
      maxQueueSize: 64,
      flushIntervalMs: 200,
      exportTimeoutMs: 500,
      scheduler: time,
      clock: time,
      flushOnExit: false,
    });
    await captureWarnings(async () => {
      for (let round = 0; round < 300; round++) {
        const n = Math.floor(random() * 40);
        for (let i = 0; i < n; i++) {
          batch.onEnd(endedSpan());
          check(`after onEnd in round ${round}`);
        }
        await time.tick(Math.floor(random() * 120));
        check(`after tick in round ${round}`);
        if (round % 50 === 49) {
          const flushing = batch.forceFlush();
          check("after forceFlush call");
          await time.tick(1_000);
          await flushing;
        }
      }
      const done = batch.shutdown();
      await time.tick(1_000);
      await done;
    });
    const stats = batch.stats();
    assertBalanced(stats, "at the end");
    assert.equal(stats.queued, 0);
    assert.ok(stats.exported > 0 && stats.failed > 0 && stats.dropped > 0, JSON.stringify(stats));
    assert.ok(checks.length > 1000);
  });
});

describe("BatchSpanProcessor: order", () => {
  test("spans are exported once each, in end order, while the queue fills, wraps and empties", async () => {
    const names: number[] = [];
    const { batch, time } = manual({
      export: (spans) =>
        new Promise<ExportResult>((resolve) =>
          time.setTimeout(() => {
            for (const s of spans) names.push(Number(s.name));
            resolve({ code: "success" });
          }, 1)
        ),
    }, { maxBatchSize: 7, maxExportBatchSize: 7, maxQueueSize: 300, flushIntervalMs: 3 });
    let seed = 7;
    const random = () => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
    let next = 0;
    await captureWarnings(async () => {
      for (let round = 0; round < 400; round++) {
        // Bursts outpace the exporter early on, then it catches up.
        const burst = Math.floor(random() * (round < 200 ? 40 : 8));
        for (let i = 0; i < burst; i++) batch.onEnd(endedSpan(String(next++)));
        await time.tick(1);
      }
      await time.tick(1_000);
    });
    const stats = batch.stats();
    assert.equal(stats.queued, 0);
    assert.ok(stats.dropped > 0, "the queue filled up at least once");
    assert.equal(names.length, stats.exported);
    assert.equal(stats.exported + stats.dropped, next);
    for (let i = 1; i < names.length; i++) assert.ok(names[i] > names[i - 1], `at ${i}`);
  });
});

describe("BatchSpanProcessor: options", () => {
  const ok = () => {};
  for (const name of ["maxBatchSize", "maxQueueSize"] as const) {
    test(`${name} that is zero, negative, fractional or not a number is a RangeError`, () => {
      for (const bad of [0, -1, 2.5, Number.NaN, Infinity, "100"]) {
        assert.throws(
          () => new BatchSpanProcessor(ok, { [name]: bad as number, flushOnExit: false }),
          new RegExp(
            `^RangeError: Cannot create BatchSpanProcessor: ${name} must be a positive integer`,
          ),
          String(bad),
        );
      }
    });
  }

  test("maxBatchSize above maxQueueSize is a RangeError naming both", () => {
    assert.throws(
      () => new BatchSpanProcessor(ok, { maxBatchSize: 200, maxQueueSize: 100 }),
      /^RangeError: Cannot create BatchSpanProcessor: maxBatchSize \(200\) must not exceed maxQueueSize \(100\)$/,
    );
    // The default maxQueueSize (4096) bounds a large maxBatchSize too.
    assert.throws(
      () => new BatchSpanProcessor(ok, { maxBatchSize: 4097 }),
      /^RangeError: Cannot create BatchSpanProcessor: maxBatchSize \(4097\) must not exceed maxQueueSize \(4096\)$/,
    );
  });

  test("maxExportBatchSize that is not a positive integer, below maxBatchSize or above maxQueueSize is a RangeError", () => {
    for (const bad of [0, -1, 2.5, Number.NaN, "512"]) {
      assert.throws(
        () => new BatchSpanProcessor(ok, { maxExportBatchSize: bad as number, flushOnExit: false }),
        /^RangeError: Cannot create BatchSpanProcessor: maxExportBatchSize must be a positive integer/,
        String(bad),
      );
    }
    assert.throws(
      () => new BatchSpanProcessor(ok, { maxBatchSize: 200, maxExportBatchSize: 100 }),
      /^RangeError: Cannot create BatchSpanProcessor: maxExportBatchSize \(100\) must be from maxBatchSize \(200\) to maxQueueSize \(4096\)$/,
    );
    assert.throws(
      () => new BatchSpanProcessor(ok, { maxExportBatchSize: 4097 }),
      /maxExportBatchSize \(4097\) must be from maxBatchSize \(100\) to maxQueueSize \(4096\)$/,
    );
  });

  test("times that are negative, zero or not finite are RangeErrors", () => {
    for (const bad of [-1, 0, Number.NaN, Infinity]) {
      for (const name of ["flushIntervalMs", "exportTimeoutMs"]) {
        assert.throws(
          () => new BatchSpanProcessor(ok, { [name]: bad }),
          new RegExp(`^RangeError: Cannot create BatchSpanProcessor: ${name} must be a positive`),
        );
      }
    }
  });

  test("a scheduler, clock or flushOnExit of the wrong shape is a TypeError", () => {
    assert.throws(
      () => new BatchSpanProcessor(ok, { scheduler: { setTimeout() {} } as never }),
      /^TypeError: Cannot create BatchSpanProcessor: scheduler must have/,
    );
    assert.throws(
      () => new BatchSpanProcessor(ok, { clock: {} as never }),
      /^TypeError: Cannot create BatchSpanProcessor: clock must have a now method/,
    );
    assert.throws(
      () => new BatchSpanProcessor(ok, { flushOnExit: "yes" as never }),
      /^TypeError: Cannot create BatchSpanProcessor: flushOnExit must be a boolean/,
    );
  });
});

describe("BatchSpanProcessor and SimpleSpanProcessor: flushOnSignal and flushOnCrash", () => {
  const ok = () => {};
  const events = ["SIGTERM", "SIGINT", "uncaughtException"] as const;
  const counts = () => events.map((event) => process.listenerCount(event));

  for (const Processor of [BatchSpanProcessor, SimpleSpanProcessor]) {
    test(`${Processor.name}: a flag that is no boolean is a TypeError; a bad deadline a RangeError`, () => {
      for (const name of ["flushOnSignal", "flushOnCrash"]) {
        assert.throws(
          () => new Processor(ok, { [name]: "yes", flushOnExit: false }),
          new RegExp(`^TypeError: Cannot create ${Processor.name}: ${name} must be a boolean`),
        );
      }
      for (const bad of [0, -1, Infinity, Number.NaN]) {
        assert.throws(
          () => new Processor(ok, { signalFlushTimeoutMs: bad }),
          new RegExp(`^RangeError: Cannot create ${Processor.name}: signalFlushTimeoutMs must be`),
        );
      }
    });

    test(`${Processor.name}: off by default; on, its SIGTERM listener flushes it until shutdown, which leaves the process as it was`, async () => {
      const before = counts();
      const quiet = new Processor(ok, { flushOnExit: false });
      assert.deepEqual(counts(), before, "nothing is listened for by default");
      await quiet.shutdown();
      const exported: string[] = [];
      let flushes = 0;
      const exporter: SpanExporter = {
        export: (spans) => void exported.push(...spans.map((s) => s.name)),
        forceFlush: () => {
          flushes++;
          return Promise.resolve();
        },
      };
      // Manual time that never moves: no batch timer flushes, only the signal.
      const processor = new Processor(exporter, {
        flushOnSignal: true,
        flushOnCrash: true,
        flushOnExit: false,
        scheduler: new ManualTime(),
      });
      const during = counts();
      for (let i = 0; i < events.length; i++) {
        // One listener for all processors: more only if none was there yet.
        assert.ok(during[i] === before[i] || during[i] === before[i] + 1, events[i]);
      }
      processor.onEnd(endedSpan("queued"));
      // The application's own listener, a stand-in: with one there, the
      // library flushes and leaves the exit to the application instead of
      // raising the signal again, which would end this test's process.
      const application = () => {};
      process.on("SIGTERM", application);
      try {
        const registered = process.listeners("SIGTERM").filter((l) => l !== application);
        assert.equal(registered.length, 1, "one SIGTERM listener, whatever listened before");
        registered[0]("SIGTERM");
        await waitUntil(() => flushes > 0, "the flush on SIGTERM");
        await nextTurn();
      } finally {
        process.removeListener("SIGTERM", application);
      }
      assert.deepEqual(exported, ["queued"]);
      await processor.shutdown();
      assert.deepEqual(counts(), before, "every listener removed at shutdown");
    });
  }
});
