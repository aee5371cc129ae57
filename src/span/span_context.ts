/**
 * The identity of a span: trace id, span id, parent, flags and trace state.
 *
 * @module
 */

import { describe } from "../platform/_describe.ts";
import {
  checkedIdGenerator,
  defaultIdGenerator,
  hasRandomTraceIds,
} from "../platform/_id_generators.ts";
import { type IdGenerator, isValidSpanId, isValidTraceId } from "../platform/ids.ts";
import { installIdBytesAccess } from "./_id_bytes.ts";
import { createTrustedSpanContext, TRUSTED_INIT } from "./_trusted_span_context.ts";
import { isValidTraceState } from "./_tracestate_grammar.ts";

/**
 * Bits of {@linkcode SpanContext.traceFlags}, as W3C Trace Context Level 2
 * defines them.
 *
 * @example
 * ```ts
 * import { SpanContext, TraceFlags } from "@codomyrmex/spans";
 * import assert from "node:assert/strict";
 *
 * const ctx = SpanContext.newRoot();
 * assert.equal(ctx.traceFlags & TraceFlags.SAMPLED, TraceFlags.SAMPLED);
 * ```
 */
export const TraceFlags: Readonly<{ NONE: 0; SAMPLED: 1; RANDOM: 2 }> = Object
  .freeze({
    /** No flag set. */
    NONE: 0,
    /** The caller may have recorded the trace. */
    SAMPLED: 1,
    /** The trace id's rightmost 7 bytes are random (Level 2). */
    RANDOM: 2,
  });

/** The fields of a {@linkcode SpanContext}, as its constructor takes them. */
export interface SpanContextInit {
  /** 32 lowercase hex characters, not all zeros. */
  traceId: string;
  /** 16 lowercase hex characters, not all zeros. */
  spanId: string;
  /** The span id of the parent, if any. */
  parentSpanId?: string | undefined;
  /** W3C trace flags, 0 to 255. Default 0x01 (sampled). */
  traceFlags?: number | undefined;
  /**
   * The W3C `tracestate` header value: list members the Level 2 grammar
   * accepts, each key once, at most 32 members and 8,192 characters.
   */
  traceState?: string | undefined;
  /** Whether the context came from another process. Default `false`. */
  isRemote?: boolean | undefined;
}

/**
 * The immutable identity of a span, and what crosses process boundaries.
 *
 * @example
 * ```ts
 * import { SpanContext } from "@codomyrmex/spans";
 * import assert from "node:assert/strict";
 *
 * const root = SpanContext.newRoot();
 * const child = root.child();
 * assert.equal(child.traceId, root.traceId);
 * assert.equal(child.parentSpanId, root.spanId);
 * assert.notEqual(child.spanId, root.spanId);
 * ```
 */
export class SpanContext {
  /** 32 lowercase hex characters identifying the trace. */
  readonly traceId: string;
  /** 16 lowercase hex characters identifying the span. */
  readonly spanId: string;
  /** The parent's span id; `undefined` for a root. */
  readonly parentSpanId: string | undefined;
  /** W3C trace flags; bit 0x01 means sampled. */
  readonly traceFlags: number;
  /** The W3C `tracestate` value carried with the trace, if any. */
  readonly traceState: string | undefined;
  /** `true` when this context was extracted from another process. */
  readonly isRemote: boolean;
  // The bytes the ids were drawn from, for the OTLP encoder: see _id_bytes.ts.
  readonly #idBytes: Uint8Array | undefined;
  readonly #idAt: number;

