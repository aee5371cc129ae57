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
import type { Span, SpanEvent, SpanLink, SpanStatus as OurStatus } from "../span/span.ts";
import { hrTimeDiff, msToHrTime } from "../span/_hrtime.ts";
import { ApiSpan } from "./_api_span.ts";
import { OTEL_KINDS } from "./_mapping.ts";
import {
  ORIGINAL_SPAN,
  otelEvents,
  otelLinks,
  otelStatus,
  parentSpanContextOf,
} from "./_readable_span.ts";
import type {
  OtelInstrumentationScope,
  OtelReadableSpan,
  OtelResource,
  OtelTimedEvent,
} from "./_sdk_types.ts";

const NO_SCOPE: OtelInstrumentationScope = Object.freeze({ name: "" });
const UNREAD: unique symbol = Symbol("unread");

/**
 * One of this library's spans as the SDK's span: the API `Span`'s methods
 * write to it (see OtelSpanView), the `ReadableSpan`'s fields read it as it
 * is now.
 *
 * Each field that needs converting is made when first read and kept, with
 * what it was made from; a later read makes it again only when that has
 * changed (a status set, an event added, the span ended), so a processor
 * that reads several fields in onStart converts each once, and none it does
 * not read, and an exporter reading an ended span's fields again gets the
 * same objects.
 */
export class ProcessorSpan extends ApiSpan implements OtelReadableSpan {
  /** The provider's resource. */
  readonly resource: OtelResource;
  // The parent's ids never change: made once.
  #parent: OtelSpanContext | undefined | typeof UNREAD = UNREAD;
  // The times, each with the epoch milliseconds it was made from.
  #startMs = NaN;
  #startTime!: HrTime;
  #endMs = NaN;
  #endTime!: HrTime;
  #durationFrom: HrTime | undefined;
  #durationTo: HrTime | undefined;
  #duration!: HrTime;
  // The span's status object (replaced, never changed, when set).
  #statusOf: OurStatus | undefined;
  #status!: SpanStatus;
  // The span's event and link arrays are only ever appended to.
  readonly #events = new AppendedConversion<SpanEvent, OtelTimedEvent>(otelEvents);
  readonly #links = new AppendedConversion<SpanLink, Link>(otelLinks);

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
    const parent = this.#parent;
    return parent !== UNREAD ? parent : this.#parent = parentSpanContextOf(this.span);
  }

  get startTime(): HrTime {
    const ms = this.span.startTime ?? 0;
    if (ms !== this.#startMs) {
      this.#startMs = ms;
      this.#startTime = msToHrTime(ms);
    }
    return this.#startTime;
  }

  /** Until the span ends, its start, as toReadableSpan gives it. */
  get endTime(): HrTime {
    const ms = this.span.endTime;
    if (ms === undefined) return this.startTime;
    if (ms !== this.#endMs) {
      this.#endMs = ms;
      this.#endTime = msToHrTime(ms);
    }
    return this.#endTime;
  }

  get duration(): HrTime {
    const start = this.startTime;
    const end = this.endTime;
    if (start !== this.#durationFrom || end !== this.#durationTo) {
      this.#durationFrom = start;
      this.#durationTo = end;
      this.#duration = hrTimeDiff(start, end);
    }
    return this.#duration;
  }

  get status(): SpanStatus {
    const status = this.span.status;
    if (status !== this.#statusOf) {
      this.#statusOf = status;
      this.#status = otelStatus(status);
    }
    return this.#status;
  }

  get attributes(): OtelAttributes {
    return this.span.attributes as OtelAttributes;
  }

  get links(): Link[] {
    return this.#links.of(this.span.links);
  }

  get events(): OtelTimedEvent[] {
    return this.#events.of(this.span.events);
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
 * The SDK-shaped span processors were given in onStart for `span`, if any:
 * the object the API hands the application too, as the specification asks
 * ("the same Span instance ... that the span creation API returned").
 */
export function startedProcessorSpan(span: Span): ProcessorSpan | undefined {
  return processorSpans.get(span);
}

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

// The conversion of an array a span only appends to: what was converted is
// kept, and a later read converts only the entries added since (the whole
// array again when the span holds a new one).
class AppendedConversion<S, T> {
  readonly #convert: (items: readonly S[], from: number) => T[];
  #of: readonly S[] | undefined;
  #made: T[] = [];

  constructor(convert: (items: readonly S[], from: number) => T[]) {
    this.#convert = convert;
  }

  of(items: readonly S[]): T[] {
    if (items !== this.#of) {
      this.#of = items;
      this.#made = this.#convert(items, 0);
    } else if (items.length !== this.#made.length) {
      this.#made = this.#made.concat(this.#convert(items, this.#made.length));
    }
    return this.#made;
  }
}
