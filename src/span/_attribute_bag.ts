// Internal: the bounded attribute record shared by spans, events and links.

import { type Attributes, type AttributeValue, sanitizeAttributeValue } from "./attributes.ts";
import { truncateString } from "../platform/_truncate.ts";

const propertyIsEnumerable = Object.prototype.propertyIsEnumerable;

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
        clean = value.length > this.#lengthLimit ? truncateString(value, this.#lengthLimit) : value;
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
   * object is counted as one dropped attribute. It never throws: an entry
   * whose getter (or a `Proxy` trap) throws is dropped and counted, and a
   * record whose keys cannot be read at all counts as one dropped attribute.
   *
   * @param record The attributes to add.
   */
  setAll(record: unknown): void {
    if (typeof record !== "object" || record === null) {
      if (record !== undefined) this.dropped++;
      return;
    }
    try {
      if (Array.isArray(record)) {
        this.dropped++;
        return;
      }
      if (this.#stores === 0 && this.#copyWhole(record as Record<string, unknown>)) return;
    } catch {
      // A getter or Proxy trap threw (or Array.isArray met a revoked
      // Proxy): read what can be read, one entry at a time, below.
    }
    this.#setEach(record);
  }

  // Own enumerable entries, in order, inside one try: on Node 20 a try per
  // entry, or Object.keys, cost 5-9% on setAttributes (paired A/B runs). A
  // getter or trap that throws hands the entries not yet visited to the
  // careful loop below.
  #setEach(record: object): void {
    let visited = 0;
    try {
      for (const key in record) {
        if (Object.hasOwn(record, key)) {
          this.set(key, (record as Record<string, unknown>)[key]);
          visited++;
        }
      }
      return;
    } catch {
      // Go on one entry at a time, from the one that threw.
    }
    this.#setEachSlowly(record, visited);
  }

  // Reads the own enumerable entries after the first `skip` one at a time,
  // so a getter or trap that throws for one key costs that key only; keys
  // that cannot be listed at all cost one drop. Reflect.ownKeys lists own
  // keys in the order for-in visits them (and a Proxy's ownKeys order), so
  // `skip` passes over exactly the entries already visited (stored, or
  // dropped and counted).
  #setEachSlowly(record: object, skip: number): void {
    let keys: (string | symbol)[];
    try {
      keys = Reflect.ownKeys(record);
    } catch {
      this.dropped++;
      return;
    }
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i];
      if (typeof key !== "string") continue;
      let value: unknown;
      try {
        if (!propertyIsEnumerable.call(record, key)) continue;
        if (skip > 0) {
          skip--;
          continue;
        }
        value = (record as Record<string, unknown>)[key];
      } catch {
        this.dropped++;
        continue;
      }
      this.set(key, value);
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
    if (typeof record !== "object" || record === null) return undefined;
    // One bag does the copying for every span with the same limits.
    let bag = scratch;
    if (bag === undefined || bag.#countLimit !== countLimit || bag.#lengthLimit !== lengthLimit) {
      scratch = bag = new AttributeBag(countLimit, lengthLimit);
    }
    try {
      if (Array.isArray(record) || !bag.#copyWhole(record)) return undefined;
    } catch {
      // A getter or Proxy trap threw: setAll reads what it can.
      return undefined;
    }
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
    // for-in, not Object.keys: no array per span. It would also visit an
    // enumerable key added to Object.prototype; such a key only ever sends
    // the record down the slow path, which checks every key is own.
    let count = 0;
    for (const key in copy) {
      if (++count > this.#countLimit || key === "") return false;
      const value = copy[key];
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
    this.values = copy as Attributes;
    this.#stores = count;
    return true;
  }
}
