// Internal: OpenTelemetry span processors as processors of this entry's
// TracerProvider. Each gets what the SDK's provider would give it: onStart
// with the live span (read and write, see _processor_span.ts) and the
// context it started in, onEnd with a ReadableSpan of the provider's
// resource.

import type { Span } from "../span/span.ts";
import type { SpanProcessor } from "../trace/span_processor.ts";
import { markNoopStart } from "../trace/_processor_fan_out.ts";
import { BatchSpanProcessor } from "./batch_span_processor.ts";
import { givenResource } from "./_otel_resource.ts";
import { processorSpanOf } from "./_processor_span.ts";
import { readableSpanOf } from "./_readable_span.ts";
import { sdk } from "./_sdk.ts";
import type { OtelResource, OtelSpanProcessor } from "./_sdk_types.ts";
import { SimpleSpanProcessor } from "./simple_span_processor.ts";
import { startContext } from "./_start_context.ts";

// The onStart methods known to do nothing: the SDK's processors', and this
// entry's. A processor with one of these is left out of the start loop, so
// its spans cost no view; one that overrides it is called.
const NOOP_STARTS: ReadonlySet<unknown> = new Set<unknown>([
  SimpleSpanProcessor.prototype.onStart,
  BatchSpanProcessor.prototype.onStart,
  sdk?.SimpleSpanProcessor.prototype.onStart,
  sdk?.BatchSpanProcessor.prototype.onStart,
  sdk?.NoopSpanProcessor?.prototype.onStart,
]);

// And so is such a processor given as this library's own (a Tracer's or
// the provider's processors): its spans make no parent context.
for (const onStart of NOOP_STARTS) markNoopStart(onStart);

/** Whether `processor` has an onStart that does something. */
function startsSpans(processor: OtelSpanProcessor): boolean {
  const onStart = processor.onStart;
  return typeof onStart === "function" && !NOOP_STARTS.has(onStart);
}

/**
 * Whether `processor` has an onEnding (SDK 2's OnEnding): it is given the
 * SDK-shaped span as the span ends, still writable, and that same object
 * again in onEnd, as the SDK gives it.
 */
function endsSpans(processor: OtelSpanProcessor): boolean {
  return typeof processor.onEnding === "function";
}

/** Whether `processor` is this entry's SimpleSpanProcessor or BatchSpanProcessor. */
export function isEntryProcessor(processor: unknown): processor is OtelSpanProcessor {
  return processor instanceof SimpleSpanProcessor || processor instanceof BatchSpanProcessor;
}

/**
 * One of this entry's processors as given in a TracerProvider's
 * `processors`: it takes this library's spans as they are and converts them
 * with its own resource; an onStart of its own (a subclass's) is given the
 * SDK-shaped span and the parent context, as in an SDK provider.
 */
export function withOtelStart(
  processor: OtelSpanProcessor & SpanProcessor,
  resource: OtelResource,
): SpanProcessor {
  if (!startsSpans(processor) && !endsSpans(processor)) return processor;
  return adapt(processor, resource, startsSpans(processor), asItIs);
}

// How this entry's processors given their own resource take an ended span.
const asItIs = (span: Span): Span => span;

// A processor of this library that hands `processor` each ended span as
// `ended` makes it, and, when it `starts` spans, the SDK-shaped span and the
// parent context at start.
function adapt(
  processor: OtelSpanProcessor,
  resource: OtelResource,
  starts: boolean,
  ended: (span: Span) => unknown,
): SpanProcessor {
  const adapter: SpanProcessor = {
    onEnd: (span: Span) => processor.onEnd(ended(span) as never),
    forceFlush: () => processor.forceFlush(),
    shutdown: () => processor.shutdown(),
  };
  if (starts) {
    adapter.onStart = (span: Span) =>
      processor.onStart(processorSpanOf(span, resource) as never, startContext());
  }
  if (endsSpans(processor)) {
    adapter.onEnding = (span: Span) =>
      processor.onEnding!(processorSpanOf(span, resource) as never);
  }
  return adapter;
}

// The adapter made for each processor added to each provider: the same one
// every time, so a processor added twice is in the provider's list once, as
// the SDK's provider path (and the processors' own list) keeps it.
const adapters = new WeakMap<object, WeakMap<OtelSpanProcessor, SpanProcessor>>();

/**
 * An OpenTelemetry processor added to `provider` (through its
 * `spanProcessors` or addSpanProcessor). This entry's processors given their
 * own resource take this library's spans as they are; every other processor
 * sees the provider's resource, as documented (this entry's processors would
 * otherwise convert with the default resource, not the provider's).
 */
export function asOurProcessor(
  processor: OtelSpanProcessor,
  provider: { readonly resource: OtelResource },
): SpanProcessor {
  const ownResource = isEntryProcessor(processor) && givenResource.has(processor);
  const starts = startsSpans(processor);
  const ends = endsSpans(processor);
  if (ownResource && !starts && !ends) return processor as OtelSpanProcessor & SpanProcessor;
  let forProvider = adapters.get(provider);
  if (forProvider === undefined) adapters.set(provider, forProvider = new WeakMap());
  let adapter = forProvider.get(processor);
  if (adapter === undefined) {
    const resource = provider.resource;
    // An own-resource processor here starts or ends spans (one that does not was
    // returned above), as `starts` says: it is not asked again.
    adapter = adapt(
      processor,
      resource,
      starts,
      ownResource
        ? asItIs
        // Processors that start or end spans get the same object at the end,
        // as the SDK gives it; the others a ReadableSpan of the provider's resource.
        : starts || ends
        ? (span) => processorSpanOf(span, resource)
        : (span) => readableSpanOf(span, resource),
    );
    forProvider.set(processor, adapter);
  }
  return adapter;
}
