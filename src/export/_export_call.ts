// Internal: one call into an exporter, bounded by a deadline, whose outcome
// is a count and never an exception.

import { isThenable, isTimeoutError, withDeadline } from "../platform/_deadline.ts";
import { suppressTracing } from "../context/suppression.ts";
import { errorOnce } from "../platform/_diagnostics.ts";
import { errorMessage } from "../platform/_warn.ts";
import type { ExportResult, SpanExporter } from "./exporter.ts";
import type { Scheduler } from "../platform/scheduler.ts";
import type { Span } from "../span/span.ts";

/**
 * Calls `exporter.export(spans, signal)` and counts the spans it accepted.
 * A throw, a rejection, a `"failure"` result, something that is not a result,
 * or no answer within `timeoutMs` (the signal aborts) counts as zero
 * accepted, with one warning per kind of fault per process; spans a partial
 * success rejected count as not accepted, reported so too. A synchronous
 * answer gives a synchronous count, so an exporter that answers at once
 * costs no promise.
 *
 * @param exporter The exporter.
 * @param spans The batch.
 * @param timeoutMs The deadline.
 * @param scheduler Where the deadline's timer runs.
 * @param onLate Called at the deadline with the export's own promise, when
 *   the exporter has not answered by then (it may still be running); with
 *   `early` when it was failed before, through `onStarted`.
 * @param onStarted Called, when the export is asynchronous, with a function
 *   that fails it at once, as its deadline would.
 * @returns How many of `spans` were exported (the rest failed).
 */
export function callExport(
  exporter: SpanExporter,
  spans: readonly Span[],
  timeoutMs: number,
  scheduler: Scheduler,
  onLate?: (work: PromiseLike<unknown>, early: boolean) => void,
  onStarted?: (expireNow: () => void) => void,
): number | Promise<number> {
  let result: ExportResult | void | Promise<ExportResult | void>;
  try {
    // An export declared with one parameter cannot use a signal.
    // Suppressed, so an exporter whose requests are themselves instrumented
    // (an instrumented fetch, say) does not trace its own exports.
    // The deadline is a background timer: an export nobody waits for must
    // not keep the process alive, and a flush that waits keeps it alive
    // with its own deadline (_flush_deadline.ts), which bounds this one.
    result = suppressTracing(() =>
      withDeadline(
        (signal) => exporter.export(spans, signal),
        timeoutMs,
        scheduler,
        { needsSignal: exporter.export.length !== 1, onLate, background: true, onStarted },
      )
    );
  } catch (error) {
    return failed(error, spans.length);
  }
  if (isThenable(result)) {
    return result.then(
      (value) => accepted(value, spans.length),
      (error) => failed(error, spans.length),
    );
  }
  return accepted(result, spans.length);
}

/**
 * Calls an exporter's optional `forceFlush` or `shutdown`, bounded by the
 * deadline (a background timer: only a flush calls these, and it keeps the
 * process alive with its own deadline). Resolves whatever happens.
 *
 * @param exporter The exporter.
 * @param method Which method.
 * @param timeoutMs The deadline.
 * @param scheduler Where the deadline's timer runs.
 * @returns A promise that always resolves.
 */
export async function callExporterHook(
  exporter: SpanExporter,
  method: "forceFlush" | "shutdown",
  timeoutMs: number,
  scheduler: Scheduler,
): Promise<void> {
  try {
    // Read inside the try: a getter or Proxy trap that throws is the
    // exporter's fault, reported like a throw from the method itself.
    const hook = exporter[method];
    if (typeof hook !== "function") return;
    await suppressTracing(() =>
      withDeadline(() => hook.call(exporter), timeoutMs, scheduler, {
        needsSignal: false,
        background: true,
      })
    );
  } catch (error) {
    errorOnce(
      `exporter-${method}`,
      `a span exporter's ${method} failed; the application goes on: ${errorMessage(error)}`,
    );
  }
}

// Reading a result runs the exporter's code (getters, Proxy traps): a throw
// there is the exporter's fault, and fails the batch like any other.
function accepted(result: ExportResult | void, total: number): number {
  try {
    return readResult(result, total);
  } catch {
    errorOnce(
      "export-result-unreadable",
      "an exporter returned an unreadable ExportResult (a getter threw); its spans are counted as failed",
    );
    return 0;
  }
}

function readResult(result: ExportResult | void, total: number): number {
  if (result === undefined) return total;
  if (result === null || typeof result !== "object") {
    warnFailed("it returned something that is not an ExportResult");
    return 0;
  }
  const code = result.code;
  if (code === "success") {
    const rejected = result.rejected;
    if (rejected === undefined) return total;
    // A malformed partial-success count must not break the accounting.
    if (typeof rejected !== "number" || !(rejected > 0)) return total;
    const error = result.error;
    warnRejected(error === undefined ? "the backend gave no reason" : errorMessage(error));
    return total - Math.min(total, Math.ceil(rejected));
  }
  if (code !== "failure") {
    warnFailed("it returned something that is not an ExportResult");
    return 0;
  }
  const error = result.error;
  warnFailed(error === undefined ? "it returned a failure" : errorMessage(error));
  return 0;
}

// Once per kind of failure: a collector that answers 503, then 429, then
// times out, then refuses connections is four things to know, and each
// export's count is in stats() anyway. The kind is the message with its
// digits as "#" (a count, a delay and an address vary from one export to the
// next) but an HTTP status's, up to its first 60 characters (a backend's own
// text may follow). A run of digits is replaced whole, so a status's digits
// after its first are never taken for a run of their own (503 and 502 are
// two kinds, not "5#").
// An exporter that throws or rejects is keyed so too (a fetch of its own
// that answers 503, then is refused), apart from one that returns a failure.
function warnFailed(why: string): void {
  errorOnce(
    `export-failed:${kindOf(why)}`,
    `a span export failed, its spans are counted as failed: ${why}`,
  );
}

// A backend's partial success is a failure of its own kind: the spans it
// rejected are lost as surely as a failed batch's, and its reason (too old,
// too large) is what the service's owner needs to hear.
function warnRejected(why: string): void {
  errorOnce(
    `export-rejected:${kindOf(why)}`,
    `the backend rejected spans of an export, which are counted as failed: ${why}`,
  );
}

function kindOf(why: string): string {
  return why.replace(/(?<!HTTP |\d)\d+/g, "#").slice(0, 60);
}

function failed(error: unknown, _total: number): number {
  const timeout = isTimeoutError(error);
  const why = errorMessage(error);
  errorOnce(
    timeout ? "export-timeout" : `export-threw:${kindOf(why)}`,
    timeout
      ? `a span export did not finish in time and was aborted: ${why}`
      : `a span exporter threw, its spans are counted as failed: ${why}`,
  );
  return 0;
}
