/**
 * The trace viewer with the demo's traffic in it: starts the viewer, sends
 * a few orders (the demo's workflow, with card payments as a second
 * service, and a report that links to two orders) through the OTLP/HTTP
 * exporter, prints the URL to open, and keeps running until Ctrl+C.
 *
 * Run: `npm run view` (or `deno task view`, or `bun examples/view.ts`);
 * add `--port 0` to pick a free port when 4318 is taken.
 *
 * @module
 */

import process from "node:process";
import type { SpanContext } from "../mod.ts";
import { startViewer } from "../viewer.ts";
import { placeOrder, shopServices } from "./_shop.ts";

const args = process.argv.slice(2);
const port = args.includes("--port") ? Number(args[args.indexOf("--port") + 1]) : 4318;
const viewer = await startViewer({ port }).catch((error) => {
  // Most often an OpenTelemetry Collector (or another viewer) has the port.
  console.error(`${error.message}\nTry another port: npm run view -- --port 0`);
  process.exit(1);
});
const url = new URL("v1/traces", viewer.url).href;

const { shop, payments, shutdown } = shopServices(url);

const orders: SpanContext[] = [];
const baskets = [["widget", "gadget"], ["widget"], ["gizmo", "widget"], ["gadget"], ["widget"]];
for (let i = 0; i < baskets.length; i++) {
  orders.push(await placeOrder(shop, { skus: baskets[i], payments, pace: 0.5 + i * 0.3 }));
}
// A batch job that reports on the first two orders links to their traces.
await shop.span("nightly report", { kind: "consumer" }, async (report) => {
  for (const order of orders.slice(0, 2)) report.addLink(order, { "report.section": "orders" });
  await new Promise((resolve) => setTimeout(resolve, 12));
});

await shutdown();
const { spans, traces } = viewer.stats();
console.log(`Trace viewer: ${viewer.url}`);
console.log(
  `It holds ${traces} traces (${spans} spans) from the services shop and payments, ` +
    "sent through OTLP/HTTP. Open the URL in a browser; Ctrl+C stops.",
);
