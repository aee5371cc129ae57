/**
 * Reading and writing the W3C `traceparent`, `tracestate` and `baggage`
 * headers of a request.
 *
 * @module
 */

import { describe } from "../platform/_describe.ts";
import { getCurrentSpan } from "../context/current_span.ts";
import { isTracingSuppressed } from "../context/suppression.ts";
import { Span } from "../span/span.ts";
import { createTrustedSpanContext } from "../span/_trusted_span_context.ts";
import { SpanContext } from "../span/span_context.ts";
import {
  isValidTraceState,
  scanTraceState,
  serializeTraceState,
} from "../span/_tracestate_grammar.ts";
import { isInvalidSpanContext } from "../span/_invalid_span_context.ts";
import { Baggage } from "./baggage.ts";
import { getBaggage } from "./baggage_context.ts";
import type { HeaderCarrier } from "./carrier.ts";
import { readHeader, writeHeader } from "./_header_access.ts";
import { countDrop } from "./_drop_counts.ts";
import { formatTraceparent, parseTraceparent } from "./traceparent.ts";
import { TraceState } from "./tracestate.ts";

/**
 * Reads the remote parent from a request's `traceparent` and `tracestate`
 * headers (names in any case). An invalid or repeated `traceparent` yields
 * `undefined`, so the caller starts a new trace; then `tracestate` is not
 * read at all. An invalid `tracestate` is discarded whole and the
 * `traceparent` kept. Never throws.
 *
 * @param headers A `Headers` object or a plain record.
 * @returns The remote context (`isRemote` true), or `undefined`.
 *
 * @example
 * ```ts
 * import { extractContext } from "@codomyrmex/spans";
 * import assert from "node:assert/strict";
 *
 * const ctx = extractContext(new Headers({
 *   TraceParent: "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
 *   tracestate: "congo=t61rcWkgMzE",
 * }));
 * assert.equal(ctx?.spanId, "b7ad6b7169203331");
 * assert.equal(ctx?.traceState, "congo=t61rcWkgMzE");
 * assert.equal(extractContext({}), undefined);
 * ```
 */
export function extractContext(headers: HeaderCarrier): SpanContext | undefined {
  const parents = readHeader(headers, "traceparent");
  if (parents.length === 0) return undefined;
  // Two traceparent headers cannot both be the parent: start a new trace.
  const context = parents.length === 1 ? parseTraceparent(parents[0]) : undefined;
  if (context === undefined) {
    countDrop("traceparent");
    return undefined;
  }
  const states = readHeader(headers, "tracestate");
  if (states.length === 0) return context;
  const traceState = TraceState.parse(states)?.serialize();
  if (traceState === undefined || traceState === "") return context;
  return createTrustedSpanContext(
    context.traceId,
    context.spanId,
    undefined,
    context.traceFlags,
    traceState,
    true,
  );
}

/**
 * Reads the `baggage` headers of a request (names in any case). Malformed
 * members are dropped. Never throws.
 *
 * @param headers A `Headers` object or a plain record.
 * @returns The baggage; empty when there is none.
 *
 * @example
 * ```ts
 * import { extractBaggage } from "@codomyrmex/spans";
 * import assert from "node:assert/strict";
 *
 * const baggage = extractBaggage({ Baggage: "userId=alice,serverNode=DF%2028" });
 * assert.equal(baggage.get("serverNode")?.value, "DF 28");
 * ```
 */
export function extractBaggage(headers: HeaderCarrier): Baggage {
  const values = readHeader(headers, "baggage");
  return Baggage.parse(values.length === 0 ? undefined : values);
}

/** What {@linkcode injectContext} writes besides the trace context. */
export interface InjectOptions {
  /**
   * The baggage to write. Default: the current baggage
   * ({@linkcode getBaggage}). `null` writes none.
   */
  baggage?: Baggage | null;
}

