// Internal: the bounded attribute record shared by spans, events and links.

import { type Attributes, type AttributeValue, sanitizeAttributeValue } from "./attributes.ts";

/**
 * Writes `key` into `target` as an own, enumerable property, even for keys
 * such as `__proto__` that a plain assignment would treat as the prototype.
 *
 * @param target The attribute record.
 * @param key The attribute name.
 * @param value The value to store.
 */
export function setOwnAttribute(
  target: Record<string, unknown>,
  key: string,
  value: unknown,
): void {
  if (key === "__proto__") {
    Object.defineProperty(target, key, {
      value,
      writable: true,
      enumerable: true,
      configurable: true,
    });
  } else {
    target[key] = value;
  }
}

const NOTHING: Attributes = Object.freeze({});
// The bag AttributeBag.wholeCopy copies with; see there.
let scratch: AttributeBag | undefined;

/**
 * A bounded attribute record and the count of what it dropped. Used for the
 * attributes of spans, events and links alike.
 */
export class AttributeBag {
  /** The stored attributes. */
  values: Attributes = {};
  /** How many attributes were refused: over the limit, or invalid. */
  dropped = 0;
  // An upper bound on the distinct keys stored: every store adds one, a
  // replacement included. While it is under the limit no key can be refused,
  // so the own-property check is skipped; only at the limit is it made exact.
  #stores = 0;
  #exact = false;
  readonly #countLimit: number;
  readonly #lengthLimit: number;

  /**
   * Creates an empty bag.
   *
   * @param countLimit The most attributes it keeps.
   * @param lengthLimit The longest string value it keeps.
   */
  constructor(countLimit: number, lengthLimit: number) {
    this.#countLimit = countLimit;
    this.#lengthLimit = lengthLimit;
  }

  /**
   * Stores one attribute, or drops and counts it when the key is not a
   * non-empty string, the value is invalid, or the bag is full. Replacing an
   * existing key is always allowed.
   *
   * @param key The attribute name.
   * @param value The attribute value.
   */
  set(key: unknown, value: unknown): void {
    if (typeof key !== "string" || key === "") {
      this.dropped++;
      return;
    }
    let clean: unknown;
    switch (typeof value) {
      case "number":
      case "boolean":
        clean = value;
        break;
      case "string":
        clean = value.length > this.#lengthLimit ? value.slice(0, this.#lengthLimit) : value;
        break;
      default:
        clean = sanitizeAttributeValue(value, this.#lengthLimit);
        if (clean === undefined) {
          this.dropped++;
          return;
        }
    }
    if (this.#exact || this.#stores >= this.#countLimit) {
      // Near the limit the count must be exact: count the keys once, then
      // keep the count exact with an own-key check per store.
      if (!this.#exact) {
        this.#exact = true;
        this.#stores = Object.keys(this.values).length;
      }
      if (!Object.hasOwn(this.values, key)) {
        if (this.#stores >= this.#countLimit) {
          this.dropped++;
          return;
        }
        this.#stores++;
      }
    } else {
      this.#stores++;
    }
    if (key === "__proto__") setOwnAttribute(this.values, key, clean);
    else this.values[key] = clean as AttributeValue;
  }

  /**
   * Stores every own enumerable entry of `record`; anything that is not an
   * object is counted as one dropped attribute.
   *
   * @param record The attributes to add.
   */
  setAll(record: unknown): void {
    if (typeof record !== "object" || record === null || Array.isArray(record)) {
      if (record !== undefined) this.dropped++;
      return;
    }
    if (this.#stores === 0 && this.#copyWhole(record as Record<string, unknown>)) return;
    for (const key in record) {
      if (Object.hasOwn(record, key)) {
        this.set(key, (record as Record<string, unknown>)[key]);
      }
    }
  }

  /**
   * The record a bag would hold after `setAll(record)` when the record can
   * be taken whole (the common case: attributes given at start), or
   * `undefined`. A span keeps that record alone, without a bag, until it is
   * changed: a bag per queued span cost 72 bytes on V8.
   *
   * @param record The attributes.
   * @param countLimit The most attributes kept.
   * @param lengthLimit The longest string value kept.
   */
  static wholeCopy(
    record: Readonly<Record<string, unknown>>,
    countLimit: number,
    lengthLimit: number,
  ): Attributes | undefined {
    if (typeof record !== "object" || record === null || Array.isArray(record)) return undefined;
    // One bag does the copying for every span with the same limits.
    let bag = scratch;
    if (bag === undefined || bag.#countLimit !== countLimit || bag.#lengthLimit !== lengthLimit) {
      scratch = bag = new AttributeBag(countLimit, lengthLimit);
    }
    if (!bag.#copyWhole(record)) return undefined;
    const whole = bag.values;
    bag.values = NOTHING;
    return whole;
  }

  /**
   * A bag holding `values`, as {@linkcode AttributeBag.wholeCopy} returned
   * them, for the span's next change.
   *
   * @param values The record, adopted as it is.
   * @param countLimit The most attributes kept.
   * @param lengthLimit The longest string value kept.
   */
  static adopt(values: Attributes, countLimit: number, lengthLimit: number): AttributeBag {
    const bag = new AttributeBag(countLimit, lengthLimit);
    bag.values = values;
    bag.#stores = Object.keys(values).length;
    return bag;
  }

  // The common case, attributes given at start to an empty bag: copy the
  // record in one go and check only the values. A spread defines own data
  // properties, so `__proto__` stays an ordinary key. Anything unusual (a
  // value to drop or truncate, an empty key, too many keys) falls back to
  // storing one by one.
  #copyWhole(record: Record<string, unknown>): boolean {
    // A spread also copies symbol-keyed properties. They are not attributes
    // and nothing reads them (exporters and toJSON go by string keys), so they
    // are left rather than searched for: Object.getOwnPropertySymbols cost
    // ~80 ns per span on Node 20 in the batch-flush benchmark (A/B run).
    const copy = { ...record };
    const keys = Object.keys(copy);
    if (keys.length > this.#countLimit) return false;
    for (let i = 0; i < keys.length; i++) {
      const value = copy[keys[i]];
      switch (typeof value) {
        case "number":
        case "boolean":
          continue;
        case "string":
          if (value.length <= this.#lengthLimit) continue;
          return false;
        default:
          return false;
      }
    }
    if (keys.includes("")) return false;
    this.values = copy as Attributes;
    this.#stores = keys.length;
    return true;
  }
}
