// Internal: what a processor gives the registries of the abrupt exit paths
// (a signal, a crash): a flush bounded by its own deadline.

import type { WeakHooks } from "./_weak_hooks.ts";

/** A processor's flush before the process stops. */
export interface StopHook {
  /**
   * Exports what is queued. Resolves by the processor's deadline at the
   * latest; never rejects.
   */
  flushBeforeStop(): Promise<void>;
}

/**
 * Runs every hook's flush at once and resolves when all have settled. A
 * hook that throws is skipped: the process must stop whatever it does.
 */
export function runStopHooks(hooks: WeakHooks<StopHook>): Promise<void> {
  const flushes: Promise<void>[] = [];
  for (const hook of hooks.alive()) {
    try {
      flushes.push(hook.flushBeforeStop().catch(() => {}));
    } catch {
      // See above.
    }
  }
  return Promise.all(flushes).then(() => {});
}
