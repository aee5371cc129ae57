// Internal: OTLP's unix nanoseconds (a fixed64, or a decimal string in JSON)
// to epoch milliseconds as a float. The whole milliseconds and the
// nanoseconds below them are split with exact integer arithmetic, so a time
// that this library's encoders wrote from a float comes back as that very
// float (the encoders' rounding is far below the float's spacing).

// 2^32 = 4294 * 1e6 + 967296
const MS_PER_HIGH = 4294;
const REST_PER_HIGH = 967296;

/** Epoch milliseconds of the unsigned 64-bit nanoseconds `hi * 2^32 + lo`. */
export function nanosToMs(lo: number, hi: number): number {
  // hi * 967296 + lo < 2^52 + 2^32: exact.
  const rest = hi * REST_PER_HIGH + lo;
  const q = Math.floor(rest / 1e6);
  return hi * MS_PER_HIGH + q + (rest - q * 1e6) / 1e6;
}

const DECIMAL = /^[0-9]{1,20}$/;

/**
 * Epoch milliseconds of nanoseconds written as a decimal string (OTLP/JSON's
 * form for 64-bit integers); `undefined` when it is not one.
 */
export function decimalNanosToMs(text: string): number | undefined {
  if (!DECIMAL.test(text)) return undefined;
  if (text.length <= 6) return Number(text) / 1e6;
  return Number(text.slice(0, -6)) + Number(text.slice(-6)) / 1e6;
}

/** Epoch milliseconds of nanoseconds given as a JSON number (exact up to 2^53). */
export function numberNanosToMs(nanos: number): number {
  const whole = Math.floor(nanos / 1e6);
  return whole + (nanos - whole * 1e6) / 1e6;
}
