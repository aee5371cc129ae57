import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import type { ReadableSpan } from "@opentelemetry/sdk-trace-base";
import {
  context as otelContext,
  createContextKey,
  ROOT_CONTEXT as OTEL_ROOT,
} from "@opentelemetry/api";
import {
  getContextStorage,
  getCurrentContext,
  ROOT_CONTEXT,
  type Span,
  withContext,
} from "../mod.ts";
import {
  allWorkloads,
  check,
  floor,
  floorNestedAsyncTimed,
  otel,
  otelNested,
  otelNestedAsync,
  ours,
  oursNested,
  oursNestedAsync,
  oursNestedAsyncHandEnded,
  releaseOtelContext,
  runAlone,
} from "./fixtures/batch_flush_workloads.ts";

// Divisible by 3 (the nested workloads build trees of three) and spans more
// than one yield interval and more than one batch.
const N = 384;

describe("batch-flush benchmark workloads", () => {
  after(() => releaseOtelContext());

  for (const workload of allWorkloads()) {
    test(`${workload.key} delivers exactly n spans to its counting exporter, run after run`, async () => {
      await workload.run(N);
      assert.equal(workload.exported, N);
      await workload.run(N);
      assert.equal(workload.exported, 2 * N);
    });
  }

  test("check() throws when an exporter received fewer or more spans than were sent", () => {
    assert.throws(() => check("ours", 10, 9), /exported 9 of 10 spans/);
    assert.throws(() => check("ours", 10, 11), /exported 11 of 10 spans/);
    check("ours", 10, 10);
  });

  test("the flat workloads export the same span on both libraries: two attributes, one event, ended", async () => {
    const mine: Span[] = [];
    const theirs: ReadableSpan[] = [];
    await ours(mine as unknown[]).run(3);
    await otel(theirs as unknown[]).run(3);
    assert.equal(mine.length, 3);
    assert.equal(theirs.length, 3);
    for (let i = 0; i < 3; i++) {
      assert.deepEqual(mine[i].attributes, theirs[i].attributes);
      assert.equal(Object.keys(mine[i].attributes).length, 2);
      assert.deepEqual(mine[i].events.map((e) => e.name), theirs[i].events.map((e) => e.name));
      assert.equal(mine[i].events.length, 1);
      assert.equal(mine[i].ended, true);
      assert.equal(theirs[i].ended, true);
      assert.equal(mine[i].context.parentSpanId, undefined);
      assert.equal(theirs[i].parentSpanContext, undefined);
    }
  });

  test("the floor makes the same span as plain data, with fresh lowercase hex ids across several random draws", async () => {
    const made: { traceId: string; spanId: string; attributes: object; events: unknown[] }[] = [];
    // 24 bytes of ids per span: 2,000 spans take three draws of 16 KiB.
    await floor(made as unknown[]).run(2_000);
    assert.equal(made.length, 2_000);
    for (const span of made) {
      assert.match(span.traceId, /^[0-9a-f]{32}$/);
      assert.match(span.spanId, /^[0-9a-f]{16}$/);
      assert.equal(Object.keys(span.attributes).length, 2);
      assert.equal(span.events.length, 1);
    }
    assert.equal(new Set(made.map((s) => s.traceId)).size, 2_000);
    assert.equal(new Set(made.map((s) => s.spanId)).size, 2_000);
  });

  // Where the storage has no disable (a browser's stack), both sides share
  // nothing to switch off.
  const canDisable = typeof (getContextStorage() as { disable?: unknown }).disable === "function";

  test("runAlone switches the other side's context storage off and its own on", {
    skip: !canDisable && "this runtime's context storage cannot be disabled",
  }, () => {
    const mine = Symbol("mine");
    const theirs = createContextKey("theirs");
    runAlone("otel");
    otelContext.with(OTEL_ROOT.setValue(theirs, 1), () => {
      withContext(ROOT_CONTEXT.setValue(mine, 1), () => {
        assert.equal(getCurrentContext().getValue(mine), 1);
        assert.equal(otelContext.active().getValue(theirs), 1);
        runAlone("otel");
        // Ours is off: its current context reads as none; the SDK's still holds.
        assert.equal(getCurrentContext().getValue(mine), undefined);
        assert.equal(otelContext.active().getValue(theirs), 1);
      });
    });
    otelContext.with(OTEL_ROOT.setValue(theirs, 2), () => {
      withContext(ROOT_CONTEXT.setValue(mine, 2), () => {
        runAlone("ours");
        assert.equal(otelContext.active().getValue(theirs), undefined);
        assert.equal(getCurrentContext().getValue(mine), 2);
      });
    });
  });

  test("the timed nested floor reads the clock three times per level: start, event, end", async () => {
    let readings = 0;
    const timed = floorNestedAsyncTimed(() => ++readings);
    await timed.run(6);
    assert.equal(timed.exported, 6);
    assert.equal(readings, 18);
  });

  const nestings = [
    ["nested", oursNested, otelNested],
    ["async nested", oursNestedAsync, otelNestedAsync],
    ["async nested, hand-ended", oursNestedAsyncHandEnded, otelNestedAsync],
  ] as const;
  for (const [what, mineOf, theirsOf] of nestings) {
    test(`the ${what} workloads really nest: inner is the child of middle, middle of outer, on both libraries`, async () => {
      await checkNesting(mineOf, theirsOf);
    });
  }

  async function checkNesting(
    mineOf: (keep: unknown[]) => { run(n: number): Promise<void> },
    theirsOf: (keep: unknown[]) => { run(n: number): Promise<void> },
  ): Promise<void> {
    const mine: Span[] = [];
    const theirs: ReadableSpan[] = [];
    const again: Span[] = [];
    // Each run switches the other side's storage off (runAlone): ours runs a
    // second time after the SDK's switched it off, and must nest again.
    await mineOf(mine as unknown[]).run(3);
    await theirsOf(theirs as unknown[]).run(3);
    await mineOf(again as unknown[]).run(3);
    // One tree of three on each side, or the parent checks below would
    // compare undefined with undefined.
    const names = ["inner", "middle", "outer"];
    assert.deepEqual(mine.map((s) => s.name).sort(), names);
    assert.deepEqual(theirs.map((s) => s.name).sort(), names);
    assert.deepEqual(again.map((s) => s.name).sort(), names);
    for (const spans of [mine, again]) {
      const mineBy = new Map(spans.map((s) => [s.name, s.context]));
      assert.equal(mineBy.get("inner")?.parentSpanId, mineBy.get("middle")?.spanId);
      assert.equal(mineBy.get("middle")?.parentSpanId, mineBy.get("outer")?.spanId);
      assert.equal(mineBy.get("outer")?.parentSpanId, undefined);
    }
    const theirsBy = new Map(theirs.map((s) => [s.name, s]));
    const id = (name: string) => theirsBy.get(name)?.spanContext().spanId;
    assert.equal(theirsBy.get("inner")?.parentSpanContext?.spanId, id("middle"));
    assert.equal(theirsBy.get("middle")?.parentSpanContext?.spanId, id("outer"));
    assert.equal(theirsBy.get("outer")?.parentSpanContext, undefined);
  }
});
