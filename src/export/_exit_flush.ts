// Internal: run a flush when the process is about to end normally, found at
// run time so the core keeps no static `node:` import.
//
// Node, Bun and Deno 2 all emit `process` "beforeExit" when the event loop
// has drained (not on `process.exit()`, `Deno.exit()` or a signal). Work
// started in the handler keeps the loop alive, and the event is emitted
// again once it drains, which is what lets an asynchronous export finish.
// Deno without its `process` global gets the same from the "beforeunload"
// event. Browsers get nothing: a page has no "normal exit" to wait on.

import { runtimeProcess } from "../platform/_process.ts";
import { WeakHooks } from "./_weak_hooks.ts";

/** Something that starts a flush when the process is about to exit. */
export interface ExitHook {
  /** Starts the flush; must not throw and must not wait. */
  onExit(): void;
}

const hooks = new WeakHooks<ExitHook>();
let installed = false;

/**
 * Registers `hook` to run before a normal exit.
 *
 * @param hook The hook; held weakly.
 * @returns A function that unregisters it.
 */
export function onNormalExit(hook: ExitHook): () => void {
  install();
  return hooks.add(hook);
}

function runHooks(): void {
  for (const hook of hooks.alive()) {
    try {
      hook.onExit();
    } catch {
      // Exit must go on whatever a hook does.
    }
  }
}

function install(): void {
  if (installed) return;
  installed = true;
  const g = globalThis as {
    Deno?: unknown;
    addEventListener?: (type: string, listener: () => void) => void;
  };
  const process = runtimeProcess();
  if (process !== undefined) {
    process.on!("beforeExit", runHooks);
  } else if (g.Deno !== undefined && typeof g.addEventListener === "function") {
    g.addEventListener("beforeunload", runHooks);
  }
}
