// Internal: the W3C Trace Context Level 2 `tracestate` grammar (the editor's
// draft, spec/20-http_request_header_format.md), shared by the span layer,
// which refuses an invalid trace state where it is set, and the propagation
// layer, which parses headers and checks what it injects.
//
//   list        = list-member 0*31( OWS "," OWS list-member )
//   list-member = (key "=" value) / OWS
//   key         = ( lcalpha / DIGIT ) 0*255 ( keychar )
//   keychar     = lcalpha / DIGIT / "_" / "-" / "*" / "/" / "@"
//   value       = 0*255(chr) nblk-chr
//   nblk-chr    = %x21-2B / %x2D-3C / %x3E-7E
//   chr         = %x20 / nblk-chr
//
// Keys are unique by the sender's duty only: a receiver keeps a header with a
// repeated key (here: the first entry wins, later ones are dropped), while
// this library, as a sender, never produces one.

/** At most this many list members, as the specification says. */
export const MAX_TRACESTATE_MEMBERS = 32;

/**
 * The longest combined `tracestate` propagated, in characters: above the 512
 * the specification asks for, below what a legal 32-member header can reach
 * (about 16 KiB), so longer ones are truncated by the specification's rule.
 */
export const MAX_TRACESTATE_LENGTH = 8192;

/**
 * The longest combined header read at all. A legal header (32 members of a
 * 256-character key and a 256-character value) is under 16.5 KiB plus
 * optional whitespace; anything longer is discarded on its length, before it
 * is split, so a 1 MB header costs a length check.
 */
export const MAX_TRACESTATE_INPUT_LENGTH = 32768;

/** Entries longer than this are the first removed by truncation. */
const LARGE_ENTRY = 128;

const KEY_CHAR = new Uint8Array(128);
for (let c = 0x61; c <= 0x7a; c++) KEY_CHAR[c] = 1;
for (let c = 0x30; c <= 0x39; c++) KEY_CHAR[c] = 1;
for (const c of "_-*/@") KEY_CHAR[c.charCodeAt(0)] = 1;

/** Whether `key` matches the key grammar: 1 to 256 characters, not starting with a symbol. */
export function isValidTraceStateKey(key: string): boolean {
  const n = key.length;
  if (n === 0 || n > 256) return false;
  const first = key.charCodeAt(0);
  if (!((first >= 0x61 && first <= 0x7a) || (first >= 0x30 && first <= 0x39))) return false;
  for (let i = 1; i < n; i++) {
    const c = key.charCodeAt(i);
    if (c >= 128 || KEY_CHAR[c] === 0) return false;
  }
  return true;
}

/**
 * Whether `value` matches the value grammar: 1 to 256 printable ASCII
 * characters other than `,` and `=`, not ending in a space. This refuses
 * CR, LF, tabs and anything outside ASCII.
 */
export function isValidTraceStateValue(value: string): boolean {
  const n = value.length;
  if (n === 0 || n > 256 || value.charCodeAt(n - 1) === 0x20) return false;
  for (let i = 0; i < n; i++) {
    const c = value.charCodeAt(i);
    if (c < 0x20 || c > 0x7e || c === 0x2c || c === 0x3d) return false;
  }
  return true;
}

function isOws(c: number): boolean {
  return c === 0x20 || c === 0x09;
}

/**
 * What {@linkcode scanTraceState} found: `"valid"`; `"repeated"` (valid, but
 * a key repeats, and later repeats were left out); or `"invalid"` (a member
 * is invalid, there are over 32 members, or the value is too long to read).
 */
export type Scan = "valid" | "repeated" | "invalid";

/**
 * Splits a combined `tracestate` value into `keys` and `values` (appended,
 * first member first), skipping empty and whitespace-only members and
 * ignoring spaces and tabs around members. A repeated key keeps its first
 * entry. Never throws.
 */
