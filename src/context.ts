/**
 * The current span, carried across `await`: `AsyncLocalStorage` where the
 * runtime has one (Deno, Bun, Node), a synchronous stack elsewhere.
 *
 * @module
 */

import type { Span } from "./span.ts";

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
 * import { getActiveContext, ROOT_CONTEXT } from "@codomyrmex/spans";
 * import assert from "node:assert/strict";
 *
 * assert.equal(getActiveContext(), ROOT_CONTEXT);
 * ```
 */
export const ROOT_CONTEXT: Context = new Context();

/**
 * Where the current context lives. `AsyncLocalStorage` fits this shape; so
 * does any store that can run a function with a value and read it back.
 *
 * @example A custom storage
 * ```ts
 * import { type ContextStorage, getContextStorage } from "@codomyrmex/spans";
 * import assert from "node:assert/strict";
 *
 * const storage: ContextStorage = getContextStorage();
 * assert.equal(typeof storage.run, "function");
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
      return fn();
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
 * import { getActiveContext, ROOT_CONTEXT, withContext } from "@codomyrmex/spans";
 * import assert from "node:assert/strict";
 *
 * const ctx = ROOT_CONTEXT.setValue(Symbol("k"), 1);
 * withContext(ctx, () => assert.equal(getActiveContext(), ctx));
 * ```
 */
export function getActiveContext(): Context {
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
 * import { getActiveContext, ROOT_CONTEXT, withContext } from "@codomyrmex/spans";
 * import assert from "node:assert/strict";
 *
 * const k = Symbol("k");
 * const value = await withContext(ROOT_CONTEXT.setValue(k, "v"), async () => {
 *   await Promise.resolve();
 *   return getActiveContext().getValue(k);
 * });
 * assert.equal(value, "v");
 * ```
 */
export function withContext<R>(context: Context, fn: () => R): R {
  return storage.run(context, fn);
}

/** The key the current span is stored under in a {@linkcode Context}. */
export const SPAN_KEY: unique symbol = Symbol("@codomyrmex/spans.span");

/**
 * Returns the span current at this point of execution. It follows `await`:
 * a span made current before an `await` is still current after it.
 *
 * @returns The current span, if any.
 *
 * @example
 * ```ts
 * import { getCurrentSpan, Tracer } from "@codomyrmex/spans";
 * import assert from "node:assert/strict";
 *
 * const tracer = new Tracer();
 * await tracer.span("outer", async (span) => {
 *   await new Promise((r) => setTimeout(r, 1));
 *   assert.equal(getCurrentSpan(), span);
 * });
 * assert.equal(getCurrentSpan(), undefined);
 * ```
 */
export function getCurrentSpan(): Span | undefined {
  return storage.getStore()?.getValue(SPAN_KEY) as Span | undefined;
}

/**
 * Makes `span` current for the rest of the current execution and what it
 * awaits; `undefined` clears it. Prefer {@linkcode withSpan}, which restores
 * the previous span by itself.
 *
 * @param span The span to make current.
 *
 * @example
 * ```ts
 * import { getCurrentSpan, setCurrentSpan, Span } from "@codomyrmex/spans";
 * import assert from "node:assert/strict";
 *
 * const span = new Span("manual").start();
 * setCurrentSpan(span);
 * assert.equal(getCurrentSpan(), span);
 * setCurrentSpan(undefined);
 * assert.equal(getCurrentSpan(), undefined);
 * ```
 */
export function setCurrentSpan(span: Span | undefined): void {
  const ctx = getActiveContext();
  storage.enterWith(
    span === undefined ? ctx.deleteValue(SPAN_KEY) : ctx.setValue(SPAN_KEY, span),
  );
}

/**
 * Runs `fn` (sync or async) with `span` current, and restores the previous
 * current span after it returns or settles.
 *
 * @typeParam R What `fn` returns.
 * @param span The span to make current; `undefined` runs `fn` with none.
 * @param fn The function to run.
 * @returns What `fn` returns.
 * @throws {TypeError} When `fn` is not a function.
 *
 * @example
 * ```ts
 * import { getCurrentSpan, Span, withSpan } from "@codomyrmex/spans";
 * import assert from "node:assert/strict";
 *
 * const span = new Span("job").start();
 * const seen = withSpan(span, () => getCurrentSpan());
 * assert.equal(seen, span);
 * assert.equal(getCurrentSpan(), undefined);
 * ```
 */
export function withSpan<R>(span: Span | undefined, fn: () => R): R {
  if (typeof fn !== "function") {
    throw new TypeError(`Cannot run withSpan: fn must be a function, got ${typeof fn}`);
  }
  const ctx = getActiveContext();
  return storage.run(
    span === undefined ? ctx.deleteValue(SPAN_KEY) : ctx.setValue(SPAN_KEY, span),
    fn,
  );
}

/**
 * The key under which a {@linkcode Context} marks tracing as suppressed. It
 * is the very symbol OpenTelemetry's `suppressTracing` uses, so when the two
 * libraries share a context (see the `./otel` entry), suppression set by
 * either one is honoured by both.
 */
export const SUPPRESS_TRACING_KEY: symbol = Symbol.for(
  "OpenTelemetry SDK Context Key SUPPRESS_TRACING",
);

/**
 * Runs `fn` (sync or async) with tracing suppressed: every span started
 * inside it, by any tracer, records nothing and reaches no processor.
 * Exporting processors run their exporters this way, so an exporter whose
 * requests go through an instrumented `fetch` does not trace its own
 * exports, which would otherwise feed the pipeline forever.
 *
 * @typeParam R What `fn` returns.
 * @param fn The function to run.
 * @returns What `fn` returns.
 * @throws {TypeError} When `fn` is not a function.
 *
 * @example
 * ```ts
 * import { InMemorySpanProcessor, suppressTracing, Tracer } from "@codomyrmex/spans";
 * import assert from "node:assert/strict";
 *
 * const memory = new InMemorySpanProcessor();
 * const tracer = new Tracer({ processors: [memory] });
 * const span = suppressTracing(() => tracer.startSpan("internal call"));
 * assert.equal(span.isRecording, false);
 * span.end();
 * assert.equal(memory.spans.length, 0);
 * ```
 */
export function suppressTracing<R>(fn: () => R): R {
  if (typeof fn !== "function") {
    throw new TypeError(`Cannot suppress tracing: fn must be a function, got ${typeof fn}`);
  }
  return storage.run(getActiveContext().setValue(SUPPRESS_TRACING_KEY, true), fn);
}

/**
 * Reports whether tracing is suppressed at this point of execution (inside
 * {@linkcode suppressTracing}).
 *
 * @returns `true` inside `suppressTracing`.
 *
 * @example
 * ```ts
 * import { isTracingSuppressed, suppressTracing } from "@codomyrmex/spans";
 * import assert from "node:assert/strict";
 *
 * assert.equal(isTracingSuppressed(), false);
 * assert.equal(suppressTracing(() => isTracingSuppressed()), true);
 * ```
 */
export function isTracingSuppressed(): boolean {
  return storage.getStore()?.getValue(SUPPRESS_TRACING_KEY) === true;
}
