// Internal: flush what can be flushed before an uncaught exception (or an
// unhandled rejection) ends the process, then let it die as it would have
// without this library. Node and Deno report an unhandled rejection as an
// "uncaughtException" (origin "unhandledRejection"); Bun does not, so there
// "unhandledRejection" is listened for too.
//
// Without a listener, the runtime prints the error and exits with code 1.
// With ours, it does neither: ours starts every hook's flush, and when no
// other listener is there (the application would have died), it removes
// itself and, once the flushes have settled (each is bounded by its
// processor's deadline), throws the same error again from a microtask (or
// rejects with it, for a rejection), before any timer or I/O callback can
// run: a timer turn later, as it was, timers due by then ran first and a
// span they ended was left queued, neither exported nor counted, when the
// process died. The runtime then reports it in its own
// format and exits with its own code. While the flush runs (a few seconds at
// most) the rest of the program goes on, as it does while the runtime
// prints. Another error in that time (the same bug hit again by the next
// request, or what the first left broken) is one the runtime would never
// have reached: ours stays listening until the first is thrown again, and
// takes it, so it neither ends the flush nor takes the first one's place in
// the report. When the application listens for "uncaughtException" itself,
// it decides, and only the flush is started. Another copy of the library in
// the program (a dependency's own version, or this file evaluated again by
// `bun --hot`) is no application: each copy flushes its own processors, and
// the last one to finish throws the error again, with no copy left listening.
//
// Not covered: `process.exit()` and `Deno.exit()` called by the application
// (they end the process at once, with no event a flush could wait in), a
// fatal error of the runtime itself (out of memory), and SIGKILL.

import {
  libraryListener,
  listenFirst,
  otherListeners,
  runtimeProcess,
} from "../platform/_process.ts";
import { detectRuntime } from "../platform/_runtime.ts";
import { runStopHooks, type StopHook } from "./_stop_hook.ts";
import { WeakHooks } from "./_weak_hooks.ts";

const EVENT = "uncaughtException";
const REJECTION = "unhandledRejection";
const hooks = new WeakHooks<StopHook>();
let listening = false;
const isBun = detectRuntime().name === "bun";
libraryListener(onUncaught);
libraryListener(onUnhandledRejection);

/**
 * Registers `hook` to flush before an uncaught exception ends the process.
 *
 * @param hook The hook; held weakly.
 * @returns A function that unregisters it (and stops listening when it was
 *   the last one).
 */
export function onCrash(hook: StopHook): () => void {
  const remove = hooks.add(hook);
  if (!listening) {
    const process = runtimeProcess();
    if (typeof process?.removeListener === "function") {
      // First in line, as for signals: a `process.once` listener the
      // application added earlier is removed before later listeners are
      // called, so ours, called after it, would see no other listener and
      // throw again an error the application has handled.
      listenFirst(process, EVENT, onUncaught);
      listening = true;
      if (isBun) listenFirst(process, REJECTION, onUnhandledRejection);
    }
  }
  return () => {
    remove();
    if (hooks.empty) unlisten();
  };
}

function unlisten(): void {
  if (!listening) return;
  listening = false;
  runtimeProcess()?.removeListener?.(EVENT, onUncaught);
  if (isBun) runtimeProcess()?.removeListener?.(REJECTION, onUnhandledRejection);
}

function onUnhandledRejection(reason: unknown): void {
  onUncaught(reason, REJECTION, REJECTION);
}

// Whether an error is being flushed for, to be thrown again.
let crashing = false;

function onUncaught(error: unknown, origin?: string, event: string = EVENT): void {
  // A later error while the first one's flush runs: see the top of the file.
  if (crashing) return;
  const flushed = runStopHooks(hooks);
  // Another copy of the library listening is no application: it got the
  // same error and flushes its own processors.
  const own = event === REJECTION ? onUnhandledRejection : onUncaught;
  if (otherListeners(event, own).application > 0) return;
  crashing = true;
  flushed.then(() => {
    queueMicrotask(() => {
      crashing = false;
      // A copy still flushing throws the error again when it is done: the
      // last one to finish does, so that it is reported once.
      const last = otherListeners(event, own).library === 0;
      // Gone before the error is thrown again, so the runtime sees no
      // listener and reports it.
      unlisten();
      if (!last) return;
      // Bun reports an error thrown again at the new throw, losing the
      // application's stack; a rejection it reports with the stack the
      // error was made with, and exits 1 all the same.
      if (origin === REJECTION || isBun) void Promise.reject(error);
      else throw error;
    });
  });
}
