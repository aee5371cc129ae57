// Internal: a span's ids and flags as this library reads them, without
// creating its context. A Tracer's span keeps its ids itself and makes its
// SpanContext only when `span.context` is first read (most never are: the
// processors, the encoders and the Tracer finding a parent read the ids
// here). span.ts installs the accessors of its private fields as it loads;
// this file reads span_context.ts only inside functions.

import type { Span } from "./span.ts";
import { type SpanContext, TraceFlags } from "./span_context.ts";

/**
 * Given as a Span's context, tells its constructor to take the ids that
 * follow as arguments as they are, and to make its context only when asked.
 * Never a real context: nothing outside the Tracer passes it.
 */
export const IDS_FOLLOW = Object.freeze({}) as SpanContext;

/** The accessors span.ts installs. */
export interface SpanIdAccess {
  traceId(span: Span): string;
  spanId(span: Span): string;
  madeTraceId(span: Span): string | undefined;
  parentSpanId(span: Span): string | undefined;
  traceFlags(span: Span): number;
  traceState(span: Span): string | undefined;
  isRemote(span: Span): boolean;
  idBytes(span: Span): Uint8Array | undefined;
  idAt(span: Span): number;
}

let access: SpanIdAccess;

/** Called once by span.ts with the accessors of its private fields. */
export function installSpanIdAccess(accessors: SpanIdAccess): void {
  access = accessors;
}

/** `span`'s trace id. */
export function traceIdOf(span: Span): string {
  return access.traceId(span);
}

/**
 * `span`'s trace id if it was read as hex already; `undefined` while it is
 * only bytes (a root whose ids were drawn from the pool and never read).
 */
export function madeTraceIdOf(span: Span): string | undefined {
  return access.madeTraceId(span);
}

/** `span`'s span id. */
export function spanIdOf(span: Span): string {
  return access.spanId(span);
}

/** `span`'s parent's span id; `undefined` for a root. */
export function parentSpanIdOf(span: Span): string | undefined {
  return access.parentSpanId(span);
}

/** `span`'s W3C trace flags. */
export function traceFlagsOf(span: Span): number {
  return access.traceFlags(span);
}

/** Whether `span` is sampled (its trace flags' sampled bit), which exporting processors ask. */
export function isSampledOf(span: Span): boolean {
  return (access.traceFlags(span) & TraceFlags.SAMPLED) !== 0;
}

/** `span`'s trace state. */
export function traceStateOf(span: Span): string | undefined {
  return access.traceState(span);
}

/** Whether `span`'s context is remote (only ever for a context given to `new Span`). */
export function isRemoteOf(span: Span): boolean {
  return access.isRemote(span);
}

/** The bytes `span`'s ids were drawn from (see _id_bytes.ts); `undefined` when it has none. */
export function spanIdBytesOf(span: Span): Uint8Array | undefined {
  return access.idBytes(span);
}

/** Where `span`'s span id starts in {@linkcode spanIdBytesOf}. */
export function spanIdAtOf(span: Span): number {
  return access.idAt(span);
}
