// Internal: the W3C Baggage grammar and limits, and the reading of a
// baggage-string into its members: leniently by Baggage.parse, member by
// member by a traced fetch, which adds to a request's own header only when
// all of it can be read (see _request_baggage.ts).

import type { BaggageEntry } from "./baggage.ts";
import { countDrop } from "./_drop_counts.ts";

/** At most this many list members are kept and written, as W3C Baggage's limits say. */
export const MAX_BAGGAGE_MEMBERS = 64;

/**
 * At most this many bytes of baggage-string are kept and written, as W3C
 * Baggage's limits say: measured as `Baggage.serialize` writes it,
 * without optional whitespace.
 */
export const MAX_BAGGAGE_BYTES = 8192;

/**
 * At most this many characters of combined `baggage` header are read. A
 * header within the limits may be longer than 8,192 bytes as received
 * (optional whitespace, needless escapes, the ", " that `Headers` joins
 * repeated headers with), so more is read; a longer value is cut at the last
 * member boundary within this before it is split, so a 1 MB header costs no
 * more than a 32 KB one.
 */
const MAX_BAGGAGE_INPUT_LENGTH = 32768;

// RFC 7230 tchar: the characters of a baggage key.
const TCHAR = new Uint8Array(128);
for (const c of "!#$%&'*+-.^_`|~") TCHAR[c.charCodeAt(0)] = 1;
for (let c = 0x30; c <= 0x39; c++) TCHAR[c] = 1;
for (let c = 0x41; c <= 0x5a; c++) TCHAR[c] = 1;
for (let c = 0x61; c <= 0x7a; c++) TCHAR[c] = 1;

export function isToken(s: string): boolean {
  if (s.length === 0) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 128 || TCHAR[c] === 0) return false;
  }
  return true;
}

// baggage-octet: %x21 / %x23-2B / %x2D-3A / %x3C-5B / %x5D-7E.
function isBaggageOctets(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x21 || c > 0x7e || c === 0x22 || c === 0x2c || c === 0x3b || c === 0x5c) {
      return false;
    }
  }
  return true;
}

function trimOws(s: string): string {
  let a = 0;
  let b = s.length;
  while (a < b && (s.charCodeAt(a) === 0x20 || s.charCodeAt(a) === 0x09)) a++;
  while (b > a && (s.charCodeAt(b - 1) === 0x20 || s.charCodeAt(b - 1) === 0x09)) b--;
  return a === 0 && b === s.length ? s : s.slice(a, b);
}

const HEX_PAIR = /^[0-9A-Fa-f]{2}$/;
const STRAY_PERCENT = /%(?![0-9A-Fa-f]{2})/;
// A leading U+FEFF (%EF%BB%BF) is part of the value, as decodeURIComponent
// keeps it, not a byte order mark to drop.
const LENIENT_UTF8 = new TextDecoder("utf-8", { ignoreBOM: true });

/**
 * Percent-decodes a value as UTF-8. Octets that are not UTF-8 become U+FFFD,
 * as W3C Baggage requires; a `%` that starts no `%XX` is malformed
 * (`undefined`).
 */
function decodeValue(encoded: string): string | undefined {
  if (!encoded.includes("%")) return encoded;
  try {
    return decodeURIComponent(encoded);
  } catch {
    // A stray "%", or octets that are not UTF-8: told apart below.
  }
  const bytes: number[] = [];
  for (let i = 0; i < encoded.length; i++) {
    const c = encoded.charCodeAt(i);
    if (c !== 0x25) {
      bytes.push(c); // a baggage-octet: ASCII, one byte
      continue;
    }
    const pair = encoded.slice(i + 1, i + 3);
    if (!HEX_PAIR.test(pair)) return undefined;
    bytes.push(parseInt(pair, 16));
    i += 2;
  }
  return LENIENT_UTF8.decode(new Uint8Array(bytes));
}

