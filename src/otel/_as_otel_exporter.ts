// Internal: what the processors of ./otel hand their spans to.

import { OUR_EXPORTER } from "../export/_exporter_brand.ts";
import type { ExportResult, SpanExporterLike } from "../export/exporter.ts";
import { describe } from "../platform/_describe.ts";
import { errorOnce } from "../platform/_diagnostics.ts";
import { thenOf } from "../platform/_then_of.ts";
import type { OtelExportResult, OtelSpanExporter } from "./_sdk_types.ts";
import { WRAPPED_OTEL_EXPORTER } from "./_wrapped_otel_exporter.ts";
import { failure, fromOurResult } from "./_our_result.ts";
import { toOtelExporter } from "./to_otel_exporter.ts";

/**
 * The exporter a processor of this entry hands spans to: OpenTelemetry
 * exporters, this library's adapted. The two shapes are alike, so an object
 * counts as an OpenTelemetry exporter when it has `shutdown` and its
 * `export` does not declare exactly one parameter: `(spans, resultCallback)`,
 * or `(...args)` as a forwarding wrapper declares it. One that declares
 * `(spans)` is taken as this library's, as is one of its classes or a
 * function. Wrap anything else ambiguous with {@linkcode toOtelExporter}
 * yourself.
 *
 * An OpenTelemetry exporter that was one of this library's after all (an
 * `export(spans, signal)` with `shutdown`, of no class of the library) gives
 * itself away by returning this library's `ExportResult`, which
 * OpenTelemetry's never return: its batch is settled by that result, so a
 * flush never waits on a callback it never calls, and that is said once.
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
    exporter.export.length !== 1 && !(WRAPPED_OTEL_EXPORTER in exporter) &&
    !(OUR_EXPORTER in exporter)
  ) {
    return settledOnce(exporter as OtelSpanExporter, where);
  }
  return toOtelExporter(exporter as SpanExporterLike);
}

// `exporter` behind a callback that is called once, and settled by what
// export() returned when that is this library's result (see above).
function settledOnce(exporter: OtelSpanExporter, where: string): OtelSpanExporter {
  const guarded: OtelSpanExporter = {
    export(spans, resultCallback): void {
      let called = false;
      const once = (result: OtelExportResult) => {
        if (called) return;
        called = true;
        resultCallback(result);
      };
      const returned: unknown = exporter.export(spans, once);
      if (returned === undefined || returned === null) return;
      const settle = (value: unknown) => {
        if (called || !isOurResult(value)) return;
        tookOursForOtel(where);
        once(fromOurResult(value, 0, spans.length));
      };
      if (typeof thenOf(returned) === "function") {
        // An `async export(spans, callback)` that throws will not call back:
        // without this the SDK's SimpleSpanProcessor waited for it forever
        // (its forceFlush and shutdown never settled).
        (returned as Promise<unknown>).then(settle, (error: unknown) => once(failure(error)));
      } else settle(returned);
    },
    shutdown: () => exporter.shutdown(),
  };
  if (typeof exporter.forceFlush === "function") guarded.forceFlush = () => exporter.forceFlush!();
  return guarded;
}

// This library's ExportResult: a string code. OpenTelemetry's are numbers.
function isOurResult(value: unknown): value is ExportResult {
  try {
    const code = (value as { code?: unknown } | null)?.code;
    return code === "success" || code === "failure";
  } catch {
    return false;
  }
}

function tookOursForOtel(where: string): void {
  errorOnce(
    `otel-exporter-was-ours:${where}`,
    `an exporter given to ${where} has shutdown() and an export() not declared as (spans), so ` +
      `it was taken for an OpenTelemetry exporter and given OpenTelemetry's ReadableSpans and a callback, ` +
      `but it returned this library's ExportResult: its batches are settled by that result; ` +
      `give it as toOtelExporter(exporter) so that it gets this library's spans`,
  );
}
