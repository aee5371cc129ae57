// Internal: cut a string to a length as a copy of its own.

/**
 * Returns the first `maxLength` UTF-16 code units of `value` (all of it when
 * it is shorter) as a string that does not keep `value` alive.
 * `value.slice` would not do: V8 and JavaScriptCore both return a view into
 * the original for all but the shortest cuts, so a 1 KB attribute cut from a
 * 1 MB string would hold the whole megabyte for as long as its span is
 * queued. A JSON round trip makes a new string on every engine; at worst the
 * result shares the text `JSON.stringify` made, which is a few times
 * `maxLength`, never `value`. Lone surrogates survive it (`JSON.stringify`
 * escapes them).
 *
 * @param value The string to cut.
 * @param maxLength How many code units to keep.
 * @returns The independent prefix.
 */
export function truncateString(value: string, maxLength: number): string {
  return JSON.parse(JSON.stringify(value.slice(0, maxLength)));
}
