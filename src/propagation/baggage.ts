/**
 * W3C Baggage: an immutable set of key/value pairs, with optional metadata,
 * that travels with a request in the `baggage` header.
 *
 * @module
 */

import { pairArgument } from "../platform/_arguments.ts";
import { describe } from "../platform/_describe.ts";
import { countDrop } from "./_drop_counts.ts";

/** At most this many list members are kept and written, as W3C Baggage's limits say. */
const MAX_BAGGAGE_MEMBERS = 64;

/**
 * At most this many bytes of baggage-string are kept and written, as W3C
 * Baggage's limits say: measured as {@linkcode Baggage.serialize} writes it,
 * without optional whitespace.
 */
const MAX_BAGGAGE_BYTES = 8192;

/**
 * At most this many characters of combined `baggage` header are read. A
 * header within the limits may be longer than 8,192 bytes as received
 * (optional whitespace, needless escapes, the ", " that `Headers` joins
 * repeated headers with), so more is read; a longer value is cut at the last
 * member boundary within this before it is split, so a 1 MB header costs no
 * more than a 32 KB one.
 */
const MAX_BAGGAGE_INPUT_LENGTH = 32768;

/** One baggage entry: its value, and the member's properties if any. */
export interface BaggageEntry {
  /** The value, percent-decoded. */
  readonly value: string;
  /**
   * The properties that followed the value, as written after the first `;`
   * (for example `"ttl=60;private"`), opaque to this library.
   */
  readonly metadata?: string;
}

// RFC 7230 tchar: the characters of a baggage key.
const TCHAR = new Uint8Array(128);
for (const c of "!#$%&'*+-.^_`|~") TCHAR[c.charCodeAt(0)] = 1;
for (let c = 0x30; c <= 0x39; c++) TCHAR[c] = 1;
for (let c = 0x41; c <= 0x5a; c++) TCHAR[c] = 1;
for (let c = 0x61; c <= 0x7a; c++) TCHAR[c] = 1;

function isToken(s: string): boolean {
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
const LENIENT_UTF8 = new TextDecoder();

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

/** Normalises `;`-separated properties, or returns `undefined` when one is malformed. */
function parseProperties(parts: readonly string[], from: number): string | undefined {
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
      if (!isToken(key) || !isBaggageOctets(value)) return undefined;
      property = `${key}=${value}`;
    }
    out += out === "" ? property : `;${property}`;
  }
  return out;
}

// Set while a Baggage is built from an already checked map.
let trusted: Map<string, BaggageEntry> | undefined;

/**
 * An immutable set of baggage entries. Setting or deleting an entry returns
 * a new `Baggage`. See {@linkcode getBaggage} and {@linkcode withBaggage} for
 * the baggage current in async context, which outgoing requests carry.
 *
 * @example
 * ```ts
 * import { Baggage } from "@codomyrmex/spans";
 * import assert from "node:assert/strict";
 *
 * const baggage = new Baggage({ userId: "alice", serverNode: "DF 28" });
 * assert.equal(baggage.serialize(), "userId=alice,serverNode=DF%2028");
 * assert.equal(Baggage.parse("userId=alice;ttl=60").get("userId")?.metadata, "ttl=60");
 * ```
 */
export class Baggage {
  readonly #entries: Map<string, BaggageEntry>;

  /**
   * Creates baggage from a record or from key/entry pairs.
   *
   * @param entries Keys to values (strings or {@linkcode BaggageEntry}).
   * @throws {TypeError} When `entries` is neither a record nor an iterable of
   *   `[key, value]` arrays, a key is not an RFC 7230 token, a value is not a
   *   string, or metadata is malformed.
   *
   * @example
   * ```ts
   * import { Baggage } from "@codomyrmex/spans";
   * import assert from "node:assert/strict";
   *
   * const baggage = new Baggage([["tenant", { value: "acme", metadata: "private" }]]);
   * assert.equal(baggage.serialize(), "tenant=acme;private");
   * assert.throws(() => new Baggage({ "bad key": "x" }), TypeError);
   * ```
   */
  constructor(
    entries:
      | Readonly<Record<string, string | BaggageEntry>>
      | Iterable<readonly [string, string | BaggageEntry]> = [],
  ) {
    if (trusted !== undefined) {
      this.#entries = trusted;
      return;
    }
    const action = "create Baggage";
    if (typeof entries !== "object" || entries === null) {
      throw new TypeError(
        `Cannot ${action}: entries must be a record or an iterable of [key, value] arrays, got ${
          describe(entries)
        }`,
      );
    }
    const map = new Map<string, BaggageEntry>();
    if (Symbol.iterator in entries) {
      for (const entry of entries as Iterable<unknown>) {
        const [key, value] = pairArgument(entry, action);
        map.set(key as string, checkEntry(key, value, action));
      }
    } else {
      for (const [key, value] of Object.entries(entries)) {
        map.set(key, checkEntry(key, value, action));
      }
    }
    this.#entries = map;
  }

