// Internal: the counters behind propagationStats().

import { traceStateDrops } from "../span/_tracestate_grammar.ts";
import type { PropagationStats } from "./stats.ts";

/** The running counts of traceparent and baggage drops. */
const counts = { traceparent: 0, baggage: 0 };

/**
 * The running counts, by header. The tracestate count lives with the
 * tracestate grammar, a layer down, so the tracer can count a sampler's
 * invalid trace state too.
 */
export const dropCounts: PropagationStats = {
  get traceparent() {
    return counts.traceparent;
  },
  get tracestate() {
    return traceStateDrops.count;
  },
  get baggage() {
    return counts.baggage;
  },
};

/** Counts `n` dropped values of `header`. */
export function countDrop(header: keyof PropagationStats, n = 1): void {
  if (header === "tracestate") traceStateDrops.count += n;
  else counts[header] += n;
}
