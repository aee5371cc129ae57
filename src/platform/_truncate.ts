// Internal: cut a string to a length as a copy of its own.

/**
 * Returns the first `maxLength` characters (code points) of `value` (all of
 * it when it is shorter) as a string that does not keep `value` alive.
 * A character is counted once however many UTF-16 code units it takes, as
 * OpenTelemetry's attribute limits count ("counting any character in it as
 * 1"), so a cut never falls between the two halves of a surrogate pair: it
 * would leave a lone surrogate, which UTF-8 cannot carry. A lone surrogate
 * already in `value` is kept, and counts as one.
 * `value.slice` would not do: V8 and JavaScriptCore both return a view into
 * the original for all but the shortest cuts, so a 1 KB attribute cut from a
 * 1 MB string would hold the whole megabyte for as long as its span is
 * queued. A JSON round trip makes a new string on every engine; at worst the
 * result shares the text `JSON.stringify` made, which is a few times
 * `maxLength`, never `value`. Lone surrogates survive it (`JSON.stringify`
 * escapes them).
 *
 * @param value The string to cut.
 * @param maxLength How many characters to keep.
 * @returns The independent prefix.
 */
export function truncateString(value: string, maxLength: number): string {
  return JSON.parse(JSON.stringify(value.slice(0, codeUnitsOf(value, maxLength))));
}

// How many code units the first `maxLength` code points of `value` take.
// Only the prefix is walked, so a 1 KB cut of a 1 MB string reads 1 KB.
function codeUnitsOf(value: string, maxLength: number): number {
  const length = value.length;
  if (maxLength >= length) return length;
  let at = 0;
  for (let n = 0; n < maxLength && at < length; n++) {
    const unit = value.charCodeAt(at++);
    if (unit >= 0xd800 && unit <= 0xdbff && at < length) {
      const next = value.charCodeAt(at);
      if (next >= 0xdc00 && next <= 0xdfff) at++;
    }
  }
  return at;
}
