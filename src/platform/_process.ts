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
