// Internal: the contexts that the library's own instrumentation made current
// around work of its own (the request of a traced fetch), in a file of its
// own so that the storage can read it. That work runs none of the caller's
// code after an await, so nothing there can lose the span: the debug report
// of a span lost across await (StackContextStorage.run) passes it over.
// The context itself is marked, not its span: one the caller's code derives
// from it (a handler the fetch calls in this process, running with baggage
// of its own) is the caller's, and is reported as before.

const ownWork = new WeakSet<object>();

/** Marks `context` as made current for the library's own async work; returns it. */
export function markOwnWork<C extends object>(context: C): C {
  ownWork.add(context);
  return context;
}

/** Whether `context` is one {@linkcode markOwnWork} marked. */
export function isOwnWork(context: object): boolean {
  return ownWork.has(context);
}
