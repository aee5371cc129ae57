/**
 * Where the current context lives: `AsyncLocalStorage` where the runtime has
 * one (Deno, Bun, Node), a synchronous stack elsewhere; and the functions
 * that read it and run code inside it.
 *
 * @module
 */

import { debugOn, debugOnce } from "../platform/_diagnostics.ts";
import { SPAN_KEY } from "./_span_key.ts";
import { type Context, ROOT_CONTEXT } from "./context.ts";

/**
 * Where the current context lives. `AsyncLocalStorage` fits this shape; so
 * does any store that can run a function with a value and read it back.
 *
 * @example A custom storage that counts how often a context is entered
 * ```ts
 * import {
 *   type Context,
 *   type ContextStorage,
 *   getContextStorage,
 *   getCurrentSpan,
 *   setContextStorage,
 *   Tracer,
 * } from "@codomyrmex/spans";
 * import assert from "node:assert/strict";
 *
 * class CountingStorage implements ContextStorage {
 *   entered = 0;
 *   constructor(private readonly inner: ContextStorage) {}
 *   getStore(): Context | undefined {
 *     return this.inner.getStore();
 *   }
 *   run<R>(store: Context, fn: () => R): R {
 *     this.entered++;
 *     return this.inner.run(store, fn);
 *   }
 *   enterWith(store: Context): void {
 *     this.entered++;
 *     this.inner.enterWith(store);
 *   }
 * }
 *
 * const previous = getContextStorage();
 * const counting = new CountingStorage(previous);
 * setContextStorage(counting);
 * try {
 *   await new Tracer().span("job", async (span) => {
 *     await Promise.resolve();
 *     assert.equal(getCurrentSpan(), span);
 *   });
 *   assert.equal(counting.entered, 1);
 * } finally {
 *   setContextStorage(previous);
 * }
 * ```
 */
export interface ContextStorage {
  /** Returns the store of the current execution, if any. */
  getStore(): Context | undefined;
  /** Runs `fn` with `store` current and restores the previous store after. */
  run<R>(store: Context, fn: () => R): R;
  /** Makes `store` current for the rest of this execution and what it awaits. */
  enterWith(store: Context): void;
}

interface AsyncLocalStorageModule {
  AsyncLocalStorage: new () => ContextStorage;
}

