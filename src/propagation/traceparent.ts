/**
 * The W3C Trace Context Level 2 `traceparent` header: parsing and
 * formatting.
 *
 * @module
 */

import { describe } from "../platform/_describe.ts";
import { createTrustedSpanContext } from "../span/_trusted_span_context.ts";
import { isValidTraceState } from "../span/_tracestate_grammar.ts";
import { countDrop } from "./_drop_counts.ts";
import { type SpanContext, TraceFlags } from "../span/span_context.ts";

/**
 * The longest `traceparent` value read. Version 00 is exactly 55
 * characters; later versions may append fields, so some room is left, but a
 * value past this is refused before it is looked at.
 */
const MAX_TRACEPARENT_LENGTH = 512;

// The flags this version of the specification defines (sampled, random).
// Other bits are reserved: "Vendors MUST set those to zero".
const KNOWN_FLAGS = TraceFlags.SAMPLED | TraceFlags.RANDOM;

const HEX_LC = new Int8Array(128).fill(-1);
for (let i = 0; i < 16; i++) HEX_LC["0123456789abcdef".charCodeAt(i)] = i;

/** Value of a lowercase hex digit at `i`, or -1. */
function hexAt(s: string, i: number): number {
  const c = s.charCodeAt(i);
  return c < 128 ? HEX_LC[c] : -1;
}

/** Whether `s[from, to)` is lowercase hex and not all zeros. */
function isNonZeroHex(s: string, from: number, to: number): boolean {
  let any = 0;
  for (let i = from; i < to; i++) {
    const v = hexAt(s, i);
    if (v < 0) return false;
    any |= v;
  }
  return any !== 0;
}

/** Whether `c` is optional whitespace (space or horizontal tab). */
function isOws(c: number): boolean {
  return c === 0x20 || c === 0x09;
}

/**
 * Parses a `traceparent` header value into a remote {@linkcode SpanContext},
 * following W3C Trace Context Level 2: version `00` has exactly four fields;
 * a higher version is read on its first four fields, with anything after
 * them only behind a `-`; version `ff`, all-zero ids, upper-case hex and
 * wrong lengths are invalid. Only the sampled (0x01) and random (0x02) flags
 * are kept. Surrounding spaces and tabs are ignored.
 *
 * @param value The header value.
 * @param traceState The `tracestate` value to carry. One that is not a valid
 *   `tracestate` value (each key once) is left out and counted in
 *   `propagationStats()`; `TraceState.parse` makes a valid one from headers.
 * @returns The context with `isRemote` true, or `undefined` when the value is invalid.
 *
 * @example
 * ```ts
 * import { parseTraceparent } from "@codomyrmex/spans";
 * import assert from "node:assert/strict";
 *
 * const ctx = parseTraceparent("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-03");
 * assert.equal(ctx?.traceId, "0af7651916cd43dd8448eb211c80319c");
 * assert.equal(ctx?.spanId, "b7ad6b7169203331");
 * assert.equal(ctx?.traceFlags, 3);
 * assert.equal(ctx?.isRemote, true);
 * assert.equal(parseTraceparent("ff-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"), undefined);
 * ```
 */
export function parseTraceparent(value: string, traceState?: string): SpanContext | undefined {
  if (typeof value !== "string" || value.length > MAX_TRACEPARENT_LENGTH) return undefined;
  let start = 0;
  let end = value.length;
  while (start < end && isOws(value.charCodeAt(start))) start++;
  while (end > start && isOws(value.charCodeAt(end - 1))) end--;
  const s = start === 0 && end === value.length ? value : value.slice(start, end);
  // version "-" trace-id "-" parent-id "-" trace-flags: 2+1+32+1+16+1+2.
  if (s.length < 55) return undefined;
  const v1 = hexAt(s, 0);
  const v2 = hexAt(s, 1);
  if (v1 < 0 || v2 < 0 || s.charCodeAt(2) !== 0x2d) return undefined;
  const version = v1 * 16 + v2;
  if (version === 0xff) return undefined;
  if (version === 0 ? s.length !== 55 : s.length > 55 && s.charCodeAt(55) !== 0x2d) {
    return undefined;
  }
  // A comma is in no version's alphabet: it is how two traceparent headers
  // read once joined ("a, b"), and two mean no trace to continue (the W3C
  // suite's test_traceparent_duplicated). Version 00 is caught by its length.
  if (version !== 0 && s.length > 55 && s.includes(",", 55)) return undefined;
  if (s.charCodeAt(35) !== 0x2d || s.charCodeAt(52) !== 0x2d) return undefined;
  if (!isNonZeroHex(s, 3, 35) || !isNonZeroHex(s, 36, 52)) return undefined;
  const f1 = hexAt(s, 53);
  const f2 = hexAt(s, 54);
  if (f1 < 0 || f2 < 0) return undefined;
  if (traceState !== undefined && !isValidTraceState(traceState)) {
    countDrop("tracestate");
    traceState = undefined;
  }
  return createTrustedSpanContext(
    s.slice(3, 35),
    s.slice(36, 52),
    undefined,
    (f1 * 16 + f2) & KNOWN_FLAGS,
    traceState,
    true,
  );
}

const FLAG_HEX: readonly string[] = ["00", "01", "02", "03"];

/**
 * Formats a context as a version `00` `traceparent` value. Flag bits other
 * than sampled and random are cleared, as the specification requires.
 *
 * @param context The span's context.
 * @returns The header value.
 * @throws {TypeError} When `context` is not an object.
 *
 * @example
 * ```ts
 * import { formatTraceparent, SpanContext } from "@codomyrmex/spans";
 * import assert from "node:assert/strict";
 *
 * const ctx = new SpanContext({
 *   traceId: "0af7651916cd43dd8448eb211c80319c",
 *   spanId: "b7ad6b7169203331",
 *   traceFlags: 0xff,
 * });
 * assert.equal(formatTraceparent(ctx), "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-03");
 * ```
 */
export function formatTraceparent(context: SpanContext): string {
  if (typeof context !== "object" || context === null) {
    throw new TypeError(
      `Cannot format traceparent: context must be a SpanContext, got ${describe(context)}`,
    );
  }
  return `00-${context.traceId}-${context.spanId}-${FLAG_HEX[context.traceFlags & KNOWN_FLAGS]}`;
}
