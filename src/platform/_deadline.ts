// Internal: give asynchronous work a deadline, on an injectable scheduler so
// tests drive it with ManualTime and never wait for real.

import type { Scheduler } from "./scheduler.ts";

/** How {@linkcode withDeadline} runs. Every field is optional. */
export interface DeadlineOptions<T> {
  /**
   * Whether `work` takes the signal; without one it is only timed out, not
   * aborted. Default `true`.
   */
  readonly needsSignal?: boolean;
  /**
   * Called at the deadline, before the returned promise rejects, with the
   * work's own promise, which may settle later still. Called with `early`
   * when the wait was ended before the deadline (`onStarted`), and then
   * again, without, at the deadline, if the work has not settled by then.
   */
  readonly onLate?: (work: PromiseLike<T>, early: boolean) => void;
  /**
   * Whether the deadline is a background timer, one that does not keep the
   * process alive. Only for work whose caller keeps the process alive
   * itself while it waits (a flush, with its own deadline). Default `false`.
   */
  readonly background?: boolean;
  /**
   * Called, when `work` returned a promise, with a function that ends the
   * wait at once as the deadline would (the signal aborts, `onLate` is
   * called, the promise rejects); it does nothing once the promise has
   * settled. The deadline's timer still runs, for `onLate`.
   */
  readonly onStarted?: (expireNow: () => void) => void;
}

/**
 * Runs `work` with an `AbortSignal`. When it returns a promise that has not
 * settled after `ms` milliseconds, the signal aborts with a `TimeoutError`
 * `DOMException` and the returned promise rejects with the same reason. A
 * synchronous result is returned as it is, with no timer; a synchronous
 * throw propagates.
 *
 * @param work The work; it should stop when the signal aborts.
 * @param ms The deadline in milliseconds.
 * @param scheduler Where the deadline's timer runs.
 * @param options The signal, what happens when it is late, the timer's kind.
 * @returns What `work` returned, or a promise bounded by the deadline.
 */
export function withDeadline<T>(
  work: (signal: AbortSignal | undefined) => T | PromiseLike<T>,
  ms: number,
  scheduler: Scheduler,
  options: DeadlineOptions<T> = {},
): T | Promise<T> {
  // An AbortController costs about 1.7 µs on Node 20: work that cannot take
  // a signal (an exporter declared with one parameter) goes without.
  const controller = options.needsSignal !== false ? new AbortController() : undefined;
  const result = work(controller?.signal);
  if (!isThenable(result)) return result;
  return new Promise<T>((resolve, reject) => {
    // Whether the returned promise has settled, and whether the work has
    // (or its deadline passed): the timer runs until then.
    let decided = false;
    let over = false;
    const expire = (reason: DOMException, early: boolean) => {
      if (decided) return;
      decided = true;
      controller?.abort(reason);
      options.onLate?.(result, early);
      reject(reason);
    };
    // Not a background timer unless asked: whoever awaits this promise (a
    // flush, a shutdown) must see it settle, so the timer keeps the process
    // alive until the deadline at the latest, unless the caller does.
    const timer = scheduler.setTimeout(
      () => {
        over = true;
        // Ended early and still running: late now.
        if (decided) options.onLate?.(result, false);
        else expire(new DOMException(`timed out after ${ms} ms`, "TimeoutError"), false);
      },
      ms,
      options.background === true ? BACKGROUND : undefined,
    );
    const settle = () => {
      if (!over) scheduler.clearTimeout(timer);
      over = true;
      const first = !decided;
      decided = true;
      return first;
    };
    try {
      result.then(
        (value) => {
          if (settle()) resolve(value);
        },
        (error) => {
          if (settle()) reject(error);
        },
      );
    } catch (error) {
      // A thenable whose `then` throws: failed now, so its timer must not
      // keep the process alive until the deadline.
      settle();
      reject(error);
      return;
    }
    options.onStarted?.(() =>
      expire(
        new DOMException(
          "timed out: the flush waiting for it reached its deadline",
          "TimeoutError",
        ),
        true,
      )
    );
  });
}

const BACKGROUND = Object.freeze({ background: true });

/** Whether `value` is a promise or another object with a `then` method. */
export function isThenable<T>(value: T | PromiseLike<T>): value is PromiseLike<T> {
  return value !== null && (typeof value === "object" || typeof value === "function") &&
    typeof (value as { then?: unknown }).then === "function";
}

/** Whether `error` is the `TimeoutError` a deadline above rejects with. */
export function isTimeoutError(error: unknown): boolean {
  try {
    return error instanceof DOMException && error.name === "TimeoutError";
  } catch {
    // A thrown Proxy whose traps throw is no timeout.
    return false;
  }
}
