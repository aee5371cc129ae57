// Internal: the `k1=v1,k2=v2` lists of OTEL_EXPORTER_OTLP_HEADERS and
// OTEL_RESOURCE_ATTRIBUTES.

/** What {@linkcode parseKeyValueList} found. */
export interface KeyValueList {
  /** The well-formed entries, decoded. */
  readonly entries: Record<string, string>;
  /**
   * One line per malformed entry, naming its position and, when it has
   * one, its key: never a value, which may be a secret (a header's).
   */
  readonly problems: readonly string[];
}

// An HTTP token (RFC 9110): what a header name is made of.
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/**
 * How a message may name an entry's key: quoted when it is a plain token
 * (a header name), else not at all (`undefined`), because a "key" with
 * spaces or other characters may be a credential that lost its own key
 * (`Basic dXNlcjpwYXNz==` parses as the key `Basic dXNlcjpwYXNz`).
 */
export function quotedKey(key: string): string | undefined {
  return TOKEN.test(key) ? JSON.stringify(key) : undefined;
}

/**
 * Parses a W3C-Baggage-like list, `k1=v1,k2=v2`, with percent-encoded
 * values, as `OTEL_EXPORTER_OTLP_HEADERS` and `OTEL_RESOURCE_ATTRIBUTES`
 * use. Malformed entries are skipped and described without their values.
 */
export function parseKeyValueList(value: string): KeyValueList {
  const entries: Record<string, string> = {};
  const problems: string[] = [];
  const parts = value.split(",");
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i];
    const position = i + 1;
    if (part.trim() === "") continue;
    const eq = part.indexOf("=");
    const key = eq < 0 ? "" : part.slice(0, eq).trim();
    if (key === "") {
      // No key to name: the text may be the tail of a value that held a
      // comma (a token), so only its position is told.
      problems.push(`entry ${position} is not key=value`);
      continue;
    }
    let name: string;
    try {
      name = decodeURIComponent(key);
    } catch {
      problems.push(`the key of entry ${position} is not valid percent-encoding`);
      continue;
    }
    try {
      Object.defineProperty(entries, name, {
        value: decodeURIComponent(part.slice(eq + 1).trim()),
        writable: true,
        enumerable: true,
        configurable: true,
      });
    } catch {
      problems.push(
        `the value of ${quotedKey(name) ?? `entry ${position}`} is not valid percent-encoding`,
      );
    }
  }
  return { entries, problems };
}

/**
 * Merges header records, later ones winning. Header names are
 * case-insensitive (RFC 9110, 5.1): `X-Api-Key` and `x-api-key` are one
 * header, so a later spelling replaces an earlier one instead of being sent
 * beside it (which `fetch` would join as `"a, b"`). The winner keeps its
 * spelling.
 */
export function mergeHeaders(
  ...records: (Readonly<Record<string, string>> | undefined)[]
): Record<string, string> {
  const merged: Record<string, string> = {};
  const spelling = new Map<string, string>();
  for (const record of records) {
    if (record === undefined) continue;
    for (const key of Object.keys(record)) {
      const lower = key.toLowerCase();
      const earlier = spelling.get(lower);
      if (earlier !== undefined) delete merged[earlier];
      spelling.set(lower, key);
      Object.defineProperty(merged, key, {
        value: record[key],
        writable: true,
        enumerable: true,
        configurable: true,
      });
    }
  }
  return merged;
}
