// Internal: OpenTelemetry's rule for a `null` or `undefined` attribute value
// at the top level, for the spans code written against its API makes. Its
// SDK's span skips such a value without counting it (setAttribute returns at
// `value == null`), and its instrumentations rely on that: the HTTP one sets
// `user_agent.original` to `undefined` on every request without the header.
// This library's own Span API drops and counts one (README, "Typed
// attributes"); through the API, counting would mark every such span as
// having lost an attribute.

/** Whether `value` is one the OpenTelemetry SDK skips without a word. */
export function isNullish(value: unknown): value is null | undefined {
  return value === undefined || value === null;
}

/**
 * `attributes` without its `null` and `undefined` values: the object itself
 * when it has none (the usual case: nothing copied), else a copy. A record
 * that cannot be read (a getter or `Proxy` trap that throws) is returned as
 * it is, for the span to drop and count what it cannot read.
 */
export function withoutNullish<T extends object>(attributes: T): T {
  let copy: Record<string, unknown> | undefined;
  try {
    const keys = Object.keys(attributes);
    const record = attributes as Record<string, unknown>;
    for (let i = 0; i < keys.length; i++) {
      const value = record[keys[i]];
      if (copy !== undefined) {
        if (!isNullish(value)) copy[keys[i]] = value;
      } else if (isNullish(value)) {
        copy = {};
        for (let j = 0; j < i; j++) copy[keys[j]] = record[keys[j]];
      }
    }
  } catch {
    return attributes;
  }
  return (copy ?? attributes) as T;
}
