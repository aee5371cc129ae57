// Internal: UTF-8 bytes to strings for the protobuf decoder. OTLP repeats
// short strings from span to span (attribute keys, span names, many values),
// so short ASCII strings go through a small cache: a hit returns the string
// made before, with no allocation, and a key that comes back as the very
// same string is one the engine has already internalized, which makes
// storing it as a property cheap. Longer or non-ASCII strings go to
// TextDecoder.

// A leading U+FEFF is a character of the string, not a byte order mark to
// drop: OTLP's strings come back as they were sent (the JSON decoder keeps it).
const utf8 = new TextDecoder("utf-8", { ignoreBOM: true });

// Strings up to this many bytes are cached.
const MAX_CACHED = 32;
const SLOTS = 4096;
const cached: (string | undefined)[] = new Array(SLOTS).fill(undefined);
const cachedBytes = new Uint8Array(SLOTS * MAX_CACHED);
const cachedLength = new Uint8Array(SLOTS);
// Char codes of a string being built, by length, so that
// String.fromCharCode.apply needs no new array.
const codes: number[][] = Array.from({ length: MAX_CACHED + 1 }, (_, n) => new Array(n).fill(0));

/** The string of the UTF-8 bytes `buf[start..end)`. */
export function readUtf8(buf: Uint8Array, start: number, end: number): string {
  const length = end - start;
  if (length === 0) return "";
  if (length > MAX_CACHED) return utf8.decode(buf.subarray(start, end));
  let hash = length;
  for (let i = start; i < end; i++) {
    const b = buf[i];
    if (b >= 0x80) return utf8.decode(buf.subarray(start, end));
    hash = (Math.imul(hash, 31) + b) | 0;
  }
  const slot = (hash ^ (hash >>> 13)) & (SLOTS - 1);
  const base = slot * MAX_CACHED;
  const hit = cached[slot];
  if (hit !== undefined && cachedLength[slot] === length) {
    let same = true;
    for (let i = 0; i < length; i++) {
      if (cachedBytes[base + i] !== buf[start + i]) {
        same = false;
        break;
      }
    }
    if (same) return hit;
  }
  const chars = codes[length];
  for (let i = 0; i < length; i++) {
    const b = buf[start + i];
    chars[i] = b;
    cachedBytes[base + i] = b;
  }
  const text = String.fromCharCode.apply(null, chars);
  cached[slot] = text;
  cachedLength[slot] = length;
  return text;
}
