/**
 * The immutable context: values keyed by symbols, current at a point of
 * execution.
 *
 * @module
 */

import { installNewestKey } from "./_newest_key.ts";

const EMPTY: unique symbol = Symbol("empty");

/**
 * An immutable set of values keyed by symbols: what is "current" at a point
 * of execution. Setting a value returns a new context and leaves this one as
 * it was. Its shape matches OpenTelemetry's `Context`, so one can stand in for
 * the other.
 *
 * @example
 * ```ts
 * import { ROOT_CONTEXT } from "@codomyrmex/spans";
 * import assert from "node:assert/strict";
 *
 * const key = Symbol("user");
 * const ctx = ROOT_CONTEXT.setValue(key, "ada");
 * assert.equal(ctx.getValue(key), "ada");
 * assert.equal(ROOT_CONTEXT.getValue(key), undefined);
 * ```
 */
export class Context {
  readonly #key: symbol | undefined;
  readonly #value: unknown;
  readonly #parent: Context | undefined;

  static {
    installNewestKey((context, a, b) => {
      for (let c: Context | undefined = context; c !== undefined; c = c.#parent) {
        if (c.#key === a || c.#key === b) return c.#key;
      }
      return undefined;
    });
  }

  /**
   * Creates an empty context. Most code starts from {@linkcode ROOT_CONTEXT}.
   *
   * @example
   * ```ts
   * import { Context } from "@codomyrmex/spans";
   * import assert from "node:assert/strict";
   *
   * assert.equal(new Context().getValue(Symbol("x")), undefined);
   * ```
   */
  constructor();
  /** Internal: a context that adds one entry to `parent`. */
  constructor(parent: Context, key: symbol, value: unknown);
  constructor(parent?: Context, key?: symbol, value?: unknown) {
    this.#parent = parent;
    this.#key = key;
    this.#value = value;
  }

  /**
   * Returns the value stored under `key`, or `undefined`.
   *
   * @param key The key.
   * @returns The value.
   *
   * @example
   * ```ts
   * import { ROOT_CONTEXT } from "@codomyrmex/spans";
   * import assert from "node:assert/strict";
   *
   * const k = Symbol("k");
   * assert.equal(ROOT_CONTEXT.setValue(k, 1).getValue(k), 1);
   * ```
   */
  getValue(key: symbol): unknown {
    // A chain, not a map: contexts are shallow in practice (a span, maybe
    // baggage), so walking beats copying a map on every `withSpan`.
    if (this.#key === key) return this.#value === EMPTY ? undefined : this.#value;
    for (let c = this.#parent; c !== undefined; c = c.#parent) {
      if (c.#key === key) return c.#value === EMPTY ? undefined : c.#value;
    }
    return undefined;
  }

  /**
   * Returns a new context with `key` set to `value`.
   *
   * @param key The key.
   * @param value The value.
   * @returns The new context.
   *
   * @example
   * ```ts
   * import { ROOT_CONTEXT } from "@codomyrmex/spans";
   * import assert from "node:assert/strict";
   *
   * const k = Symbol("k");
   * const a = ROOT_CONTEXT.setValue(k, 1);
   * const b = a.setValue(k, 2);
   * assert.equal(a.getValue(k), 1);
   * assert.equal(b.getValue(k), 2);
   * ```
   */
  setValue(key: symbol, value: unknown): Context {
    // Replacing the newest entry reuses its parent, so nesting spans (each
    // replacing the current span) keeps the chain short instead of one node
    // deeper per level.
    return new Context(this.#key === key ? this.#parent! : this, key, value);
  }

  /**
   * Returns a new context without `key`.
   *
   * @param key The key.
   * @returns The new context.
   *
   * @example
   * ```ts
   * import { ROOT_CONTEXT } from "@codomyrmex/spans";
   * import assert from "node:assert/strict";
   *
   * const k = Symbol("k");
   * assert.equal(ROOT_CONTEXT.setValue(k, 1).deleteValue(k).getValue(k), undefined);
   * ```
   */
  deleteValue(key: symbol): Context {
    return new Context(this.#key === key ? this.#parent! : this, key, EMPTY);
  }
}

/**
 * The empty context, current wherever nothing else has been set.
 *
 * @example
 * ```ts
 * import { getCurrentContext, ROOT_CONTEXT } from "@codomyrmex/spans";
 * import assert from "node:assert/strict";
 *
 * assert.equal(getCurrentContext(), ROOT_CONTEXT);
 * ```
 */
export const ROOT_CONTEXT: Context = new Context();
