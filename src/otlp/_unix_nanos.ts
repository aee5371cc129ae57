// Internal: span times (epoch milliseconds as floats) to OTLP's unix
// nanoseconds, exactly. `Math.round(ms * 1e6)` would round to a double near
// 1.7e18, whose spacing is 256 ns; splitting the whole milliseconds from the
// fraction keeps every nanosecond the float carries.

import { END_OF_OTLP_TIME_MS } from "../span/_time.ts";

// 2^64 - 1 ns = 18446744073709 ms + 551615 ns.
/** The whole milliseconds of 2^64 - 1 ns, the latest time OTLP holds. */
export const MAX_WHOLE_MS = 18446744073709;
const MAX_NANOS_BELOW_MS = 551615;
const TWO_24 = 16777216;
const TWO_32 = 4294967296;

/**
 * Splits `ms` into whole milliseconds (left in {@linkcode wholeMs}) and the
 * nanoseconds below them (returned).
 */
export function splitMs(ms: number): number {
  // Every encoded time is a valid uint64: times before the epoch, or not
  // numbers at all, are clamped to 0, and times past 2^64 ns to 2^64 - 1
  // ns. A span's own times are checked where they are set; this is for
  // what a clock returned, which is not checked on the hot path.
  if (!(ms > 0)) {
    wholeMs = 0;
    return 0;
  }
  if (!(ms < END_OF_OTLP_TIME_MS)) {
    wholeMs = MAX_WHOLE_MS;
    return MAX_NANOS_BELOW_MS;
  }
  let whole = Math.floor(ms);
  // `ms - whole` is exact for doubles; only the scaling rounds, below 1 ns.
  let nanos = Math.round((ms - whole) * 1e6);
  if (nanos === 1e6) {
    whole += 1;
    nanos = 0;
  }
  wholeMs = whole;
  return nanos;
}

/** The whole milliseconds of the last {@linkcode splitMs} call. */
export let wholeMs: number = 0;

/** Low 32 bits of the last {@linkcode wholeMsNanos} call. */
export let nanosLo: number = 0;
/** High 32 bits of the last {@linkcode wholeMsNanos} call. */
export let nanosHi: number = 0;

/**
 * Splits the unix nanoseconds of `whole` milliseconds (an integer from 0 to
 * {@linkcode MAX_WHOLE_MS}, the whole milliseconds of 2^64 - 1 ns) into 32-bit halves, left in
 * {@linkcode nanosLo} and {@linkcode nanosHi}.
 */
export function wholeMsNanos(whole: number): void {
  // whole * 1e6 overflows 2^53, so multiply in two 24-bit-split halves that
  // each stay exact: whole = a * 2^24 + b. (No `%` on doubles: V8 calls out
  // to fmod for it.)
  const a = Math.floor(whole / TWO_24);
  const b = whole - a * TWO_24;
  const high = a * 1e6; // < 2^49
  // value = high * 2^24 + b * 1e6
  //       = floor(high / 256) * 2^32 + (high mod 256) * 2^24 + b * 1e6
  const highDiv = Math.floor(high / 256);
  const mid = (high - highDiv * 256) * TWO_24 + b * 1e6; // < 2^32 + 2^45
  const carry = Math.floor(mid / TWO_32);
  nanosLo = mid - carry * TWO_32;
  nanosHi = highDiv + carry;
}
