// Internal: reads and writes one header of a carrier, a Headers object or a
// plain record, without regard to the case of its name.

import type { HeaderCarrier } from "./carrier.ts";

/** What of `Headers` the carrier is read and written through. */
interface HeadersLike {
  get(name: string): string | null | undefined;
  set(name: string, value: string): void;
  delete(name: string): void;
}

/**
 * Internal: whether the carrier is a `Headers`: the global one, or another
 * implementation (a fetch polyfill's, the undici package's, another realm's)
 * with `get`, `set` and `delete`. Those keep their entries out of sight, so
 * a property set on one is never sent and none can be read. A header record
 * holds strings, never such methods.
 */
function isHeadersLike(carrier: unknown): carrier is HeadersLike {
  if (typeof Headers !== "undefined" && carrier instanceof Headers) return true;
  if (typeof carrier !== "object" || carrier === null) return false;
  const c = carrier as Partial<Record<keyof HeadersLike, unknown>>;
  return typeof c.get === "function" && typeof c.set === "function" &&
    typeof c.delete === "function";
}

/**
 * Internal: every value of header `name` (lowercase), in order, or an empty
 * array. A `Headers` object has already combined repeats into one value.
 */
export function readHeader(carrier: HeaderCarrier, name: string): readonly string[] {
  try {
    if (isHeadersLike(carrier)) {
      const value = carrier.get(name);
      return typeof value === "string" ? [value] : [];
    }
    if (typeof carrier !== "object" || carrier === null) return [];
    const record = carrier as Record<string, unknown>;
    const out: string[] = [];
    // The lowercase name is the common case and costs one look-up; other
    // spellings need a scan, which a header record keeps short.
    if (Object.hasOwn(record, name)) push(out, record[name]);
    for (const key in record) {
      if (key !== name && key.length === name.length && key.toLowerCase() === name) {
        push(out, record[key]);
      }
    }
    return out;
  } catch {
    // A carrier with a throwing getter is malformed input, not a crash.
    return [];
  }
}

function push(out: string[], value: unknown): void {
  if (typeof value === "string") out.push(value);
  else if (typeof value === "number") out.push(String(value));
  else if (Array.isArray(value)) {
    for (const v of value) if (typeof v === "string") out.push(v);
  }
}

/**
 * Internal: sets header `name` (lowercase) to `value`, replacing any value
 * under another spelling of the name; `undefined` removes the header.
 */
export function writeHeader(
  carrier: HeaderCarrier,
  name: string,
  value: string | undefined,
): void {
  if (isHeadersLike(carrier)) {
    if (value === undefined) carrier.delete(name);
    else carrier.set(name, value);
    return;
  }
  const record = carrier as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    if (key !== name && key.length === name.length && key.toLowerCase() === name) {
      delete record[key];
    }
  }
  if (value === undefined) delete record[name];
  else record[name] = value;
}
