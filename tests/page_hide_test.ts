import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { runFixture } from "./_child_process.ts";

async function exportedAfter(event: "pagehide" | "hidden" | "none"): Promise<string[]> {
  const ran = await runFixture("page_hide", [event]);
  assert.equal(ran.code, 0, ran.stderr);
  const line = JSON.parse(ran.stdout.trim().split("\n").at(-1)!);
  assert.equal(line.event, event);
  return line.exported;
}

describe("BatchSpanProcessor in a browser page: each page event flushes on its own", () => {
  test("pagehide alone exports what is queued", { timeout: 120_000 }, async () => {
    assert.deepEqual(await exportedAfter("pagehide"), ["clicked buy"]);
  });

  test(
    "visibilitychange to hidden alone exports what is queued",
    { timeout: 120_000 },
    async () => {
      assert.deepEqual(await exportedAfter("hidden"), ["clicked buy"]);
    },
  );

  test("with no page event the span waits for its batch", { timeout: 120_000 }, async () => {
    assert.deepEqual(await exportedAfter("none"), []);
  });
});
