// Internal: give asynchronous work a deadline, on an injectable scheduler so
// tests drive it with ManualTime and never wait for real.

import type { Scheduler } from "./scheduler.ts";

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
 * @param needsSignal Whether `work` takes the signal; without one it is only
 *   timed out, not aborted.
 * @param onLate Called at the deadline, before the returned promise
 *   rejects, with the work's own promise, which may settle later still.
 * @returns What `work` returned, or a promise bounded by the deadline.
 */
export function withDeadline<T>(
  work: (signal: AbortSignal | undefined) => T | PromiseLike<T>,
  ms: number,
  scheduler: Scheduler,
  needsSignal = true,
  onLate?: (work: PromiseLike<T>) => void,
): T | Promise<T> {
  // An AbortController costs about 1.7 µs on Node 20: work that cannot take
  // a signal (an exporter declared with one parameter) goes without.
  const controller = needsSignal ? new AbortController() : undefined;
  const result = work(controller?.signal);
  if (!isThenable(result)) return result;
  return new Promise<T>((resolve, reject) => {
    // Not a background timer: whoever awaits this promise (a flush, a
    // shutdown, the exit flush) must see it settle, so the timer keeps the
    // process alive until the deadline at the latest.
    const timer = scheduler.setTimeout(() => {
      const reason = new DOMException(`timed out after ${ms} ms`, "TimeoutError");
      controller?.abort(reason);
      onLate?.(result);
      reject(reason);
    }, ms);
    try {
      result.then(
        (value) => {
          scheduler.clearTimeout(timer);
          resolve(value);
        },
        (error) => {
          scheduler.clearTimeout(timer);
          reject(error);
        },
      );
    } catch (error) {
      // A thenable whose `then` throws: failed now, so its timer must not
      // keep the process alive until the deadline.
      scheduler.clearTimeout(timer);
      reject(error);
    }
  });
}

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
