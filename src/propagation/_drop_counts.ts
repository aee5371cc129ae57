// Internal: the counters behind propagationStats().

import type { PropagationStats } from "./stats.ts";

/** The running counts, by header. */
export const dropCounts: { -readonly [K in keyof PropagationStats]: number } = {
  traceparent: 0,
  tracestate: 0,
  baggage: 0,
};

/** Counts `n` dropped values of `header`. */
export function countDrop(header: keyof PropagationStats, n = 1): void {
  dropCounts[header] += n;
}
