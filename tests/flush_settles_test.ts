import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { runFixture } from "./_child_process.ts";
import { DEAD_URL, Receiver } from "./_otlp_receiver.ts";

// Each case runs tests/fixtures/flush_settles.ts in a child process where
// nothing but the flush keeps the event loop alive. Before the export
// deadline and the retry wait kept the process alive, Node exited at once
// with code 13 ("unsettled top-level await") and every runtime let a
// `.then(...)` flush go unsettled, with the span still "queued".

const FAILED = { ended: 1, exported: 0, dropped: 0, failed: 1, queued: 0 };

function settledStats(stdout: string): unknown {
  const line = stdout.split("\n").find((l) => l.startsWith("settled "));
  return line === undefined ? undefined : JSON.parse(line.slice("settled ".length));
}

describe("an awaited flush or shutdown always settles by its deadline", () => {
  let unavailable: Receiver;
  before(async () => {
    unavailable = await Receiver.start();
    unavailable.respond = () => ({ status: 503 });
  });
  after(async () => {
    await unavailable.close();
  });

  const cases: [string, () => string, string, string][] = [
    ["an exporter that never settles", () => "hang", "await", "forceFlush"],
    ["an exporter that never settles", () => "hang", "then", "forceFlush"],
    ["an exporter that never settles", () => "hang", "await", "shutdown"],
    ["an exporter that never settles", () => "hang", "then", "shutdown"],
    [
      "OtlpHttpExporter with the collector refusing connections",
      () => DEAD_URL,
      "await",
      "forceFlush",
    ],
    [
      "OtlpHttpExporter with the collector refusing connections",
      () => DEAD_URL,
      "then",
      "shutdown",
    ],
    [
      "OtlpHttpExporter with the collector answering 503",
      () => unavailable.url,
      "then",
      "forceFlush",
    ],
    [
      "OtlpHttpExporter with the collector answering 503",
      () => unavailable.url,
      "await",
      "shutdown",
    ],
  ];
  for (const [what, target, style, method] of cases) {
    const how = style === "await" ? `await ${method}()` : `${method}().then(...)`;
    test(`${how} with ${what} settles and counts the span as failed`, {
      timeout: 120_000,
    }, async () => {
      const ran = await runFixture("flush_settles", [target(), style, method]);
      assert.equal(ran.code, 0, ran.stderr);
      assert.deepEqual(settledStats(ran.stdout), FAILED, ran.stdout + ran.stderr);
    });
  }

  test("the exit flush waits for the deadline of an exporter that never settles", {
    timeout: 120_000,
  }, async () => {
    const ran = await runFixture("flush_settles", ["hang", "exit", "forceFlush"]);
    assert.equal(ran.code, 0, ran.stderr);
    assert.deepEqual(settledStats(ran.stdout), FAILED, ran.stdout + ran.stderr);
  });

  test("the exit flush waits through the retry backoff of a collector answering 503", {
    timeout: 120_000,
  }, async () => {
    const ran = await runFixture("flush_settles", [unavailable.url, "exit", "forceFlush"]);
    assert.equal(ran.code, 0, ran.stderr);
    assert.deepEqual(settledStats(ran.stdout), FAILED, ran.stdout + ran.stderr);
  });
});