  static {
    installIdBytesAccess((context) => context.#idBytes, (context) => context.#idAt);
  }

  /**
   * Creates a context from known fields, checking each one.
   *
   * @param init The fields.
   * @throws {TypeError} When an id is malformed or a field has the wrong type.
   * @throws {RangeError} When `traceState` is a string that is not a valid
   *   `tracestate` value (a CR or LF, say), so it can never reach a header.
   *
   * @example
   * ```ts
   * import { SpanContext } from "@codomyrmex/spans";
   * import assert from "node:assert/strict";
   *
   * const ctx = new SpanContext({
   *   traceId: "0af7651916cd43dd8448eb211c80319c",
   *   spanId: "b7ad6b7169203331",
   *   isRemote: true,
   * });
   * assert.equal(ctx.traceFlags, 1);
   * assert.throws(() => new SpanContext({ traceId: "x", spanId: "y" }), TypeError);
   * assert.throws(
   *   () => new SpanContext({ ...ctx, traceState: "congo=1\r\nx-injected: yes" }),
   *   RangeError,
   * );
   * ```
   */
  constructor(init: SpanContextInit);
  // Internal: with TRUSTED_INIT, the fields follow as arguments, taken as they
  // are (see _trusted_span_context.ts). The default keeps `length` at 1.
  constructor(
    init: SpanContextInit,
    traceId: string = "",
    spanId?: string,
    parentSpanId?: string,
    traceFlags?: number,
    traceState?: string,
    isRemote?: boolean,
    idBytes?: Uint8Array,
    idAt?: number,
  ) {
    if (init === TRUSTED_INIT) {
      this.traceId = traceId;
      this.spanId = spanId!;
      this.parentSpanId = parentSpanId;
      this.traceFlags = traceFlags!;
      this.traceState = traceState;
      this.isRemote = isRemote!;
      this.#idBytes = idBytes;
      this.#idAt = idAt!;
    } else {
      validate(init);
      this.traceId = init.traceId;
      this.spanId = init.spanId;
      this.parentSpanId = init.parentSpanId;
      this.traceFlags = init.traceFlags ?? TraceFlags.SAMPLED;
      this.traceState = init.traceState;
      this.isRemote = init.isRemote ?? false;
      this.#idBytes = undefined;
      this.#idAt = 0;
    }
    Object.freeze(this);
  }

  /**
   * Creates the context of a new trace: fresh trace and span ids, sampled,
   * with the W3C random flag set when the ids come from the default
   * generator, a `RandomIdGenerator`, or a generator that declares
   * {@linkcode IdGenerator.randomTraceIds}.
   *
   * @param idGenerator Where the ids come from; random by default.
   * @returns A root context.
   *
   * @example
   * ```ts
   * import { SpanContext } from "@codomyrmex/spans";
   * import assert from "node:assert/strict";
   *
   * const ctx = SpanContext.newRoot();
   * assert.match(ctx.traceId, /^[0-9a-f]{32}$/);
   * assert.equal(ctx.parentSpanId, undefined);
   * ```
   */
  static newRoot(idGenerator: IdGenerator = defaultIdGenerator): SpanContext {
    const ids = checkedIdGenerator(idGenerator, "create root SpanContext");
    return createTrustedSpanContext(
      ids.traceId(),
      ids.spanId(),
      undefined,
      // The random flag promises a random trace id: only the library's own
      // random generators are known to give one, or one that declares it.
      hasRandomTraceIds(idGenerator) ? TraceFlags.SAMPLED | TraceFlags.RANDOM : TraceFlags.SAMPLED,
      undefined,
      false,
    );
  }

  /**
   * Creates the context of a child span: same trace, flags and trace state,
   * a new span id, and this span as the parent.
   *
   * @param idGenerator Where the new span id comes from; random by default.
   * @returns The child's context.
   *
   * @example
   * ```ts
   * import { SpanContext } from "@codomyrmex/spans";
   * import assert from "node:assert/strict";
   *
   * const parent = SpanContext.newRoot();
   * assert.equal(parent.child().parentSpanId, parent.spanId);
   * ```
   */
  child(idGenerator: IdGenerator = defaultIdGenerator): SpanContext {
    idGenerator = checkedIdGenerator(idGenerator, "create child SpanContext");
    return createTrustedSpanContext(
      this.traceId,
      idGenerator.spanId(),
      this.spanId,
      this.traceFlags,
      this.traceState,
      false,
    );
  }

  /**
   * Whether the sampled flag (0x01) is set.
   *
   * @example
   * ```ts
   * import { SpanContext } from "@codomyrmex/spans";
   * import assert from "node:assert/strict";
   *
   * assert.equal(SpanContext.newRoot().isSampled, true);
   * ```
   */
  get isSampled(): boolean {
    return (this.traceFlags & TraceFlags.SAMPLED) !== 0;
  }
}

function validate(init: SpanContextInit): void {
  if (typeof init !== "object" || init === null) {
    throw new TypeError(`Cannot create SpanContext: expected an object, got ${describe(init)}`);
  }
  if (!isValidTraceId(init.traceId)) {
    throw new TypeError(
      `Cannot create SpanContext: traceId must be 32 lowercase hex characters, not all zeros, got ${
        describe(init.traceId)
      }`,
    );
  }
  if (!isValidSpanId(init.spanId)) {
    throw new TypeError(
      `Cannot create SpanContext: spanId must be 16 lowercase hex characters, not all zeros, got ${
        describe(init.spanId)
      }`,
    );
  }
  if (init.parentSpanId !== undefined && !isValidSpanId(init.parentSpanId)) {
    throw new TypeError(
      `Cannot create SpanContext: parentSpanId must be a valid span id, got ${
        describe(init.parentSpanId)
      }`,
    );
  }
  const flags = init.traceFlags;
  if (
    flags !== undefined &&
    !(Number.isInteger(flags) && (flags as number) >= 0 && (flags as number) <= 255)
  ) {
    throw new TypeError(
      `Cannot create SpanContext: traceFlags must be an integer from 0 to 255, got ${
        describe(flags)
      }`,
    );
  }
  if (init.traceState !== undefined && typeof init.traceState !== "string") {
    throw new TypeError(
      `Cannot create SpanContext: traceState must be a string, got ${describe(init.traceState)}`,
    );
  }
  if (init.traceState !== undefined && !isValidTraceState(init.traceState)) {
    throw new RangeError(
      `Cannot create SpanContext: traceState must be a valid W3C tracestate value (keys once, at most 32 members and 8192 characters, no control or non-ASCII characters), got ${
        describe(init.traceState)
      }`,
    );
  }
  if (init.isRemote !== undefined && typeof init.isRemote !== "boolean") {
    throw new TypeError(
      `Cannot create SpanContext: isRemote must be a boolean, got ${describe(init.isRemote)}`,
    );
  }
}
