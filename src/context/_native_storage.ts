// Internal: the runtime's own AsyncLocalStorage, when storage.ts found one.
// Its run(store, fn, ...args) calls fn(...args), so a caller that holds it
// can pass what fn needs as arguments instead of making a closure per call
// (tracer.span does, once per span). Any other ContextStorage may take only
// (store, fn), so callers compare getContextStorage() with this first.

import type { Context } from "./context.ts";
import type { ContextStorage } from "./storage.ts";

/** An AsyncLocalStorage's run, with its arguments. */
export interface NativeStorage {
  run<R, A, B>(store: Context, fn: (a: A, b: B) => R, a: A, b: B): R;
}

/** The AsyncLocalStorage storage.ts made, if any; set once as it loads. */
export const nativeStorage: { storage: (ContextStorage & NativeStorage) | undefined } = {
  storage: undefined,
};
