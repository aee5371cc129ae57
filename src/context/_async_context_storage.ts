// Internal: a ContextStorage on a native `AsyncContext.Variable` (the TC39
// AsyncContext proposal), for runtimes that have one and no
// `AsyncLocalStorage`: a browser, some day. Found at run time, like
// `AsyncLocalStorage`, so nothing is imported that a runtime may lack.
//
// As of 2026-11 no shipping engine has it, behind a flag or not: not V8 15.0
// (Deno 2.9), Chromium 156's V8 (its --js-flags list no such feature, and
// `--js-flags=--harmony`/`--js-staging` with experimental web platform
// features leave `AsyncContext` undefined), Bun 1.4 or Node 20.

import type { Context } from "./context.ts";
import type { ContextStorage } from "./storage.ts";

/** The shape of the proposal's `AsyncContext.Variable` that this uses. */
interface AsyncContextVariable<T> {
  run<R>(value: T, fn: () => R): R;
  get(): T | undefined;
}

interface AsyncContextNamespace {
  Variable: new <T>() => AsyncContextVariable<T>;
}

/**
 * The variable holds a cell, not the context itself: the proposal has no
 * `enterWith`, so {@linkcode AsyncContextStorage.enterWith} replaces what the
 * cell of the current `run` holds. Unlike `AsyncLocalStorage.enterWith`,
 * callbacks that this `run` scheduled before the call see the change too.
 */
interface Cell {
  context: Context | undefined;
}

/** A {@linkcode ContextStorage} on an `AsyncContext.Variable`. */
export class AsyncContextStorage implements ContextStorage {
  readonly #variable: AsyncContextVariable<Cell>;
  // What enterWith sets outside any run.
  readonly #outside: Cell = { context: undefined };

  constructor(namespace: AsyncContextNamespace) {
    this.#variable = new namespace.Variable<Cell>();
  }

  getStore(): Context | undefined {
    return (this.#variable.get() ?? this.#outside).context;
  }

  run<R>(store: Context, fn: () => R): R {
    return this.#variable.run({ context: store }, fn);
  }

  enterWith(store: Context): void {
    (this.#variable.get() ?? this.#outside).context = store;
  }
}

/**
 * A storage on the runtime's `AsyncContext.Variable`, or `undefined` when
 * `global` has none.
 */
export function findAsyncContext(global: object = globalThis): ContextStorage | undefined {
  try {
    const namespace = (global as { AsyncContext?: AsyncContextNamespace }).AsyncContext;
    return typeof namespace?.Variable === "function"
      ? new AsyncContextStorage(namespace)
      : undefined;
  } catch {
    return undefined;
  }
}
