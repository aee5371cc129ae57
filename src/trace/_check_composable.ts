// Internal: the check every constructor that takes a composable sampler makes.

import { describe } from "../platform/_describe.ts";
import type { ComposableSampler } from "./composable_sampler.ts";
import type { Sampler } from "./sampler.ts";

/**
 * Checks that `sampler` is a composable sampler, for the constructor of
 * `what`, naming the argument `name`.
 *
 * @throws {TypeError} When it lacks `getSamplingIntent`.
 */
export function checkComposable(sampler: unknown, name: string, what: string): ComposableSampler {
  if (typeof (sampler as ComposableSampler | undefined)?.getSamplingIntent !== "function") {
    const hint = typeof (sampler as Sampler | undefined)?.shouldSample === "function"
      ? " (a Sampler is none: use ComposableProbability, ComposableAlwaysOn, ...)"
      : "";
    throw new TypeError(
      `Cannot create ${what}: ${name} must be a composable sampler with a getSamplingIntent method, got ${
        describe(sampler)
      }${hint}`,
    );
  }
  return sampler as ComposableSampler;
}
