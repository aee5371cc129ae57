// Internal: the times a span may carry. OTLP sends times as unsigned 64-bit
// nanoseconds since the epoch, so a span time is epoch milliseconds in
// [0, 2^64 ns): 1970 to the year 2554. A time outside (microseconds passed
// as milliseconds, 1e300, a negative, NaN) would make a backend refuse the
// whole batch it travels in.

import { describe } from "../platform/_describe.ts";

/**
 * 2^64 nanoseconds in milliseconds, the first time OTLP cannot carry. As a
 * double it is 18446744073709.55078125, just below the exact value, so every
 * time below it converts to fewer than 2^64 nanoseconds.
 */
export const END_OF_OTLP_TIME_MS: number = 2 ** 64 / 1e6;

/** Whether `ms` is epoch milliseconds OTLP can carry (false for NaN). */
export function isOtlpTime(ms: number): boolean {
  return ms >= 0 && ms < END_OF_OTLP_TIME_MS;
}

const getTime = Date.prototype.getTime;
const toStringTag = Object.prototype.toString;

/**
 * The time of a `Date`, epoch milliseconds (NaN for an invalid one), or
 * `undefined` for anything that is no Date. A Date from another realm (an
 * iframe, `node:vm`) fails `instanceof Date`, yet is one: it is read through
 * `Date.prototype.getTime`, which only a real Date answers. It never throws.
 */
export function dateTime(value: unknown): number | undefined {
  if (typeof value !== "object" || value === null) return undefined;
  try {
    if (value instanceof Date) return value.getTime();
    // The tag first, so that an object that is no Date costs no exception.
    return toStringTag.call(value) === "[object Date]" ? getTime.call(value) : undefined;
  } catch {
    // A Proxy's trap threw, a tag said Date of something that is none, or
    // an object only inherits from Date.prototype (it has no time).
    return undefined;
  }
}

/**
 * A time given as epoch milliseconds or a `Date`, when OTLP can carry it;
 * `undefined` for anything else.
 */
export function otlpTime(time: unknown): number | undefined {
  const ms = typeof time === "number" ? time : dateTime(time) ?? NaN;
  return isOtlpTime(ms) ? ms : undefined;
}

/**
 * A time a caller passed explicitly, checked: a programming error (such as
 * microseconds where milliseconds are expected) is refused at once.
 *
 * @param time Epoch milliseconds or a `Date`.
 * @param action What was being done, for the message ("start span").
 * @returns The epoch milliseconds.
 * @throws {TypeError} When `time` is neither a number nor a `Date`.
 * @throws {RangeError} When it is outside [0, 2^64 ns), or NaN.
 */
export function checkedTime(time: number | Date, action: string): number {
  const ms = otlpTime(time);
  if (ms !== undefined) return ms;
  const date = typeof time === "number" ? undefined : dateTime(time);
  if (typeof time !== "number" && date === undefined) {
    throw new TypeError(
      `Cannot ${action}: time must be epoch milliseconds or a Date, got ${describe(time)}`,
    );
  }
  const shown = typeof time === "number" ? String(time) : `Date ${String(date)}`;
  throw new RangeError(
    `Cannot ${action}: time must be epoch milliseconds from 0 to ${END_OF_OTLP_TIME_MS} (what OTLP's 64-bit nanoseconds hold), got ${shown}`,
  );
}
