// Internal: validation of processor options, with "Cannot X: detail" errors.

import { describe } from "../platform/_describe.ts";
import type { Clock } from "../platform/clock.ts";
import type { Scheduler } from "../platform/scheduler.ts";

/** Whether `value` is what processors take as a size: a positive safe integer. */
export function isPositiveInteger(value: unknown): value is number {
  return typeof value === "number" && Number.isSafeInteger(value) && value > 0;
}

/**
 * Checks that `value` is a positive safe integer, or takes the default.
 *
 * @returns The value or the default.
 * @throws {RangeError} Otherwise.
 */
export function positiveInteger(
  value: unknown,
  fallback: number,
  who: string,
  name: string,
): number {
  if (value === undefined) return fallback;
  if (!isPositiveInteger(value)) {
    throw new RangeError(
      `Cannot create ${who}: ${name} must be a positive integer, got ${describe(value)}`,
    );
  }
  return value;
}

/**
 * Checks that `value` is a finite number of milliseconds, above zero (or at
 * least zero with `allowZero`), or takes the default.
 *
 * @returns The value or the default.
 * @throws {RangeError} Otherwise.
 */
export function milliseconds(
  value: unknown,
  fallback: number,
  who: string,
  name: string,
  allowZero = false,
): number {
  if (value === undefined) return fallback;
  if (
    typeof value !== "number" || !Number.isFinite(value) || value < 0 ||
    (value === 0 && !allowZero)
  ) {
    throw new RangeError(
      `Cannot create ${who}: ${name} must be a ${
        allowZero ? "non-negative" : "positive"
      } finite number of milliseconds, got ${describe(value)}`,
    );
  }
  return value;
}

/**
 * Checks that `value` is a boolean, or takes the default.
 *
 * @returns The value or the default.
 * @throws {TypeError} Otherwise.
 */
export function booleanOption(
  value: unknown,
  fallback: boolean,
  who: string,
  name: string,
): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== "boolean") {
    throw new TypeError(`Cannot create ${who}: ${name} must be a boolean, got ${describe(value)}`);
  }
  return value;
}

/**
 * Checks that `value` has a `setTimeout` and a `clearTimeout` method.
 *
 * @returns The scheduler or the default.
 * @throws {TypeError} Otherwise.
 */
export function schedulerOption(value: unknown, fallback: Scheduler, who: string): Scheduler {
  if (value === undefined) return fallback;
  const s = value as Scheduler | null;
  if (typeof s?.setTimeout !== "function" || typeof s.clearTimeout !== "function") {
    throw new TypeError(
      `Cannot create ${who}: scheduler must have setTimeout and clearTimeout methods, got ${
        describe(value)
      }`,
    );
  }
  return s;
}

/**
 * Checks that `value` has a `now` method.
 *
 * @returns The clock or the default.
 * @throws {TypeError} Otherwise.
 */
export function clockOption(value: unknown, fallback: Clock, who: string): Clock {
  if (value === undefined) return fallback;
  if (typeof (value as Clock | null)?.now !== "function") {
    throw new TypeError(
      `Cannot create ${who}: clock must have a now method, got ${describe(value)}`,
    );
  }
  return value as Clock;
}
