// Internal: the exporting processors whose shutdown() has been called, so
// that setupTracing can tell a pipeline still running from one that was
// stopped (through its own shutdown() or its tracer's).

/** Processors that were told to shut down. */
export const shutDownProcessors: WeakSet<object> = new WeakSet();
