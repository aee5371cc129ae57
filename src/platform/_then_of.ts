// Internal: a value's `then`, read once and safely, for the functions that
// run user code and look at what it returned (tracer.span, withSpan).

/**
 * Returns `value.then` when `value` is an object or a function (what `await`
 * looks at), else `undefined`. A `then` getter that throws makes the value
 * no thenable (`undefined`): the caller returns the value as it is, and must
 * not throw the getter's error in its place.
 */
export function thenOf(value: unknown): unknown {
  if (value === null || (typeof value !== "object" && typeof value !== "function")) {
    return undefined;
  }
  try {
    return (value as { then?: unknown }).then;
  } catch {
    return undefined;
  }
}
