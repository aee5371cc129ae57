import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  BatchSpanProcessor,
  type BatchSpanProcessorOptions,
  type ProcessorStats,
  SimpleSpanProcessor,
  type Span,
  type SpanExporter,
} from "../mod.ts";
import { FakeRuntime } from "./_fake_runtime.ts";
import { runFixture } from "./_child_process.ts";
import { assertBalanced, captureWarnings, endedSpan } from "./_helpers.ts";

// How long each way out keeps the process alive when an export is in flight
// and never settles. Everything runs on manual time (tests/_fake_runtime.ts
// keeps the "process" alive exactly while a timer that is not a background
// one is pending), so nothing here waits for real. exportTimeoutMs is 1000.

const T = 1_000;

/** What one export does: never settle, succeed at once, or settle after `ms` of I/O. */
type Behaviour = "hang" | "ok" | { readonly ioMs: number };

/** A scripted exporter on the fake runtime; hooks record their calls. */
function scripted(
  rt: FakeRuntime,
  first: Behaviour,
  rest: Behaviour,
  hooks: "none" | "sync" | "hang" = "none",
) {
  const starts: number[] = [];
  const called: string[] = [];
  let active = 0;
  let overlapped = false;
  const exporter: SpanExporter = {
    export(_spans: readonly Span[]) {
      starts.push(rt.now());
      if (active > 0) overlapped = true;
      const behaviour = starts.length === 1 ? first : rest;
      if (behaviour === "ok") return undefined;
      active++;
      if (behaviour === "hang") return new Promise<void>(() => {});
      return new Promise<void>((resolve) => {
        // I/O: it keeps the process alive until it is done.
        rt.setTimeout(() => {
          active--;
          resolve();
        }, behaviour.ioMs);
      });
    },
  };
  if (hooks !== "none") {
    for (const method of ["forceFlush", "shutdown"] as const) {
      exporter[method] = () => {
        called.push(`${method} at ${rt.now()}`);
        return hooks === "hang" ? new Promise<void>(() => {}) : Promise.resolve();
      };
    }
  }
  return { exporter, starts, called, overlapped: () => overlapped };
}

function batchOn(
  rt: FakeRuntime,
  exporter: SpanExporter,
  options: BatchSpanProcessorOptions = {},
): BatchSpanProcessor {
  return new BatchSpanProcessor(exporter, {
    scheduler: rt,
    clock: rt,
    exportTimeoutMs: T,
    maxBatchSize: 10,
    maxExportBatchSize: 10,
    flushOnExit: false,
    ...options,
  });
}

/** 10 spans go out in an export at time 0; 3 more wait behind it. */
async function tenThenThree(rt: FakeRuntime, batch: BatchSpanProcessor): Promise<void> {
  for (let i = 0; i < 10; i++) batch.onEnd(endedSpan(`first ${i}`));
  await rt.time.tick(0);
  for (let i = 0; i < 3; i++) batch.onEnd(endedSpan(`behind ${i}`));
}

/**
 * Starts `flush` at the current time and lets the process run until nothing
 * keeps it alive. Resolves with when the flush settled and when the process
 * would have ended; fails if it would have ended first.
 */
async function timed(
  rt: FakeRuntime,
  flush: () => Promise<void>,
): Promise<{ settledAt: number; endedAt: number; warnings: string[] }> {
  let settledAt: number | undefined;
  let endedAt = 0;
  const warnings = await captureWarnings(async () => {
    flush().then(() => (settledAt = rt.now()));
    endedAt = await rt.drain();
  });
  assert.ok(settledAt !== undefined, `the process would have ended at ${endedAt}, unsettled`);
  return { settledAt, endedAt, warnings };
}

