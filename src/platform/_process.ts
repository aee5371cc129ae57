// Internal: the runtime's `process` (Node, Bun, and Deno 2 all have one),
// found at run time so the core keeps no static `node:` import. Browsers
// and workers have none.

/** The part of `process` the exit paths use; every member may be missing. */
export interface ProcessLike {
  readonly pid?: number;
  readonly versions?: { readonly bun?: string };
  on?(event: string, listener: (...args: never[]) => void): unknown;
  prependListener?(event: string, listener: (...args: never[]) => void): unknown;
  removeListener?(event: string, listener: (...args: never[]) => void): unknown;
  listenerCount?(event: string): number;
  listeners?(event: string): readonly unknown[];
  kill?(pid: number, signal: string): unknown;
  exit?(code?: number): never;
}

/** The runtime's `process` object, when it has one with an `on` method. */
export function runtimeProcess(): ProcessLike | undefined {
  const process = (globalThis as unknown as { process?: ProcessLike }).process;
  return typeof process?.on === "function" ? process : undefined;
}

/**
 * Adds `listener` for `event` before the listeners already there, so that
 * when the event comes every listener the application added, `once` ones
 * included, is still there to be counted; at the end where `process` has no
 * `prependListener`.
 */
export function listenFirst(
  process: ProcessLike,
  event: string,
  listener: (...args: never[]) => void,
): void {
  if (typeof process.prependListener === "function") process.prependListener(event, listener);
  else process.on!(event, listener);
}

// Every copy of the library marks its process listeners with this one key
// (`Symbol.for`, so copies of other versions, and this file evaluated again
// by `bun --hot`, share it). A listener so marked is no application's: when
// one copy flushes on a signal or a crash, another copy's listener must not
// pass for the application's own, which decides instead of the library. Each
// copy would leave the decision to the other, and a signal or an uncaught
// exception would end nothing, and say nothing.
const LIBRARY_LISTENER: unique symbol = Symbol.for("@codomyrmex/spans.listener") as never;

/**
 * Marks `listener` as one of the library's own process listeners.
 *
 * @param listener A listener this copy adds to `process`.
 * @returns The same listener.
 */
export function libraryListener<F extends (...args: never[]) => void>(listener: F): F {
  Object.defineProperty(listener, LIBRARY_LISTENER, { value: true });
  return listener;
}

/**
 * Counts the process's listeners for `event`: the application's, and those
 * of every copy of the library but the one whose listener is `own`.
 *
 * @param event The event, such as `"SIGTERM"`.
 * @param own This copy's listener for it, left out of both counts.
 * @returns The two counts. Where the runtime cannot list its listeners, every
 *   other listener counts as the application's.
 */
export function otherListeners(
  event: string,
  own: unknown,
): { application: number; library: number } {
  const process = runtimeProcess();
  let application = 0;
  let library = 0;
  try {
    const all = process?.listeners?.(event);
    if (all === undefined) {
      const count = process?.listenerCount?.(event) ?? 0;
      return { application: Math.max(0, count - 1), library: 0 };
    }
    for (const listener of all) {
      if (listener === own) continue;
      if (isLibraryListener(listener)) library++;
      else application++;
    }
  } catch {
    // A process whose listeners cannot be read: as the application's.
    return { application: 1, library: 0 };
  }
  return { application, library };
}

function isLibraryListener(listener: unknown): boolean {
  return typeof listener === "function" &&
    (listener as unknown as { [LIBRARY_LISTENER]?: unknown })[LIBRARY_LISTENER] === true;
}
