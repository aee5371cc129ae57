/**
 * Any OpenTelemetry `SpanExporter` as this library's exporter.
 *
 * @module
 */

import { WRAPPED_OTEL_EXPORTER } from "./_wrapped_otel_exporter.ts";
import { errorMessage } from "../platform/_warn.ts";
import { thenOf } from "../platform/_then_of.ts";
import { describe } from "../platform/_describe.ts";
import { arrayArgument } from "../platform/_arguments.ts";
import type { ExportResult, SpanExporter } from "../export/exporter.ts";
import type { Span } from "../span/span.ts";
import { resolveResource } from "./_otel_resource.ts";
import { readableSpanOf } from "./_readable_span.ts";
import { EXPORT_SUCCESS, type OtelResource, type OtelSpanExporter } from "./_sdk_types.ts";
import type { ToReadableSpanOptions } from "./readable_span.ts";

/** How {@linkcode fromOtelExporter} describes the spans it hands over. */
export type FromOtelExporterOptions = ToReadableSpanOptions;

/**
 * This library's exporter in front of an OpenTelemetry one: every method is
 * there, and `export` always resolves to a result.
 */
export interface OtelBackedExporter extends SpanExporter {
  /**
   * Exports one batch; resolves to failure when the exporter fails, or when
   * `signal` aborts before the OpenTelemetry exporter is called (once
   * called, it settles when that exporter calls back).
   */
  export(spans: readonly Span[], signal?: AbortSignal): Promise<ExportResult>;
  /** Calls the OpenTelemetry exporter's `forceFlush`, if it has one. */
  forceFlush(): Promise<void>;
  /** Calls the OpenTelemetry exporter's `shutdown`. */
  shutdown(): Promise<void>;
}

const SUCCESS: ExportResult = Object.freeze({ code: "success" });

/**
 * Wraps an OpenTelemetry `SpanExporter` (`OTLPTraceExporter` over http,
 * protobuf or gRPC, `ZipkinExporter`, `ConsoleSpanExporter`, ...) as this
 * library's {@linkcode SpanExporter}, so this library's processors send
 * their spans through it (it needs only `@opentelemetry/api`). Each span becomes a `ReadableSpan` (see
 * {@linkcode toReadableSpan}) with the given resource; a resource whose
 * async attributes are pending (`@opentelemetry/resources`' detectors) is
 * waited for first, as the SDK's processors wait for it. An abort of the
 * processor's signal before the OpenTelemetry exporter is called resolves
 * the export as failed; once called, the export settles when that exporter
 * calls back (it cannot be stopped, and keeps its own timeout), so that the
 * processor never runs two of its exports at once. A success that says some spans were not
 * exported (the `rejected` of {@linkcode toOtelExporter}'s results) keeps
 * that `rejected`, so the processor counts them as failed.
 *
 * @param exporter The OpenTelemetry exporter.
 * @param options The resource to attach to every span.
 * @returns This library's exporter.
 * @throws {TypeError} When `exporter` has no `export` method.
 *
 * @example
 * ```ts
 * import { Tracer } from "@codomyrmex/spans";
 * import { fromOtelExporter } from "@codomyrmex/spans/otel";
 * import { InMemorySpanExporter } from "@opentelemetry/sdk-trace-base";
 * import assert from "node:assert/strict";
 *
 * const otel = new InMemorySpanExporter();
 * const exporter = fromOtelExporter(otel, { resource: { "service.name": "shop" } });
 * const span = new Tracer({ name: "shop" }).startSpan("checkout").end();
 *
 * assert.deepEqual(await exporter.export([span]), { code: "success" });
 * const [sent] = otel.getFinishedSpans();
 * assert.equal(sent.name, "checkout");
 * assert.equal(sent.resource.attributes["service.name"], "shop");
 * ```
 */
export function fromOtelExporter(
  exporter: OtelSpanExporter,
  options?: FromOtelExporterOptions,
): OtelBackedExporter {
  if (typeof exporter?.export !== "function") {
    throw new TypeError(
      `Cannot adapt exporter: it must have an export method, got ${describe(exporter)}`,
    );
  }
  const resource = resolveResource(options?.resource);
  return {
    [WRAPPED_OTEL_EXPORTER]: exporter,
    export(spans: readonly Span[], signal?: AbortSignal): Promise<ExportResult> {
      arrayArgument(spans, "export spans", "spans");
      return new Promise((resolve) => {
        if (signal?.aborted) {
          resolve({ code: "failure", error: abortError(signal) });
          return;
        }
        // An abort before the OpenTelemetry exporter is called fails the
        // export at once. Once it is called it cannot be stopped: the export
        // settles when it calls back, so a processor that holds its next
        // export until this one settles never runs two at a time (the SDK
        // processor specification's "MUST synchronize calls to Span
        // Exporter's Export"); the processor fails the batch at its own
        // deadline meanwhile.
        const onAbort = () => resolve({ code: "failure", error: abortError(signal!) });
        signal?.addEventListener("abort", onAbort, { once: true });
        const finish = (result: ExportResult) => {
          signal?.removeEventListener("abort", onAbort);
          resolve(result);
        };
        const send = () => {
          // Aborted while the resource settled: already resolved as failed.
          if (signal?.aborted) return;
          signal?.removeEventListener("abort", onAbort);
          try {
            const readable = spans.map((span) => readableSpanOf(span, resource));
            const returned: unknown = exporter.export(readable, (result) => {
              finish(
                result?.code === EXPORT_SUCCESS ? successOf(result.rejected) : {
                  code: "failure",
                  error: result?.error ??
                    new Error("the OpenTelemetry exporter reported a failure"),
                },
              );
            });
            // An exporter written as `async export(spans, callback)` that
            // throws will not call back: its rejection fails the batch now,
            // rather than at the processor's deadline, and is not left
            // unhandled, which ends a Node process.
            if (returned !== undefined && typeof thenOf(returned) === "function") {
              (returned as Promise<unknown>).then(
                undefined,
                (error: unknown) => finish({ code: "failure", error: asError(error) }),
              );
            }
          } catch (error) {
            finish({ code: "failure", error: asError(error) });
          }
        };
        const settling = asyncAttributesSettled(resource);
        if (settling === undefined) send();
        else settling.then(send);
      });
    },
    forceFlush(): Promise<void> {
      return exporter.forceFlush?.() ?? Promise.resolve();
    },
    shutdown(): Promise<void> {
      return exporter.shutdown?.() ?? Promise.resolve();
    },
  } as OtelBackedExporter;
}

// A success that left spans out (toOtelExporter's `rejected`) keeps the
// count, for the processor to count them as failed.
function successOf(rejected: unknown): ExportResult {
  return typeof rejected === "number" && rejected > 0 ? { code: "success", rejected } : SUCCESS;
}

// As the SDK's span processors do before they export: a resource from
// @opentelemetry/resources leaves its async attributes (a detector's
// `host.id`, say) out of `attributes` until waitForAsyncAttributes() has run,
// and an exporter reads them at once. `undefined` when none are pending; a
// wait that fails exports what the resource has.
function asyncAttributesSettled(resource: OtelResource): Promise<void> | undefined {
  try {
    if (resource.asyncAttributesPending !== true) return undefined;
    return Promise.resolve(resource.waitForAsyncAttributes?.()).then(ignore, ignore);
  } catch {
    return undefined;
  }
}

function ignore(): void {}

function abortError(signal: AbortSignal): Error {
  return signal.reason instanceof Error ? signal.reason : new Error("export aborted");
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(errorMessage(error));
}