export function scanTraceState(value: string, keys: string[], values: string[]): Scan {
  const n = value.length;
  if (n > MAX_TRACESTATE_INPUT_LENGTH) return "invalid";
  let result: Scan = "valid";
  let members = 0;
  let pos = 0;
  while (pos <= n) {
    let comma = value.indexOf(",", pos);
    if (comma === -1) comma = n;
    let a = pos;
    let b = comma;
    while (a < b && isOws(value.charCodeAt(a))) a++;
    while (b > a && isOws(value.charCodeAt(b - 1))) b--;
    pos = comma + 1;
    if (a === b) continue;
    if (++members > MAX_TRACESTATE_MEMBERS) return "invalid";
    const eq = value.indexOf("=", a);
    if (eq === -1 || eq >= b) return "invalid";
    const key = value.slice(a, eq);
    const val = value.slice(eq + 1, b);
    if (!isValidTraceStateKey(key) || !isValidTraceStateValue(val)) return "invalid";
    if (keys.includes(key)) {
      result = "repeated";
      continue;
    }
    keys.push(key);
    values.push(val);
  }
  return result;
}

/**
 * Removes whole entries until the serialized list fits `maxLength`, as the
 * specification's truncation rule says: entries over 128 characters first,
 * from the end, then any entries from the end. Entries before `keep` are
 * never removed. Returns whether anything was removed.
 */
export function truncateTraceState(
  keys: string[],
  values: string[],
  maxLength: number = MAX_TRACESTATE_LENGTH,
  keep = 0,
): boolean {
  let length = serializedLength(keys, values);
  if (length <= maxLength) return false;
  for (let i = keys.length - 1; i >= keep && length > maxLength; i--) {
    const entry = keys[i].length + 1 + values[i].length;
    if (entry <= LARGE_ENTRY) continue;
    length -= entry + (keys.length > 1 ? 1 : 0);
    keys.splice(i, 1);
    values.splice(i, 1);
  }
  while (length > maxLength && keys.length > keep) {
    const i = keys.length - 1;
    length -= keys[i].length + 1 + values[i].length + (keys.length > 1 ? 1 : 0);
    keys.pop();
    values.pop();
  }
  return true;
}

/**
 * The entries with `key` (valid, as is `value`) set to `value` and moved to
 * the front, as the specification asks of a service that updates its own
 * entry: when a new key would make 33 entries the last one is removed, and a
 * list longer than {@linkcode MAX_TRACESTATE_LENGTH} is truncated by its
 * rule, never losing the entry set. New arrays; the given ones are unchanged.
 */
export function setTraceStateEntry(
  keys: readonly string[],
  values: readonly string[],
  key: string,
  value: string,
): [string[], string[]] {
  const nextKeys = [key];
  const nextValues = [value];
  for (let i = 0; i < keys.length; i++) {
    if (keys[i] === key) continue;
    if (nextKeys.length === MAX_TRACESTATE_MEMBERS) break;
    nextKeys.push(keys[i]);
    nextValues.push(values[i]);
  }
  truncateTraceState(nextKeys, nextValues, MAX_TRACESTATE_LENGTH, 1);
  return [nextKeys, nextValues];
}

/** The `tracestate` header value of the entries, without optional whitespace. */
export function serializeTraceState(keys: readonly string[], values: readonly string[]): string {
  let out = "";
  for (let i = 0; i < keys.length; i++) {
    if (i > 0) out += ",";
    out += keys[i] + "=" + values[i];
  }
  return out;
}

function serializedLength(keys: readonly string[], values: readonly string[]): number {
  let length = keys.length === 0 ? 0 : keys.length - 1;
  for (let i = 0; i < keys.length; i++) length += keys[i].length + 1 + values[i].length;
  return length;
}

// The last value found valid: a service propagates the same trace state for
// many spans, and the check is then one comparison.
let lastValid = "";

/**
 * Whether `value` is a trace state this library may send: a string the
 * grammar accepts, with no repeated key, at most 32 members and
 * {@linkcode MAX_TRACESTATE_LENGTH} characters. No CR, LF or non-ASCII
 * character gets through, so it is always a safe header value.
 */
export function isValidTraceState(value: unknown): value is string {
  if (typeof value !== "string") return false;
  if (value === lastValid) return true;
  if (value.length > MAX_TRACESTATE_LENGTH) return false;
  if (scanTraceState(value, [], []) !== "valid") return false;
  lastValid = value;
  return true;
}

/**
 * How many trace states this process refused without throwing: incoming
 * headers discarded or truncated, a sampler's invalid result, and anything
 * invalid that reached inject. `propagationStats().tracestate` reports it.
 */
export const traceStateDrops: { count: number } = { count: 0 };