  /**
   * Parses one or more `baggage` header values (repeated headers are
   * combined in order). Values are percent-decoded as UTF-8 (octets that are
   * not UTF-8 become U+FFFD) and whitespace around keys,
   * values and properties is trimmed. A malformed member is dropped and the
   * rest kept. Members are kept in order while the baggage stays within 64
   * members and 8,192 bytes as {@linkcode Baggage.serialize} writes it
   * (optional whitespace and needless escapes do not count); a member that
   * would pass either limit is dropped. A combined header over 32,768
   * characters is cut at a member boundary before it is read. A repeated key
   * keeps its last value. Never throws.
   *
   * @param header The header value, or its repeated values.
   * @returns The baggage; empty when nothing valid was found.
   *
   * @example
   * ```ts
   * import { Baggage } from "@codomyrmex/spans";
   * import assert from "node:assert/strict";
   *
   * const baggage = Baggage.parse("userId = alice, serverNode=DF%2028, bad key=1");
   * assert.equal(baggage.get("serverNode")?.value, "DF 28");
   * assert.equal(baggage.size, 2);
   * ```
   */
  static parse(header: string | readonly string[] | undefined | null): Baggage {
    if (header === undefined || header === null) return EMPTY;
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
    } else return EMPTY;
    if (value.length > MAX_BAGGAGE_INPUT_LENGTH) {
      // Keep the members that end within the limit; the rest is dropped unread.
      const cut = value.lastIndexOf(",", MAX_BAGGAGE_INPUT_LENGTH);
      value = cut === -1 ? "" : value.slice(0, cut);
      countDrop("baggage");
    }
    const map = new Map<string, BaggageEntry>();
    // The length of each kept member as serialize writes it, and their sum:
    // the limits are those of the baggage-string propagated, not of the
    // header as received.
    const lengths = new Map<string, number>();
    let bytes = 0;
    let dropped = 0;
    for (const raw of value.split(",")) {
      if (trimOws(raw) === "") continue;
      const parts = raw.split(";");
      const first = parts[0];
      const eq = first.indexOf("=");
      if (eq === -1) {
        dropped++;
        continue;
      }
      const key = trimOws(first.slice(0, eq));
      const encoded = trimOws(first.slice(eq + 1));
      const decoded = isToken(key) && isBaggageOctets(encoded) ? decodeValue(encoded) : undefined;
      const metadata = decoded === undefined ? undefined : parseProperties(parts, 1);
      if (decoded === undefined || metadata === undefined) {
        dropped++;
        continue;
      }
      const entry = Object.freeze(
        metadata === "" ? { value: decoded } : { value: decoded, metadata },
      );
      const length = formatMember(key, entry)?.length;
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
    return map.size === 0 ? EMPTY : make(map);
  }

  /**
   * The number of entries.
   *
   * @example
   * ```ts
   * import { Baggage } from "@codomyrmex/spans";
   * import assert from "node:assert/strict";
   *
   * assert.equal(new Baggage({ a: "1" }).size, 1);
   * ```
   */
  get size(): number {
    return this.#entries.size;
  }

  /**
   * Returns the entry for `key`.
   *
   * @param key The key.
   * @returns The entry, or `undefined`.
   *
   * @example
   * ```ts
   * import { Baggage } from "@codomyrmex/spans";
   * import assert from "node:assert/strict";
   *
   * assert.equal(new Baggage({ a: "1" }).get("a")?.value, "1");
   * ```
   */
  get(key: string): BaggageEntry | undefined {
    return this.#entries.get(key);
  }

