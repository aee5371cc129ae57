// Internal: an OpenTelemetry ReadableSpan rebuilt as this library's Span,
// so this library's exporters can sit behind OpenTelemetry's processors.

import type { Attributes, ResolvedSpanLimits } from "../span/attributes.ts";
import { type InstrumentationScope, Span, type SpanEvent, type SpanLink } from "../span/span.ts";
import { hrTimeToMs, spanTimeFromOtel } from "../span/_hrtime.ts";
import { fromOtelSpanContext, linkFromOtel, statusCodeFromOtel } from "../span/_otel_span_view.ts";
import { KIND_NAMES } from "./_mapping.ts";
import { markRemoteParent } from "../span/_remote_parent.ts";
import { ORIGINAL_SPAN } from "./_readable_span.ts";
import type { OtelReadableSpan } from "./_sdk_types.ts";

type OtelLink = OtelReadableSpan["links"][number];
type OtelEvent = OtelReadableSpan["events"][number];

// The SDK already applied its limits; these keep everything it kept.
const NO_LIMITS: ResolvedSpanLimits = Object.freeze({
  attributeCountLimit: Infinity,
  attributeValueLengthLimit: Infinity,
  eventCountLimit: Infinity,
  linkCountLimit: Infinity,
  attributePerEventCountLimit: Infinity,
  attributePerLinkCountLimit: Infinity,
});

// A Span whose dropped counts include what the SDK dropped before us.
class ImportedSpan extends Span {
  droppedBySdk = [0, 0, 0];
  eventDrops: number[] = [];
  linkDrops: number[] = [];

  override get droppedAttributesCount(): number {
    return super.droppedAttributesCount + this.droppedBySdk[0];
  }
  override get droppedEventsCount(): number {
    return super.droppedEventsCount + this.droppedBySdk[1];
  }
  override get droppedLinksCount(): number {
    return super.droppedLinksCount + this.droppedBySdk[2];
  }
  override get events(): readonly SpanEvent[] {
    const drops = this.eventDrops;
    return super.events.map((e, i) =>
      drops[i] ? { ...e, droppedAttributesCount: e.droppedAttributesCount + drops[i] } : e
    );
  }
  override get links(): readonly SpanLink[] {
    const drops = this.linkDrops;
    return super.links.map((l, i) =>
      drops[i] ? { ...l, droppedAttributesCount: l.droppedAttributesCount + drops[i] } : l
    );
  }

  // Adds an event the SDK kept, with the attributes it dropped from it. One
  // that addEvent drops (a time OTLP cannot carry: the SDK keeps an invalid
  // Date's as [NaN, NaN]) it counts itself; its drops must not pass to the
  // event after it, as eventDrops is indexed by the events kept.
  importEvent(event: OtelEvent): void {
    const kept = super.events.length;
    this.addEvent(event.name, event.attributes as Attributes | undefined, hrTimeToMs(event.time));
    if (super.events.length > kept) this.eventDrops.push(event.droppedAttributesCount ?? 0);
  }

  // Adds a link the SDK kept, with the attributes it dropped from it. One
  // that addLink drops (invalid ids, or all-zero ids with nothing on it) it
  // counts itself, so droppedBySdk holds only what the SDK dropped.
  importLink(link: OtelLink): void {
    const { context, attributes } = linkFromOtel(link);
    const kept = super.links.length;
    this.addLink(context, attributes);
    if (super.links.length > kept) this.linkDrops.push(link.droppedAttributesCount ?? 0);
  }
}

/**
 * Returns the span a ReadableSpan was made from (when it came from
 * `toReadableSpan`), or rebuilds one. `undefined` when its ids are invalid.
 */
export function fromReadableSpan(readable: OtelReadableSpan): Span | undefined {
  const original = (readable as { [ORIGINAL_SPAN]?: Span })[ORIGINAL_SPAN];
  if (original !== undefined) return original;
  const sc = readable.spanContext();
  const context = fromOtelSpanContext(sc, readable.parentSpanContext?.spanId);
  if (context === undefined) return undefined;
  const scope = readable.instrumentationScope;
  const remoteParent = readable.parentSpanContext?.isRemote === true;
  const span = new ImportedSpan(readable.name, context, KIND_NAMES[readable.kind] ?? "internal", {
    limits: NO_LIMITS,
    instrumentationScope: scopeOf(scope),
  });
  // OTLP's flags say whether the parent was remote; keep what the SDK knew.
  if (remoteParent) markRemoteParent(span);
  span.start(spanTimeFromOtel(hrTimeToMs(readable.startTime)));
  span.setAttributes((readable.attributes ?? {}) as Attributes);
  for (const e of readable.events ?? []) span.importEvent(e);
  for (const l of readable.links ?? []) span.importLink(l);
  const status = readable.status;
  span.setStatus(statusCodeFromOtel(status?.code), status?.message);
  span.droppedBySdk = [
    readable.droppedAttributesCount ?? 0,
    readable.droppedEventsCount ?? 0,
    readable.droppedLinksCount ?? 0,
  ];
  span.end(spanTimeFromOtel(hrTimeToMs(readable.endTime)));
  return span;
}

// The SDK's scope as this library's: its name, and its version and schema
// URL when it has them (the SDK's tracer sets both keys, undefined or not).
function scopeOf(
  scope: OtelReadableSpan["instrumentationScope"] | undefined,
): InstrumentationScope {
  const result: { name: string; version?: string; schemaUrl?: string } = {
    name: scope?.name ?? "",
  };
  if (scope?.version !== undefined) result.version = scope.version;
  if (typeof scope?.schemaUrl === "string" && scope.schemaUrl !== "") {
    result.schemaUrl = scope.schemaUrl;
  }
  return result;
}
