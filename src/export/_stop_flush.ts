// Internal: a processor's side of the abrupt exit paths: its options
// (`flushOnSignal`, `flushOnCrash`, `signalFlushTimeoutMs`), checked, and
// its flush registered with the signal and crash registries. The flush is
// bounded by the deadline it is given, on the processor's scheduler.

import { onCrash } from "./_crash_flush.ts";
import { booleanOption, milliseconds } from "./_options.ts";
import { onStopSignal } from "./_signal_flush.ts";
import type { StopHook } from "./_stop_hook.ts";

/** The options of both exporting processors that this handles. */
export interface StopFlushOptions {
  flushOnSignal?: boolean;
  flushOnCrash?: boolean;
  signalFlushTimeoutMs?: number;
}

/** The default deadline: well inside Docker's 10 s between SIGTERM and SIGKILL. */
export const DEFAULT_SIGNAL_FLUSH_TIMEOUT_MS = 5000;

/** One processor's registrations; the processor holds it (the registries hold the hook weakly). */
export class StopFlush {
  // Held here so the weak registries keep it as long as the processor lives.
  #hook: StopHook | undefined;
  #unregister: (() => void)[] = [];

  /**
   * Checks the options and registers `flush` where they ask.
   *
   * @param flush The processor's flush, bounded by the deadline it is given
   *   (its exports, its wait behind a hung one and for a shutdown under way
   *   included); must never reject.
   * @param options The processor's options.
   * @param who The processor's class name, for messages.
   * @throws {TypeError} When a flag is not a boolean.
   * @throws {RangeError} When the deadline is not a positive finite number.
   */
  constructor(
    flush: (timeoutMs: number) => Promise<unknown>,
    options: StopFlushOptions,
    who: string,
  ) {
    const signal = booleanOption(options.flushOnSignal, false, who, "flushOnSignal");
    const crash = booleanOption(options.flushOnCrash, false, who, "flushOnCrash");
    const timeoutMs = milliseconds(
      options.signalFlushTimeoutMs,
      DEFAULT_SIGNAL_FLUSH_TIMEOUT_MS,
      who,
      "signalFlushTimeoutMs",
    );
    if (!signal && !crash) return;
    // No deadline of its own: the flush's one deadline (ExportQueue.flush)
    // holds the process alive and bounds everything it waits for, a
    // shutdown under way included, so a second timer here would only
    // duplicate it.
    const hook: StopHook = {
      flushBeforeStop: () => flush(timeoutMs).then(noop, noop),
    };
    this.#hook = hook;
    if (signal) this.#unregister.push(onStopSignal(hook));
    if (crash) this.#unregister.push(onCrash(hook));
  }

  /** Unregisters everywhere (at shutdown). */
  unregister(): void {
    for (const unregister of this.#unregister) unregister();
    this.#unregister = [];
    this.#hook = undefined;
  }
}

function noop(): void {}
