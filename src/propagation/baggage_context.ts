/**
 * The baggage current at a point of execution. Like the current span, it
 * lives in the async-safe {@linkcode Context} and so follows `await`.
 *
 * @module
 */

import { Context } from "../context/context.ts";
import { getContextStorage, getCurrentContext, withContext } from "../context/storage.ts";
import { describe } from "../platform/_describe.ts";
import { Baggage } from "./baggage.ts";

/** The key the current baggage is stored under in a {@linkcode Context}. */
export const BAGGAGE_KEY: unique symbol = Symbol("@codomyrmex/spans.baggage");

const EMPTY: Baggage = Baggage.parse(undefined);

/**
 * Returns the baggage current at this point of execution, or the baggage of
 * `context` when one is given (a processor's `onStart` parent context, say).
 *
 * @param context The context to read; the current one when omitted.
 * @returns The baggage; empty when none is set.
 * @throws {TypeError} When `context` is given and is not a {@linkcode Context}.
 *
 * @example
 * ```ts
 * import { Baggage, getBaggage, withBaggage } from "@codomyrmex/spans";
 * import assert from "node:assert/strict";
 *
 * assert.equal(getBaggage().size, 0);
 * await withBaggage(new Baggage({ tenant: "acme" }), async () => {
 *   await Promise.resolve();
 *   assert.equal(getBaggage().get("tenant")?.value, "acme");
 * });
 * ```
 */
export function getBaggage(context?: Context): Baggage {
  if (context !== undefined && !(context instanceof Context)) {
    throw new TypeError(`Cannot get baggage: context must be a Context, got ${describe(context)}`);
  }
  const value = (context ?? getCurrentContext()).getValue(BAGGAGE_KEY);
  return value instanceof Baggage ? value : EMPTY;
}

/**
 * Runs `fn` (sync or async) with `baggage` current, and restores the
 * previous baggage after it returns or settles.
 *
 * @typeParam R What `fn` returns.
 * @param baggage The baggage to make current.
 * @param fn The function to run.
 * @returns What `fn` returns.
 * @throws {TypeError} When `baggage` is not a {@linkcode Baggage} or `fn` is not a function.
 *
 * @example
 * ```ts
 * import { getBaggage, withBaggage } from "@codomyrmex/spans";
 * import assert from "node:assert/strict";
 *
 * const user = withBaggage(getBaggage().set("user", "ada"), () => getBaggage().get("user")?.value);
 * assert.equal(user, "ada");
 * assert.equal(getBaggage().get("user"), undefined);
 * ```
 */
export function withBaggage<R>(baggage: Baggage, fn: () => R): R {
  check(baggage, "run withBaggage");
  if (typeof fn !== "function") {
    throw new TypeError(`Cannot run withBaggage: fn must be a function, got ${typeof fn}`);
  }
  return withContext(getCurrentContext().setValue(BAGGAGE_KEY, baggage), fn);
}

/**
 * Makes `baggage` current for the rest of the current execution and what it
 * awaits. Prefer {@linkcode withBaggage}, which restores the previous
 * baggage by itself.
 *
 * @param baggage The baggage to make current.
 * @throws {TypeError} When `baggage` is not a {@linkcode Baggage}.
 *
 * @example
 * ```ts
 * import { Baggage, getBaggage, setBaggage } from "@codomyrmex/spans";
 * import assert from "node:assert/strict";
 *
 * setBaggage(new Baggage({ step: "1" }));
 * assert.equal(getBaggage().get("step")?.value, "1");
 * setBaggage(new Baggage());
 * ```
 */
export function setBaggage(baggage: Baggage): void {
  check(baggage, "set baggage");
  getContextStorage().enterWith(getCurrentContext().setValue(BAGGAGE_KEY, baggage));
}

function check(baggage: unknown, action: string): void {
  if (!(baggage instanceof Baggage)) {
    throw new TypeError(`Cannot ${action}: expected a Baggage, got ${typeof baggage}`);
  }
}