  /**
   * Returns new baggage with `key` set.
   *
   * @param key An RFC 7230 token.
   * @param value Any string; it is percent-encoded on the wire.
   * @param metadata Properties such as `"ttl=60;private"`.
   * @returns The new baggage.
   * @throws {TypeError} When the key, value or metadata is invalid.
   *
   * @example
   * ```ts
   * import { Baggage } from "@codomyrmex/spans";
   * import assert from "node:assert/strict";
   *
   * const baggage = new Baggage().set("user", "ada lovelace", "private");
   * assert.equal(baggage.serialize(), "user=ada%20lovelace;private");
   * ```
   */
  set(key: string, value: string, metadata?: string): Baggage {
    const entry = checkEntry(
      key,
      metadata === undefined ? value : { value, metadata },
      "set baggage entry",
    );
    const map = new Map(this.#entries);
    map.set(key, entry);
    return make(map);
  }

  /**
   * Returns new baggage without `key`.
   *
   * @param key The key.
   * @returns The new baggage (this one when `key` is absent).
   *
   * @example
   * ```ts
   * import { Baggage } from "@codomyrmex/spans";
   * import assert from "node:assert/strict";
   *
   * assert.equal(new Baggage({ a: "1", b: "2" }).delete("a").serialize(), "b=2");
   * ```
   */
  delete(key: string): Baggage {
    if (!this.#entries.has(key)) return this;
    const map = new Map(this.#entries);
    map.delete(key);
    return make(map);
  }

  /**
   * The entries, in insertion order.
   *
   * @returns A new array of `[key, entry]` pairs.
   *
   * @example
   * ```ts
   * import { Baggage } from "@codomyrmex/spans";
   * import assert from "node:assert/strict";
   *
   * assert.deepEqual(new Baggage({ a: "1" }).entries(), [["a", { value: "1" }]]);
   * ```
   */
  entries(): [string, BaggageEntry][] {
    return [...this.#entries];
  }

  /**
   * Formats the baggage as a `baggage` header value. Values are
   * percent-encoded. Entries that would pass 64 members or 8,192 bytes are
   * left out.
   *
   * @returns The header value; `""` when empty.
   *
   * @example
   * ```ts
   * import { Baggage } from "@codomyrmex/spans";
   * import assert from "node:assert/strict";
   *
   * assert.equal(new Baggage({ q: "a,b;c=d" }).serialize(), "q=a%2Cb%3Bc%3Dd");
   * ```
   */
  serialize(): string {
    let out = "";
    let members = 0;
    let dropped = 0;
    for (const [key, entry] of this.#entries) {
      const member = formatMember(key, entry);
      if (member === undefined) {
        dropped++;
        continue;
      }
      const length = out.length + (out === "" ? 0 : 1) + member.length;
      if (members === MAX_BAGGAGE_MEMBERS || length > MAX_BAGGAGE_BYTES) {
        dropped++;
        continue;
      }
      out += out === "" ? member : `,${member}`;
      members++;
    }
    if (dropped > 0) countDrop("baggage", dropped);
    return out;
  }

  /**
   * The same as {@linkcode Baggage.serialize}.
   *
   * @returns The header value.
   *
   * @example
   * ```ts
   * import { Baggage } from "@codomyrmex/spans";
   * import assert from "node:assert/strict";
   *
   * assert.equal(`${new Baggage({ a: "1" })}`, "a=1");
   * ```
   */
  toString(): string {
    return this.serialize();
  }
}

/**
 * The list member {@linkcode Baggage.serialize} writes for an entry, or
 * `undefined` when its value cannot be encoded (a lone surrogate is no
 * UTF-8).
 */
function formatMember(key: string, entry: BaggageEntry): string | undefined {
  let member: string;
  try {
    member = `${key}=${encodeURIComponent(entry.value)}`;
  } catch {
    return undefined;
  }
  return entry.metadata !== undefined && entry.metadata !== ""
    ? `${member};${entry.metadata}`
    : member;
}

function make(map: Map<string, BaggageEntry>): Baggage {
  trusted = map;
  try {
    return new Baggage();
  } finally {
    trusted = undefined;
  }
}

const EMPTY: Baggage = make(new Map());

function checkEntry(key: unknown, value: unknown, action: string): BaggageEntry {
  if (typeof key !== "string" || !isToken(key)) {
    throw new TypeError(`Cannot ${action}: key must be an RFC 7230 token, got ${describe(key)}`);
  }
  const entry = typeof value === "string" ? { value } : value as BaggageEntry;
  if (typeof entry?.value !== "string") {
    throw new TypeError(
      `Cannot ${action}: value of "${key}" must be a string, got ${describe(entry?.value)}`,
    );
  }
  const metadata = entry.metadata;
  if (metadata === undefined) return Object.freeze({ value: entry.value });
  const normalised = typeof metadata === "string" && metadata !== ""
    ? parseProperties(metadata.split(";"), 0)
    : undefined;
  if (normalised === undefined) {
    throw new TypeError(
      `Cannot ${action}: metadata of "${key}" must be ";"-separated properties, got ${
        describe(metadata)
      }`,
    );
  }
  return Object.freeze({ value: entry.value, metadata: normalised });
}
