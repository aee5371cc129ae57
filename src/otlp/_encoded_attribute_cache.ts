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

/** Encoded attribute bytes by key, then by value. */
export class EncodedAttributeCache {
  #byKey = new Map<string, Map<AttributeValue, Uint8Array> | null>();
  #entries = 0;

  /** The cached encoding of `key` = `value`, if any. */
  get(key: string, value: AttributeValue): Uint8Array | undefined {
    const values = this.#byKey.get(key);
    return values ? values.get(value) : undefined;
  }

  /**
   * Whether an encoding of `key` = `value` would be kept: a primitive, not
   * too long, under a key that is not high-cardinality.
   */
  wants(key: string, value: AttributeValue): boolean {
    if (typeof value === "string") {
      if (value.length > MAX_STRING_LENGTH) return false;
    } else if (typeof value !== "number" && typeof value !== "boolean") {
      return false;
    }
    return this.#byKey.get(key) !== null && key.length <= MAX_STRING_LENGTH;
  }

  /** Keeps the encoding of `key` = `value`. */
  set(key: string, value: AttributeValue, bytes: Uint8Array): void {
    if (this.#entries >= MAX_ENTRIES || this.#byKey.size >= MAX_KEYS) {
      this.#byKey.clear();
      this.#entries = 0;
    }
    let values = this.#byKey.get(key);
    if (values === null) return;
    if (values === undefined) {
      values = new Map();
      this.#byKey.set(key, values);
    } else if (values.size >= MAX_VALUES_PER_KEY) {
      this.#entries -= values.size;
      this.#byKey.set(key, null);
      return;
    }
    values.set(value, bytes);
    this.#entries++;
  }
}
