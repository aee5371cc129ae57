// Internal: when to try an OTLP export again.

/** Statuses the OTLP/HTTP specification names as retryable. */
export function isRetryableStatus(status: number): boolean {
  return status === 429 || status === 502 || status === 503 || status === 504;
}

const INITIAL_BACKOFF_MS = 1000;
const MAX_BACKOFF_MS = 5000;

/**
 * Exponential backoff with "equal jitter": a random delay between half the
 * exponential step and the step, so clients that failed together do not
 * retry together, and none retries at once.
 *
 * @param attempt 0 for the delay after the first failure.
 * @param random A number in [0, 1).
 */
export function backoffDelay(attempt: number, random: number): number {
  const step = Math.min(MAX_BACKOFF_MS, INITIAL_BACKOFF_MS * 2 ** attempt);
  return step / 2 + (step / 2) * random;
}

// An HTTP-date (RFC 9110, 5.6.7) in any of its three forms: IMF-fixdate
// "Sun, 06 Nov 1994 08:49:37 GMT", RFC 850 "Sunday, 06-Nov-94 08:49:37
// GMT" and asctime "Sun Nov  6 08:49:37 1994" (GMT, with no zone, which
// Date.parse would read as local time).
const DAY = "(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)";
const MONTH = "(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)";
const TIME = "\\d{2}:\\d{2}:\\d{2}";
const IMF_FIXDATE = new RegExp(`^${DAY}, \\d{1,2} ${MONTH} \\d{4} ${TIME} GMT$`, "i");
const RFC_850 = new RegExp(`^${DAY}[a-z]*, \\d{1,2}-${MONTH}-\\d{2} ${TIME} GMT$`, "i");
const ASCTIME = new RegExp(`^${DAY} ${MONTH} +\\d{1,2} ${TIME} \\d{4}$`, "i");

/**
 * Reads a `Retry-After` header: delay-seconds or an HTTP date. Returns the
 * delay in milliseconds, or `undefined` when absent or malformed, so the
 * exponential backoff applies. Only those two forms are read: `Date.parse`
 * alone takes `"1.5"` or `"-1"` for a date in 2001 or in year -1, which is
 * past, and would retry at once.
 *
 * @param header The header's value.
 * @param now The current time, epoch milliseconds, for HTTP dates.
 */
export function parseRetryAfter(header: string | null, now: number): number | undefined {
  if (header === null) return undefined;
  const value = header.trim();
  if (/^\d+$/.test(value)) return Number(value) * 1000;
  let date = NaN;
  if (IMF_FIXDATE.test(value) || RFC_850.test(value)) date = Date.parse(value);
  else if (ASCTIME.test(value)) date = Date.parse(`${value} GMT`);
  if (!Number.isFinite(date)) return undefined;
  return Math.max(0, date - now);
}
