// Internal: resources in the shape OpenTelemetry exporters read, made
// without @opentelemetry/resources, and the `resource` option resolved once
// per exporter or provider rather than per span.

import type { Attributes, AttributeValue } from "@opentelemetry/api";
import { defaultOtlpResource } from "../otlp/_default_resource.ts";
import { Resource } from "../otlp/resource.ts";
import { mergedSchemaUrl } from "../otlp/_schema_url.ts";
import type { OtelResource } from "./_sdk_types.ts";

/**
 * A resource with known attributes (and a schema URL, if any), as
 * `@opentelemetry/resources` would make it.
 */
class PlainResource implements OtelResource {
  readonly attributes: Attributes;
  readonly asyncAttributesPending = false;
  readonly schemaUrl: string | undefined;

  constructor(attributes: Attributes, schemaUrl?: string) {
    this.attributes = attributes;
    this.schemaUrl = schemaUrl;
  }

  waitForAsyncAttributes(): Promise<void> {
    return Promise.resolve();
  }

  merge(other: OtelResource | null): OtelResource {
    if (other === null || other === undefined) return this;
    // The schema URL as the SDK merges it, but for two that differ: the
    // updating one's, as this library's Resource.merge keeps it.
    return new PlainResource(
      { ...this.attributes, ...other.attributes },
      mergedSchemaUrl(this.schemaUrl, other),
    );
  }

  getRawAttributes(): [string, AttributeValue | undefined][] {
    return Object.entries(this.attributes);
  }
}

let fallback: OtelResource | undefined;

/**
 * This entry's processors that were given a `resource` option: added to a
 * registered TracerProvider, they keep it; the others take the provider's.
 */
export const givenResource: WeakSet<object> = new WeakSet();

/**
 * Resolves a `resource` option: an OpenTelemetry `Resource` as it is, this
 * library's `Resource` or plain attributes converted (invalid values
 * dropped). Without one, the resource this library's OTLP exporter uses
 * (`service.name` from `OTEL_SERVICE_NAME`, `OTEL_RESOURCE_ATTRIBUTES`, the
 * SDK and runtime).
 */
export function resolveResource(
  resource: OtelResource | Resource | Readonly<Record<string, unknown>> | undefined,
): OtelResource {
  if (resource === undefined || resource === null) {
    return fallback ??= new PlainResource(defaultOtlpResource().attributes as Attributes);
  }
  if (typeof (resource as OtelResource).getRawAttributes === "function") {
    return resource as OtelResource;
  }
  const ours = resource instanceof Resource
    ? resource
    : new Resource(resource as Readonly<Record<string, unknown>>);
  return new PlainResource(ours.attributes as Attributes, ours.schemaUrl);
}
