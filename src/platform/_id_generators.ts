// Internal: the shared default id generator, and the check every other
// generator goes through.

import { describe } from "./_describe.ts";
import { IdPool } from "./_id_pool.ts";
import { type IdGenerator, isValidSpanId, isValidTraceId, RandomIdGenerator } from "./ids.ts";

/**
 * The pool behind {@linkcode defaultIdGenerator}. A Tracer with the default
 * generator takes its ids from it directly, and keeps their bytes.
 */
export const defaultIdPool: IdPool = new IdPool();

/** The generator {@linkcode SpanContext.newRoot} uses when none is given. */
export const defaultIdGenerator: IdGenerator = Object.freeze({
  traceId: () => defaultIdPool.take(16),
  spanId: () => defaultIdPool.take(8),
});

/**
 * Whether `generator`'s trace ids are known to be random, so that a new
 * trace may carry the W3C Level 2 random flag: the default generator, a
 * {@linkcode RandomIdGenerator} whose `traceId` is its own (a subclass that
 * replaces it promises nothing), and any generator that declares
 * `randomTraceIds: true`. Call it after {@linkcode checkedIdGenerator}
 * has accepted `generator`, once per generator, not per span.
 */
export function hasRandomTraceIds(generator: unknown): boolean {
  return generator === defaultIdGenerator ||
    (generator instanceof RandomIdGenerator &&
      generator.traceId === RandomIdGenerator.prototype.traceId) ||
    (generator as IdGenerator).randomTraceIds === true;
}

/**
 * Returns `generator` ready for use. The default generator is
 * trusted as it is; any other is checked for its methods, and every id it
 * returns is validated, because a malformed id would corrupt every trace it
 * touches.
 *
 * @throws {TypeError} When `generator` lacks `traceId` or `spanId`.
 */
export function checkedIdGenerator(generator: unknown, action: string): IdGenerator {
  if (generator === defaultIdGenerator) return defaultIdGenerator;
  const g = generator as IdGenerator | null | undefined;
  if (typeof g?.traceId !== "function" || typeof g.spanId !== "function") {
    throw new TypeError(`Cannot ${action}: idGenerator must have traceId and spanId methods`);
  }
  const validated = (
    method: "traceId" | "spanId",
    valid: (id: unknown) => boolean,
    hex: number,
  ) => {
    const next = g[method].bind(g);
    return (): string => {
      const id = next();
      if (!valid(id)) {
        throw new TypeError(
          `Cannot ${action}: idGenerator.${method}() must return ${hex} lowercase hex characters, not all zeros, got ${
            describe(id)
          }`,
        );
      }
      return id;
    };
  };
  return {
    traceId: validated("traceId", isValidTraceId, 32),
    spanId: validated("spanId", isValidSpanId, 16),
  };
}
