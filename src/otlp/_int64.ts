// Internal: which numbers both OTLP encoders write as an int_value. Every
// integer int64 holds, as the OpenTelemetry SDK's serializers write it: the
// safe integers (checked first, on the common path), and here the integers
// beyond 2^53 up to int64's bounds, [-2^63, 2^63). Beyond them, a double.

const MIN_INT64 = -(2 ** 63);
const END_INT64 = 2 ** 63;

/** Whether `value` is an integer int64 holds (callers test the safe integers first). */
export function isLargeInt64(value: number): boolean {
  return Number.isInteger(value) && value >= MIN_INT64 && value < END_INT64;
}
