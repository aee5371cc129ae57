// Internal: when to try an OTLP export again.

/** Statuses the OTLP/HTTP specification names as retryable. */
export function isRetryableStatus(status: number): boolean {
  return status === 429 || status === 502 || status === 503 || status === 504;
}

const INITIAL_BACKOFF_MS = 1000;
const MAX_BACKOFF_MS = 5000;

/**
 * Exponential backoff with "full jitter": a random delay between half the
 * exponential step and the step, so clients that failed together do not
 * retry together.
 *
 * @param attempt 0 for the delay after the first failure.
 * @param random A number in [0, 1).
 */
export function backoffDelay(attempt: number, random: number): number {
  const step = Math.min(MAX_BACKOFF_MS, INITIAL_BACKOFF_MS * 2 ** attempt);
  return step / 2 + (step / 2) * random;
}

/**
 * Reads a `Retry-After` header: delay-seconds or an HTTP date. Returns the
 * delay in milliseconds, or `undefined` when absent or malformed.
 *
 * @param header The header's value.
 * @param now The current time, epoch milliseconds, for HTTP dates.
 */
export function parseRetryAfter(header: string | null, now: number): number | undefined {
  if (header === null) return undefined;
  const value = header.trim();
  if (/^\d+$/.test(value)) return Number(value) * 1000;
  const date = Date.parse(value);
  if (!Number.isFinite(date)) return undefined;
  return Math.max(0, date - now);
}
