// The viewer as a program: its arguments, the entry run on its own, and
// `npm run view` (examples/view.ts), which fills it with the demo's traffic.

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parseArgs, runViewerCli, USAGE } from "../src/viewer/_cli.ts";
import { deferred, isBun, isDeno } from "./_helpers.ts";
import { type ChildResult, runFile, type Signal } from "./_child_process.ts";

/** A program of this repository as this runtime runs it: the TypeScript, or on Node the build. */
function programPath(script: string): string {
  if (isDeno || isBun) return fileURLToPath(new URL(`../${script}`, import.meta.url));
  // Node runs the tests from .tmp/npm-test/tests against the build in npm/.
  const built = `../../../npm/${script.replace(/\.ts$/, ".js")}`;
  return fileURLToPath(new URL(built, import.meta.url));
}

/** A program that has said it is ready. */
interface Running {
  /** What it had printed to stdout by then. */
  readonly output: string;
  /** Sends it a signal (nothing once it has ended). */
  kill(signal: Signal): void;
  /** How it ended. */
  readonly ended: Promise<ChildResult>;
}

/** Starts a program and resolves once its output matches `until`. */
function startProgram(script: string, args: string[], until: RegExp): Promise<Running> {
  const ready = deferred<Running>();
  const ended: Promise<ChildResult> = runFile(programPath(script), args, {
    onStdout(output, kill) {
      if (until.test(output)) ready.resolve({ output, kill, ended });
    },
  });
  ended.then(
    (ran) =>
      ready.reject(
        new Error(`exited with ${ran.code} before ${until}:\n${ran.stdout}${ran.stderr}`),
      ),
    ready.reject,
  );
  return ready.promise;
}

describe("the viewer's command line", () => {
  test("parses --port, --hostname, --file and --max-spans, with = or a space", () => {
    assert.deepEqual(
      parseArgs(["--port", "0", "--hostname=::1", "--file", "t.jsonl", "--max-spans=5"]),
      {
        port: 0,
        hostname: "::1",
        file: "t.jsonl",
        maxSpans: 5,
      },
    );
    assert.deepEqual(parseArgs([]), {});
    assert.equal(parseArgs(["--help"]), "help");
    assert.deepEqual(parseArgs(["--port", "http"]), {
      error: '--port must be a whole number, got "http"',
    });
    assert.deepEqual(parseArgs(["--file"]), { error: "--file needs a value" });
    assert.deepEqual(parseArgs(["--verbose"]), { error: 'unknown argument "--verbose"' });
  });

  test("prints the usage for --help, and an error with a failing exit code for bad arguments", async () => {
    const lines: string[] = [];
    const io = { log: (l: string) => lines.push(l), error: (l: string) => lines.push(l) };
    assert.equal(await runViewerCli(["--help"], io), undefined);
    assert.deepEqual(lines, [USAGE]);
    const g = globalThis as { Deno?: { exitCode: number } };
    const before = g.Deno?.exitCode ?? process.exitCode;
    try {
      assert.equal(await runViewerCli(["--max-spans", "-3"], io), undefined);
      assert.match(lines[1], /^spans-viewer: --max-spans must be a whole number, got "-3"/);
      assert.equal(g.Deno?.exitCode ?? process.exitCode, 2);
    } finally {
      if (g.Deno !== undefined) g.Deno.exitCode = Number(before ?? 0);
      else process.exitCode = before ?? 0;
    }
  });

  test("the entry run as a program starts the viewer, prints its URL and stops on SIGTERM", {
    timeout: 120_000,
  }, async () => {
    const viewer = await startProgram(
      "viewer.ts",
      ["--port", "0", "--max-spans", "10"],
      /Send OTLP\/HTTP traces to/,
    );
    try {
      const url = /Trace viewer: (http:\/\/127\.0\.0\.1:\d+\/)/.exec(viewer.output)![1];
      const stats = await (await fetch(new URL("api/stats", url))).json();
      assert.deepEqual(stats, { spans: 0, traces: 0, rejected: 0, evicted: 0, version: 0 });
      viewer.kill("SIGTERM");
      const { code, stdout, stderr } = await viewer.ended;
      assert.equal(stdout.slice(viewer.output.length), "Trace viewer stopped.\n", stderr);
      assert.equal(code, 0, stderr);
    } finally {
      viewer.kill("SIGKILL");
      await viewer.ended;
    }
  });

  const canRunExample = isDeno || isBun;
  test(
    `npm run view (examples/view.ts) fills a viewer with the demo's traffic and prints the URL ${
      canRunExample
        ? ""
        : "(Deno and Bun only: on Node the suite runs the built package, not the .ts sources)"
    }`,
    { timeout: 120_000, skip: !canRunExample },
    async () => {
      assert.ok(existsSync(fileURLToPath(new URL("../examples/view.ts", import.meta.url))));
      const view = await startProgram(
        "examples/view.ts",
        ["--port", "0"],
        /It holds \d+ traces/,
      );
      try {
        const url = /Trace viewer: (http:\/\/127\.0\.0\.1:\d+\/)/.exec(view.output)![1];
        const traces = await (await fetch(new URL("api/traces", url))).json();
        assert.equal(traces.length, 6);
        assert.deepEqual(await (await fetch(new URL("api/services", url))).json(), [
          "payments",
          "shop",
        ]);
        const failed = traces.filter((t: { errorCount: number }) => t.errorCount > 0);
        assert.equal(failed.length, 2, "the two orders with a gadget");
        const [report] = traces;
        assert.equal(report.name, "nightly report");
        const [reportSpan] = await (await fetch(new URL(`api/traces/${report.traceId}`, url)))
          .json();
        assert.equal(reportSpan.links.length, 2);
      } finally {
        view.kill("SIGKILL");
        await view.ended;
      }
    },
  );
});
