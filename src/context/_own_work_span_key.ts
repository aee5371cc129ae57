// Internal: marks the span that the library's own instrumentation made
// current around work of its own (the request of a traced fetch), in a file
// of its own so that the storage can read it. That work runs none of the
// caller's code after an await, so nothing there can lose the span: the
// debug report of a span lost across await (StackContextStorage.run) passes
// it over. Any other span made current under it is reported as before.

/** The key whose value is the span made current for the library's own async work. */
export const OWN_WORK_SPAN_KEY: unique symbol = Symbol("@codomyrmex/spans.own-work-span");
