// The spans the OTLP encoding benchmarks encode: the same 512 HTTP-server-
// like spans (8 attributes each, an event on every fourth, parents, two
// scopes) made once with this library and once with the OpenTelemetry JS
// SDK (sdk-trace-base 2.x), whose ReadableSpans its serializers take.

import { ROOT_CONTEXT, trace } from "@opentelemetry/api";
import { resourceFromAttributes } from "@opentelemetry/resources";
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
} from "@opentelemetry/sdk-trace-base";
import { InMemorySpanProcessor, type Span, Tracer } from "../mod.ts";
import { Resource } from "../otlp.ts";

/** Spans per encoded batch. */
export const BATCH = 512;

const RESOURCE_ATTRIBUTES = {
  "service.name": "checkout",
  "service.version": "1.4.2",
  "telemetry.sdk.language": "nodejs",
  "telemetry.sdk.name": "bench",
  "telemetry.sdk.version": "1.0.0",
  "process.runtime.name": "bench",
};

/** The resource for this library's encoders. */
export const resource: Resource = new Resource(RESOURCE_ATTRIBUTES);

function attributes(i: number): Record<string, string | number> {
  return {
    "http.request.method": i % 3 === 0 ? "POST" : "GET",
    "url.path": `/api/users/${1000 + i}`,
    "http.route": "/api/users/:id",
    "http.response.status_code": i % 17 === 0 ? 500 : 200,
    "server.address": "api.example.com",
    "server.port": 443,
    "user_agent.original": "Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0",
    "app.cart.total": 12.5 + i,
  };
}

/** {@linkcode BATCH} spans made with this library. */
export function ourSpans(): Span[] {
  const memory = new InMemorySpanProcessor();
  const http = new Tracer({ name: "http-server", version: "1.0.0", processors: [memory] });
  const db = new Tracer({ name: "db-client", version: "2.3.0", processors: [memory] });
  for (let i = 0; i < BATCH / 8; i++) {
    const root = http.startSpan("GET /api/users/:id", {
      kind: "server",
      attributes: attributes(i),
    });
    for (let j = 0; j < 7; j++) {
      const k = i * 8 + j;
      const child = db.startSpan("SELECT users", {
        kind: "client",
        parent: root,
        attributes: attributes(k),
      });
      if (k % 4 === 0) child.addEvent("cache.miss", { "cache.key": `user:${k}`, attempt: 1 });
      child.end();
    }
    root.end();
  }
  return memory.spans.slice(0, BATCH);
}

/** The same {@linkcode BATCH} spans made with the OpenTelemetry JS SDK. */
export function otelSpans(): ReadableSpan[] {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes(RESOURCE_ATTRIBUTES),
    spanProcessors: [new SimpleSpanProcessor(exporter)],
  });
  const http = provider.getTracer("http-server", "1.0.0");
  const db = provider.getTracer("db-client", "2.3.0");
  for (let i = 0; i < BATCH / 8; i++) {
    const root = http.startSpan("GET /api/users/:id", {
      kind: 1,
      attributes: attributes(i),
    });
    const ctx = trace.setSpan(ROOT_CONTEXT, root);
    for (let j = 0; j < 7; j++) {
      const k = i * 8 + j;
      const child = db.startSpan("SELECT users", { kind: 2, attributes: attributes(k) }, ctx);
      if (k % 4 === 0) child.addEvent("cache.miss", { "cache.key": `user:${k}`, attempt: 1 });
      child.end();
    }
    root.end();
  }
  return exporter.getFinishedSpans().slice(0, BATCH);
}
