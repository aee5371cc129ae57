/**
 * Trace and span id generation from a pooled Web Crypto buffer.
 *
 * @module
 */

import { IdPool } from "./_id_pool.ts";
import { ZERO_SPAN_ID, ZERO_TRACE_ID } from "./_zero_ids.ts";

/**
 * Produces the ids of new traces and spans. Ids are lowercase hex: 32
 * characters for a trace id, 16 for a span id, and never all zeros.
 *
 * @example A fixed generator for tests
 * ```ts
 * import { type IdGenerator, SpanContext } from "@codomyrmex/spans";
 * import assert from "node:assert/strict";
 *
 * let n = 0;
 * const ids: IdGenerator = {
 *   traceId: () => "0af7651916cd43dd8448eb211c80319c",
 *   spanId: () => (++n).toString(16).padStart(16, "0"),
 * };
 * const ctx = SpanContext.newRoot(ids);
 * assert.equal(ctx.spanId, "0000000000000001");
 * ```
 */
export interface IdGenerator {
  /** Returns a new trace id: 32 lowercase hex characters, not all zeros. */
  traceId(): string;
  /** Returns a new span id: 16 lowercase hex characters, not all zeros. */
  spanId(): string;
  /**
   * `true` declares that every trace id {@linkcode IdGenerator.traceId}
   * returns meets W3C Trace Context Level 2's randomness requirement: at
   * least its rightmost 7 bytes (14 hex characters) chosen randomly or
   * pseudo-randomly, with uniform distribution. New traces whose ids it
   * makes then carry the W3C `random` trace flag (0x02), which samplers
   * downstream may rely on; their children inherit it, as every child
   * inherits its parent's flags. This is OpenTelemetry's "IdGenerator
   * randomness": a custom generator identifies itself when its trace ids
   * are random. It is read once, when a `Tracer` is made or a root
   * `SpanContext` is created from the generator. Default: absent, so
   * nothing is promised and the flag is not set (the library's own
   * generators, the default and `RandomIdGenerator`, are known to be random
   * and set it without it).
   *
   * @example A generator of random ids says so
   * ```ts
   * import { type IdGenerator, TraceFlags, Tracer } from "@codomyrmex/spans";
   * import assert from "node:assert/strict";
   *
   * const hex = (bytes: number) =>
   *   Array.from(crypto.getRandomValues(new Uint8Array(bytes)), (b) =>
   *     b.toString(16).padStart(2, "0")).join("");
   * const ids: IdGenerator = {
   *   // The first 4 bytes are the time, as in an AWS X-Ray id; the rightmost
   *   // 12 are random.
   *   traceId: () =>
   *     Math.floor(Date.now() / 1000).toString(16).padStart(8, "0") + hex(12),
   *   spanId: () => hex(8),
   *   randomTraceIds: true,
   * };
   * const root = new Tracer({ idGenerator: ids }).startSpan("checkout");
   * assert.equal(root.context.traceFlags, TraceFlags.SAMPLED | TraceFlags.RANDOM);
   * ```
   */
  readonly randomTraceIds?: boolean;
}

/**
 * The default {@linkcode IdGenerator}: random ids drawn from a pooled
 * buffer that `crypto.getRandomValues` refills in bulk, so an id costs a
 * string slice rather than a call into the platform.
 *
 * @example
 * ```ts
 * import { RandomIdGenerator } from "@codomyrmex/spans";
 * import assert from "node:assert/strict";
 *
 * const ids = new RandomIdGenerator();
 * assert.match(ids.traceId(), /^[0-9a-f]{32}$/);
 * assert.match(ids.spanId(), /^[0-9a-f]{16}$/);
 * ```
 */
export class RandomIdGenerator implements IdGenerator {
  readonly #pool = new IdPool();

  /**
   * Returns 32 random lowercase hex characters, never all zeros.
   *
   * @returns A trace id.
   *
   * @example
   * ```ts
   * import { RandomIdGenerator } from "@codomyrmex/spans";
   * import assert from "node:assert/strict";
   *
   * assert.equal(new RandomIdGenerator().traceId().length, 32);
   * ```
   */
  traceId(): string {
    return this.#pool.take(16);
  }

  /**
   * Returns 16 random lowercase hex characters, never all zeros.
   *
   * @returns A span id.
   *
   * @example
   * ```ts
   * import { RandomIdGenerator } from "@codomyrmex/spans";
   * import assert from "node:assert/strict";
   *
   * assert.equal(new RandomIdGenerator().spanId().length, 16);
   * ```
   */
  spanId(): string {
    return this.#pool.take(8);
  }
}

/**
 * Reports whether `id` is a valid trace id: 32 lowercase hex characters, not
 * all zeros.
 *
 * @param id The value to check.
 * @returns `true` for a valid trace id.
 *
 * @example
 * ```ts
 * import { isValidTraceId } from "@codomyrmex/spans";
 * import assert from "node:assert/strict";
 *
 * assert.equal(isValidTraceId("0af7651916cd43dd8448eb211c80319c"), true);
 * assert.equal(isValidTraceId("0".repeat(32)), false);
 * ```
 */
export function isValidTraceId(id: unknown): id is string {
  return typeof id === "string" && TRACE_ID.test(id) && id !== ZERO_TRACE_ID;
}

/**
 * Reports whether `id` is a valid span id: 16 lowercase hex characters, not
 * all zeros.
 *
 * @param id The value to check.
 * @returns `true` for a valid span id.
 *
 * @example
 * ```ts
 * import { isValidSpanId } from "@codomyrmex/spans";
 * import assert from "node:assert/strict";
 *
 * assert.equal(isValidSpanId("b7ad6b7169203331"), true);
 * assert.equal(isValidSpanId("B7AD6B7169203331"), false);
 * ```
 */
export function isValidSpanId(id: unknown): id is string {
  return typeof id === "string" && SPAN_ID.test(id) && id !== ZERO_SPAN_ID;
}

const TRACE_ID = /^[0-9a-f]{32}$/;
const SPAN_ID = /^[0-9a-f]{16}$/;
