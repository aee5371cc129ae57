// Internal: the `k1=v1,k2=v2` lists of OTEL_EXPORTER_OTLP_HEADERS and
// OTEL_RESOURCE_ATTRIBUTES.

/**
 * Parses a W3C-Baggage-like list, `k1=v1,k2=v2`, with percent-encoded
 * values, as `OTEL_EXPORTER_OTLP_HEADERS` and `OTEL_RESOURCE_ATTRIBUTES`
 * use. Malformed entries are skipped; the result says whether any were.
 */
export function parseKeyValueList(
  value: string,
): { entries: Record<string, string>; malformed: boolean } {
  const entries: Record<string, string> = {};
  let bad = false;
  for (const part of value.split(",")) {
    if (part.trim() === "") continue;
    const eq = part.indexOf("=");
    const key = eq < 0 ? "" : part.slice(0, eq).trim();
    if (key === "") {
      bad = true;
      continue;
    }
    try {
      const decoded = decodeURIComponent(part.slice(eq + 1).trim());
      Object.defineProperty(entries, decodeURIComponent(key), {
        value: decoded,
        writable: true,
        enumerable: true,
        configurable: true,
      });
    } catch {
      bad = true;
    }
  }
  return { entries, malformed: bad };
}
