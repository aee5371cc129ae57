// Internal: run a flush when the process is about to end normally, found at
// run time so the core keeps no static `node:` import.
//
// Node, Bun and Deno 2 all emit `process` "beforeExit" when the event loop
// has drained (not on `process.exit()`, `Deno.exit()` or a signal). Work
// started in the handler keeps the loop alive, and the event is emitted
// again once it drains, which is what lets an asynchronous export finish.
// Deno without its `process` global gets the same from the "beforeunload"
// event. Browsers get nothing: a page has no "normal exit" to wait on.
//
// Each processor's exit flush keeps the process alive with its own deadline
// (_flush_deadline.ts): `exportTimeoutMs` from the first round of a series
// (below), for every round of it, so that rounds do not add up either.
//
// That re-emission can loop: a flush whose export does I/O lets the process
// run on, and if something ends a span each time the event comes (an
// application "beforeExit" listener that traces, say), every round finds a
// new span to export, and the process never ends. So the rounds in a row
// that find spans to export are counted, and past MAX_EXIT_ROUNDS the hooks
// are left alone, with one warning that counts the spans left queued.

import { runtimeProcess } from "../platform/_process.ts";
import { warnOnce } from "../platform/_warn.ts";
import { WeakHooks } from "./_weak_hooks.ts";

/** Something that starts a flush when the process is about to exit. */
export interface ExitHook {
  /** How many spans are waiting or being exported; must not throw. */
  waiting(): number;
  /**
   * Starts the flush; must not throw and must not wait.
   *
   * @param first Whether this is the first round of a series: the flush's
   *   deadline starts then, and later rounds of the series share it.
   */
  onExit(first: boolean): void;
}

/** The exit flushes in a row that may find spans to export. */
export const MAX_EXIT_ROUNDS = 5;

const hooks = new WeakHooks<ExitHook>();
let installed = false;
// Rounds in a row, up to this one, that found spans to export.
let rounds = 0;

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
  const alive = hooks.alive();
  let waiting = 0;
  for (const hook of alive) {
    try {
      waiting += hook.waiting();
    } catch {
      // Exit must go on whatever a hook does.
    }
  }
  // A round with nothing to export ends the series: the next "beforeExit"
  // comes after work of the application's own, not of an exit flush.
  if (waiting === 0) {
    rounds = 0;
    return;
  }
  if (++rounds > MAX_EXIT_ROUNDS) {
    warnOnce(
      "exit-flush-rounds",
      `the exit flush stopped after ${MAX_EXIT_ROUNDS} rounds: each one let the process run on ` +
        `and more spans ended (a "beforeExit" listener that ends a span?), so ${waiting} ` +
        "span(s) are left unexported. Call shutdown() before the process ends instead",
    );
    return;
  }
  const first = rounds === 1;
  for (const hook of alive) {
    try {
      hook.onExit(first);
    } catch {
      // See above.
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
