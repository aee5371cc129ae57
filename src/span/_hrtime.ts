// Internal: conversions between this library's epoch milliseconds and
// OpenTelemetry's HrTime ([seconds, nanoseconds]), for the OpenTelemetry
// shapes this library takes and gives (the ./otel entry, Deno's built-in
// OpenTelemetry). The types are OpenTelemetry's, declared here so the core
// imports nothing.

import { systemAnchor } from "../platform/_wall_anchor.ts";
import { warnOnce } from "../platform/_warn.ts";
import { dateTime, isOtlpTime } from "./_time.ts";

/** OpenTelemetry's `HrTime`: seconds and nanoseconds since the epoch. */
export type HrTime = [number, number];

/** OpenTelemetry's `TimeInput`: an HrTime, epoch or `performance.now()` ms, or a Date. */
export type TimeInput = HrTime | number | Date;

/**
 * Epoch milliseconds (fractional) to HrTime, exactly: the integer
 * milliseconds and the fraction are converted apart, so no precision is lost
 * to multiplying a 13-digit float by 1e6.
 */
export function msToHrTime(ms: number): HrTime {
  const whole = Math.floor(ms);
  const seconds = Math.floor(whole / 1000);
  let nanos = (whole - seconds * 1000) * 1_000_000 + Math.round((ms - whole) * 1_000_000);
  if (nanos >= 1_000_000_000) return [seconds + 1, nanos - 1_000_000_000];
  if (nanos < 0) nanos = 0;
  return [seconds, nanos];
}

/** `end - start` for two HrTimes, borrowing a second when needed. */
export function hrTimeDiff(start: HrTime, end: HrTime): HrTime {
  let seconds = end[0] - start[0];
  let nanos = end[1] - start[1];
  if (nanos < 0) {
    seconds -= 1;
    nanos += 1_000_000_000;
  }
  return [seconds, nanos];
}

/** HrTime to epoch milliseconds (sub-microsecond digits may round). */
export function hrTimeToMs(time: HrTime): number {
  return time[0] * 1000 + time[1] / 1_000_000;
}

/**
 * An OpenTelemetry `TimeInput` to epoch milliseconds, as the OpenTelemetry
 * SDK's span reads it: a number no greater than `performance.now()` is a
 * `performance.now()` reading, any other is epoch milliseconds. (Not "below
 * `performance.timeOrigin`": an epoch time from before the process started,
 * such as a message's enqueue time, is below it too, and would land decades
 * ahead.) Anything else gives `undefined` (now).
 */
export function timeInputToMs(time: TimeInput | undefined): number | undefined {
  if (typeof time === "number") {
    if (!Number.isFinite(time)) return undefined;
    if (time > performance.now()) return time;
    // On the system clock's anchor, so it lands where a span's own reading
    // made at that moment would (see _wall_anchor.ts).
    return systemAnchor.epochOf(time);
  }
  if (Array.isArray(time)) {
    return typeof time[0] === "number" && typeof time[1] === "number"
      ? hrTimeToMs(time as HrTime)
      : undefined;
  }
  // A Date, from this realm or another.
  const ms = dateTime(time);
  return ms !== undefined && Number.isFinite(ms) ? ms : undefined;
}

/** Whether a value is a `TimeInput` rather than an attributes object. */
export function isTimeInput(value: unknown): value is TimeInput {
  return typeof value === "number" || Array.isArray(value) || dateTime(value) !== undefined;
}

/**
 * A span's start or end time as OpenTelemetry gave it, whose API must never
 * throw: a time OTLP cannot carry (outside [0, 2^64 ns)) becomes
 * `undefined`, so the span takes the current time, with one warning. (An
 * event's time goes through as it is: the span drops and counts that event.)
 */
export function spanTimeFromOtel(ms: number | undefined): number | undefined {
  if (ms === undefined || isOtlpTime(ms)) return ms;
  warnOnce(
    "otel-span-time",
    `an OpenTelemetry span time (${ms} ms since the epoch) is outside what OTLP can carry; the current time is used instead`,
  );
  return undefined;
}
