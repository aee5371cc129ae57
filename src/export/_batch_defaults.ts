// The batch processor's defaults, in one place for everything that
// configures one: the processor itself, the OTEL_BSP_* readers that name the
// default they fall back to, setupTracing, and ./otel's wrapper of the SDK's
// processor, which takes this library's defaults.

/** Spans that make a batch ready: the seed's 100 (the SDK's is 512). */
export const DEFAULT_MAX_BATCH_SIZE = 100;
/** The longest a span waits for its batch, in ms: 5 s, as the SDK's. */
export const DEFAULT_FLUSH_INTERVAL_MS = 5000;
/** Spans waiting at most (the batch in flight aside): 2048, as the SDK's. */
export const DEFAULT_MAX_QUEUE_SIZE = 2048;
