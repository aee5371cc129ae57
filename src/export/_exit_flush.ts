// Internal: run a flush when the process is about to end normally, found at
// run time so the core keeps no static `node:` import.
//
// Node, Bun and Deno 2 all emit `process` "beforeExit" when the event loop
// has drained (not on `process.exit()`, `Deno.exit()` or a signal). Work
// started in the handler keeps the loop alive, and the event is emitted
// again once it drains, which is what lets an asynchronous export finish.
// Deno without its `process` global gets the same from the "beforeunload"
// event. Browsers get nothing: a page has no "normal exit" to wait on.

/** Something that starts a flush when the process is about to exit. */
export interface ExitHook {
  /** Starts the flush; must not throw and must not wait. */
  onExit(): void;
}

interface ProcessLike {
  on?(event: string, listener: () => void): unknown;
}

// Weak, so that a processor nobody holds (and that has nothing queued, or
// its pending timer would hold it) is not kept alive by this registry.
const hooks = new Set<WeakRef<ExitHook>>();
let installed = false;
let sweepAt = 64;

/**
 * Registers `hook` to run before a normal exit.
 *
 * @param hook The hook; held weakly.
 * @returns A function that unregisters it.
 */
export function onNormalExit(hook: ExitHook): () => void {
  install();
  const ref = new WeakRef(hook);
  hooks.add(ref);
  if (hooks.size >= sweepAt) {
    for (const r of hooks) if (r.deref() === undefined) hooks.delete(r);
    sweepAt = Math.max(64, hooks.size * 2);
  }
  return () => void hooks.delete(ref);
}

function runHooks(): void {
  for (const ref of hooks) {
    const hook = ref.deref();
    if (hook === undefined) {
      hooks.delete(ref);
      continue;
    }
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
    process?: ProcessLike;
    Deno?: unknown;
    addEventListener?: (type: string, listener: () => void) => void;
  };
  if (typeof g.process?.on === "function") {
    g.process.on("beforeExit", runHooks);
  } else if (g.Deno !== undefined && typeof g.addEventListener === "function") {
    g.addEventListener("beforeunload", runHooks);
  }
}
