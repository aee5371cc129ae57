// Memory is bounded by the limits: a full default queue (2,048 spans) of
// spans made from hostile input, measured after a full collection in a child
// process (tests/fixtures/hostile_memory.ts) on the runtime running this file.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { isBun, isDeno } from "./_helpers.ts";

// On Node the suite runs transpiled against the npm build (scripts/test_node.mjs),
// which turns the fixture into JavaScript beside this file.
const fixture = new URL(
  isDeno || isBun ? "./fixtures/hostile_memory.ts" : "./fixtures/hostile_memory.js",
  import.meta.url,
);

interface Measured {
  mode: string;
  spans: number;
  heapBytes: number;
  longest: number;
}

/** Runs the fixture with the garbage collector exposed and reads its line. */
async function measure(mode: string, variant = ""): Promise<Measured> {
  const { fileURLToPath } = await import("node:url");
  const script = fileURLToPath(fixture);
  let code: number;
  let stdout: string;
  let stderr: string;
  if (isDeno) {
    const deno = (globalThis as unknown as {
      Deno: {
        execPath(): string;
        Command: new (cmd: string, options: { args: string[]; env?: Record<string, string> }) => {
          output(): Promise<{ code: number; stdout: Uint8Array; stderr: Uint8Array }>;
        };
      };
    }).Deno;
    const out = await new deno.Command(deno.execPath(), {
      args: ["run", "-A", "--v8-flags=--expose-gc", script, mode, variant],
      env: { DENO_NO_UPDATE_CHECK: "1", NO_COLOR: "1" },
    }).output();
    code = out.code;
    stdout = new TextDecoder().decode(out.stdout);
    stderr = new TextDecoder().decode(out.stderr);
  } else {
    const { spawnSync } = await import("node:child_process");
    const args = isBun ? [script, mode, variant] : ["--expose-gc", script, mode, variant];
    const out = spawnSync(process.execPath, args, { encoding: "utf8" });
    code = out.status ?? -1;
    stdout = out.stdout;
    stderr = out.stderr;
  }
  assert.equal(code, 0, stderr);
  return JSON.parse(stdout.trim().split("\n").at(-1)!);
}

const MB = 1024 * 1024;

describe("memory under hostile input, for a full default queue of 2,048 spans", () => {
  test(
    "1 MB string values cut to attributeValueLengthLimit 1024 hold under 64 MB, not 2 GB",
    { timeout: 120_000 },
    async () => {
      const { spans, heapBytes, longest } = await measure("attributes");
      assert.equal(spans, 2048);
      assert.equal(longest, 1024);
      assert.ok(heapBytes < 64 * MB, `the heap grew by ${(heapBytes / MB).toFixed(1)} MB`);
    },
  );

  const http: [string, string][] = [
    ["handler", "traceHandler"],
    ["fetch", "instrumentFetch"],
    ["listener", "traceRequestListener"],
  ];
  for (const [mode, name] of http) {
    test(
      `${name}: requests with 64 KB paths, queries and user agents hold under 64 MB`,
      { timeout: 120_000 },
      async () => {
        const { spans, heapBytes, longest } = await measure(mode);
        assert.equal(spans, 2048);
        assert.equal(longest, 2048, "recorded values are cut to the default 2,048");
        assert.ok(heapBytes < 64 * MB, `the heap grew by ${(heapBytes / MB).toFixed(1)} MB`);
      },
    );
  }

  for (const [mode, name] of http.filter(([mode]) => mode !== "fetch")) {
    test(
      `${name}: a path under the cap does not hold the 64 KB query it was cut from`,
      { timeout: 120_000 },
      async () => {
        const { spans, heapBytes } = await measure(mode, "short-path");
        assert.equal(spans, 2048);
        assert.ok(heapBytes < 64 * MB, `the heap grew by ${(heapBytes / MB).toFixed(1)} MB`);
      },
    );
  }
});