describe("forceFlush() and shutdown() behind an export that never settles: one exportTimeoutMs", () => {
  test("forceFlush() settles, and lets the process end, within exportTimeoutMs; the spans behind stay queued", async () => {
    const rt = new FakeRuntime();
    const ex = scripted(rt, "hang", "ok");
    const batch = batchOn(rt, ex.exporter);
    await tenThenThree(rt, batch);
    const { settledAt, endedAt } = await timed(rt, () => batch.forceFlush());
    assert.ok(settledAt <= T, `settled at ${settledAt}`);
    assert.ok(endedAt <= T, `the process ended at ${endedAt}`);
    // The export that hung may still be running: nothing was exported over it.
    assert.deepEqual(ex.starts, [0]);
    assert.equal(ex.overlapped(), false);
    assert.deepEqual(batch.stats(), { ended: 13, exported: 0, dropped: 0, failed: 10, queued: 3 });
  });

  test("forceFlush() exports the spans behind a hung export that settles late, within its deadline", async () => {
    const rt = new FakeRuntime();
    // The first export misses its deadline (1000) and settles at 1200.
    const ex = scripted(rt, { ioMs: 1_200 }, "ok");
    const batch = batchOn(rt, ex.exporter);
    await tenThenThree(rt, batch);
    await rt.time.tick(500);
    const { settledAt } = await timed(rt, () => batch.forceFlush());
    assert.equal(settledAt, 1_200);
    assert.deepEqual(ex.starts, [0, 1_200]);
    assert.equal(ex.overlapped(), false);
    assert.deepEqual(batch.stats(), { ended: 13, exported: 3, dropped: 0, failed: 10, queued: 0 });
  });

  // forceFlush() stops waiting at its deadline, but the process goes on: an
  // export it started, still within its own deadline, is not failed, and
  // what waits behind it goes out after it.
  for (const make of ["BatchSpanProcessor", "SimpleSpanProcessor"] as const) {
    test(`${make}: forceFlush() at its deadline fails no export still within its own, and loses nothing`, async () => {
      const rt = new FakeRuntime();
      // Each export takes 600 ms of I/O: the second, started at 600, is
      // still running at the flush's deadline (1000), within its own (1600).
      const ex = scripted(rt, { ioMs: 600 }, { ioMs: 600 });
      const processor = make === "BatchSpanProcessor"
        ? batchOn(rt, ex.exporter)
        : new SimpleSpanProcessor(ex.exporter, { scheduler: rt, exportTimeoutMs: T });
      const spans = make === "BatchSpanProcessor" ? 30 : 3;
      for (let i = 0; i < spans; i++) processor.onEnd(endedSpan(`span ${i}`));
      const { settledAt } = await timed(rt, () => processor.forceFlush());
      assert.equal(settledAt, T);
      await captureWarnings(() => rt.drain());
      assert.deepEqual(ex.starts, [0, 600, 1_200]);
      assert.equal(ex.overlapped(), false);
      assert.deepEqual(processor.stats(), {
        ended: spans,
        exported: spans,
        dropped: 0,
        failed: 0,
        queued: 0,
      });
    });
  }

  test("shutdown() settles within exportTimeoutMs, exporter hooks included; what it could not export is dropped and counted, and export is never called again", async () => {
    const rt = new FakeRuntime();
    const ex = scripted(rt, "hang", "hang", "sync");
    const batch = batchOn(rt, ex.exporter);
    await tenThenThree(rt, batch);
    const { settledAt, endedAt, warnings } = await timed(rt, () => batch.shutdown());
    assert.ok(settledAt <= T, `settled at ${settledAt}`);
    assert.ok(endedAt <= T, `the process ended at ${endedAt}`);
    assert.ok(
      warnings.some((w) => /shutdown reached its deadline .* 3 span\(s\) .* dropped/.test(w)),
      warnings.join("\n"),
    );
    assert.deepEqual(ex.called, [`forceFlush at ${settledAt}`, `shutdown at ${settledAt}`]);
    assert.deepEqual(batch.stats(), { ended: 13, exported: 0, dropped: 3, failed: 10, queued: 0 });
    await captureWarnings(() => rt.time.tick(10 * T));
    assert.deepEqual(ex.starts, [0]);
    assert.deepEqual(batch.stats(), { ended: 13, exported: 0, dropped: 3, failed: 10, queued: 0 });
  });

  test("shutdown() with an exporter whose forceFlush and shutdown never settle settles within exportTimeoutMs", async () => {
    const rt = new FakeRuntime();
    const ex = scripted(rt, "ok", "ok", "hang");
    const batch = batchOn(rt, ex.exporter);
    await tenThenThree(rt, batch);
    const { settledAt, endedAt } = await timed(rt, () => batch.shutdown());
    assert.ok(settledAt <= T, `settled at ${settledAt}`);
    assert.ok(endedAt <= T, `the process ended at ${endedAt}`);
    assert.deepEqual(batch.stats(), { ended: 13, exported: 13, dropped: 0, failed: 0, queued: 0 });
  });

  // The exports use up most of the deadline, and the exporter's forceFlush
  // hangs: its own deadline (a background timer) falls after the process
  // has ended, so the exporter's shutdown must not wait for it.
  test("shutdown() whose deadline passes in the exporter's forceFlush still calls the exporter's shutdown before the process ends", async () => {
    const rt = new FakeRuntime();
    const ex = scripted(rt, { ioMs: 900 }, "ok", "hang");
    const batch = batchOn(rt, ex.exporter);
    await tenThenThree(rt, batch);
    const { settledAt, endedAt } = await timed(rt, () => batch.shutdown());
    assert.ok(settledAt <= T, `settled at ${settledAt}`);
    assert.ok(endedAt <= T, `the process ended at ${endedAt}`);
    assert.deepEqual(ex.called, ["forceFlush at 900", `shutdown at ${settledAt}`]);
    assert.deepEqual(batch.stats(), { ended: 13, exported: 13, dropped: 0, failed: 0, queued: 0 });
  });

  for (const method of ["forceFlush", "shutdown"] as const) {
    test(`SimpleSpanProcessor ${method}() behind an export that never settles: within exportTimeoutMs too`, async () => {
      const rt = new FakeRuntime();
      const ex = scripted(rt, "hang", "hang");
      const simple = new SimpleSpanProcessor(ex.exporter, { scheduler: rt, exportTimeoutMs: T });
      for (let i = 0; i < 4; i++) simple.onEnd(endedSpan(`span ${i}`));
      const { settledAt, endedAt } = await timed(rt, () => simple[method]());
      assert.ok(settledAt <= T, `settled at ${settledAt}`);
      assert.ok(endedAt <= T, `the process ended at ${endedAt}`);
      assert.deepEqual(ex.starts, [0]);
      const expected: ProcessorStats = method === "shutdown"
        ? { ended: 4, exported: 0, dropped: 3, failed: 1, queued: 0 }
        : { ended: 4, exported: 0, dropped: 0, failed: 1, queued: 3 };
      assert.deepEqual(simple.stats(), expected);
    });
  }
});

