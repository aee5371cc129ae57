// Internal: flush before the process is stopped by SIGTERM (how containers,
// systemd and Kubernetes stop a service) or SIGINT (Ctrl+C), then let it end
// as it would have without this library.
//
// A listener for a signal replaces the runtime's default action (to die of
// it), so ours must restore it: once every hook's flush has settled (each
// is bounded by its processor's deadline), it removes its listeners and, if
// no other listener is left, sends the process the same signal again. The
// process then dies of that signal, as it would have, with the same wait
// status for whoever started it. When the application listens too (when
// the signal comes: a `process.once` handler is gone by the end of the
// flush), the application decides when to exit, and nothing more is done.
// A second signal while flushing, of either kind, stops the wait (pressing
// Ctrl+C twice, or after SIGTERM).
//
// Another copy of the library in the program (a dependency's own version,
// or this file evaluated again by `bun --hot`) listens too, and its listener
// is no application's: each copy flushes its own processors, and the last
// one to finish sends the signal again.
//
// Listening is through `process.on`, which Node, Bun and Deno 2 all have, so
// the application's own `process.on` listeners are seen on all three. On
// Deno, a listener added with `Deno.addSignalListener` is not visible: that
// application receives the signal a second time when it is raised again.
// Signal listeners keep no process alive on any of the three.

import {
  libraryListener,
  listenFirst,
  otherListeners,
  runtimeProcess,
} from "../platform/_process.ts";
import { runStopHooks, type StopHook } from "./_stop_hook.ts";
import { WeakHooks } from "./_weak_hooks.ts";

const SIGNALS = ["SIGTERM", "SIGINT"] as const;
type StopSignal = typeof SIGNALS[number];
const SIGNAL_NUMBERS: Record<StopSignal, number> = { SIGTERM: 15, SIGINT: 2 };

interface DenoSignals {
  pid?: number;
  addSignalListener?(signal: string, listener: () => void): void;
  removeSignalListener?(signal: string, listener: () => void): void;
  kill?(pid: number, signal: string): void;
  exit?(code?: number): never;
}

const hooks = new WeakHooks<StopHook>();
const listeners: Record<StopSignal, () => void> = {
  SIGTERM: libraryListener(() => onSignal("SIGTERM")),
  SIGINT: libraryListener(() => onSignal("SIGINT")),
};
let listening: "process" | "deno" | undefined;
const flushing = new Set<StopSignal>();

/**
 * Registers `hook` to flush when the process receives SIGTERM or SIGINT.
 *
 * @param hook The hook; held weakly.
 * @returns A function that unregisters it (and stops listening when it was
 *   the last one).
 */
export function onStopSignal(hook: StopHook): () => void {
  const remove = hooks.add(hook);
  listen();
  return () => {
    remove();
    if (hooks.empty && flushing.size === 0) unlisten();
  };
}

function listen(): void {
  if (listening !== undefined) return;
  const process = runtimeProcess();
  const deno = (globalThis as { Deno?: DenoSignals }).Deno;
  try {
    if (process !== undefined && typeof process.removeListener === "function") {
      // First in line, so that when a signal comes every listener the
      // application added, `once` ones included, is still there to be seen.
      for (const signal of SIGNALS) listenFirst(process, signal, listeners[signal]);
      listening = "process";
    } else if (typeof deno?.addSignalListener === "function") {
      for (const signal of SIGNALS) deno.addSignalListener(signal, listeners[signal]);
      listening = "deno";
    }
  } catch {
    // A runtime that cannot listen for these signals (Windows has no
    // SIGTERM on Deno) keeps its default behaviour.
    unlisten();
  }
}

function unlisten(): void {
  const how = listening;
  listening = undefined;
  for (const signal of SIGNALS) {
    try {
      if (how === "process") runtimeProcess()?.removeListener?.(signal, listeners[signal]);
      else if (how === "deno") {
        (globalThis as { Deno?: DenoSignals }).Deno?.removeSignalListener?.(
          signal,
          listeners[signal],
        );
      }
    } catch {
      // Nothing more to undo.
    }
  }
}

/**
 * Who else listens for `signal`: the application (then it decides), and
 * other copies of the library (a dependency's own version, or this file
 * evaluated again by `bun --hot`), which got the same signal and flush their
 * own processors, so that the last copy to finish ends the process. None
 * are seen unless listening through `process`.
 */
function otherListenersOf(signal: StopSignal): { application: number; library: number } {
  if (listening !== "process") return { application: 0, library: 0 };
  return otherListeners(signal, listeners[signal]);
}

function onSignal(signal: StopSignal): void {
  // Read when the signal comes: a handler the application added with
  // `process.once` is gone by the time the flush ends, and the application
  // still decides.
  const others = otherListenersOf(signal).application > 0;
  if (flushing.size > 0) {
    // A second signal while flushing, the same (Ctrl+C twice) or another
    // (Ctrl+C after SIGTERM): stop waiting.
    if (!others) raise(signal);
    return;
  }
  flushing.add(signal);
  runStopHooks(hooks).then(() => {
    flushing.delete(signal);
    if (others) return;
    const now = otherListenersOf(signal);
    if (now.application > 0) return;
    // Another copy still flushes: it ends the process when it is done.
    if (now.library > 0) unlisten();
    else raise(signal);
  });
}

// Ends the process as the signal would have without our listener.
function raise(signal: StopSignal): void {
  const how = listening;
  unlisten();
  const process = runtimeProcess();
  const deno = (globalThis as { Deno?: DenoSignals }).Deno;
  try {
    if (how === "deno" && typeof deno?.kill === "function" && deno.pid !== undefined) {
      deno.kill(deno.pid, signal);
    } else if (typeof process?.kill === "function" && process.pid !== undefined) {
      process.kill(process.pid, signal);
    } else {
      throw new Error("no kill");
    }
  } catch {
    // Not allowed to signal itself: the exit code a shell reports for a
    // process killed by the signal.
    const code = 128 + SIGNAL_NUMBERS[signal];
    if (typeof process?.exit === "function") process.exit(code);
    else deno?.exit?.(code);
  }
}
