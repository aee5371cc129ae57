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
