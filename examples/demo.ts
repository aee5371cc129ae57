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
import { placeOrder } from "./_shop.ts";

const memory = new InMemorySpanProcessor();
const tracer = new Tracer({ name: "shop-demo", version: "1.0.0", processors: [memory] });

await placeOrder(tracer);

await tracer.forceFlush();
console.log(renderTree(memory.spans));
const failed = memory.spans.filter((s) => s.status.code === "error");
console.log(
  `${memory.spans.length} spans, ${failed.length} failed: ${
    failed.map((s) => `${s.name} (${s.status.message})`).join(", ")
  }`,
);
