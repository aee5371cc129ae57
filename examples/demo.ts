/**
 * A small traced workflow: an order is placed, stock and fraud checks run in
 * parallel, one warehouse call fails and is recorded, and the finished trace
 * is printed as a waterfall.
 *
 * Run: `npm run demo` (or `deno task demo`, or `bun examples/demo.ts`).
 *
 * @module
 */

import { InMemorySpanProcessor, renderTree, Tracer } from "../mod.ts";

const memory = new InMemorySpanProcessor();
const tracer = new Tracer({ name: "shop-demo", version: "1.0.0", processors: [memory] });

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const checkStock = tracer.wrap(async function checkStock(sku: string) {
  await tracer.span("db.query stock", { kind: "client" }, async (span) => {
    span.setAttribute("db.system", "postgresql").setAttribute("app.sku", sku);
    await sleep(15 + sku.length * 3);
  });
  if (sku === "gadget") {
    await tracer.span("warehouse.reserve", { kind: "client" }, async () => {
      await sleep(10);
      throw new Error(`warehouse has no ${sku} left`);
    }).catch(() => {
      // The error is recorded on the span; the order goes on with a backorder.
    });
  }
});

await tracer.span("POST /orders", { kind: "server" }, async (order) => {
  order.setAttribute("http.request.method", "POST");
  await tracer.span("validate order", () => sleep(5));
  await Promise.all([
    tracer.span("check stock", async () => {
      await Promise.all(["widget", "gadget"].map((sku) => checkStock(sku)));
    }),
    tracer.span("fraud check", { kind: "client" }, async (span) => {
      await sleep(30);
      span.addEvent("score computed", { "fraud.score": 0.02 });
    }),
  ]);
  await tracer.span("charge card", { kind: "client" }, () => sleep(20));
  order.setAttribute("http.response.status_code", 201);
});

await tracer.forceFlush();
console.log(renderTree(memory.spans));
const failed = memory.spans.filter((s) => s.status.code === "error");
console.log(
  `${memory.spans.length} spans, ${failed.length} failed: ${
    failed.map((s) => `${s.name} (${s.status.message})`).join(", ")
  }`,
);
