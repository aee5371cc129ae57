/**
 * The OTLP/HTTP wire choices an exporter is configured with.
 *
 * @module
 */

/** How spans are encoded: binary protobuf (the OpenTelemetry default) or JSON. */
export type OtlpProtocol = "http/protobuf" | "http/json";

/** Whether request bodies are gzip-compressed. */
export type OtlpCompression = "gzip" | "none";
