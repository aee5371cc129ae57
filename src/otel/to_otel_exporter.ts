/**
 * This library's exporters as OpenTelemetry `SpanExporter`s.
 *
 * @module
 */

import { toSpanExporter } from "../export/_exporter_like.ts";
import { errorOnce } from "../platform/_diagnostics.ts";
import { errorMessage } from "../platform/_warn.ts";
import type { ExportResult, SpanExporter, SpanExporterLike } from "../export/exporter.ts";
import type { Span } from "../span/span.ts";
import { fromReadableSpan } from "./_from_readable_span.ts";
import {
  EXPORT_FAILED,
  EXPORT_SUCCESS,
  type OtelExportResult,
  type OtelReadableSpan,
  type OtelSpanExporter,
} from "./_sdk_types.ts";
import { WRAPPED_OTEL_EXPORTER } from "./_wrapped_otel_exporter.ts";

const OTEL_SUCCESS: OtelExportResult = Object.freeze({ code: EXPORT_SUCCESS });

/**
 * Wraps this library's exporter (an object or a plain function) as an
 * OpenTelemetry `SpanExporter` with the callback-style `export(spans,
 * resultCallback)`, so OpenTelemetry's processors can feed it (it needs only
 * `@opentelemetry/api`). Spans that
 * came from this library are handed over as they are; others are rebuilt
 * as this library's spans, dropped counts included. An OTLP partial success
 * (`rejected`) reports success, as OpenTelemetry has no partial result.
 *
 * @param exporter This library's exporter.
 * @returns An OpenTelemetry exporter.
 * @throws {TypeError} When `exporter` is neither a function nor has an `export` method.
 *
 * @example
 * ```ts
 * import { toOtelExporter } from "@codomyrmex/spans/otel";
 * import { type Span } from "@codomyrmex/spans";
 * import { BasicTracerProvider, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-base";
 * import assert from "node:assert/strict";
 *
 * const got: Span[] = [];
 * const provider = new BasicTracerProvider({
 *   spanProcessors: [new SimpleSpanProcessor(toOtelExporter((spans) => void got.push(...spans)))],
 * });
 * provider.getTracer("sdk").startSpan("from the SDK").end();
 * await provider.forceFlush();
 * assert.equal(got[0].name, "from the SDK");
 * assert.equal(got[0].instrumentationScope?.name, "sdk");
 * ```
 */
export function toOtelExporter(exporter: SpanExporterLike): OtelSpanExporter {
  const inner = (exporter as { [WRAPPED_OTEL_EXPORTER]?: OtelSpanExporter })?.[
    WRAPPED_OTEL_EXPORTER
  ];
  if (inner !== undefined) return inner;
  const target = toSpanExporter(exporter, "an OpenTelemetry exporter");
  return {
    export(spans: OtelReadableSpan[], resultCallback: (result: OtelExportResult) => void): void {
      const ours: Span[] = [];
      for (const readable of spans) {
        let span: Span | undefined;
        try {
          span = fromReadableSpan(readable);
        } catch (error) {
          // Malformed data from another SDK's caller is dropped, not the
          // batch: a throw here would reach the SDK's processor with every
          // span of the batch lost.
          unreadableSpan(error);
          continue;
        }
        if (span !== undefined) ours.push(span);
      }
      let result: ReturnType<SpanExporter["export"]>;
      try {
        result = target.export(ours);
      } catch (error) {
        resultCallback(failure(error));
        return;
      }
      if (isThenable(result)) {
        (result as Promise<ExportResult | void>).then(
          (value) => resultCallback(fromOurResult(value)),
          (error) => resultCallback(failure(error)),
        );
      } else {
        resultCallback(fromOurResult(result as ExportResult | void));
      }
    },
    forceFlush(): Promise<void> {
      return target.forceFlush?.() ?? Promise.resolve();
    },
    shutdown(): Promise<void> {
      return target.shutdown?.() ?? Promise.resolve();
    },
  };
}

// A Proxy whose traps throw is no promise: fromOurResult fails it.
function isThenable(result: unknown): result is Promise<ExportResult | void> {
  try {
    return result !== null && typeof (result as Promise<unknown>)?.then === "function";
  } catch {
    return false;
  }
}

// Reading a result runs the exporter's code (getters, Proxy traps): a throw
// there fails the batch, as in this library's own processors, and never
// reaches the SDK's processor (where a resolved result would reject unhandled).
function fromOurResult(result: ExportResult | void): OtelExportResult {
  try {
    if (result === undefined || result === null || result.code === "success") return OTEL_SUCCESS;
    const error = result.error;
    return failure(error ?? new Error("the exporter reported a failure"));
  } catch {
    const message = "an exporter returned an unreadable ExportResult (a getter threw); " +
      "its spans are counted as failed";
    errorOnce("export-result-unreadable", message);
    return { code: EXPORT_FAILED, error: new Error(message) };
  }
}

function unreadableSpan(error: unknown): void {
  errorOnce(
    "otel-readable-span-unreadable",
    `an OpenTelemetry ReadableSpan given to toOtelExporter could not be read (${
      errorMessage(error)
    }); it is left out of the export, and the rest of its batch is exported`,
  );
}

function failure(error: unknown): OtelExportResult {
  return {
    code: EXPORT_FAILED,
    error: error instanceof Error ? error : new Error(errorMessage(error)),
  };
}
