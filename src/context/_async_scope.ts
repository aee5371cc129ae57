// Internal: ends a store entered outside any run of the stack storage (a
// `setCurrentSpan()` after an await in a browser) when the async callback of
// `tracer.span` or `tracer.wrap` it was made in settles. Without this it
// stayed current for every task the page ran later (a click, a timer), each
// a child of a span long ended. The stack storage registers, from its static
// block, the one function that can read its private fields.

type Opener = (storage: object) => () => void;

let opener: Opener | undefined;

/** Registers how to open a scope; called once, by StackContextStorage. */
export function registerAsyncScope(open: Opener): void {
  opener = open;
}

/**
 * Called as async work starts in a span on the stack storage; returns what
 * to call when that work settles, which puts back the store found outside
 * any run if one was entered since (or an older one another callback put
 * back since: the one found may have been that callback's). Concurrent work
 * that also entered one loses it then: lost is what the stack promises
 * after an await, a stale parent is not.
 */
export function asyncScope(storage: object): () => void {
  return opener!(storage);
}
