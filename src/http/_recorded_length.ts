// Internal: the bound on how much of a request the HTTP instrumentation
// records. URLs, the Host header and the User-Agent are chosen by whoever
// sends the request, so without a bound a queue of spans is as large as an
// attacker makes it.

import { describe } from "../platform/_describe.ts";
import { truncateString } from "../platform/_truncate.ts";

/**
 * Characters kept of each string the HTTP instrumentation records, unless
 * its `maxRecordedLength` option says otherwise: 2,048, as long as the URLs
 * most clients and servers accept.
 */
export const DEFAULT_MAX_RECORDED_LENGTH = 2048;

// Engines copy short cuts instead of sharing them (V8 below 13 characters):
// a value this short holds nothing worth copying.
const MIN_SHARED_LENGTH = 13;

const METHOD = "http.request.method";

/**
 * Checks a `maxRecordedLength` option.
 *
 * @param value The option; `undefined` gives the default.
 * @param action What the caller was doing, for the error message.
 * @returns The bound.
 * @throws {RangeError} When it is not a non-negative integer or `Infinity`.
 */
export function resolveMaxRecordedLength(value: unknown, action: string): number {
  if (value === undefined) return DEFAULT_MAX_RECORDED_LENGTH;
  if (
    typeof value !== "number" || !(value >= 0) ||
    (value !== Infinity && !Number.isInteger(value))
  ) {
    throw new RangeError(
      `Cannot ${action}: maxRecordedLength must be a non-negative integer or Infinity, got ${
        describe(value)
      }`,
    );
  }
  return value;
}

/**
 * Cuts every string value of `attributes` longer than `maxLength`, except
 * `http.request.method` (a method of the known list, or `_OTHER`), in place,
 * to an independent copy, so the request's own strings are not kept alive.
 * A short value can still be a view into a long string it was cut from (V8
 * and JavaScriptCore return `url.pathname` as a slice of `url.href`), so
 * when `fromLongSource` says the strings came from one longer than
 * `maxLength`, every string value is copied.
 *
 * @param attributes Attributes built from a request.
 * @param maxLength The bound.
 * @param fromLongSource Whether the values were cut from a string longer than `maxLength`.
 * @returns The same object.
 */
export function capRecorded<T extends Record<string, string | number>>(
  attributes: T,
  maxLength: number,
  fromLongSource: boolean,
): T {
  for (const key in attributes) {
    const value = attributes[key];
    // The method is one of the known list or `_OTHER` (an unknown one is in
    // `http.request.method_original`, which is cut): cut, it is no method.
    if (typeof value !== "string" || key === METHOD) continue;
    if (value.length > maxLength || (fromLongSource && value.length >= MIN_SHARED_LENGTH)) {
      (attributes as Record<string, string | number>)[key] = truncateString(value, maxLength);
    }
  }
  return attributes;
}