function findAsyncLocalStorage(): ContextStorage | undefined {
  try {
    // Found at run time, never imported statically, so the core still loads
    // in browsers and workers that have no `node:` modules.
    const proc = (globalThis as {
      process?: { getBuiltinModule?: (id: string) => unknown };
    }).process;
    const mod = proc?.getBuiltinModule?.("node:async_hooks") as
      | AsyncLocalStorageModule
      | undefined;
    return mod?.AsyncLocalStorage ? new mod.AsyncLocalStorage() : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A {@linkcode ContextStorage} for runtimes without `AsyncLocalStorage`: a
 * stack that is right for synchronous code. Across an `await` the current
 * span is whatever the stack holds when the continuation runs.
 *
 * @example
 * ```ts
 * import { ROOT_CONTEXT, StackContextStorage } from "@codomyrmex/spans";
 * import assert from "node:assert/strict";
 *
 * const storage = new StackContextStorage();
 * const ctx = ROOT_CONTEXT.setValue(Symbol("k"), 1);
 * storage.run(ctx, () => assert.equal(storage.getStore(), ctx));
 * assert.equal(storage.getStore(), undefined);
 * ```
 */
export class StackContextStorage implements ContextStorage {
  #current: Context | undefined;

  /**
   * Returns the current store.
   *
   * @returns The current context, if any.
   *
   * @example
   * ```ts
   * import { StackContextStorage } from "@codomyrmex/spans";
   * import assert from "node:assert/strict";
   *
   * assert.equal(new StackContextStorage().getStore(), undefined);
   * ```
   */
  getStore(): Context | undefined {
    return this.#current;
  }

  /**
   * Runs `fn` with `store` current.
   *
   * @typeParam R What `fn` returns.
   * @param store The context to make current.
   * @param fn The function to run.
   * @returns What `fn` returns.
   *
   * @example
   * ```ts
   * import { ROOT_CONTEXT, StackContextStorage } from "@codomyrmex/spans";
   * import assert from "node:assert/strict";
   *
   * const storage = new StackContextStorage();
   * assert.equal(storage.run(ROOT_CONTEXT, () => 42), 42);
   * ```
   */
  run<R>(store: Context, fn: () => R): R {
    const previous = this.#current;
    this.#current = store;
    try {
      const result = fn();
      if (debugOn) reportLostAcrossAwait(store, result);
      return result;
    } finally {
      this.#current = previous;
    }
  }

  /**
   * Makes `store` current until the enclosing {@linkcode StackContextStorage.run}
   * returns.
   *
   * @param store The context to make current.
   *
   * @example
   * ```ts
   * import { ROOT_CONTEXT, StackContextStorage } from "@codomyrmex/spans";
   * import assert from "node:assert/strict";
   *
   * const storage = new StackContextStorage();
   * storage.enterWith(ROOT_CONTEXT);
   * assert.equal(storage.getStore(), ROOT_CONTEXT);
   * ```
   */
  enterWith(store: Context): void {
    this.#current = store;
  }
}

// A stack cannot follow `await`: a span made current for an async function
// stops being current at its first await. Said once per span name, in debug.
function reportLostAcrossAwait(store: Context, result: unknown): void {
  if (typeof (result as PromiseLike<unknown> | null)?.then !== "function") return;
  const name = (store.getValue(SPAN_KEY) as { name?: unknown } | undefined)?.name;
  if (typeof name !== "string") return;
  debugOnce(
    `async-context-lost:${name}`,
    `span "${name}" was made current for async work, but this runtime has no ` +
      "AsyncLocalStorage: after the first await it is no longer the current span, so spans " +
      "started there get no parent. Give the library an async-aware store with setContextStorage().",
  );
}

let storage: ContextStorage = findAsyncLocalStorage() ?? new StackContextStorage();

/**
 * Returns the storage the current context lives in.
 *
 * @returns The active {@linkcode ContextStorage}.
 *
 * @example
 * ```ts
 * import { getContextStorage, StackContextStorage } from "@codomyrmex/spans";
 * import assert from "node:assert/strict";
 *
 * // Deno, Bun and Node have AsyncLocalStorage, so the stack is not used.
 * assert.equal(getContextStorage() instanceof StackContextStorage, false);
 * ```
 */
export function getContextStorage(): ContextStorage {
  return storage;
}

/**
 * Replaces the storage the current context lives in, for runtimes whose
 * async context this library cannot find by itself. Call it once, before any
 * span starts.
 *
 * @param next The storage to use.
 * @throws {TypeError} When `next` lacks `getStore`, `run` or `enterWith`.
 *
 * @example
 * ```ts
 * import { getContextStorage, setContextStorage } from "@codomyrmex/spans";
 * import assert from "node:assert/strict";
 *
 * const previous = getContextStorage();
 * setContextStorage(previous);
 * assert.throws(() => setContextStorage({} as never), TypeError);
 * ```
 */
export function setContextStorage(next: ContextStorage): void {
  if (
    typeof next?.getStore !== "function" || typeof next.run !== "function" ||
    typeof next.enterWith !== "function"
  ) {
    throw new TypeError(
      "Cannot set context storage: it must have getStore, run and enterWith methods",
    );
  }
  storage = next;
}

/**
 * Returns the context current at this point of execution.
 *
 * @returns The active context, {@linkcode ROOT_CONTEXT} when none is set.
 *
 * @example
 * ```ts
 * import { getCurrentContext, ROOT_CONTEXT, withContext } from "@codomyrmex/spans";
 * import assert from "node:assert/strict";
 *
 * const ctx = ROOT_CONTEXT.setValue(Symbol("k"), 1);
 * withContext(ctx, () => assert.equal(getCurrentContext(), ctx));
 * ```
 */
export function getCurrentContext(): Context {
  return storage.getStore() ?? ROOT_CONTEXT;
}

/**
 * Runs `fn` with `context` current, sync or async, and restores the previous
 * context afterwards.
 *
 * @typeParam R What `fn` returns.
 * @param context The context to make current.
 * @param fn The function to run.
 * @returns What `fn` returns.
 *
 * @example
 * ```ts
 * import { getCurrentContext, ROOT_CONTEXT, withContext } from "@codomyrmex/spans";
 * import assert from "node:assert/strict";
 *
 * const k = Symbol("k");
 * const value = await withContext(ROOT_CONTEXT.setValue(k, "v"), async () => {
 *   await Promise.resolve();
 *   return getCurrentContext().getValue(k);
 * });
 * assert.equal(value, "v");
 * ```
 */
export function withContext<R>(context: Context, fn: () => R): R {
  return storage.run(context, fn);
}
