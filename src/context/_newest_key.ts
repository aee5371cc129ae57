// Internal: which of two keys a context set last, read off its chain (a
// deletion counts as setting). The OpenTelemetry bridge keeps two span keys
// in step, and a context one side changed after the other must follow the
// newer one. Context installs the reader as it loads: its chain is private.

import type { Context } from "./context.ts";

type NewestKey = (context: Context, a: symbol, b: symbol) => symbol | undefined;

let reader: NewestKey | undefined;

/** Called once, by Context's static block. */
export function installNewestKey(read: NewestKey): void {
  reader = read;
}

/**
 * `a` or `b`, whichever `context` set (or deleted) last; `undefined` when it
 * holds neither.
 */
export function newestKeyOf(context: Context, a: symbol, b: symbol): symbol | undefined {
  return reader!(context, a, b);
}
