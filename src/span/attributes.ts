/**
 * Attribute values, their validation, and the limits that bound a span.
 *
 * @module
 */

import { truncateString } from "../platform/_truncate.ts";

/** A single attribute value. */
export type AttributePrimitive = string | number | boolean;

/**
 * A value an attribute may hold: a string, number or boolean, or a
 * homogeneous array of one of those. An array may also hold `null`
 * elements, which are kept (OpenTelemetry asks for it: two arrays kept in
 * sync, such as header keys and values, must keep their indexes).
 */
export type AttributeValue =
  | AttributePrimitive
  | readonly (string | null)[]
  | readonly (number | null)[]
  | readonly (boolean | null)[];

/** A set of attributes, keyed by name. */
export type Attributes = Record<string, AttributeValue>;

/**
 * The bounds on what one span may hold. Whatever goes past a bound is dropped
 * and counted in the span's `dropped*Count` fields; nothing throws.
 *
 * @example
 * ```ts
 * import { Tracer } from "@codomyrmex/spans";
 * import assert from "node:assert/strict";
 *
 * const tracer = new Tracer({ limits: { attributeCountLimit: 1 } });
 * const span = tracer.startSpan("x").setAttribute("a", 1).setAttribute("b", 2);
 * assert.deepEqual(span.attributes, { a: 1 });
 * assert.equal(span.droppedAttributesCount, 1);
 * ```
 */
export interface SpanLimits {
  /** Attributes per span. Default 128. */
  attributeCountLimit?: number;
  /**
   * Characters per string value (also inside arrays), each character (code
   * point) counted as one, so an emoji counts once and is never cut in two.
   * Default unlimited.
   */
  attributeValueLengthLimit?: number;
  /** Events per span. Default 128. */
  eventCountLimit?: number;
  /** Links per span. Default 128. */
  linkCountLimit?: number;
  /** Attributes per event. Default 128. */
  attributePerEventCountLimit?: number;
  /** Attributes per link. Default 128. */
  attributePerLinkCountLimit?: number;
}

/** {@linkcode SpanLimits} with every field filled in. */
export type ResolvedSpanLimits = Readonly<Required<SpanLimits>>;

/**
 * The limits used when none are given: 128 of everything, values of any
 * length.
 *
 * @example
 * ```ts
 * import { DEFAULT_SPAN_LIMITS } from "@codomyrmex/spans";
 * import assert from "node:assert/strict";
 *
 * assert.equal(DEFAULT_SPAN_LIMITS.attributeCountLimit, 128);
 * assert.equal(DEFAULT_SPAN_LIMITS.attributeValueLengthLimit, Infinity);
 * ```
 */
export const DEFAULT_SPAN_LIMITS: ResolvedSpanLimits = Object.freeze({
  attributeCountLimit: 128,
  attributeValueLengthLimit: Infinity,
  eventCountLimit: 128,
  linkCountLimit: 128,
  attributePerEventCountLimit: 128,
  attributePerLinkCountLimit: 128,
});

/**
 * Returns `value` as a valid attribute value, truncating strings to
 * `maxLength` characters (code points: a surrogate pair counts as one and is
 * never split), or `undefined` when it is not one (objects, `null`,
 * `undefined`, functions, symbols, bigints, mixed or nested arrays, and
 * arrays that throw when read, such as a revoked `Proxy`). It never throws.
 * A truncated string is a copy, so it does not keep the long original alive.
 * An array is a copy too, valid when its elements other than `null` and
 * `undefined` are all strings, all numbers or all booleans; `null` and
 * `undefined` elements are kept as `null`, as the OpenTelemetry SDK keeps
 * them. An array of more than 1,048,576 elements is dropped, so that a
 * sparse one (`new Array(2 ** 32 - 1)`) cannot hang the application.
 *
 * @param value The candidate value.
 * @param maxLength The longest string to keep.
 * @returns The value to store, or `undefined` to drop it.
 *
 * @example
 * ```ts
 * import { sanitizeAttributeValue } from "@codomyrmex/spans";
 * import assert from "node:assert/strict";
 *
 * assert.equal(sanitizeAttributeValue("abcdef", 3), "abc");
 * assert.equal(sanitizeAttributeValue("a😀bc", 2), "a😀");
 * assert.deepEqual(sanitizeAttributeValue([1, 2]), [1, 2]);
 * assert.deepEqual(sanitizeAttributeValue(["a", null, undefined]), ["a", null, null]);
 * assert.equal(sanitizeAttributeValue([1, "2"]), undefined);
 * assert.equal(sanitizeAttributeValue({ a: 1 }), undefined);
 * ```
 */
export function sanitizeAttributeValue(
  value: unknown,
  maxLength: number = Infinity,
): AttributeValue | undefined {
  switch (typeof value) {
    case "string":
      return value.length > maxLength ? truncateString(value, maxLength) : value;
    case "number":
    case "boolean":
      return value;
    case "object":
      // An array-like Proxy or an index getter can throw while being read:
      // that value is dropped, not thrown into the caller.
      try {
        return Array.isArray(value) ? sanitizeArray(value, maxLength) : undefined;
      } catch {
        return undefined;
      }
    default:
      return undefined;
  }
}

// The most elements an array value may have. Far more than any exporter
// would carry, and a bound on the walk below: `new Array(2 ** 32 - 1)`
// holds nothing, yet walking it would take billions of steps.
const MAX_ARRAY_LENGTH = 1_048_576;

function sanitizeArray(
  values: readonly unknown[],
  maxLength: number,
): AttributeValue | undefined {
  if (values.length > MAX_ARRAY_LENGTH) return undefined;
  // Copy, so the caller mutating its array later cannot change the span.
  const out = new Array(values.length);
  // The type of the elements that are not null or undefined, once one is met.
  let kind: string | undefined;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v === null || v === undefined) {
      out[i] = null;
      continue;
    }
    const vKind: string = typeof v;
    if (vKind !== kind) {
      if (kind !== undefined) return undefined;
      if (vKind !== "string" && vKind !== "number" && vKind !== "boolean") return undefined;
      kind = vKind;
    }
    out[i] = kind === "string" && (v as string).length > maxLength
      ? truncateString(v as string, maxLength)
      : v;
  }
  return out as AttributeValue;
}
