// Internal: the span an OpenTelemetry processor on this entry's
// TracerProvider is given in onStart. The SDK gives its own span there, which
// is both a `Span` (a processor may set attributes, the common use being to
// copy baggage onto it) and a `ReadableSpan`; this is one of this library's
// live spans seen both ways. The same object reaches the processor's onEnd,
// as the SDK's does, so a processor that keeps the spans it saw start can
// find them again.

import type {
  Attributes as OtelAttributes,
  HrTime,
  Link,
  SpanContext as OtelSpanContext,
  SpanKind as OtelSpanKind,
  SpanStatus,
} from "@opentelemetry/api";
import type { Span } from "../span/span.ts";
import { ApiSpan } from "./_api_span.ts";
import { OTEL_KINDS } from "./_mapping.ts";
import { ORIGINAL_SPAN, readableSpanOf } from "./_readable_span.ts";
import type {
  OtelInstrumentationScope,
  OtelReadableSpan,
  OtelResource,
  OtelTimedEvent,
} from "./_sdk_types.ts";

const NO_SCOPE: OtelInstrumentationScope = Object.freeze({ name: "" });

/**
 * One of this library's spans as the SDK's span: the API `Span`'s methods
 * write to it (see OtelSpanView), the `ReadableSpan`'s fields read it as it
 * is now.
 */
export class ProcessorSpan extends ApiSpan implements OtelReadableSpan {
  /** The provider's resource. */
  readonly resource: OtelResource;
  // The ReadableSpan fields once the span has ended: it no longer changes,
  // and exporters read every field, events and links more than once.
  #final: OtelReadableSpan | undefined;

  constructor(span: Span, resource: OtelResource) {
    super(span);
    this.resource = resource;
  }

  get name(): string {
    return this.span.name;
  }

  get kind(): OtelSpanKind {
    return OTEL_KINDS[this.span.kind];
  }

  get parentSpanContext(): OtelSpanContext | undefined {
    return this.#read().parentSpanContext;
  }

  get startTime(): HrTime {
    return this.#read().startTime;
  }

  get endTime(): HrTime {
    return this.#read().endTime;
  }

  get duration(): HrTime {
    return this.#read().duration;
  }

  get status(): SpanStatus {
    return this.#read().status;
  }

  get attributes(): OtelAttributes {
    return this.span.attributes as OtelAttributes;
  }

  get links(): Link[] {
    return this.#read().links;
  }

  get events(): OtelTimedEvent[] {
    return this.#read().events;
  }

  get ended(): boolean {
    return this.span.ended;
  }

  get instrumentationScope(): OtelInstrumentationScope {
    return this.span.instrumentationScope ?? NO_SCOPE;
  }

  get droppedAttributesCount(): number {
    return this.span.droppedAttributesCount;
  }

  get droppedEventsCount(): number {
    return this.span.droppedEventsCount;
  }

  get droppedLinksCount(): number {
    return this.span.droppedLinksCount;
  }

  #read(): OtelReadableSpan {
    const final = this.#final;
    if (final !== undefined) return final;
    const readable = readableSpanOf(this.span, this.resource);
    if (this.span.ended) this.#final = readable;
    return readable;
  }
}

// The span it came from, for this library's exporters behind toOtelExporter
// (set here: a computed key cannot be declared with isolatedDeclarations).
Object.defineProperty(ProcessorSpan.prototype, ORIGINAL_SPAN, {
  get(this: ProcessorSpan): Span {
    return this.span;
  },
});

const processorSpans = new WeakMap<Span, ProcessorSpan>();

/**
 * The SDK-shaped span every OpenTelemetry processor of a provider is given
 * for `span`, in onStart and onEnd alike: the same object every time.
 */
export function processorSpanOf(span: Span, resource: OtelResource): ProcessorSpan {
  let view = processorSpans.get(span);
  if (view === undefined) {
    view = new ProcessorSpan(span, resource);
    processorSpans.set(span, view);
  }
  return view;
}
