// Internal: a bounded cache of encoded attributes (key and value together),
// so the common repeated ones ("http.request.method" = "GET", the route,
// the host, the port) are copied, not encoded again, in every span.
//
// Only primitive values are cached. A key that shows more than
// MAX_VALUES_PER_KEY distinct values (an id, a path with ids in it) is
// marked high-cardinality and never cached again, so unique values cost
// one failed lookup, not an insertion. The whole cache is dropped when it
// holds MAX_ENTRIES encodings or MAX_KEYS keys: memory stays bounded.

import type { AttributeValue } from "../span/attributes.ts";

const MAX_VALUES_PER_KEY = 32;
const MAX_ENTRIES = 4096;
const MAX_KEYS = 1024;
const MAX_STRING_LENGTH = 256;

// What is kept for one key: its encodings by value (null once the key showed
// too many values), and the value looked up last with its encoding, since
// most spans repeat their neighbours' values: one map look-up instead of two.
// A key with too many values keeps the encoding of the key alone instead
// (`prefix`), for an encoder that can write the value after it: a view of
// it followed by three zero bytes, so it can be copied four bytes at a time.
interface KeyEntry {
  values: Map<AttributeValue, Uint8Array> | null;
  lastValue: AttributeValue | undefined;
  lastBytes: Uint8Array | undefined;
  prefix: DataView | undefined;
}

/** Encoded attribute bytes by key, then by value. */
export class EncodedAttributeCache {
  #byKey = new Map<string, KeyEntry>();
  #entries = 0;
  // The entry the last `get` found, for the calls about its miss.
  #last: KeyEntry | undefined;

  /** The cached encoding of `key` = `value`, if any. */
  get(key: string, value: AttributeValue): Uint8Array | undefined {
    const entry = this.#byKey.get(key);
    this.#last = entry;
    if (entry === undefined || entry.values === null) return undefined;
    if (entry.lastValue === value) return entry.lastBytes;
    const bytes = entry.values.get(value);
    if (bytes !== undefined) {
      entry.lastValue = value;
      entry.lastBytes = bytes;
    }
    return bytes;
  }

  /**
   * After a `get` that missed: whether an encoding of the same `key` =
   * `value` would be kept (a primitive, not too long, under a key that is not
   * high-cardinality), without looking the key up again.
   */
  wantsMissed(key: string, value: AttributeValue): boolean {
    if (typeof value === "string") {
      if (value.length > MAX_STRING_LENGTH) return false;
    } else if (typeof value !== "number" && typeof value !== "boolean") {
      return false;
    }
    return this.#last?.values !== null && key.length <= MAX_STRING_LENGTH;
  }

  /**
   * After a `get` that missed: the encoding of the key alone, kept by
   * {@linkcode EncodedAttributeCache.keepPrefix}, when the key has shown too
   * many values to cache them.
   */
  missedPrefix(): DataView | undefined {
    return this.#last?.prefix;
  }

  /**
   * After a `get` that missed: whether the key has shown too many values to
   * cache them, so its encoding alone is worth keeping.
   */
  missedHighCardinality(): boolean {
    return this.#last !== undefined && this.#last.values === null;
  }

  /**
   * After a `get` that missed on a high-cardinality key (see
   * {@linkcode EncodedAttributeCache.missedHighCardinality}): keeps the key's
   * encoding, `bytes`, as a view of them and three zero bytes.
   */
  keepPrefix(bytes: Uint8Array): void {
    const padded = new Uint8Array(bytes.length + 3);
    padded.set(bytes);
    this.#last!.prefix = new DataView(padded.buffer);
  }

  /** Keeps the encoding of `key` = `value`. */
  set(key: string, value: AttributeValue, bytes: Uint8Array): void {
    if (this.#entries >= MAX_ENTRIES || this.#byKey.size >= MAX_KEYS) {
      this.#byKey.clear();
      this.#entries = 0;
    }
    let entry = this.#byKey.get(key);
    if (entry === undefined) {
      entry = { values: new Map(), lastValue: undefined, lastBytes: undefined, prefix: undefined };
      this.#byKey.set(key, entry);
    }
    const values = entry.values;
    if (values === null) return;
    if (values.size >= MAX_VALUES_PER_KEY) {
      this.#entries -= values.size;
      entry.values = null;
      entry.lastValue = undefined;
      entry.lastBytes = undefined;
      return;
    }
    values.set(value, bytes);
    entry.lastValue = value;
    entry.lastBytes = bytes;
    this.#entries++;
  }
}
