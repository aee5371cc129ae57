// Internal: the pass-through tracer a disabled setupTracing installs, as
// OpenTelemetry's no-op API (what a disabled SDK leaves behind) is: its spans
// record nothing and reach no processor, and each one's context IS its
// parent's (the same ids, flags and trace state), so the incoming trace is
// injected downstream unchanged and stays connected; a span with no parent
// has the invalid all-zero context, which is never injected. A tracer is a
// pass-through one when its sampler is PASS_THROUGH_SAMPLER, which never
// leaves this library: the Tracer compares its sampler with it once it has
// found the parent, before any ids or sampling, which such a span needs none
// of; a recording span pays that one comparison.

import { INVALID_SPAN_CONTEXT } from "../span/_invalid_span_context.ts";
import { Span, type SpanInit, type SpanKind } from "../span/span.ts";
import type { SpanContext } from "../span/span_context.ts";
import { AlwaysOffSampler } from "./sampler.ts";

/** The sampler that marks a pass-through tracer: it drops every span. */
export const PASS_THROUGH_SAMPLER: AlwaysOffSampler = Object.freeze(new AlwaysOffSampler());

/**
 * A pass-through span: not recording, started, its context its parent's
 * own (`parentSpan`'s, else `parent`), or the invalid one with no parent.
 */
export function passThroughSpan(
  name: string,
  kind: SpanKind,
  init: SpanInit,
  parentSpan: Span | undefined,
  parent: SpanContext | undefined,
): Span {
  const context = parentSpan !== undefined ? parentSpan.context : parent ?? INVALID_SPAN_CONTEXT;
  return new Span(name, context, kind, init).start();
}
