// Sends two spans to an OTLP/HTTP endpoint: an OpenTelemetry Collector,
// Jaeger (which takes OTLP on port 4318), Tempo, or a vendor. Where to is
// set by the standard variable, so the code does not change:
//
//   OTEL_EXPORTER_OTLP_ENDPOINT=http://localhost:4318 \
//     deno run --allow-net --allow-env examples/otlp.ts
import { setupTracing } from "../otlp.ts";

const { tracer, shutdown } = setupTracing({ serviceName: "checkout" });

await tracer.span("handle order", async (span) => {
  span.setAttribute("order.items", 3);
  await tracer.span("charge card", async (charge) => {
    charge.setAttribute("payment.method", "card");
    await new Promise((resolve) => setTimeout(resolve, 5));
  });
});

// Flushes the batch; without it, the process would exit before the export.
await shutdown();
