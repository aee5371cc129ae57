/**
 * Where the current context lives: `AsyncLocalStorage` where the runtime has
 * one (Deno, Bun, Node), else a native `AsyncContext.Variable` (the TC39
 * proposal) where there is one, else a synchronous stack (browsers today);
 * and the functions that read it and run code inside it.
 *
 * @module
 */

import { describe } from "../platform/_describe.ts";
import { registerCopy } from "../platform/_copies.ts";
import { denoTelemetry } from "../platform/_deno_telemetry.ts";
import { thenOf } from "../platform/_then_of.ts";
import { debugOn, debugOnce } from "../platform/_diagnostics.ts";
import { Span } from "../span/span.ts";
import { SpanContext } from "../span/span_context.ts";
import { findAsyncContext } from "./_async_context_storage.ts";
import { SPAN_KEY } from "./_span_key.ts";
import { isOwnWork } from "./_own_work_context.ts";
import { type Context, ROOT_CONTEXT } from "./context.ts";
import { HostContextStorage } from "./_host_context.ts";
import { registerAsyncScope } from "./_async_scope.ts";
import { type NativeStorage, nativeStorage } from "./_native_storage.ts";

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
  AsyncLocalStorage: new () => ContextStorage & NativeStorage;
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
    if (!mod?.AsyncLocalStorage) return undefined;
    const found = new mod.AsyncLocalStorage();
    // Its run passes arguments on to fn: see _native_storage.ts.
    nativeStorage.storage = found;
    return found;
  } catch {
    return undefined;
  }
}

// Node before 20.16, and 21.x to 22.2, have no process.getBuiltinModule, and the core may not
// import node:async_hooks statically. Without it the current span would be
// lost after the first await, with nothing to say so: say it, loudly.
function reportNodeTooOld(versions: { node?: string; bun?: string } | undefined): void {
  const deno = (globalThis as { Deno?: unknown }).Deno;
  if (typeof versions?.node !== "string" || versions.bun !== undefined || deno !== undefined) {
    return;
  }
  try {
    console.error(
      `@codomyrmex/spans: Node ${versions.node} has no process.getBuiltinModule, so the ` +
        "current span cannot follow await and child spans after an await lose their parent. " +
        "Use Node 20.16 or later on 20.x, or 22.3 or later, or call setContextStorage(new AsyncLocalStorage()) from " +
        "node:async_hooks before starting any span.",
    );
  } catch {
    // A broken console must not break the application.
  }
}

// A store StackContextStorage put back outside any run: the n-th put back,
// entered when its count of enters was `at`.
interface Restore {
  n: number;
  at: number;
  store: Context | undefined;
}

// How many such stores it keeps (see #restores).
const MAX_RESTORES = 32;

