// Internal: a processor's side of the abrupt exit paths: its options
// (`flushOnSignal`, `flushOnCrash`, `signalFlushTimeoutMs`), checked, and
// its flush registered with the signal and crash registries, bounded by the
// deadline on the processor's scheduler.

import { withDeadline } from "../platform/_deadline.ts";
import type { Scheduler } from "../platform/scheduler.ts";
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
   *   (its exports and its wait behind a hung one included); must never reject.
   * @param options The processor's options.
   * @param who The processor's class name, for messages.
   * @param scheduler Where the deadline's timer runs.
   * @throws {TypeError} When a flag is not a boolean.
   * @throws {RangeError} When the deadline is not a positive finite number.
   */
  constructor(
    flush: (timeoutMs: number) => Promise<unknown>,
    options: StopFlushOptions,
    who: string,
    scheduler: Scheduler,
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
    // The flush holds the process alive with its own deadline, and no
    // longer; this one, the same, bounds it should it wait on anything else
    // (a shutdown under way).
    const hook: StopHook = {
      flushBeforeStop: () =>
        Promise.resolve(
          withDeadline(() => flush(timeoutMs), timeoutMs, scheduler, { needsSignal: false }),
        ).then(noop, noop),
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