/** Runs tests/fixtures/exit_bounds.ts and reads its result line. */
async function exitPath(mode: string) {
  const ran = await runFixture("exit_bounds", [mode], { timeoutMs: 60_000 });
  const line = ran.stdout.split("\n").find((l) => l.startsWith("result "));
  assert.ok(line !== undefined, `${mode}: no result\n${ran.stdout}\n${ran.stderr}`);
  const result = JSON.parse(line.slice("result ".length)) as {
    endedAt: number;
    starts: number[];
    overlapped: boolean;
    stats: ProcessorStats;
  };
  return { ...result, mode, output: `${ran.stdout}\n${ran.stderr}` };
}

/** Every span counted, and no export started over one still running. */
function assertSound(ran: Awaited<ReturnType<typeof exitPath>>): void {
  assertBalanced(ran.stats, ran.mode);
  assert.equal(ran.overlapped, false, `${ran.mode}: an export started over one still running`);
}

describe("the exit paths behind an export that never settles (in a child process, on manual time)", () => {
  test("a normal exit (flushOnExit) ends within exportTimeoutMs of the application's last work", {
    timeout: 120_000,
  }, async () => {
    const ran = await exitPath("exit");
    assert.ok(ran.endedAt <= T, `ended at ${ran.endedAt}: ${ran.output}`);
    assert.deepEqual(ran.starts, [0]);
    assert.deepEqual(ran.stats, { ended: 13, exported: 0, dropped: 3, failed: 10, queued: 0 });
    assertSound(ran);
  });

  test(
    "a normal exit with a beforeExit listener that ends a span each time ends within exportTimeoutMs too",
    {
      timeout: 120_000,
    },
    async () => {
      const ran = await exitPath("exit-loop");
      assert.ok(ran.endedAt <= T, `ended at ${ran.endedAt}: ${ran.output}`);
      assert.deepEqual(ran.starts, [0]);
      assertSound(ran);
    },
  );

  test("the exit flushes of one series of beforeExit rounds share one deadline", {
    timeout: 120_000,
  }, async () => {
    const ran = await exitPath("exit-series");
    // The first export's I/O ends at 300: the first "beforeExit" comes then.
    assert.ok(ran.endedAt <= 300 + T, `ended at ${ran.endedAt}: ${ran.output}`);
    assertSound(ran);
  });

  test(
    "a normal exit exports what it can within its deadline: the spans behind an export that settles on unref'd work",
    {
      timeout: 120_000,
    },
    async () => {
      const ran = await exitPath("exit-unref");
      assert.ok(ran.endedAt <= T, `ended at ${ran.endedAt}: ${ran.output}`);
      assert.deepEqual(ran.starts, [0, 400]);
      assert.equal(ran.stats.exported, 10);
      assertSound(ran);
    },
  );

  test(
    "SIGTERM without an application handler: the signal is sent again within signalFlushTimeoutMs (already so)",
    {
      timeout: 120_000,
    },
    async () => {
      const ran = await exitPath("signal");
      assert.equal(ran.endedAt, 300, ran.output);
      assert.deepEqual(ran.starts, [0]);
      assertSound(ran);
    },
  );

  test(
    "SIGTERM: spans that end while the signal flush runs are exported before the signal is sent again",
    {
      timeout: 120_000,
    },
    async () => {
      const ran = await exitPath("signal-late");
      assert.deepEqual(ran.starts, [0, 50, 100], ran.output);
      assert.equal(ran.endedAt, 150, ran.output);
      assert.deepEqual(ran.stats, { ended: 15, exported: 15, dropped: 0, failed: 0, queued: 0 });
      assertSound(ran);
    },
  );

  test(
    "SIGTERM while the processor's shutdown is under way: its signal flush still ends within signalFlushTimeoutMs, not the shutdown's exportTimeoutMs",
    {
      timeout: 120_000,
    },
    async () => {
      const ran = await exitPath("signal-in-shutdown");
      assert.equal(ran.endedAt, 300, ran.output);
      assert.deepEqual(ran.starts, [0]);
      assertSound(ran);
    },
  );

  test(
    "SIGTERM with the application's handler: the library holds the process no longer than signalFlushTimeoutMs",
    {
      timeout: 120_000,
    },
    async () => {
      const ran = await exitPath("signal-handled");
      assert.ok(ran.endedAt <= 300, `ended at ${ran.endedAt}: ${ran.output}`);
      assert.deepEqual(ran.starts, [0]);
      assertSound(ran);
    },
  );

  test(
    "SIGTERM with the application's handler, then a normal exit: signalFlushTimeoutMs, then exportTimeoutMs at most",
    {
      timeout: 120_000,
    },
    async () => {
      const ran = await exitPath("signal-handled-exit");
      assert.ok(ran.endedAt <= 300 + T, `ended at ${ran.endedAt}: ${ran.output}`);
      assert.deepEqual(ran.starts, [0]);
      assert.equal(ran.stats.queued, 0);
      assertSound(ran);
    },
  );

  test(
    "an uncaught exception the application handles: the library holds the process no longer than signalFlushTimeoutMs",
    {
      timeout: 120_000,
    },
    async () => {
      const ran = await exitPath("crash-handled");
      assert.ok(ran.endedAt <= 300, `ended at ${ran.endedAt}: ${ran.output}`);
      assert.deepEqual(ran.starts, [0]);
      assertSound(ran);
    },
  );
});
