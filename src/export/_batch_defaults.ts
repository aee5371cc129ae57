// The batch processor's defaults, in one place for everything that
// configures one: the processor itself, the OTEL_BSP_* readers that name the
// default they fall back to, setupTracing, and ./otel's wrapper of the SDK's
// processor, which takes this library's defaults.

/** Spans that make a batch ready: the seed's 100 (the SDK's is 512). */
export const DEFAULT_MAX_BATCH_SIZE = 100;
/** The longest a span waits for its batch, in ms: 5 s, as the SDK's. */
export const DEFAULT_FLUSH_INTERVAL_MS = 5000;
/**
 * Spans waiting at most (the batch in flight aside): 4096, twice the SDK's
 * 2048. A stall (a collection, a busy machine) lets spans pile up while the
 * export in flight waits on the network, and the queue must hold them all:
 * at 200,000 spans/s behind an exporter that takes 2 ms, with a 10 ms stall
 * forced every 250 ms, 2048 dropped 140-500 spans per stall on Deno, Bun
 * and Node, where 4096 dropped none (`bench/e2e_compare.ts stall`). A
 * queued span holds ~390-460 bytes here against the SDK's ~1,100-1,300, so
 * the full queue still takes less memory than the SDK's.
 */
export const DEFAULT_MAX_QUEUE_SIZE = 4096;
