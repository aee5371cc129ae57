// 1,000,000 spans into exporters that cannot keep up. Time is manual, so
// nothing sleeps: the slow exporter's delay, the interval and the export
// timeout all run on ManualTime. Only counts are asserted, never bytes or
// durations; the peak heap is printed for the record.

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  BatchSpanProcessor,
  type ExportResult,
  type ProcessorStats,
  type SpanExporter,
  Tracer,
} from "../mod.ts";
import { ManualTime } from "../testing.ts";
import { assertBalanced, captureWarnings } from "./_helpers.ts";

const SPANS = 1_000_000;
const MAX_QUEUE = 2048;
// Held at most: MAX_QUEUE waiting, plus the batch in flight (the default
// maxExportBatchSize, 1024), which has left the queue as in the SDK.
const MAX_HELD = MAX_QUEUE + 1024;
const TICK_EVERY = 1_000;
const EXPORT_TIMEOUT = 1_000;

function heapUsed(): number {
  const g = globalThis as {
    Deno?: { memoryUsage(): { heapUsed: number } };
    process?: { memoryUsage?(): { heapUsed: number } };
  };
  return g.Deno?.memoryUsage().heapUsed ?? g.process?.memoryUsage?.().heapUsed ?? Number.NaN;
}

// A full collection, where the runtime offers one to scripts: Bun always,
// Deno and Node only with --expose-gc. Without it the heap figures include
// garbage not yet collected.
function forceGc(): boolean {
  const g = globalThis as { Bun?: { gc(full: boolean): void }; gc?: () => void };
  if (g.Bun) g.Bun.gc(true);
  else if (typeof g.gc === "function") g.gc();
  else return false;
  return true;
}

interface Run {
  stats: ProcessorStats;
  peakQueued: number;
  samples: number;
  peakHeapMb: number;
  baselineHeapMb: number;
  peakRetainedMb: number | undefined;
  seconds: number;
}

/**
 * Ends SPANS spans through a Tracer into `exporter`, advancing manual time
 * by `msPerTick` every TICK_EVERY spans, and checks the accounting after
 * every tick and every 100 spans.
 */
async function overload(
  name: string,
  makeExporter: (time: ManualTime) => SpanExporter,
  msPerTick: number,
): Promise<Run> {
  const time = new ManualTime();
  const batch = new BatchSpanProcessor(makeExporter(time), {
    maxQueueSize: MAX_QUEUE,
    exportTimeoutMs: EXPORT_TIMEOUT,
    scheduler: time,
    clock: time,
    flushOnExit: false,
  });
  const tracer = new Tracer({ processors: [batch], clock: time });
  let peakQueued = 0;
  let samples = 0;
  const check = (where: string) => {
    const stats = batch.stats();
    assertBalanced(stats, where);
    if (stats.queued > peakQueued) peakQueued = stats.queued;
    assert.ok(stats.queued <= MAX_HELD, `${where}: queued ${stats.queued}`);
    samples++;
  };
  const gc = forceGc();
  const baseline = heapUsed();
  let peakHeap = baseline;
  let peakRetained = baseline;
  const started = performance.now();
  await captureWarnings(async () => {
    for (let i = 0; i < SPANS; i++) {
      const span = tracer.startSpan("work");
      span.setAttribute("i", i);
      span.end();
      if (i % 100 === 99) check(`${name} after span ${i}`);
      if (i % TICK_EVERY === TICK_EVERY - 1) {
        await time.tick(msPerTick);
        check(`${name} after tick at span ${i}`);
        const heap = heapUsed();
        if (heap > peakHeap) peakHeap = heap;
        if (gc && i % (100 * TICK_EVERY) === TICK_EVERY - 1) {
          forceGc();
          peakRetained = Math.max(peakRetained, heapUsed());
        }
      }
    }
    const done = batch.shutdown();
    for (let i = 0; i < 100 && batch.stats().queued > 0; i++) await time.tick(EXPORT_TIMEOUT);
    await done;
  });
  const seconds = (performance.now() - started) / 1000;
  const run: Run = {
    stats: batch.stats(),
    peakQueued,
    samples,
    peakHeapMb: peakHeap / 2 ** 20,
    baselineHeapMb: baseline / 2 ** 20,
    peakRetainedMb: gc ? peakRetained / 2 ** 20 : undefined,
    seconds,
  };
  console.log(
    `overload ${name}: ${JSON.stringify(run.stats)}; peak queued ${peakQueued}/${MAX_HELD}; ` +
      `heap ${run.baselineHeapMb.toFixed(1)} MB before, peak ${run.peakHeapMb.toFixed(1)} MB, ` +
      (gc
        ? `peak after forced GC ${run.peakRetainedMb!.toFixed(1)} MB; `
        : "no forced GC available; ") +
      `${samples} invariant checks; ${seconds.toFixed(1)} s`,
  );
  return run;
}

describe("BatchSpanProcessor under overload: 1,000,000 spans", () => {
  test("into a slow exporter: the queue stays bounded, the excess is dropped and counted", {
    timeout: 120_000,
  }, async () => {
    // Each batch takes 2 ms of manual time, while 1,000 spans end per 1 ms.
    const run = await overload("slow", (time) => ({
      export: () =>
        new Promise<ExportResult>((resolve) =>
          time.setTimeout(() => resolve({ code: "success" }), 2)
        ),
    }), 1);
    const { stats } = run;
    assert.equal(stats.ended, SPANS);
    assert.equal(stats.queued, 0);
    assert.ok(stats.exported > 0);
    assert.ok(stats.dropped > 0);
    assert.equal(stats.failed, 0);
    assert.equal(stats.exported + stats.dropped, SPANS);
    assert.equal(run.peakQueued, MAX_HELD);
  });

  test("into an exporter that always fails: every span is counted as failed or dropped", {
    timeout: 120_000,
  }, async () => {
    const run = await overload("failing", () => ({
      export: () => Promise.reject(new Error("backend down")),
    }), 1);
    const { stats } = run;
    assert.equal(stats.ended, SPANS);
    assert.equal(stats.exported, 0);
    assert.ok(stats.failed > 0);
    assert.equal(stats.failed + stats.dropped, SPANS);
    assert.ok(run.peakQueued <= MAX_HELD);
  });

  test(
    "into an exporter that hangs: each export is aborted at exportTimeoutMs and the rest is dropped",
    { timeout: 120_000 },
    async () => {
      const calls: { at: number; size: number; abortedAt?: number }[] = [];
      let timeRef: ManualTime | undefined;
      const run = await overload("hanging", (time) => {
        timeRef = time;
        return {
          export: (spans, signal) => {
            const call: { at: number; size: number; abortedAt?: number } = {
              at: time.now(),
              size: spans.length,
            };
            calls.push(call);
            signal?.addEventListener("abort", () => (call.abortedAt = time.now()));
            return new Promise<ExportResult>(() => {});
          },
        };
      }, 10);
      const { stats } = run;
      assert.ok(timeRef);
      assert.equal(stats.ended, SPANS);
      assert.equal(stats.exported, 0);
      assert.ok(stats.dropped > 0);
      // Every export was aborted exactly at the timeout, and its batch failed.
      assert.ok(calls.length >= 5, `${calls.length} calls`);
      for (const call of calls) assert.equal(call.abortedAt! - call.at, EXPORT_TIMEOUT);
      assert.equal(stats.failed, calls.reduce((sum, c) => sum + c.size, 0));
      assert.equal(stats.failed + stats.dropped, SPANS);
      assert.equal(run.peakQueued, MAX_HELD);
    },
  );
});
