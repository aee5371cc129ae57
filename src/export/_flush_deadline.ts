// Internal: one flush's deadline, the one timer that keeps the process alive
// for it.
//
// Nothing a processor runs in the background keeps the process alive: the
// batch interval, an export's deadline and the wait for an export that
// missed it are background timers. A flush is awaited, by the application
// (forceFlush(), shutdown()) or for the runtime about to end the process
// (the exit, signal and crash flushes), so it keeps the process alive until
// it settles, with one timer: its deadline, set when it starts, which bounds
// everything it waits for end to end (the export in flight, the wait for one
// that hung, its own exports, the exporter's forceFlush and shutdown). The
// timer is cleared as soon as the flush is over, so a flush never holds the
// process longer than it runs.

import type { Scheduler, TimerHandle } from "../platform/scheduler.ts";

/** A flush's deadline. Call {@linkcode FlushDeadline.end} when the flush is over. */
export class FlushDeadline {
  readonly #scheduler: Scheduler;
  #timer: TimerHandle | undefined;
  #passed = false;
  readonly #reached: Promise<false>;

  /**
   * Starts the deadline.
   *
   * @param ms How long the flush may take; at most 0 means it has passed.
   * @param scheduler Where its timer runs (not a background one).
   */
  constructor(ms: number, scheduler: Scheduler) {
    this.#scheduler = scheduler;
    let reach!: (value: false) => void;
    this.#reached = new Promise<false>((resolve) => (reach = resolve));
    if (!(ms > 0)) {
      this.#passed = true;
      reach(false);
      return;
    }
    this.#timer = scheduler.setTimeout(() => {
      this.#timer = undefined;
      this.#passed = true;
      reach(false);
    }, ms);
  }

  /** Whether the deadline has passed. */
  get passed(): boolean {
    return this.#passed;
  }

  /**
   * Waits for `work`, until the deadline at the latest.
   *
   * @param work What the flush waits for; it goes on after the deadline.
   * @returns `true` when `work` settled first. Never rejects.
   */
  within(work: Promise<unknown>): Promise<boolean> {
    if (this.#passed) return this.#reached;
    return Promise.race([work.then(settled, settled), this.#reached]);
  }

  /** Clears the timer: the flush is over. */
  end(): void {
    const timer = this.#timer;
    if (timer === undefined) return;
    this.#timer = undefined;
    this.#scheduler.clearTimeout(timer);
  }
}

function settled(): true {
  return true;
}
