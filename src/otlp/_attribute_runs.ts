// Internal: the encoded leading attributes of the spans of one kind, so that
// a span whose first attributes are those of the span before (the method,
// the route and the status of every request) is written with one copy and
// no look-up per attribute.
//
// A run is kept per field and first key. It holds the attributes the last
// span beginning with that key began with, as long as each was in the
// EncodedAttributeCache, and their encodings one after the other, field tags
// included: exactly what writing them one by one writes. A span that begins
// otherwise (another value, one more cached attribute) writes them one by
// one, and the run is replaced only when it has missed twice in a row, so
// spans that alternate between two sets of values keep one of them fast
// instead of rebuilding the run for each span.

import type { AttributeValue } from "../span/attributes.ts";

const MAX_RUNS_PER_FIELD = 256;
/** The most attributes one run holds. */
export const MAX_RUN_LENGTH = 16;
const EMPTY = new Uint8Array(0);

/** The leading attributes of the last span that began with a key, encoded. */
export class AttributeRun {
  /** How many attributes. */
  count = 0;
  /** Their keys. */
  readonly keys: string[] = [];
  /** Their values. */
  readonly values: AttributeValue[] = [];
  /** Where each one's encoding ends in `bytes`. */
  readonly ends: number[] = [];
  /** Their encodings, field tags included. */
  bytes: Uint8Array = EMPTY;
  /** Spans in a row that began otherwise. */
  misses = 0;

  /**
   * Keeps the first `keep` attributes and then the given ones: keys,
   * values and their cached KeyValue encodings, each written after
   * `fieldTag`.
   */
  replace(
    keep: number,
    fieldTag: number,
    keys: readonly string[],
    values: readonly AttributeValue[],
    encodings: readonly Uint8Array[],
    added: number,
  ): void {
    const kept = keep > 0 ? this.ends[keep - 1] : 0;
    let size = kept;
    for (let i = 0; i < added; i++) size += 1 + encodings[i].length;
    const bytes = new Uint8Array(size);
    bytes.set(this.bytes.subarray(0, kept));
    this.keys.length = keep;
    this.values.length = keep;
    this.ends.length = keep;
    let pos = kept;
    for (let i = 0; i < added; i++) {
      bytes[pos++] = fieldTag;
      bytes.set(encodings[i], pos);
      pos += encodings[i].length;
      this.keys.push(keys[i]);
      this.values.push(values[i]);
      this.ends.push(pos);
    }
    this.bytes = bytes;
    this.count = keep + added;
    this.misses = 0;
  }
}

/** The runs of one field (span, event or link attributes), by first key. */
export class AttributeRuns {
  #byKey = new Map<string, AttributeRun>();

  /** The run of attributes that begin with `key`. */
  of(key: string): AttributeRun {
    let run = this.#byKey.get(key);
    if (run === undefined) {
      if (this.#byKey.size >= MAX_RUNS_PER_FIELD) this.#byKey.clear();
      run = new AttributeRun();
      this.#byKey.set(key, run);
    }
    return run;
  }
}