/** Internal: normalises `;`-separated properties, or returns `undefined` when one is malformed. */
export function parseProperties(parts: readonly string[], from: number): string | undefined {
  let out = "";
  for (let i = from; i < parts.length; i++) {
    const part = parts[i];
    const eq = part.indexOf("=");
    let property: string;
    if (eq === -1) {
      property = trimOws(part);
      if (!isToken(property)) return undefined;
    } else {
      const key = trimOws(part.slice(0, eq));
      const value = trimOws(part.slice(eq + 1));
      // "If the property value contains the percent code point (U+0025), it
      // MUST be percent-encoded": a `%` that starts no `%XX` is malformed,
      // as in a member's value.
      if (!isToken(key) || !isBaggageOctets(value) || STRAY_PERCENT.test(value)) return undefined;
      property = `${key}=${value}`;
    }
    out += out === "" ? property : `;${property}`;
  }
  return out;
}

/**
 * Internal: the members of one or more `baggage` header values (repeated
 * headers are combined in order), as `Baggage.parse` documents them:
 * values percent-decoded, whitespace trimmed, properties normalised, a
 * repeated key keeping its last value (moved to its place), within 64
 * members and 8,192 bytes as `Baggage.serialize` writes them. A malformed
 * member, or one past a limit, is dropped and counted, and a value over
 * 32,768 characters is cut at a member boundary, counted. Empty members
 * (`a=1,,b=2`) are skipped. Never throws.
 */
export function parseMembers(
  header: string | readonly string[] | undefined | null,
): Map<string, BaggageEntry> {
  if (header === undefined || header === null) return new Map();
  let value: string;
  if (typeof header === "string") value = header;
  else if (Array.isArray(header)) {
    let length = 0;
    const parts: string[] = [];
    for (const part of header) {
      if (typeof part !== "string") continue;
      length += part.length + 1;
      parts.push(part);
      if (length > MAX_BAGGAGE_INPUT_LENGTH + 1) break;
    }
    value = parts.join(",");
  } else return new Map();
  if (value.length > MAX_BAGGAGE_INPUT_LENGTH) {
    // Keep the members that end within the limit; the rest is dropped unread.
    const cut = value.lastIndexOf(",", MAX_BAGGAGE_INPUT_LENGTH);
    value = cut === -1 ? "" : value.slice(0, cut);
    countDrop("baggage");
  }
  const map = new Map<string, BaggageEntry>();
  // The length of each kept member as serialize writes it at its shortest,
  // and their sum: the limits are those of the baggage-string propagated,
  // not of the header as received.
  const lengths = new Map<string, number>();
  let bytes = 0;
  let dropped = 0;
  for (const raw of value.split(",")) {
    const member = readMember(raw);
    if (member === null) continue;
    if (member === undefined) {
      dropped++;
      continue;
    }
    const [key, entry] = member;
    const length = formatMember(key, entry, "raw")?.length;
    const replaced = lengths.get(key);
    const members = map.size + (replaced === undefined ? 1 : 0);
    const total = bytes - (replaced ?? 0) + (length ?? 0);
    if (
      length === undefined || members > MAX_BAGGAGE_MEMBERS ||
      total + members - 1 > MAX_BAGGAGE_BYTES
    ) {
      dropped++;
      continue;
    }
    map.delete(key);
    map.set(key, entry);
    lengths.set(key, length);
    bytes = total;
  }
  if (dropped > 0) countDrop("baggage", dropped);
  return map;
}

/**
 * Internal: one list member of a baggage-string, read as `Baggage.parse`
 * reads it: its key and entry; `null` when it is empty (whitespace only,
 * which RFC 7230's list rule allows), `undefined` when it is malformed.
 */
