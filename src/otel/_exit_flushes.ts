// Internal: the flushes on the way out (a normal exit, a signal, a crash)
// for this entry's BatchSpanProcessor, through the registries the core's
// processors use (src/export/_exit_flush.ts, _stop_flush.ts), with the
// same options and defaults.
//
// The SDK's processor has none of its own: at a normal exit its buffer, and
// the spans of a batch not yet full, would be lost without a word. What it
// has is forceFlush(), which starts every export at once, each under the
// SDK's own ref'd timer (exportTimeoutMillis): that keeps the process alive
// while an exit flush's exports run, and bounds them, so the exit flush
// adds no timer. The signal and crash flushes have a deadline of their own
// (signalFlushTimeoutMs), shorter than the SDK's by default, after which
// the signal is sent again or the error thrown again.

import { type ExitHook, MAX_EXIT_ROUNDS, onNormalExit } from "../export/_exit_flush.ts";
import { FlushDeadline } from "../export/_flush_deadline.ts";
import { booleanOption } from "../export/_options.ts";
import { StopFlush, type StopFlushOptions } from "../export/_stop_flush.ts";
import { errorOnce } from "../platform/_diagnostics.ts";
import { systemScheduler } from "../platform/scheduler.ts";
import { errorMessage } from "../platform/_warn.ts";

/** What the flushes need of a processor. */
export interface Flushable {
  /** How many spans wait in its buffer; must not throw. */
  waiting(): number;
  /** Exports its buffer; may reject when an export fails. */
  flush(): Promise<void>;
  /** Its exporter's forceFlush, so that what an exporter holds goes out too; may reject. */
  flushExporter(): Promise<void>;
}

/** The options handled here. */
export interface ExitFlushesOptions extends StopFlushOptions {
  flushOnExit?: boolean;
}

/** One processor's registrations; the processor holds it (the registries hold hooks weakly). */
export class ExitFlushes {
  // Held here so the weak registry keeps it as long as the processor lives.
  #exitHook: ExitHook | undefined;
  #unregisterExit: (() => void) | undefined;
  readonly #stopFlush: StopFlush;

  /**
   * Checks the options and registers `processor` where they ask.
   *
   * @throws {TypeError} When a flag is not a boolean.
   * @throws {RangeError} When `signalFlushTimeoutMs` is not a positive finite number.
   */
  constructor(processor: Flushable, options: ExitFlushesOptions, who: string) {
    // Checked before anything is registered, so a bad option leaves nothing behind.
    const onExit = booleanOption(options.flushOnExit, true, who, "flushOnExit");
    this.#stopFlush = new StopFlush(
      (ms) => flushUntilEmpty(processor, ms, who),
      options,
      who,
    );
    if (!onExit) return;
    this.#exitHook = {
      waiting: () => processor.waiting(),
      onExit: () => void settle(flushAll(processor), who, "exit"),
    };
    this.#unregisterExit = onNormalExit(this.#exitHook);
  }

  /** Unregisters everywhere (at shutdown). */
  unregister(): void {
    this.#stopFlush.unregister();
    this.#unregisterExit?.();
    this.#unregisterExit = undefined;
    this.#exitHook = undefined;
  }
}

// The buffer, then the exporter: an exporter may hold what it was given
// (the console's waits for a trace's root), as the core's exit flush knows.
async function flushAll(processor: Flushable): Promise<void> {
  try {
    await processor.flush();
  } finally {
    await processor.flushExporter();
  }
}

// The signal and crash flushes: as the core's, the spans that end while
// they run (requests still under way) go out too, all within `ms`, which
// keeps the process alive until then at most. The rounds are counted too:
// behind an exporter that answers at once, a round takes no timer turn, so
// the deadline alone could not end a loop that always finds a span.
async function flushUntilEmpty(processor: Flushable, ms: number, who: string): Promise<void> {
  const deadline = new FlushDeadline(ms, systemScheduler);
  try {
    let rounds = 0;
    do {
      const flushed = settle(processor.flush(), who, "signal or crash");
      if (!await deadline.within(flushed)) return;
    } while (processor.waiting() > 0 && ++rounds < MAX_EXIT_ROUNDS);
    await deadline.within(settle(processor.flushExporter(), who, "signal or crash"));
  } finally {
    deadline.end();
  }
}

// Nobody awaits these flushes: a failed export is reported, never thrown
// at the application (as the SDK reports its own background exports').
function settle(flush: Promise<void>, who: string, when: string): Promise<void> {
  return flush.catch((error) => {
    errorOnce(
      `otel-exit-flush-failed:${who}`,
      `${who}'s ${when} flush failed: ${
        errorMessage(error)
      }; the spans of the failed export are not exported`,
    );
  });
}
