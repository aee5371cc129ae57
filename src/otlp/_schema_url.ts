// Internal: how a resource's schema URL merges, shared by this library's
// Resource and ./otel's plain resource.

/**
 * The schema URL of a merged resource: the updating resource's when it has
 * one (a resource from an older copy of this library, or an SDK resource,
 * may have none), else the old one's.
 */
export function mergedSchemaUrl(
  old: string | undefined,
  updating: { readonly schemaUrl?: unknown },
): string | undefined {
  const url: unknown = updating.schemaUrl;
  return typeof url === "string" && url !== "" ? url : old;
}
