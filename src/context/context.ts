/**
 * The immutable context: values keyed by symbols, current at a point of
 * execution.
 *
 * @module
 */

import { installNewestKey } from "./_newest_key.ts";

const EMPTY: unique symbol = Symbol("empty");

// How many entries a chain may gain before it is rebuilt with the newest
// entry of each key only. An entry hides an older one of its key only when
// it replaces the newest entry; a worker that sets the current span and its
// baggage in turn (setCurrentSpan, setBaggage, message after message) added
// two entries a message, and the chain kept every message's span and baggage
// alive, and made each look-up walk all of them.
const MAX_GROWN = 32;

// The chain each context past the bound was last rebuilt into, with the key
// left out of it. A context is immutable, so the rebuilt chain cannot replace
// its own: without this, every value set on one such context (each span
// started in a request's context, say) walked and rebuilt all of it again.
// Weak, so a context's rebuilt chain lives no longer than the context.
const REBUILT = new WeakMap<Context, { readonly without: symbol; readonly chain: Context }>();

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
  // Entries added on top since the chain was last built anew.
  #grown: number;

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
    this.#grown = parent === undefined ? 0 : parent.#grown + 1;
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
    return this.#with(key, value);
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
    return this.#with(key, EMPTY);
  }

  #with(key: symbol, value: unknown): Context {
    // Replacing the newest entry reuses its parent, so nesting spans (each
    // replacing the current span) keeps the chain short instead of one node
    // deeper per level.
    const parent = this.#key === key ? this.#parent! : this;
    if (parent.#grown < MAX_GROWN) return new Context(parent, key, value);
    let rebuilt = REBUILT.get(parent);
    if (rebuilt?.without !== key) {
      rebuilt = { without: key, chain: Context.#rebuilt(parent, key) };
      REBUILT.set(parent, rebuilt);
    }
    return new Context(rebuilt.chain, key, value);
  }

  // `context`'s entries, but only the newest of each key and none of `without`,
  // in their order (a deletion is kept: it hides the key, and it counts as
  // the key's newest setting in `newestKeyOf`), on the same empty context,
  // and counted as built anew: the next rebuild comes MAX_GROWN entries on,
  // however many keys it holds.
  static #rebuilt(context: Context, without: symbol): Context {
    const keys: symbol[] = [];
    const values: unknown[] = [];
    let bottom = context;
    for (let c: Context | undefined = context; c !== undefined; c = c.#parent) {
      bottom = c;
      const key = c.#key;
      if (key === undefined || key === without || keys.includes(key)) continue;
      keys.push(key);
      values.push(c.#value);
    }
    let out = bottom;
    for (let i = keys.length - 1; i >= 0; i--) {
      out = new Context(out, keys[i], values[i]);
      out.#grown = 0;
    }
    return out;
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