export function readMember(raw: string): [string, BaggageEntry] | null | undefined {
  if (trimOws(raw) === "") return null;
  const parts = raw.split(";");
  const first = parts[0];
  const eq = first.indexOf("=");
  if (eq === -1) return undefined;
  const key = trimOws(first.slice(0, eq));
  const encoded = trimOws(first.slice(eq + 1));
  const decoded = isToken(key) && isBaggageOctets(encoded) ? decodeValue(encoded) : undefined;
  const metadata = decoded === undefined ? undefined : parseProperties(parts, 1);
  if (decoded === undefined || metadata === undefined) return undefined;
  return [key, Object.freeze(metadata === "" ? { value: decoded } : { value: decoded, metadata })];
}

// What encodeURIComponent escapes but a value may carry as it is: the
// baggage-octets it does not leave alone, each one byte on the wire instead
// of three. Its escapes are upper case, and those of non-ASCII characters
// start at %C2, so no other escape matches.
const NEEDLESS_ESCAPE = /%(?:2[346BF]|3[AC-F]|40|5[BDE]|60|7[BCD])/g;

function unescapeOctet(escape: string): string {
  return String.fromCharCode(parseInt(escape.slice(1), 16));
}

/**
 * How a value is written. `"escaped"`: percent-encoded as
 * `encodeURIComponent` does, which every receiver reads (parsers in use
 * drop a value with a raw `=` or `:`, though W3C Baggage allows both).
 * `"raw"`: only what is no baggage-octet (space, `"`, `,`, `;`, `\`,
 * control and non-ASCII characters) and `%` percent-encoded, every other
 * octet as it is: the fewest bytes, which the limits are measured on.
 */
export type ValueForm = "escaped" | "raw";

function encodeValue(value: string, form: ValueForm): string {
  const encoded = encodeURIComponent(value);
  return form === "escaped" || encoded.length === value.length
    ? encoded
    : encoded.replace(NEEDLESS_ESCAPE, unescapeOctet);
}

/**
 * Internal: the list member `Baggage.serialize` writes for an entry, its
 * value in `form`, or `undefined` when its value cannot be encoded (a lone
 * surrogate is no UTF-8).
 */
export function formatMember(
  key: string,
  entry: BaggageEntry,
  form: ValueForm = "escaped",
): string | undefined {
  let member: string;
  try {
    member = `${key}=${encodeValue(entry.value, form)}`;
  } catch {
    return undefined;
  }
  return entry.metadata !== undefined && entry.metadata !== ""
    ? `${member};${entry.metadata}`
    : member;
}

/** What {@linkcode appendMembers} wrote, and what it left out. */
export interface AppendedMembers {
  /** The header, with the members added. */
  readonly header: string;
  /** Its list-members, those it had included. */
  readonly members: number;
  /** Entries left out for the limits: 64 members, 8,192 bytes. */
  readonly limited: number;
  /** Entries left out because their value is no UTF-8 (a lone surrogate). */
  readonly unencodable: number;
}

/**
 * Internal: `header` (with `members` list-members) and after it each entry
 * whose key is not in `skip`, its value in `form`, while the header stays
 * within W3C Baggage's limits; the rest are counted, not written. What
 * `Baggage.serialize` writes, and a traced fetch adds to a request's own
 * header.
 */
export function appendMembers(
  header: string,
  members: number,
  entries: Iterable<[string, BaggageEntry]>,
  form: ValueForm = "escaped",
  skip?: ReadonlySet<string>,
): AppendedMembers {
  let limited = 0;
  let unencodable = 0;
  for (const [key, entry] of entries) {
    if (skip?.has(key)) continue;
    const member = formatMember(key, entry, form);
    if (member === undefined) {
      unencodable++;
      continue;
    }
    const length = header.length + (header === "" ? 0 : 1) + member.length;
    if (members === MAX_BAGGAGE_MEMBERS || length > MAX_BAGGAGE_BYTES) {
      limited++;
      continue;
    }
    header += header === "" ? member : `,${member}`;
    members++;
  }
  return { header, members, limited, unencodable };
}
