// The viewer as a program: its arguments, the entry run on its own, and
// `npm run view` (examples/view.ts), which fills it with the demo's traffic.

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parseArgs, runViewerCli, USAGE } from "../src/viewer/_cli.ts";
import { isBun, isDeno } from "./_helpers.ts";

/** How this runtime runs a TypeScript file, or, on Node, the built entry. */
function command(script: string): [string, string[]] {
  const path = fileURLToPath(new URL(`../${script}`, import.meta.url));
  const deno = (globalThis as { Deno?: { execPath(): string } }).Deno;
  if (deno !== undefined) return [deno.execPath(), ["run", "-A", path]];
  if (isBun) return [process.execPath, [path]];
  // Node runs the tests from .tmp/npm-test/tests against the build in npm/.
  const built = fileURLToPath(
    new URL(`../../../npm/${script.replace(/\.ts$/, ".js")}`, import.meta.url),
  );
  return [process.execPath, [built]];
}

/** Starts a program and resolves with it once its output matches `until`. */
function startProgram(
  [cmd, args]: [string, string[]],
  extra: string[],
  until: RegExp,
): Promise<{ child: ChildProcess; output: string; exited: Promise<number | null> }> {
  const child = spawn(cmd, [...args, ...extra], {
    env: { ...process.env, NO_COLOR: "1", DENO_NO_UPDATE_CHECK: "1" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const exited = new Promise<number | null>((resolve) =>
    child.once("exit", (code) => resolve(code))
  );
  return new Promise((resolve, reject) => {
    let output = "";
    const read = (chunk: Uint8Array) => {
      output += new TextDecoder().decode(chunk);
      if (until.test(output)) resolve({ child, output, exited });
    };
    child.stdout!.on("data", read);
    child.stderr!.on("data", read);
    exited.then((code) => reject(new Error(`exited with ${code} before ${until}:\n${output}`)));
  });
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
    const { child, output, exited } = await startProgram(
      command("viewer.ts"),
      ["--port", "0", "--max-spans", "10"],
      /Send OTLP\/HTTP traces to/,
    );
    try {
      const url = /Trace viewer: (http:\/\/127\.0\.0\.1:\d+\/)/.exec(output)![1];
      const stats = await (await fetch(new URL("api/stats", url))).json();
      assert.deepEqual(stats, { spans: 0, traces: 0, rejected: 0, evicted: 0, version: 0 });
      const stopped = new Promise<string>((resolve) => {
        let more = "";
        child.stdout!.on("data", (chunk: Uint8Array) => {
          more += new TextDecoder().decode(chunk);
          if (/stopped/.test(more)) resolve(more);
        });
      });
      child.kill("SIGTERM");
      assert.equal(await stopped, "Trace viewer stopped.\n");
      const code = await exited;
      // Deno's node:child_process reports the signal sent, not the exit code.
      if (!isDeno) assert.equal(code, 0);
    } finally {
      child.kill("SIGKILL");
    }
  });

  const canRunExample = isDeno || isBun;
  test(
    `npm run view (examples/view.ts) fills a viewer with the demo's traffic and prints the URL ${
      canRunExample ? "" : "(Deno and Bun only: Node 20 cannot run the .ts example)"
    }`,
    { timeout: 120_000, skip: !canRunExample },
    async () => {
      assert.ok(existsSync(fileURLToPath(new URL("../examples/view.ts", import.meta.url))));
      const { child, output } = await startProgram(
        command("examples/view.ts"),
        ["--port", "0"],
        /It holds \d+ traces/,
      );
      try {
        const url = /Trace viewer: (http:\/\/127\.0\.0\.1:\d+\/)/.exec(output)![1];
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
        child.kill("SIGKILL");
      }
    },
  );
});
