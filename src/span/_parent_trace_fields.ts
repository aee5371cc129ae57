// Internal: a span's parent's trace flags and trace state, kept only where
// they differ from the span's own. A span takes its parent's flags with its
// own sampled bit, and its parent's trace state unless its sampler returned
// another, so in nearly every trace the parent's are the span's and nothing
// is kept. OpenTelemetry's ReadableSpan exposes "the full parent
// SpanContext" (trace/sdk.md), which ./otel makes from these.

import type { Span } from "./span.ts";

/** The parent's fields that a span's sampler may have changed for the span. */
export interface ParentTraceFields {
  readonly traceFlags: number;
  readonly traceState: string | undefined;
}

const differing = new WeakMap<Span, ParentTraceFields>();

/** Keeps `span`'s parent's flags and trace state, which differ from the span's. */
export function keepParentTraceFields(
  span: Span,
  traceFlags: number,
  traceState: string | undefined,
): void {
  differing.set(span, { traceFlags, traceState });
}

/** `span`'s parent's flags and trace state where they differ from its own. */
export function parentTraceFieldsOf(span: Span): ParentTraceFields | undefined {
  return differing.get(span);
}
