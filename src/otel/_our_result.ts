// Internal: this library's ExportResult as the SDK's, for toOtelExporter and
// the ./otel processors (_as_otel_exporter.ts).

import { errorOnce } from "../platform/_diagnostics.ts";
import { errorMessage } from "../platform/_warn.ts";
import type { ExportResult } from "../export/exporter.ts";
import { EXPORT_FAILED, EXPORT_SUCCESS, type OtelExportResult } from "./_sdk_types.ts";

const OTEL_SUCCESS: OtelExportResult = Object.freeze({ code: EXPORT_SUCCESS });

// This library's result as the SDK's. Reading a result runs the exporter's code (getters, Proxy traps): a throw
// there fails the batch, as in this library's own processors, and never
// reaches the SDK's processor (where a resolved result would reject unhandled).
// A success carries the spans left out here and those the exporter rejected
// (an OTLP partial success) as `rejected`, at most the batch.
export function fromOurResult(
  result: ExportResult | void,
  skipped: number,
  total: number,
): OtelExportResult {
  try {
    if (result === undefined || result === null || result.code === "success") {
      const theirs = result?.rejected;
      const rejected = Math.min(
        total,
        skipped + (typeof theirs === "number" && theirs > 0 ? Math.ceil(theirs) : 0),
      );
      return rejected === 0 ? OTEL_SUCCESS : { code: EXPORT_SUCCESS, rejected };
    }
    const error = result.error;
    return failure(error ?? new Error("the exporter reported a failure"));
  } catch {
    const message = "an exporter returned an unreadable ExportResult (a getter threw); " +
      "its spans are counted as failed";
    errorOnce("export-result-unreadable", message);
    return { code: EXPORT_FAILED, error: new Error(message) };
  }
}

/** A failure carrying `error` as an Error. */
export function failure(error: unknown): OtelExportResult {
  return {
    code: EXPORT_FAILED,
    error: error instanceof Error ? error : new Error(errorMessage(error)),
  };
}
