// Internal: a bounded cache of encoded bytes by a string and a small
// number that must match too (a span name with its flags and kind, an
// attribute key with its value's type). The number almost never changes
// for one string, so a mismatch simply replaces the entry. The map is
// dropped when full and long strings are not kept: memory stays bounded.

const MAX_ENTRIES = 1024;
const MAX_KEY_LENGTH = 256;

interface Entry {
  readonly tag: number;
  readonly bytes: Uint8Array;
}

/** Encoded bytes by string key and numeric tag. */
export class TaggedBytesCache {
  #entries = new Map<string, Entry>();

  /** The bytes kept for `key` with `tag`, if any. */
  get(key: string, tag: number): Uint8Array | undefined {
    const entry = this.#entries.get(key);
    return entry !== undefined && entry.tag === tag ? entry.bytes : undefined;
  }

  /** Keeps `bytes` for `key` with `tag`, unless `key` is too long to be worth it. */
  set(key: string, tag: number, bytes: Uint8Array): void {
    if (key.length > MAX_KEY_LENGTH) return;
    if (this.#entries.size >= MAX_ENTRIES) this.#entries.clear();
    this.#entries.set(key, { tag, bytes });
  }
}
