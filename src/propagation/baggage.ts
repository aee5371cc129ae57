/**
 * W3C Baggage: an immutable set of key/value pairs, with optional metadata,
 * that travels with a request in the `baggage` header.
 *
 * @module
 */

import { pairArgument } from "../platform/_arguments.ts";
import { describe } from "../platform/_describe.ts";
import { countDrop } from "./_drop_counts.ts";
import { appendMembers, isToken, parseMembers, parseProperties } from "./_baggage_members.ts";

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
   * members and 8,192 bytes as {@linkcode Baggage.serialize} writes it at
   * its shortest (optional whitespace and escapes a baggage-octet does not
   * need do not count); a member that would pass either limit is dropped. A combined header over 32,768
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
    const map = parseMembers(header);
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
   * percent-encoded as `encodeURIComponent` encodes them, which every
   * receiver reads. When that would leave a member out for the 8,192-byte
   * limit, the octets W3C Baggage allows raw (`$&+/:=?@` among them) are
   * written as they are, one byte each, if that keeps more. Entries that
   * would still pass 64 members or 8,192 bytes are left out.
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
    let written = appendMembers("", 0, this.#entries);
    // Some receivers drop a raw "=" or ":" (W3C Baggage allows them), so the
    // raw form goes only where it keeps what the escaped one leaves out.
    if (written.limited > 0) {
      const raw = appendMembers("", 0, this.#entries, "raw");
      if (raw.limited < written.limited) written = raw;
    }
    const dropped = written.limited + written.unencodable;
    if (dropped > 0) countDrop("baggage", dropped);
    return written.header;
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
