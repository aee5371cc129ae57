// Shared by the viewer's tests: what the viewer must give back for one of
// this library's spans. Not a test file itself.

import type { Span } from "../mod.ts";

/**
 * A span as the viewer's decoders and API give it: `toJSON()`'s fields (with
 * the dropped-attribute counts of events and links), then service, resource
 * and scope. As plain JSON data, ready for `deepEqual`.
 */
export function expectedReceived(span: Span, resourceAttributes: Record<string, unknown>): unknown {
  const json = span.toJSON();
  return JSON.parse(JSON.stringify({
    ...json,
    events: json.events.map((e, i) => ({
      ...e,
      droppedAttributesCount: span.events[i].droppedAttributesCount,
    })),
    links: json.links.map((l, i) => ({
      ...l,
      droppedAttributesCount: span.links[i].droppedAttributesCount,
    })),
    service: String(resourceAttributes["service.name"] ?? "unknown_service"),
    resource: { attributes: resourceAttributes, droppedAttributesCount: 0 },
    scope: {
      name: span.instrumentationScope?.name ?? "",
      version: span.instrumentationScope?.version ?? "",
      attributes: {},
      droppedAttributesCount: 0,
    },
  }));
}
