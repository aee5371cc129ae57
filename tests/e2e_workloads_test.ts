import { describe, test } from "node:test";
import assert from "node:assert/strict";
import type { ReadableSpan } from "@opentelemetry/sdk-trace-base";
import type { Span } from "../mod.ts";
import { decodeProtobuf } from "./_otlp_fixtures.ts";
import {
  E2E_BATCH,
  type E2eKeep,
  otelE2e,
  otelLoad,
  otelQueue,
  oursE2e,
  oursLoad,
  oursQueue,
} from "./fixtures/e2e_workloads.ts";

// Two full batches and a part, so the last flush sends a partial one.
const N = 2 * E2E_BATCH + 100;

// deno-lint-ignore no-explicit-any
type Decoded = any;

/** What the decoded requests say about every span, ids and times left out. */
function shapeOf(encodings: Uint8Array[]): unknown[] {
  const out: unknown[] = [];
  for (const body of encodings) {
    const request: Decoded = decodeProtobuf(body);
    for (const rs of request.resourceSpans) {
      for (const ss of rs.scopeSpans) {
        for (const span of ss.spans) {
          out.push({
            resource: rs.resource.attributes,
            scope: [ss.scope.name, ss.scope.version],
            name: span.name,
            kind: span.kind,
            attributes: span.attributes,
            events: span.events.map((e: Decoded) => [e.name, e.attributes]),
            status: span.status,
            traceId: span.traceId.length > 0,
            spanId: span.spanId.length > 0,
          });
        }
      }
    }
  }
  return out;
}

describe("end-to-end benchmark workloads", () => {
  for (const make of [oursE2e, otelE2e]) {
    test(`${make().key} encodes exactly n spans to protobuf bytes, run after run`, async () => {
      const workload = make();
      await workload.run(N);
      assert.equal(workload.exported, N);
      const bytes = workload.bytes;
      assert.ok(bytes > 100 * N, `${bytes} bytes`);
      await workload.run(N);
      assert.equal(workload.exported, 2 * N);
      assert.ok(workload.bytes > bytes);
    });
  }

  test("both sides encode the same spans: decoded, field by field, but for ids and times", async () => {
    const mine: E2eKeep = { spans: [], encodings: [] };
    const theirs: E2eKeep = { spans: [], encodings: [] };
    await oursE2e(mine).run(N);
    await otelE2e(theirs).run(N);
    assert.equal(mine.encodings.length, 3);
    assert.deepEqual(shapeOf(mine.encodings), shapeOf(theirs.encodings));
    const first = (mine.spans as Span[])[0];
    assert.equal(Object.keys(first.attributes).length, 4);
    assert.equal(first.events.length, 1);
    assert.equal((theirs.spans as ReadableSpan[])[0].events.length, 1);
  });

  for (const make of [oursQueue, otelQueue]) {
    test(`${make.name} holds every span it is given, unexported, until released`, async () => {
      const holder = make(101);
      holder.fill(100);
      assert.equal(holder.queued, 100);
      await holder.release();
    });
  }

  const load = { rate: 20_000, durationMs: 50, exportMs: 2 };

  test("oursLoad makes spans at the rate asked and its processor accounts for every one", {
    timeout: 120_000,
  }, async () => {
    const result = await oursLoad(load);
    assert.equal(result.made, 1_000);
    const { stats } = result;
    assert.equal(stats.ended, result.made);
    assert.equal(stats.ended, stats.exported + stats.dropped + stats.failed + stats.queued);
    assert.equal(stats.queued, 0);
    assert.ok(result.exports > 0);
    assert.ok(result.bytes > 0);
  });

  test(
    "a forced stall holds the span loop as long as asked, and every span is still accounted for",
    {
      timeout: 120_000,
    },
    async () => {
      // One stall, 20 ms in: the loop busy-waits 30 ms, so no turn comes sooner.
      const result = await oursLoad({ ...load, stall: { everyMs: 40, ms: 30 } });
      assert.equal(result.made, 1_000);
      assert.ok(result.longestStallMs >= 30, `longest stall ${result.longestStallMs} ms`);
      const { stats } = result;
      assert.equal(stats.ended, result.made);
      assert.equal(stats.ended, stats.exported + stats.dropped + stats.failed + stats.queued);
    },
  );

  // The SDK counts nothing itself: otelLoad's stats are built from what its
  // exporter saw, so they balance by construction. Only what the exporter
  // measured is checked.
  test("otelLoad makes spans at the rate asked and the SDK exports every one", {
    timeout: 120_000,
  }, async () => {
    const result = await otelLoad(load);
    assert.equal(result.made, 1_000);
    assert.equal(result.stats.exported, result.made, "its default queue (2048) holds all 1,000");
    assert.ok(result.exports > 0);
    assert.ok(result.bytes > 0);
  });
});
