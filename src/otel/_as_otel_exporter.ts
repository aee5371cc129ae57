// Internal: what the processors of ./otel hand their spans to.

import { OUR_EXPORTER } from "../export/_exporter_brand.ts";
import type { SpanExporterLike } from "../export/exporter.ts";
import { describe } from "../platform/_describe.ts";
import type { OtelSpanExporter } from "./_sdk_types.ts";
import { WRAPPED_OTEL_EXPORTER } from "./_wrapped_otel_exporter.ts";
import { toOtelExporter } from "./to_otel_exporter.ts";

/**
 * The exporter a processor of this entry hands spans to: OpenTelemetry
 * exporters as they are, this library's adapted. An object counts as an
 * OpenTelemetry exporter when it has `shutdown` and its `export` declares
 * two parameters (`spans, resultCallback`); wrap anything else ambiguous
 * with {@linkcode toOtelExporter} yourself.
 */
export function asOtelExporter(
  exporter: OtelSpanExporter | SpanExporterLike,
  where: string,
): OtelSpanExporter {
  if (
    typeof exporter !== "function" && (typeof exporter !== "object" || exporter === null ||
      typeof exporter.export !== "function")
  ) {
    throw new TypeError(
      `Cannot create ${where}: exporter must be an exporter or a function, got ${
        describe(exporter)
      }`,
    );
  }
  if (
    typeof exporter === "object" && typeof exporter.shutdown === "function" &&
    exporter.export.length >= 2 && !(WRAPPED_OTEL_EXPORTER in exporter) &&
    !(OUR_EXPORTER in exporter)
  ) {
    return exporter as OtelSpanExporter;
  }
  return toOtelExporter(exporter as SpanExporterLike);
}
