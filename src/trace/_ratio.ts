// Internal: a probability sampler's ratio, as its constructor checks it and
// its description gives it. Shared by ProbabilitySampler, TraceIdRatioSampler
// and ComposableProbability.

import { describe } from "../platform/_describe.ts";

/** The smallest ratio a probability sampler takes: one value in 2^56. */
const MIN_PROBABILITY = 2 ** -56;

/**
 * Checks the ratio of a consistent probability sampler, `what`: from 2^-56
 * to 1, the range the specification gives, or 0, which it says is no
 * probability (a sampler that keeps nothing, as the composable form gives
 * way to always-off then).
 *
 * @throws {TypeError} When `ratio` is not a number.
 * @throws {RangeError} When it is NaN, below 0, between 0 and 2^-56, or above 1.
 */
export function checkProbabilityRatio(ratio: unknown, what: string): number {
  if (typeof ratio !== "number") {
    throw new TypeError(`Cannot create ${what}: ratio must be a number, got ${describe(ratio)}`);
  }
  if (!(ratio === 0 || (ratio >= MIN_PROBABILITY && ratio <= 1))) {
    throw new RangeError(
      `Cannot create ${what}: ratio must be from 2^-56 to 1, or 0 for none, got ${String(ratio)}`,
    );
  }
  return ratio;
}

/**
 * A ratio as a decimal number, as a sampler's description must give it: the
 * shortest digits that name it exactly, with no exponent (1e-7 reads
 * 0.0000001). A ratio is at most 1, so only a negative exponent occurs.
 */
export function decimal(ratio: number): string {
  const text = String(ratio);
  const e = text.indexOf("e-");
  if (e < 0) return text;
  const digits = text.slice(0, e).replace(".", "");
  return `0.${"0".repeat(Number(text.slice(e + 2)) - 1)}${digits}`;
}
