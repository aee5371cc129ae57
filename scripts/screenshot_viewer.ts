// Makes docs/viewer.png, the README's picture of the trace viewer: starts a
// viewer on a free port, sends the demo's orders into it through the OTLP
// exporter, opens the order whose warehouse call failed in headless
// Chromium at 1280x800, with that span selected, and saves the screenshot.
//
// Run: `deno task screenshot:viewer` (it installs Debian's chromium when
// missing, through scripts/ensure_chromium.sh).

import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { startViewer } from "../viewer.ts";
import { placeOrder, shopServices } from "../examples/_shop.ts";
import { CHROMIUM_FLAGS, chromiumPath } from "../tests/_chromium.ts";

const output = fileURLToPath(new URL("../docs/viewer.png", import.meta.url));
const chromium = chromiumPath();

await using viewer = await startViewer({ port: 0 });
const { shop, payments, shutdown } = shopServices(new URL("v1/traces", viewer.url).href);
const orders = [];
for (const [i, skus] of [["widget"], ["gizmo", "widget"], ["widget", "gadget"]].entries()) {
  orders.push(await placeOrder(shop, { skus, payments, pace: 0.6 + i * 0.4 }));
}
await shutdown();

const failing = orders[2].traceId;
const spans = await (await fetch(new URL(`api/traces/${failing}`, viewer.url))).json();
const failed = spans.find((s: { status: { code: string } }) => s.status.code === "error");
const page = `${viewer.url}#/trace/${failing}?span=${failed.spanId}`;

const profile = mkdtempSync(join(tmpdir(), "spans-screenshot-"));
try {
  // Asynchronously: the viewer in this process must keep answering Chromium.
  await new Promise<void>((resolve, reject) => {
    execFile(
      chromium,
      [
        ...CHROMIUM_FLAGS,
        `--user-data-dir=${profile}`,
        "--virtual-time-budget=5000",
        `--screenshot=${output}`,
        page,
      ],
      { timeout: 120_000 },
      (error) => error ? reject(error) : resolve(),
    );
  });
} finally {
  // Chromium's helpers may still be closing files: best effort.
  try {
    rmSync(profile, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 });
  } catch (error) {
    console.warn(`could not remove ${profile}: ${error}`);
  }
}
console.log(`wrote ${output} (${page})`);
