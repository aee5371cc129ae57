import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { type ChildResult, runFixture } from "./_child_process.ts";

// ./otel's BatchSpanProcessor wraps the SDK's, which flushes on none of the
// ways out: tests/fixtures/otel_exit_flush.ts in a child process per case,
// as tests/exit_flush_test.ts does for the core's processor.

interface Ran extends ChildResult {
  readonly lines: string[];
}

/** Runs the fixture in `mode` and reads what its exporter wrote. */
async function runOtelExit(mode: string, signalWhenReady = false): Promise<Ran> {
  const fs = await import("node:fs/promises");
  const os = await import("node:os");
  const path = await import("node:path");
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), "spans-otel-exit-"));
  const file = path.join(dir, "spans.txt");
  try {
    await fs.writeFile(file, "");
    let signalled = false;
    const ran = await runFixture("otel_exit_flush", [file, mode], {
      onStdout(stdout, kill) {
        if (!signalWhenReady || signalled || !/^ready$/m.test(stdout)) return;
        signalled = true;
        kill("SIGTERM");
      },
    });
    const lines = (await fs.readFile(file, "utf8")).split("\n").filter((l) => l !== "");
    return { ...ran, lines };
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
}

const every = [...Array.from({ length: 25 }, (_, i) => `span-${i}`), "after-await"].sort();

describe("./otel BatchSpanProcessor on the way out", () => {
  const normal: [string, string][] = [
    ["on", "a process that ends normally exports every queued span before it exits"],
    ["otel-exporter", "an OpenTelemetry SpanExporter gets every queued span at a normal exit"],
    ["held", "the exit flush calls the exporter's forceFlush, so what an exporter holds goes out"],
  ];
  for (const [mode, name] of normal) {
    test(name, { timeout: 120_000 }, async () => {
      const ran = await runOtelExit(mode);
      assert.equal(ran.code, 0, ran.stderr);
      assert.deepEqual([...ran.lines].sort(), every, ran.stderr);
    });
  }

  test(
    "an export that fails at exit is reported, and the process still exits normally",
    { timeout: 120_000 },
    async () => {
      const ran = await runOtelExit("failing");
      assert.equal(ran.code, 0, ran.stderr);
      assert.match(ran.stderr, /BatchSpanProcessor's exit flush failed: Error: collector down/);
    },
  );

  test(
    "with flushOnExit false only full batches go out, and the SDK's interval keeps nothing alive",
    { timeout: 120_000 },
    async () => {
      const ran = await runOtelExit("off");
      assert.equal(ran.code, 0, ran.stderr);
      assert.deepEqual(ran.lines, Array.from({ length: 20 }, (_, i) => `span-${i}`));
    },
  );

  test(
    "with flushOnSignal, SIGTERM exports every queued span, then ends the process of SIGTERM",
    { timeout: 120_000 },
    async () => {
      const ran = await runOtelExit("signal", true);
      const output = `${ran.stdout}\n${ran.stderr}`;
      assert.equal(ran.signal, "SIGTERM", output);
      assert.deepEqual([...ran.lines].sort(), every, output);
    },
  );

  test(
    "with flushOnCrash, an uncaught error exports every queued span, then crashes as it would have",
    { timeout: 120_000 },
    async () => {
      const ran = await runOtelExit("crash");
      assert.equal(ran.code, 1, ran.stderr);
      assert.match(ran.stderr, /boom/, "the runtime reported the error");
      assert.deepEqual([...ran.lines].sort(), every, ran.stderr);
    },
  );
});