/**
 * A {@linkcode ContextStorage} for runtimes with neither `AsyncLocalStorage`
 * nor `AsyncContext` (browsers today): a stack that is right for synchronous
 * code. Across an `await` the current span is whatever the stack holds when
 * the continuation runs, so `tracer.span`, `withSpan` and `tracer.wrap` warn
 * once when given async work here; pass `{ parent }` explicitly instead.
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
  // Outside any run, only an enterWith changes the store: made after an
  // await, in a continuation, it would stay current for every task the page
  // runs later (a click, a timer), each of them then a child of a span long
  // ended. `#entered` counts those, so the span whose callback awaited can
  // put back the store it found when it settles.
  #depth = 0;
  #outside: Context | undefined;
  #entered = 0;
  // What `#entered` was when `#outside` was entered: how old it is.
  #outsideAt = 0;
  // The store found may itself have been entered in a callback that settled
  // since, and taken away then: put back, it would be that callback's span,
  // ended, current for good. So a settling callback puts back the oldest of
  // what it found and what any callback settled since put back. `#restores`
  // keeps, of the stores put back, those older than every later one (one
  // while callbacks nest or follow each other), and none once no callback is
  // pending; a callback that opened before the oldest one kept (of more than
  // MAX_RESTORES) puts back none, as lost is what the stack promises after an
  // await, a stale parent is not.
  #restores: Restore[] = [];
  #restored = 0;
  #forgotten = 0;
  #pending = 0;

  static {
    registerAsyncScope((scoped) => {
      const storage = scoped as StackContextStorage;
      const outside = storage.#outside;
      const outsideAt = storage.#outsideAt;
      const entered = storage.#entered;
      const restored = storage.#restored;
      storage.#pending++;
      return () => {
        if (storage.#depth === 0 && storage.#entered !== entered) {
          storage.#putBack(outside, outsideAt, restored);
        }
        if (--storage.#pending === 0) storage.#restores = [];
      };
    });
  }

  // Puts back `outside`, found by a callback after `restored` put-backs, or
  // an older store put back since.
  #putBack(outside: Context | undefined, outsideAt: number, restored: number): void {
    let store = outside;
    let at = outsideAt;
    const since = this.#restores.find((restore) => restore.n > restored);
    if (restored < this.#forgotten) {
      store = undefined;
      at = 0;
    } else if (since !== undefined && since.at < at) {
      store = since.store;
      at = since.at;
    }
    const restores = this.#restores;
    while (restores.length > 0 && restores[restores.length - 1].at >= at) restores.pop();
    restores.push({ n: ++this.#restored, at, store });
    if (restores.length > MAX_RESTORES) this.#forgotten = restores.shift()!.n;
    this.#current = this.#outside = store;
    this.#outsideAt = at;
  }

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
    this.#depth++;
    try {
      const result = fn();
      if (debugOn) reportLostAcrossAwait(store, result);
      return result;
    } finally {
      this.#depth--;
      this.#current = previous;
    }
  }

  /**
   * Makes `store` current until the enclosing {@linkcode StackContextStorage.run}
   * returns. Outside any run (after an `await`), until the async callback of
   * `tracer.span` or `tracer.wrap` it was made in settles.
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
    if (this.#depth === 0) {
      this.#outside = store;
      this.#outsideAt = ++this.#entered;
    }
  }
}

// A stack cannot follow `await`: a span made current for an async function
// stops being current at its first await. Said once per span name, in debug.
function reportLostAcrossAwait(store: Context, result: unknown): void {
  if (typeof thenOf(result) !== "function") return;
  const span = store.getValue(SPAN_KEY) as { name?: unknown } | undefined;
  if (span === undefined || isOwnWork(store)) return;
  const name = span.name;
  if (typeof name !== "string") return;
  // A browser has no async-aware store to give: naming the parent is what it can do.
  debugOnce(
    `async-context-lost:${name}`,
    `span "${name}" was made current for async work, but this runtime has neither ` +
      "AsyncLocalStorage nor AsyncContext: after the first await it is no longer the current " +
      "span, so spans started there get no parent. Pass it to them as { parent: span } (see " +
      "the README's Browsers section), or give the library an async-aware store with " +
      "setContextStorage().",
  );
}

// A second copy of the library has a storage of its own: say so (_copies.ts).
registerCopy();

let storage: ContextStorage = withHost(
  findAsyncLocalStorage() ?? findAsyncContext() ?? fallBackToStack(),
);

// With Deno's built-in OpenTelemetry tracing, its current span and ours are kept one.
function withHost(inner: ContextStorage): ContextStorage {
  return denoTelemetry === undefined
    ? inner
    : new HostContextStorage(inner, denoTelemetry.contextManager);
}

function fallBackToStack(): ContextStorage {
  const proc = (globalThis as {
    process?: { getBuiltinModule?: unknown; versions?: { node?: string; bun?: string } };
  }).process;
  if (proc !== undefined && typeof proc.getBuiltinModule !== "function") {
    reportNodeTooOld(proc.versions);
  }
  return new StackContextStorage();
}

/**
 * Returns the storage the current context lives in.
 *
 * @returns The {@linkcode ContextStorage} in use.
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
 * @returns The current context, {@linkcode ROOT_CONTEXT} when none is set.
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
 * @throws {TypeError} When `context` is not a {@linkcode Context} or `fn` not a function.
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
  if (typeof (context as Context | null)?.getValue !== "function") {
    throw new TypeError(
      `Cannot run withContext: context must be a Context, got ${describe(context)}${
        notAContext(context)
      }`,
    );
  }
  if (typeof fn !== "function") {
    throw new TypeError(`Cannot run withContext: fn must be a function, got ${describe(fn)}`);
  }
  return storage.run(context, fn);
}

// What was likely meant, for a span given as the context.
function notAContext(value: unknown): string {
  return value instanceof Span
    ? " (a Span: to make a span current, use withSpan(span, fn))"
    : value instanceof SpanContext
    ? " (a SpanContext: start a span under it with tracer.span(name, { parent: spanContext }, fn))"
    : "";
}
