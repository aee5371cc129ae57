// Internal: 56-bit sampling thresholds, compared with the random part of a
// W3C Level 2 trace id (its rightmost 7 bytes) or OpenTelemetry's explicit
// randomness `rv`, exactly. A 56-bit number does not fit a double, so a
// threshold is made in BigInt, once per sampler, and compared in two exact
// 28-bit halves (7 hex digits each), with no BigInt per decision.

/** 2^56, exactly: a power of two is a double. */
export const TWO_POW_56 = 72057594037927936;

/** The number of digits in a 56-bit threshold or randomness value, in hex. */
export const THRESHOLD_DIGITS = 14;

/** The high 28 bits of a 56-bit value. */
export function highHalf(value: bigint): number {
  return Number(value >> 28n);
}

/** The low 28 bits of a 56-bit value. */
export function lowHalf(value: bigint): number {
  return Number(value & 0xfffffffn);
}

/**
 * Whether the 14 hex digits of `hex` from `at` read as a number at least
 * the threshold whose halves are `high` and `low`. Digits that are no hex
 * read as NaN, which reaches nothing.
 */
export function reaches(hex: string, at: number, high: number, low: number): boolean {
  const first = parseInt(hex.slice(at, at + 7), 16);
  if (first !== high) return first > high;
  return parseInt(hex.slice(at + 7, at + 14), 16) >= low;
}

// 2^52: ratio × 2^56 for a ratio of at least 2^-56 has no bits below 2^-52
// (a double's 53 bits end there), so this scale makes it a whole number.
const FRACTION_SCALE = 2 ** 52;
const FRACTION_BITS = 52n;

/**
 * The rejection threshold of an OpenTelemetry probability sampler for
 * `ratio`, from 2^-56 to 1, as the specification's consistent probability
 * sampling makes it (tracestate-probability-sampling.md, "Converting
 * floating-point probability to threshold value"): (1 - ratio) × 2^56
 * rounded, half up, to 4 significant hex digits, and one more for each
 * leading `f` a small ratio gives it (a ratio's base-2 exponent over 4), so
 * the precision follows the ratio down. The specification's example works
 * in doubles and stops at 12 digits; this is exact, in BigInt, and goes on
 * to all 14, so the smallest ratio, 2^-56, keeps exactly one value in 2^56.
 */
export function probabilityThreshold(ratio: number): bigint {
  if (ratio === 1) return 0n;
  // The base-2 exponent e of ratio = f × 2^e with f in [0.5, 1), as frexp
  // gives it; doubling is exact, so this is too.
  let exponent = 0;
  for (let f = ratio; f < 0.5; f *= 2) exponent--;
  const digits = Math.min(THRESHOLD_DIGITS, 4 + Math.floor(-exponent / 4));
  const unit = 1n << BigInt(4 * (THRESHOLD_DIGITS - digits));
  // (1 - ratio) × 2^56, scaled by 2^52 to be whole, rounded half up to a
  // multiple of unit. Never 2^56 itself: a ratio of at least 2^-56 is more
  // than half a unit at the precision its exponent gives.
  const scaledRatio = BigInt(ratio * TWO_POW_56 * FRACTION_SCALE);
  const scaledUnit = unit << FRACTION_BITS;
  const scaledRejection = (1n << (56n + FRACTION_BITS)) - scaledRatio;
  return (scaledRejection + scaledUnit / 2n) / scaledUnit * unit;
}

/**
 * A threshold as the `th` sub-key of the OpenTelemetry trace state holds
 * it: lowercase hex of 14 digits with the trailing zeros removed, and `0`
 * for a threshold of 0 (sample everything).
 */
export function encodeThreshold(threshold: bigint): string {
  if (threshold === 0n) return "0";
  const hex = threshold.toString(16).padStart(THRESHOLD_DIGITS, "0");
  let end = hex.length;
  while (hex.charCodeAt(end - 1) === 0x30) end--;
  return hex.slice(0, end);
}

/**
 * The threshold a `th` value stands for: 1 to 14 lowercase hex digits, the
 * trailing zeros its encoding removed put back. `undefined` for anything
 * else (no digits, more than 14, a digit that is no lowercase hex).
 */
export function parseThreshold(th: string): bigint | undefined {
  if (th.length === 0 || th.length > THRESHOLD_DIGITS || !isLowerHex(th)) return undefined;
  return BigInt("0x" + th) << BigInt(4 * (THRESHOLD_DIGITS - th.length));
}

/**
 * The largest threshold: 2^56, which no 56-bit randomness reaches, so it
 * samples nothing (and is never written to `th`).
 */
export const MAX_THRESHOLD: bigint = 1n << 56n;

// The last threshold given as a bigint, its halves and its `th` encoding: a
// composable sampler's intent carries its threshold as a bigint, and most
// decisions meet the one they met before, so no BigInt is made for them.
let lastThreshold = -1n;
let lastHigh = 0;
let lastLow = 0;
let lastEncoded: string | undefined;

function load(threshold: bigint): void {
  if (threshold === lastThreshold) return;
  lastThreshold = threshold;
  lastHigh = highHalf(threshold);
  lastLow = lowHalf(threshold);
  lastEncoded = undefined;
}

/**
 * Whether the 14 hex digits of `hex` from `at` read as a number at least
 * `threshold`, from 0 to 2^56 (see {@linkcode reaches}).
 */
export function reachesThreshold(hex: string, at: number, threshold: bigint): boolean {
  load(threshold);
  return reaches(hex, at, lastHigh, lastLow);
}

const HALF = 2 ** 28;

// The top 28 bits of a Math.random double: statistics, not secrets, and two
// halves make 56 bits no double could hold whole.
function randomHalf(): number {
  return Math.floor(Math.random() * HALF);
}

/**
 * Whether a new random 56-bit value reaches `threshold`, from 0 to 2^56: the
 * randomness a composite sampler draws for a threshold that is not reliable.
 */
export function randomReaches(threshold: bigint): boolean {
  load(threshold);
  const high = randomHalf();
  if (high !== lastHigh) return high > lastHigh;
  return randomHalf() >= lastLow;
}

/**
 * A new explicit randomness value, as `rv` holds it (14 lowercase hex
 * digits): for a root whose trace id is not known to be random.
 */
export function newRandomnessValue(): string {
  return randomHalf().toString(16).padStart(7, "0") + randomHalf().toString(16).padStart(7, "0");
}

/** {@linkcode encodeThreshold}, for a threshold below 2^56 given as a bigint, kept for the next call. */
export function encodedThreshold(threshold: bigint): string {
  load(threshold);
  return lastEncoded ??= encodeThreshold(threshold);
}

/**
 * Whether `value` is an explicit randomness value, as the `rv` sub-key must
 * hold it: exactly 14 lowercase hex digits.
 */
export function isRandomnessValue(value: string): boolean {
  return value.length === THRESHOLD_DIGITS && isLowerHex(value);
}

function isLowerHex(value: string): boolean {
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (!((c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x66))) return false;
  }
  return true;
}
