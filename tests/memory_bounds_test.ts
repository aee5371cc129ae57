// Memory is bounded by the limits: 2,048 spans (half a full default queue)
// made from hostile input, measured after a full collection in a child
// process (tests/fixtures/hostile_memory.ts) on the runtime running this file.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { runFixture } from "./_child_process.ts";

interface Measured {
  mode: string;
  spans: number;
  heapBytes: number;
  longest: number;
}

/** Runs the fixture with the garbage collector exposed and reads its line. */
async function measure(mode: string, variant = ""): Promise<Measured> {
  const { code, stdout, stderr } = await runFixture("hostile_memory", [mode, variant], {
    denoFlags: ["-A", "--v8-flags=--expose-gc"],
    nodeFlags: ["--expose-gc"],
  });
  assert.equal(code, 0, stderr);
  return JSON.parse(stdout.trim().split("\n").at(-1)!);
}

const MB = 1024 * 1024;

describe("memory under hostile input, for a full default queue of 2,048 spans", () => {
  test(
    "1 MB string values cut to attributeValueLengthLimit 1024 hold under 16 MB, not 2 GB",
    { timeout: 120_000 },
    async () => {
      const { spans, heapBytes, longest } = await measure("attributes");
      assert.equal(spans, 2048);
      assert.equal(longest, 1024);
      // 2,048 copies of 1,024 characters (about 2 MB) and their spans: 3.2-3.4
      // MB measured on the three runtimes. One uncut value alone is 1 MB.
      assert.ok(heapBytes < 16 * MB, `the heap grew by ${(heapBytes / MB).toFixed(1)} MB`);
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

describe("memory over many instrumentation scopes", () => {
  test(
    "a TracerProvider asked for 50,000 scopes, none held, holds under 16 MB, and a held tracer stays the one returned",
    { timeout: 120_000 },
    async () => {
      const { code, stdout, stderr } = await runFixture("scope_memory", [], {
        denoFlags: ["-A", "--v8-flags=--expose-gc"],
        nodeFlags: ["--expose-gc"],
      });
      assert.equal(code, 0, stderr);
      const { scopes, heapBytes, same, ended } = JSON.parse(stdout.trim().split("\n").at(-1)!);
      assert.equal(scopes, 50_000);
      assert.equal(ended, 50_001, "every scope's span reached the processor");
      assert.equal(same, true, "a tracer still held is the one returned for its scope");
      // Each scope kept its tracer for the provider's life: 1.0-1.2 KB each,
      // 50-60 MB, measured on the three runtimes.
      assert.ok(heapBytes < 16 * MB, `the heap grew by ${(heapBytes / MB).toFixed(1)} MB`);
    },
  );
});
