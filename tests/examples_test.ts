// The README's examples are real programs: these tests run them as their
// users would, in a child process, and check what they produce.

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { isBun, isDeno } from "./_helpers.ts";
import { runFile } from "./_child_process.ts";
import { Receiver } from "./_otlp_receiver.ts";
import { decodeProtobuf } from "./_otlp_fixtures.ts";

const canRunTypeScript = isDeno || isBun;
const SKIP = "(Deno and Bun only: on Node the suite runs the built package, not the .ts sources)";

/**
 * Runs `examples/<name>` and returns what it printed; fails unless it exits 0.
 * On Deno, `denoFlags` are what its npm script grants (`-A` unless told).
 */
async function runExample(
  name: string,
  options: { env?: Record<string, string>; denoFlags?: readonly string[] } = {},
): Promise<string> {
  const { code, stdout, stderr } = await runFile(
    new URL(`../examples/${name}`, import.meta.url),
    [],
    options,
  );
  assert.equal(code, 0, stderr);
  return stdout;
}

describe("examples", () => {
  test(
    `demo.ts prints the waterfall with the failed warehouse call, granted no permission ${SKIP}`,
    {
      timeout: 120_000,
      skip: !canRunTypeScript,
    },
    async () => {
      // As `npm run demo` runs it on Deno: no permission, and none asked for,
      // so a demo that needs one fails here.
      const out = await runExample("demo.ts", { denoFlags: ["--no-prompt"] });
      assert.match(out, /^trace [0-9a-f]{32} /m);
      assert.match(out, /^POST \/orders +\d+\.\d ms \|█/m);
      assert.match(out, /└─ warehouse\.reserve ✗/);
      assert.match(out, /10 spans, 1 failed: warehouse\.reserve \(warehouse has no gadget left\)/);
    },
  );

  test(`otlp.ts sends its spans where OTEL_EXPORTER_OTLP_ENDPOINT points ${SKIP}`, {
    timeout: 120_000,
    skip: !canRunTypeScript,
  }, async () => {
    const receiver = await Receiver.start();
    try {
      const endpoint = receiver.url.replace(/\/v1\/traces$/, "");
      await runExample("otlp.ts", { env: { OTEL_EXPORTER_OTLP_ENDPOINT: endpoint } });
      assert.equal(receiver.requests.length, 1);
      const [request] = receiver.requests;
      assert.equal(request.path, "/v1/traces");
      assert.equal(request.headers["content-type"], "application/x-protobuf");
      const decoded = decodeProtobuf(request.body);
      const [resourceSpans] = decoded.resourceSpans;
      const service = resourceSpans.resource.attributes.find((a: { key: string }) =>
        a.key === "service.name"
      );
      assert.equal(service.value.stringValue, "checkout");
      const spans = resourceSpans.scopeSpans.flatMap((s: { spans: unknown[] }) => s.spans);
      const names = spans.map((s: { name: string }) => s.name).sort();
      assert.deepEqual(names, ["charge card", "handle order"]);
    } finally {
      await receiver.close();
    }
  });
});
