// The demo's order workflow, shared by examples/demo.ts (which prints the
// waterfall) and examples/view.ts (which sends it to the viewer): an order
// is placed, stock and fraud checks run in parallel, one warehouse call
// fails and is recorded. Not an example on its own.

import { BatchSpanProcessor, type SpanContext, Tracer } from "../mod.ts";
import { OtlpHttpExporter, Resource, setupTracing } from "../otlp.ts";

/** How {@linkcode placeOrder} varies one order from the next. */
export interface OrderOptions {
  /** The items to check; "gadget" is always out of stock. Default widget and gadget. */
  skus?: string[];
  /** A tracer for the card payment, as a second service. Default: the order's tracer. */
  payments?: Tracer;
  /** Multiplies every wait, so orders differ in length. Default 1. */
  pace?: number;
}

/** Places one traced order; returns the context of its root span. */
export async function placeOrder(
  tracer: Tracer,
  options: OrderOptions = {},
): Promise<SpanContext> {
  const { skus = ["widget", "gadget"], payments = tracer, pace = 1 } = options;
  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms * pace));

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

  return await tracer.span("POST /orders", { kind: "server" }, async (order) => {
    order.setAttribute("http.request.method", "POST");
    await tracer.span("validate order", () => sleep(5));
    await Promise.all([
      tracer.span("check stock", async () => {
        await Promise.all(skus.map((sku) => checkStock(sku)));
      }),
      tracer.span("fraud check", { kind: "client" }, async (span) => {
        await sleep(30);
        span.addEvent("score computed", { "fraud.score": 0.02 });
      }),
    ]);
    await payments.span("charge card", { kind: "client" }, () => sleep(20));
    order.setAttribute("http.response.status_code", 201);
    return order.context;
  });
}

/** The demo's services, each with its own tracer. */
export interface ShopServices {
  /** The shop, traced by setupTracing() as an application would. */
  readonly shop: Tracer;
  /** Card payments, a second service in the same traces. */
  readonly payments: Tracer;
  /** Sends what is still batched. */
  shutdown(): Promise<void>;
}

/** The shop and payments services, sending their spans to an OTLP/HTTP traces `url`. */
export function shopServices(url: string): ShopServices {
  const shop = setupTracing({ serviceName: "shop", serviceVersion: "1.0.0", url, env: {} });
  const payments = new Tracer({
    name: "payments",
    processors: [
      new BatchSpanProcessor(
        new OtlpHttpExporter({
          url,
          resource: new Resource({ "service.name": "payments" }),
          env: {},
        }),
      ),
    ],
  });
  return {
    shop: shop.tracer,
    payments,
    shutdown: async () => {
      await Promise.all([shop.shutdown(), payments.shutdown()]);
    },
  };
}
