/**
 * The specification's ComposableRuleBased: the first rule whose predicate
 * holds gives the intent.
 *
 * @module
 */

import { describe } from "../platform/_describe.ts";
import type {
  ComposableSampler,
  ComposableSamplingParameters,
  SamplingIntent,
} from "./composable_sampler.ts";
import { checkComposable } from "./_check_composable.ts";

/**
 * Whether a rule of a {@linkcode ComposableRuleBased} applies to a span. It
 * must return a boolean and not throw; one that throws, or returns anything
 * else, has its span dropped, reported once as an error.
 *
 * @example
 * ```ts
 * import type { SamplingPredicate } from "@codomyrmex/spans";
 * import assert from "node:assert/strict";
 *
 * const isHealthCheck: SamplingPredicate = (p) => p.attributes?.["url.path"] === "/health";
 * assert.equal(
 *   isHealthCheck({
 *     parent: undefined,
 *     name: "GET",
 *     kind: "server",
 *     attributes: { "url.path": "/health" },
 *     parentThreshold: undefined,
 *   }),
 *   true,
 * );
 * ```
 */
export type SamplingPredicate = (parameters: ComposableSamplingParameters) => boolean;

/**
 * A rule of a {@linkcode ComposableRuleBased}: a predicate, and the sampler
 * whose intent a span gets when the predicate holds for it.
 *
 * @example
 * ```ts
 * import { ComposableAlwaysOff, type SamplingRule } from "@codomyrmex/spans";
 * import assert from "node:assert/strict";
 *
 * const rule: SamplingRule = [(p) => p.name === "GET /health", new ComposableAlwaysOff()];
 * assert.equal(rule.length, 2);
 * ```
 */
export type SamplingRule = readonly [predicate: SamplingPredicate, sampler: ComposableSampler];

// No rule matched: "returns a non-sampling intent".
const NO_MATCH: SamplingIntent = Object.freeze({
  threshold: undefined,
  adjustedCountReliable: false,
});

/**
 * Gives the intent of the first rule, in order, whose predicate holds for
 * the span; no threshold, so the span is dropped, when none does (the
 * specification's ComposableRuleBased). Predicates see the span's name,
 * kind, attributes given at start, links and parent, not its trace id.
 *
 * @example
 * ```ts
 * import {
 *   ComposableAlwaysOff,
 *   ComposableAlwaysOn,
 *   ComposableRuleBased,
 *   CompositeSampler,
 *   Tracer,
 * } from "@codomyrmex/spans";
 * import assert from "node:assert/strict";
 *
 * const tracer = new Tracer({
 *   sampler: new CompositeSampler(
 *     new ComposableRuleBased([
 *       [(p) => p.kind === "server", new ComposableAlwaysOn()],
 *       [(p) => p.name.startsWith("db"), new ComposableAlwaysOff()],
 *     ]),
 *   ),
 * });
 * assert.equal(tracer.startSpan("GET /", { kind: "server" }).isRecording, true);
 * assert.equal(tracer.startSpan("db.query").isRecording, false);
 * assert.equal(tracer.startSpan("other").isRecording, false, "no rule matched");
 * ```
 */
export class ComposableRuleBased implements ComposableSampler {
  readonly #rules: readonly SamplingRule[];

  /**
   * Creates the sampler.
   *
   * @param rules The rules, first tried first; copied.
   * @throws {TypeError} When `rules` is not an array, or a rule is not a
   *   pair of a function and a composable sampler.
   *
   * @example
   * ```ts
   * import { ComposableAlwaysOn, ComposableRuleBased } from "@codomyrmex/spans";
   * import assert from "node:assert/strict";
   *
   * const s = new ComposableRuleBased([[function isAnything() { return true; }, new ComposableAlwaysOn()]]);
   * assert.equal(String(s), "ComposableRuleBased{isAnything=ComposableAlwaysOn}");
   * assert.throws(() => new ComposableRuleBased({} as never), TypeError);
   * ```
   */
  constructor(rules: readonly SamplingRule[]) {
    if (!Array.isArray(rules)) {
      throw new TypeError(
        `Cannot create ComposableRuleBased: rules must be an array of [predicate, sampler] pairs, got ${
          describe(rules)
        }`,
      );
    }
    this.#rules = Object.freeze(rules.map((rule, i): SamplingRule => {
      if (!Array.isArray(rule) || typeof rule[0] !== "function") {
        throw new TypeError(
          `Cannot create ComposableRuleBased: rules[${i}] must be a [predicate, sampler] pair, its predicate a function, got ${
            describe(Array.isArray(rule) ? rule[0] : rule)
          }`,
        );
      }
      return Object.freeze(
        [
          rule[0],
          checkComposable(rule[1], `rules[${i}]'s sampler`, "ComposableRuleBased"),
        ] as const,
      );
    }));
  }

  /**
   * Gives the first matching rule's intent, or no threshold.
   *
   * @param parameters The span being decided.
   * @returns The intent.
   * @throws {TypeError} When a predicate returns no boolean (a
   *   {@linkcode CompositeSampler} drops the span and reports it once).
   *
   * @example
   * ```ts
   * import { ComposableAlwaysOn, ComposableRuleBased } from "@codomyrmex/spans";
   * import assert from "node:assert/strict";
   *
   * const s = new ComposableRuleBased([[(p) => p.kind === "client", new ComposableAlwaysOn()]]);
   * const p = { parent: undefined, name: "x", attributes: undefined, parentThreshold: undefined };
   * assert.equal(s.getSamplingIntent({ ...p, kind: "client" }).threshold, 0n);
   * assert.equal(s.getSamplingIntent({ ...p, kind: "server" }).threshold, undefined);
   * ```
   */
  getSamplingIntent(parameters: ComposableSamplingParameters): SamplingIntent {
    const rules = this.#rules;
    for (let i = 0; i < rules.length; i++) {
      const matched: unknown = rules[i][0](parameters);
      if (matched === true) return rules[i][1].getSamplingIntent(parameters);
      if (matched !== false) {
        throw new TypeError(
          `Cannot sample with ComposableRuleBased: rules[${i}]'s predicate must return a boolean, got ${
            describe(matched)
          }`,
        );
      }
    }
    return NO_MATCH;
  }

  /**
   * Describes the sampler and its rules.
   *
   * @returns For example `ComposableRuleBased{isHealthCheck=ComposableAlwaysOff,
   *   predicate=ComposableAlwaysOn}`: each rule's predicate by its function's
   *   name (`predicate` for an anonymous one) and its sampler.
   *
   * @example
   * ```ts
   * import { ComposableAlwaysOff, ComposableRuleBased } from "@codomyrmex/spans";
   * import assert from "node:assert/strict";
   *
   * assert.equal(String(new ComposableRuleBased([])), "ComposableRuleBased{}");
   * assert.equal(
   *   String(new ComposableRuleBased([[() => true, new ComposableAlwaysOff()]])),
   *   "ComposableRuleBased{predicate=ComposableAlwaysOff}",
   * );
   * ```
   */
  toString(): string {
    return `ComposableRuleBased{${
      this.#rules.map(([predicate, sampler]) => `${predicate.name || "predicate"}=${sampler}`)
        .join(", ")
    }}`;
  }
}
