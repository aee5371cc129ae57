/**
 * `@codomyrmex/spans/otlp`: send spans to any OpenTelemetry backend (a
 * Collector, Jaeger, Grafana Tempo, Honeycomb…) over OTLP/HTTP, in protobuf
 * or JSON, with no runtime dependency. Configured by options, then by the
 * standard `OTEL_*` environment variables.
 *
 * ```ts
 * import { Tracer } from "@codomyrmex/spans";
 * import { encodeOtlpProtobuf, OtlpHttpExporter, Resource } from "@codomyrmex/spans/otlp";
 * import assert from "node:assert/strict";
 *
 * const bodies: Uint8Array[] = [];
 * const exporter = new OtlpHttpExporter({
 *   resource: Resource.detect({ serviceName: "shop", env: {} }),
 *   env: {},
 *   fetch: async (_url, init) => {
 *     bodies.push(init?.body as Uint8Array);
 *     return new Response(null, { status: 200 });
 *   },
 * });
 * const span = new Tracer({ name: "shop" }).startSpan("checkout").end();
 * assert.equal((await exporter.export([span])).code, "success");
 * assert.equal(bodies.length, 1);
 * assert.ok(encodeOtlpProtobuf([span]).length > 0);
 * ```
 *
 * @module
 */

export { encodeOtlpJson } from "./src/otlp/encode_json.ts";
export { type OtlpEncodeOptions } from "./src/otlp/encode_options.ts";
export { encodeOtlpProtobuf } from "./src/otlp/encode_protobuf.ts";
export {
  DEFAULT_TRACES_URL,
  type EnvSource,
  type OtlpEnvConfig,
  readEnv,
  readOtlpEnv,
} from "./src/otlp/env.ts";
export { OtlpHttpExporter, type OtlpHttpExporterOptions } from "./src/otlp/otlp_http_exporter.ts";
export { type OtlpCompression, type OtlpProtocol } from "./src/otlp/protocol.ts";
export { Resource, type ResourceOptions, SDK_NAME } from "./src/otlp/resource.ts";
export {
  setupTracing,
  type SetupTracingOptions,
  type TracingSetup,
} from "./src/otlp/setup_tracing.ts";
export type { FetchFunction } from "./src/platform/fetch_function.ts";
