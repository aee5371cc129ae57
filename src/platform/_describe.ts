// Internal: short descriptions of values for error messages.

/**
 * Describes a value for an error message without calling into it.
 *
 * @param value Anything.
 * @returns A short description such as `string "x"` or `object`.
 */
export function describe(value: unknown): string {
  switch (typeof value) {
    case "string":
      return `string ${JSON.stringify(value.length > 40 ? value.slice(0, 40) + "…" : value)}`;
    case "number":
    case "boolean":
    case "bigint":
      return `${typeof value} ${String(value)}`;
    case "undefined":
      return "undefined";
    case "object":
      return value === null ? "null" : Array.isArray(value) ? "array" : "object";
    default:
      return typeof value;
  }
}
