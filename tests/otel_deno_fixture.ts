// Run by tests/otel_bridge_test.ts in a child `deno` with OTEL_DENO=true:
// prints what addSpanProcessor and register() did, and what they warned.

import { InMemorySpanExporter } from "@opentelemetry/sdk-trace-base";
import { addSpanProcessor, SimpleSpanProcessor, TracerProvider } from "../otel.ts";

const warnings: string[] = [];
console.warn = (...args: unknown[]) => void warnings.push(args.join(" "));
const added = addSpanProcessor(new SimpleSpanProcessor(new InMemorySpanExporter()));
const registered = new TracerProvider().register();
console.log(JSON.stringify({ added, registered, warnings }));
