// Internal: diagnostics that must never flood the console or throw.

const warned = new Set<string>();
// Keys can carry an error's message, so the set is bounded: past this many
// causes, new ones are no longer reported.
const MAX_KEYS = 1_000;

/**
 * Prints `message` with `console.warn` the first time `key` is seen, and
 * never again for that key in this process. Returns whether it printed.
 */
export function warnOnce(key: string, message: string): boolean {
  if (warned.has(key) || warned.size >= MAX_KEYS) return false;
  warned.add(key);
  try {
    console.warn(`@codomyrmex/spans: ${message}`);
  } catch {
    // A broken console must not break the application either.
  }
  return true;
}

/** Describes a caught error in one line, whatever was thrown. */
export function errorMessage(error: unknown): string {
  try {
    if (error instanceof Error) return `${error.name}: ${error.message}`;
    return String(error);
  } catch {
    return "unknown error";
  }
}
