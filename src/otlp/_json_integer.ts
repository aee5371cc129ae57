// Internal: an integer field of OTLP/JSON as ProtoJSON reads it (the
// protobuf JSON mapping, which OTLP/JSON follows): a JSON number or a string
// of one, where "exponent notation (such as `1e2`) is accepted in both quoted
// and unquoted forms" and "zero fractional portions are accepted", and a
// value that "doesn't fit in the corresponding type" fails. Exact: the digits
// are read as a BigInt, never rounded through a float.

// A JSON number's grammar.
const NUMBER = /^(-?)([0-9]+)(?:\.([0-9]+))?(?:[eE]([+-]?[0-9]+))?$/;

// Beyond every 64-bit range: what a value of more digits than any holds reads as.
const HUGE = 10n ** 30n;

/**
 * The integer `value` writes, or `undefined` when it writes none (a fraction,
 * no number at all). A value too long for any 64-bit field reads as ±10^30,
 * which every range refuses.
 */
export function jsonInteger(value: unknown): bigint | undefined {
  if (typeof value === "number") return Number.isInteger(value) ? BigInt(value) : undefined;
  if (typeof value !== "string") return undefined;
  const match = NUMBER.exec(value);
  if (match === null) return undefined;
  const [, sign, whole, fraction = "", exponent = "0"] = match;
  let digits = (whole + fraction).replace(/^0+(?=[0-9])/, "");
  const shift = Number(exponent) - fraction.length;
  if (shift < 0) {
    // The digits after the point must all be zeros.
    if (/[^0]/.test(digits.slice(Math.max(shift, -digits.length)))) return undefined;
    digits = digits.slice(0, Math.max(digits.length + shift, 0)) || "0";
  } else if (digits !== "0") {
    if (digits.length + shift > 30) return sign === "-" ? -HUGE : HUGE;
    digits += "0".repeat(shift);
  }
  const magnitude = BigInt(digits);
  return sign === "-" ? -magnitude : magnitude;
}

/** Whether `n` is within [min, max]. */
export function inRange(n: bigint | undefined, min: bigint, max: bigint): n is bigint {
  return n !== undefined && n >= min && n <= max;
}
