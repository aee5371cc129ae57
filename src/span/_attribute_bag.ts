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

// How many attributes the last record wholeCopy returned holds, for a bag
// that takes it (setAll): no array of keys to count them again.
let wholeCount = 0;

/**
 * The record a bag would hold after `setAll(record)` when the record can be
 * taken whole (the common case: attributes given at start), or `undefined`.
 * A span keeps that record alone, without a bag, until it is changed: a bag
 * per queued span cost 72 bytes on V8. A Tracer calls this once per span
 * with its resolved limits and hands the record to the span it makes.
 *
 * @param record The attributes.
 * @param countLimit The most attributes kept.
 * @param lengthLimit The longest string value kept.
 */
export function wholeCopy(
  record: Readonly<Record<string, unknown>>,
  countLimit: number,
  lengthLimit: number,
): Attributes | undefined {
  if (typeof record !== "object" || record === null) return undefined;
  try {
    // Array.isArray throws for a revoked Proxy.
    if (Array.isArray(record)) return undefined;
    // Copied in one go, and only the values checked. A spread defines own
    // data properties, so `__proto__` stays an ordinary key. It also copies
    // symbol-keyed properties: they are not attributes and nothing reads
    // them (exporters and toJSON go by string keys), so they are left
    // rather than searched for (Object.getOwnPropertySymbols cost ~80 ns per
    // span on Node 20 in the batch-flush benchmark, A/B run).
    const copy: Record<string, unknown> = { ...record };
    // for-in, not Object.keys: no array per span. It would also visit an
    // enumerable key added to Object.prototype; such a key only ever sends
    // the record down the slow path, which checks every key is own.
    let count = 0;
    for (const key in copy) {
      // Anything unusual (a value to drop or truncate, an empty key, too
      // many keys) falls back to storing one by one (setAll).
      if (++count > countLimit || key === "") return undefined;
      const value = copy[key];
      switch (typeof value) {
        case "number":
        case "boolean":
          continue;
        case "string":
          if (value.length <= lengthLimit) continue;
          return undefined;
        default:
          return undefined;
      }
    }
    wholeCount = count;
    return copy as Attributes;
  } catch {
    // A getter or Proxy trap threw: setAll reads what it can.
    return undefined;
  }
}

/**
 * What a span with no attributes yet keeps of `record`, the first it is
 * given (at start, most often): the record {@linkcode wholeCopy} makes, or
 * when it cannot be taken whole, a bag that read it entry by entry. Either
 * way the record is copied once.
 *
 * @param record The attributes.
 * @param countLimit The most attributes kept.
 * @param lengthLimit The longest string value kept.
 */
export function firstAttributes(
  record: Readonly<Record<string, unknown>>,
  countLimit: number,
  lengthLimit: number,
): Attributes | AttributeBag {
  return wholeCopy(record, countLimit, lengthLimit) ??
    AttributeBag.filled(record, countLimit, lengthLimit);
}

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
    this.#setAll(record, true);
  }

  /**
   * A bag holding `record`'s entries, read one at a time with the same rules
   * as {@linkcode AttributeBag.setAll}, for a record that
   * {@linkcode wholeCopy} could not take whole: it is not copied again.
   *
   * @param record The attributes.
   * @param countLimit The most attributes kept.
   * @param lengthLimit The longest string value kept.
   */
  static filled(record: unknown, countLimit: number, lengthLimit: number): AttributeBag {
    const bag = new AttributeBag(countLimit, lengthLimit);
    bag.#setAll(record, false);
    return bag;
  }

  #setAll(record: unknown, tryWhole: boolean): void {
    if (typeof record !== "object" || record === null) {
      if (record !== undefined) this.dropped++;
      return;
    }
    try {
      if (Array.isArray(record)) {
        this.dropped++;
        return;
      }
    } catch {
      // Array.isArray met a revoked Proxy: read what can be read, one entry
      // at a time, below.
      this.#setEach(record);
      return;
    }
    if (tryWhole && this.#stores === 0) {
      const whole = wholeCopy(
        record as Record<string, unknown>,
        this.#countLimit,
        this.#lengthLimit,
      );
      if (whole !== undefined) {
        this.values = whole;
        this.#stores = wholeCount;
        return;
      }
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
   * A bag holding `values`, as {@linkcode wholeCopy} returned
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
}
