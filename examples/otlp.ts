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

// Exports what is still batched, now, and stops the processor. Without it the
// batch would still go out as the process ends (flushOnExit), but not from
// code that calls process.exit() or Deno.exit(), which skip every flush.
await shutdown();
