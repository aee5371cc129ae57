// The report of a failed export: once per kind of failure, not once per
// process, nor once per message (a count, a delay or an address in it varies
// from one export to the next; an HTTP status is a kind of its own).
import { test } from "node:test";
import assert from "node:assert/strict";
import { BatchSpanProcessor, type ExportResult, Span } from "../mod.ts";
import { captureWarnings } from "./_helpers.ts";

// The failure reports made while each of `reasons` fails one export in turn.
async function reportsFor(reasons: readonly string[]): Promise<string[]> {
  let call = 0;
  const batch = new BatchSpanProcessor({
    export: (): ExportResult => ({ code: "failure", error: new Error(reasons[call++]) }),
  }, { maxBatchSize: 1, flushOnExit: false });
  const warned = await captureWarnings(async () => {
    for (let i = 0; i < reasons.length; i++) {
      batch.onEnd(new Span(`s${i}`).start().end());
      await batch.forceFlush();
    }
  });
  assert.equal(call, reasons.length);
  assert.deepEqual(batch.stats(), {
    ended: reasons.length,
    exported: 0,
    dropped: 0,
    failed: reasons.length,
    queued: 0,
  });
  await batch.shutdown();
  return warned.filter((w) => w.includes("a span export failed"))
    .map((w) => w.slice(w.indexOf("counted as failed: ") + 19));
}

test(
  "a failed export is reported once per kind of failure: its message, digits aside but an HTTP status's",
  { timeout: 30_000 },
  async () => {
    const reasons = [
      "OTLP export failed after 5 attempts: HTTP 503",
      "OTLP export failed after 5 attempts: HTTP 503",
      "OTLP export failed after 5 attempts: HTTP 429",
      "OTLP export timed out after 10000 ms",
      "OTLP export timed out after 9500 ms",
      "OTLP export failed: connect ECONNREFUSED 127.0.0.1:4318",
      "OTLP export failed: connect ECONNREFUSED 127.0.0.1:4318",
    ];
    assert.deepEqual(
      await reportsFor(reasons),
      [reasons[0], reasons[2], reasons[3], reasons[5]].map((reason) => `Error: ${reason}`),
    );
  },
);

test(
  "failed exports answered with different HTTP statuses of one class are reported once each",
  { timeout: 30_000 },
  async () => {
    const reasons = [
      "OTLP export failed after 3 attempts: HTTP 502",
      "OTLP export failed after 3 attempts: HTTP 504",
      "OTLP export failed: HTTP 400 Bad Request from http://127.0.0.1:4318/v1/traces",
      "OTLP export failed: HTTP 413 Payload Too Large from http://127.0.0.1:4318/v1/traces",
      "OTLP export failed: HTTP 413 Payload Too Large from http://127.0.0.1:4319/v1/traces",
    ];
    assert.deepEqual(
      await reportsFor(reasons),
      reasons.slice(0, 4).map((reason) => `Error: ${reason}`),
    );
  },
);

test(
  "an exporter that throws or rejects is reported once per kind of failure too",
  { timeout: 30_000 },
  async () => {
    const reasons = [
      "collector answered HTTP 503",
      "collector answered HTTP 503",
      "connect ECONNREFUSED 127.0.0.1:4318",
      "connect ECONNREFUSED 127.0.0.1:4319",
    ];
    let call = 0;
    const batch = new BatchSpanProcessor(async () => {
      const reason = reasons[call++];
      await Promise.resolve();
      if (call % 2 === 0) throw new Error(reason);
      return Promise.reject(new Error(reason));
    }, { maxBatchSize: 1, flushOnExit: false });
    const warned = await captureWarnings(async () => {
      for (let i = 0; i < reasons.length; i++) {
        batch.onEnd(new Span(`s${i}`).start().end());
        await batch.forceFlush();
      }
    });
    assert.equal(batch.stats().failed, reasons.length);
    await batch.shutdown();
    const reports = warned.filter((w) => w.includes("a span exporter threw"));
    assert.deepEqual(
      reports.map((w) => w.slice(w.indexOf("counted as failed: ") + 19)),
      [reasons[0], reasons[2]].map((reason) => `Error: ${reason}`),
    );
  },
);

// A backend's partial success (OTLP's `rejected_spans`) fails some spans of a
// batch: they were counted as failed without a word, while a partial success
// that only warned was printed, so a service whose collector rejected spans
// (too old, too large) saw them missing with nothing to say why.
test(
  "spans a backend rejects in a partial success are reported once per kind, with its reason",
  { timeout: 30_000 },
  async () => {
    const results: ExportResult[] = [
      {
        code: "success",
        rejected: 1,
        error: new Error("OTLP backend rejected 1 of 1 spans: too old"),
      },
      {
        code: "success",
        rejected: 1,
        error: new Error("OTLP backend rejected 1 of 1 spans: too old"),
      },
      {
        code: "success",
        rejected: 1,
        error: new Error("OTLP backend rejected 1 of 1 spans: too big"),
      },
      { code: "success", rejected: 1 },
      { code: "success", rejected: 0, error: new Error("nothing rejected") },
    ];
    let call = 0;
    const batch = new BatchSpanProcessor({ export: () => results[call++] }, {
      maxBatchSize: 1,
      flushOnExit: false,
    });
    const warned = await captureWarnings(async () => {
      for (let i = 0; i < results.length; i++) {
        batch.onEnd(new Span(`s${i}`).start().end());
        await batch.forceFlush();
      }
    });
    assert.deepEqual(batch.stats(), { ended: 5, exported: 1, dropped: 0, failed: 4, queued: 0 });
    await batch.shutdown();
    assert.deepEqual(warned.map((w) => w.slice(w.indexOf("counted as failed: ") + 19)), [
      "Error: OTLP backend rejected 1 of 1 spans: too old",
      "Error: OTLP backend rejected 1 of 1 spans: too big",
      "the backend gave no reason",
    ]);
  },
);
