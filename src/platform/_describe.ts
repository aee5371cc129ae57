// Internal: short descriptions of values for error messages.

// A string or number longer than this is cut. Short enough that a secret
// passed where it does not belong (an API key as `headers`, a token in a
// URL) is not shown whole; long enough for a mistyped word or number.
const SHOWN = 12;
// How much of a longer one is shown.
const KEPT = 8;

/**
 * Describes a value for an error message without calling into it. Never
 * throws, whatever the value (a revoked Proxy, an object whose conversion
 * throws). A string of more than 12 characters shows its first 8 and its
 * length, so a secret given by mistake is not printed whole.
 *
 * @param value Anything.
 * @returns A short description such as `string "x"` or `object`.
 */
export function describe(value: unknown): string {
  switch (typeof value) {
    case "string":
      return value.length > SHOWN
        ? `string ${JSON.stringify(value.slice(0, KEPT) + "…")} (${value.length} characters)`
        : `string ${JSON.stringify(value)}`;
    case "number":
    case "boolean":
      return `${typeof value} ${String(value)}`;
    case "bigint":
      return describeBigInt(value);
    case "undefined":
      return "undefined";
    case "object":
      if (value === null) return "null";
      try {
        return Array.isArray(value) ? "array" : "object";
      } catch {
        // A revoked Proxy.
        return "object";
      }
    default:
      return typeof value;
  }
}

// A bigint of more than 12 digits shows how many it has, counted from its
// hex form, which every engine writes in linear time (decimal takes far
// longer for a huge one).
function describeBigInt(value: bigint): string {
  const magnitude = value < 0n ? -value : value;
  if (magnitude < 10n ** BigInt(SHOWN)) return `bigint ${String(value)}`;
  const digits = Math.ceil(magnitude.toString(16).length * 4 * Math.log10(2));
  return `bigint of about ${digits} digits`;
}