/**
 * Writes `traceparent`, `tracestate` (when the context has one) and
 * `baggage` (when there is any) into `headers`, replacing earlier values in
 * any case of the name: a `baggage` header too, as OpenTelemetry's
 * `W3CBaggagePropagator` does (to keep its entries, give `options.baggage`
 * that has them, read with {@linkcode extractBaggage}; `instrumentFetch`
 * adds the current baggage to a request's own). A trace state that is not a
 * valid `tracestate` value is left out and counted in `propagationStats()`,
 * so what is written is always a valid header value. With no span or context given, the current span's
 * context is written; with none current, no trace headers are written.
 *
 * @param headers A `Headers` object or a plain record, changed in place.
 * @param spanOrContext The span or context to propagate. Default: the current span.
 * @param options The baggage to write.
 * @throws {TypeError} When `headers` is not an object, `spanOrContext`
 *   is neither a `Span` nor a `SpanContext`, or `options.baggage` is neither
 *   a `Baggage` nor `null`.
 *
 * @example
 * ```ts
 * import { Baggage, injectContext, SpanContext } from "@codomyrmex/spans";
 * import assert from "node:assert/strict";
 *
 * const ctx = new SpanContext({
 *   traceId: "0af7651916cd43dd8448eb211c80319c",
 *   spanId: "b7ad6b7169203331",
 *   traceState: "congo=t61rcWkgMzE",
 * });
 * const headers: Record<string, string> = {};
 * injectContext(headers, ctx, { baggage: new Baggage({ user: "ada" }) });
 * assert.deepEqual(headers, {
 *   traceparent: "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
 *   tracestate: "congo=t61rcWkgMzE",
 *   baggage: "user=ada",
 * });
 * ```
 */
export function injectContext(
  headers: HeaderCarrier,
  spanOrContext?: Span | SpanContext,
  options?: InjectOptions,
): void {
  if (typeof headers !== "object" || headers === null) {
    throw new TypeError(
      `Cannot inject context: headers must be a Headers object or a record, got ${
        describe(headers)
      }`,
    );
  }
  const given = options?.baggage;
  if (given !== undefined && given !== null && !(given instanceof Baggage)) {
    throw new TypeError(
      `Cannot inject context: baggage must be a Baggage or null, got ${describe(given)}`,
    );
  }
  // As OpenTelemetry's propagators do: a request made with tracing
  // suppressed (an exporter's own) carries no trace and no baggage.
  if (isTracingSuppressed()) return;
  let context: SpanContext | undefined;
  if (spanOrContext === undefined) context = getCurrentSpan()?.context;
  else if (spanOrContext instanceof Span) context = spanOrContext.context;
  else if (spanOrContext instanceof SpanContext) context = spanOrContext;
  else {
    throw new TypeError(
      `Cannot inject context: expected a Span or a SpanContext, got ${describe(spanOrContext)}`,
    );
  }
  // The invalid, all-zero context (a pass-through span's with no parent: a
  // disabled setupTracing's) carries no trace: as OpenTelemetry's
  // propagators, nothing is written for it, and downstream starts its own.
  if (context !== undefined && !isInvalidSpanContext(context)) {
    writeHeader(headers, "traceparent", formatTraceparent(context));
    let traceState = context.traceState || undefined;
    // Checked where it is set, but a context built elsewhere (a bridge from
    // another library, say) may still carry one the grammar refuses: it is
    // dropped and counted, so no CR, LF or other stray byte reaches a header.
    if (traceState !== undefined && !isValidTraceState(traceState)) {
      countDrop("tracestate");
      traceState = undefined;
    }
    // A tracestate left over from another trace must not ride along; one
    // with no member ("," or blanks) is not sent ("SHOULD avoid sending
    // them"), and one is sent without the optional blanks and empty
    // members it may have come with.
    writeHeader(headers, "tracestate", traceState && compactTraceState(traceState));
  }
  const baggage = given === undefined ? getBaggage() : given;
  if (baggage !== null && baggage.size > 0) {
    const value = baggage.serialize();
    if (value !== "") writeHeader(headers, "baggage", value);
  }
}

// A valid trace state's members, joined by "," alone (the grammar's own
// scan and serialization): undefined when it has none. Most are compact
// already and are returned as they are.
function compactTraceState(traceState: string): string | undefined {
  if (!/[ \t]|,,|^,|,$/.test(traceState)) return traceState;
  const keys: string[] = [];
  const values: string[] = [];
  scanTraceState(traceState, keys, values);
  return keys.length === 0 ? undefined : serializeTraceState(keys, values);
}
