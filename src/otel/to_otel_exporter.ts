/**
 * This library's exporters as OpenTelemetry `SpanExporter`s.
 *
 * @module
 */

import { toSpanExporter } from "../export/_exporter_like.ts";
import { errorOnce } from "../platform/_diagnostics.ts";
import { errorMessage } from "../platform/_warn.ts";
import { thenOf } from "../platform/_then_of.ts";
import type { ExportResult, SpanExporter, SpanExporterLike } from "../export/exporter.ts";
import type { Span } from "../span/span.ts";
import { fromReadableSpan } from "./_from_readable_span.ts";
import type { OtelExportResult, OtelReadableSpan, OtelSpanExporter } from "./_sdk_types.ts";
import { WRAPPED_OTEL_EXPORTER } from "./_wrapped_otel_exporter.ts";
import { failure, fromOurResult } from "./_our_result.ts";

/**
 * Wraps this library's exporter (an object or a plain function) as an
 * OpenTelemetry `SpanExporter` with the callback-style `export(spans,
 * resultCallback)`, so OpenTelemetry's processors can feed it (it needs only
 * `@opentelemetry/api`). Spans that
 * came from this library are handed over as they are; others are rebuilt
 * as this library's spans, dropped counts included; they go out with
 * `exporter`'s resource (an `OtlpHttpExporter`'s `resource` option), not the
 * one each `ReadableSpan` carries. A span it cannot read
 * (malformed, or with invalid ids) is left out, reported once, and the rest
 * of the batch is exported. OpenTelemetry has no partial result: such spans,
 * and those an OTLP partial success rejected, are counted in the success's
 * `rejected`, which the SDK's processors ignore and
 * {@linkcode fromOtelExporter} hands on, so a processor of this library
 * behind it counts them in `stats().failed`. A batch none of whose spans can
 * be read fails.
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
      // Spans left out: counted in the result, as this library's processors
      // count every span they were given.
      let skipped = 0;
      for (const readable of spans) {
        let span: Span | undefined;
        try {
          span = fromReadableSpan(readable);
        } catch (error) {
          // Malformed data from another SDK's caller is dropped, not the
          // batch: a throw here would reach the SDK's processor with every
          // span of the batch lost.
          unreadableSpan(error);
          skipped++;
          continue;
        }
        if (span !== undefined) {
          ours.push(span);
        } else {
          invalidSpan();
          skipped++;
        }
      }
      if (skipped > 0 && ours.length === 0) {
        resultCallback(failure(new Error(`none of the ${skipped} spans could be read`)));
        return;
      }
      let result: ReturnType<SpanExporter["export"]>;
      try {
        result = target.export(ours);
      } catch (error) {
        resultCallback(failure(error));
        return;
      }
      // A Proxy whose traps throw is no promise: fromOurResult fails it.
      if (typeof thenOf(result) === "function") {
        (result as Promise<ExportResult | void>).then(
          (value) => resultCallback(fromOurResult(value, skipped, spans.length)),
          (error) => resultCallback(failure(error)),
        );
      } else {
        resultCallback(fromOurResult(result as ExportResult | void, skipped, spans.length));
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

function unreadableSpan(error: unknown): void {
  errorOnce(
    "otel-readable-span-unreadable",
    `an OpenTelemetry ReadableSpan given to toOtelExporter could not be read (${
      errorMessage(error)
    }); it is left out of the export and counted in the result's rejected, and the rest of its batch is exported`,
  );
}

function invalidSpan(): void {
  errorOnce(
    "otel-readable-span-invalid",
    "an OpenTelemetry ReadableSpan given to toOtelExporter has an invalid trace or span id; " +
      "it is left out of the export and counted in the result's rejected, and the rest of its batch is exported",
  );
}
