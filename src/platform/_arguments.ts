// Internal: checks of the shape of an argument that would otherwise fail
// deep inside with a raw engine error ("x is not iterable"), each throwing
// a TypeError that reads "Cannot <action>: <what> must be ..., got ...".

import { describe } from "./_describe.ts";

/**
 * Whether `value` is an object that can be read as a record of keys to
 * values: not `null`, an array, a boxed primitive (`new String("abc")`,
 * whose keys are its indices) or a `Map` or `Set` (whose entries are no
 * keys: walking one finds nothing). Never throws: a revoked Proxy, or one
 * whose `getPrototypeOf` trap throws, is no record.
 *
 * @param value The value.
 * @returns Whether it is a record.
 */
export function isRecord(value: unknown): value is Readonly<Record<string, unknown>> {
  if (typeof value !== "object" || value === null) return false;
  try {
    return !Array.isArray(value) &&
      !(value instanceof String || value instanceof Number || value instanceof Boolean) &&
      !(value instanceof Map || value instanceof Set);
  } catch {
    // A revoked Proxy, or one whose getPrototypeOf trap throws: no record.
    return false;
  }
}

/**
 * Checks that `value` is a record ({@linkcode isRecord}). A string is
 * refused at once: spreading or walking the keys of a long one (its
 * indices) is slow and never what was meant.
 *
 * @param value The argument.
 * @param action What was being done, for the message ("create Resource").
 * @param what The argument's name and what it should hold ("attributes").
 * @returns The value, typed as a record.
 * @throws {TypeError} Otherwise.
 */
export function recordArgument(
  value: unknown,
  action: string,
  what: string,
): Readonly<Record<string, unknown>> {
  if (!isRecord(value)) {
    throw new TypeError(`Cannot ${action}: ${what} must be a record, got ${describe(value)}`);
  }
  return value as Readonly<Record<string, unknown>>;
}

/**
 * Checks that `value` is an iterable object (an array, a Map, a generator;
 * never a string, whose characters are no list of entries).
 *
 * @param value The argument.
 * @param action What was being done, for the message.
 * @param what The argument's name and what it should hold.
 * @returns The value, typed as an iterable.
 * @throws {TypeError} Otherwise.
 */
export function iterableArgument(value: unknown, action: string, what: string): Iterable<unknown> {
  if (
    typeof value !== "object" || value === null ||
    typeof (value as { [Symbol.iterator]?: unknown })[Symbol.iterator] !== "function"
  ) {
    throw new TypeError(
      `Cannot ${action}: ${what} must be an array or another iterable, got ${describe(value)}`,
    );
  }
  return value as Iterable<unknown>;
}

/**
 * Checks that `value` is an array, as a method typed to take one was given.
 *
 * @param value The argument.
 * @param action What was being done, for the message.
 * @param what The argument's name, for the message.
 * @returns The array.
 * @throws {TypeError} Otherwise.
 */
export function arrayArgument<T>(
  value: readonly T[],
  action: string,
  what: string,
): readonly T[] {
  if (!Array.isArray(value)) {
    throw new TypeError(`Cannot ${action}: ${what} must be an array, got ${describe(value)}`);
  }
  return value;
}

/**
 * Checks that one entry of an iterable is a `[key, value]` array.
 *
 * @param entry The entry.
 * @param action What was being done, for the message.
 * @returns The entry's key and value.
 * @throws {TypeError} Otherwise.
 */
export function pairArgument(entry: unknown, action: string): readonly [unknown, unknown] {
  if (!Array.isArray(entry)) {
    throw new TypeError(
      `Cannot ${action}: each entry must be a [key, value] array, got ${describe(entry)}`,
    );
  }
  return entry as unknown as readonly [unknown, unknown];
}
