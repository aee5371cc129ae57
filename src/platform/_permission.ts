// Internal: whether an error is the runtime refusing an operation its
// permissions do not cover: Deno's NotCapable (PermissionDenied before
// Deno 2), itself or as a wrapper's cause. Asking again is refused again.

/** Whether `error`, or one of its first causes, is a permission refusal. */
export function isPermissionError(error: unknown): boolean {
  try {
    for (let e = error, depth = 0; e instanceof Error && depth < 3; e = e.cause, depth++) {
      if (e.name === "NotCapable" || e.name === "PermissionDenied") return true;
    }
  } catch {
    // A getter that throws: no permission error to see.
  }
  return false;
}
