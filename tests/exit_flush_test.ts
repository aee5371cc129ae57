import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { runFixture } from "./_child_process.ts";
import { isDeno } from "./_helpers.ts";

interface Ran {
  code: number | null;
  stderr: string;
  lines: string[];
}

/** Runs the fixture on the current runtime and reads what its exporter wrote. */
async function runExitFlush(mode: string): Promise<Ran> {
  const fs = await import("node:fs/promises");
  const os = await import("node:os");
  const path = await import("node:path");
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), "spans-exit-"));
  const file = path.join(dir, "spans.txt");
  await fs.writeFile(file, "");
  const { code, stderr } = await runFixture("exit_flush", [file, mode]);
  const lines = (await fs.readFile(file, "utf8")).split("\n").filter((l) => l !== "");
  await fs.rm(dir, { recursive: true, force: true });
  return { code, stderr, lines };
}

const expected = [...Array.from({ length: 25 }, (_, i) => `span-${i}`), "after-await"].sort();

describe("BatchSpanProcessor flushOnExit", () => {
  const everySpan: [string, string, boolean][] = [
    [
      "on",
      "a process that ends normally exports every queued span before it exits",
      false,
    ],
    [
      "slow",
      "the exit flush waits for an export that takes real time",
      false,
    ],
    [
      "held",
      "the exit flush calls the exporter's forceFlush, so what an exporter holds goes out too",
      false,
    ],
    [
      "no-process",
      "without a process global it flushes on the beforeunload event (Deno only: Bun and Node always have process)",
      !isDeno,
    ],
  ];
  for (const [mode, name, skipped] of everySpan) {
    test(name, { timeout: 120_000, skip: skipped }, async () => {
      const ran = await runExitFlush(mode);
      assert.equal(ran.code, 0, ran.stderr);
      assert.deepEqual([...ran.lines].sort(), expected);
    });
  }

  test(
    "with flushOnExit false the interval timer does not keep the process alive",
    { timeout: 120_000 },
    async () => {
      const ran = await runExitFlush("off");
      assert.equal(ran.code, 0, ran.stderr);
      // Two full batches of 10 went out at once; the last 6 spans waited for
      // the 5 s interval, which an unref'd timer does not wait for.
      assert.deepEqual(ran.lines, Array.from({ length: 20 }, (_, i) => `span-${i}`));
    },
  );

  test(
    "a beforeExit listener that ends a span each time does not keep the process running forever",
    { timeout: 120_000 },
    async () => {
      const ran = await runExitFlush("loop");
      assert.equal(ran.code, 0, ran.stderr);
      // Every span of the program went out, and the first spans the listener ended.
      assert.deepEqual(ran.lines.filter((l) => l !== "exiting").sort(), expected);
      assert.ok(ran.lines.includes("exiting"), ran.lines.join(","));
      // The ones it went on ending are reported, not lost without a word.
      assert.match(ran.stderr, /exit flush stopped after \d+ rounds/, ran.stderr);
    },
  );
});
