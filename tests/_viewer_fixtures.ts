// Shared by the viewer's tests: what the viewer must give back for one of
// this library's spans. Not a test file itself.

import type { Span } from "../mod.ts";
import { hasRemoteParent } from "../src/span/_remote_parent.ts";

/** The schema URLs a request gave its resource's and its scope's groups. */
export interface SchemaUrls {
  readonly resource?: string;
  readonly scope?: string;
}

/**
 * A span as the viewer's decoders and API give it: `toJSON()`'s fields (with
 * the dropped-attribute counts of events and links, and the trace flags and
 * remote-ness of linked contexts), whether the parent is remote, then
 * service, resource and scope with their schema URLs. As plain JSON data,
 * ready for `deepEqual`.
 */
export function expectedReceived(
  span: Span,
  resourceAttributes: Record<string, unknown>,
  schemaUrls: SchemaUrls = {},
): unknown {
  const json = span.toJSON();
  return JSON.parse(JSON.stringify({
    ...json,
    parentIsRemote: hasRemoteParent(span),
    events: json.events.map((e, i) => ({
      ...e,
      droppedAttributesCount: span.events[i].droppedAttributesCount,
    })),
    links: json.links.map((l, i) => ({
      ...l,
      traceFlags: span.links[i].context.traceFlags,
      isRemote: span.links[i].context.isRemote,
      droppedAttributesCount: span.links[i].droppedAttributesCount,
    })),
    service: String(resourceAttributes["service.name"] ?? "unknown_service"),
    resource: {
      attributes: resourceAttributes,
      droppedAttributesCount: 0,
      schemaUrl: schemaUrls.resource ?? "",
    },
    scope: {
      name: span.instrumentationScope?.name ?? "",
      version: span.instrumentationScope?.version ?? "",
      attributes: {},
      droppedAttributesCount: 0,
      schemaUrl: schemaUrls.scope ?? "",
    },
  }));
}
