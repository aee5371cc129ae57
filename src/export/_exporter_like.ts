// Internal: accept a plain function wherever an exporter is accepted.

import { describe } from "../platform/_describe.ts";
import { isThenable } from "../platform/_deadline.ts";
import type { ExportResult, SpanExporter, SpanExporterLike } from "./exporter.ts";
import type { Span } from "../span/span.ts";

/**
 * Turns a {@linkcode SpanExporterLike} into a {@linkcode SpanExporter}. An
 * object with an `export` method is returned as it is; a function becomes an
 * exporter whose `export` succeeds when the function returns or resolves
 * and fails when it throws or rejects (what it returns is ignored).
 *
 * @param exporter The exporter or function.
 * @param who What is being created, for the error message.
 * @returns An exporter.
 * @throws {TypeError} When `exporter` is neither.
 */
export function toSpanExporter(exporter: SpanExporterLike, who: string): SpanExporter {
  if (typeof exporter === "function") {
    const fn = exporter;
    // Keep the function's arity, so a callback that takes no signal gets none.
    return fn.length === 1
      ? { export: (spans: readonly Span[]) => settle(fn(spans)) }
      : { export: (spans: readonly Span[], signal?: AbortSignal) => settle(fn(spans, signal)) };
  }
  if (typeof (exporter as SpanExporter | null)?.export !== "function") {
    throw new TypeError(
      `Cannot create ${who}: exporter must be a function or an object with an export method, got ${
        describe(exporter)
      }`,
    );
  }
  return exporter;
}

const SUCCESS: ExportResult = Object.freeze({ code: "success" });

function settle(result: void | Promise<void>): Promise<ExportResult> | ExportResult {
  return isThenable(result) ? Promise.resolve(result).then(success) : SUCCESS;
}

function success(): ExportResult {
  return SUCCESS;
}
