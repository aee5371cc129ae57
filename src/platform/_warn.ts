// Internal: diagnostics that must never flood the console or throw. Kept as
// it was for its callers; the messages now go where setDiagnostics() says.

import { diagnose } from "./_diagnostics.ts";

/**
 * Reports `message` as a warning the first time `key` is seen (once per
 * cause), to `console.warn` unless `setDiagnostics()` routes it elsewhere.
 * Returns whether it was reported.
 */
export function warnOnce(key: string, message: string): boolean {
  return diagnose("warn", key, message);
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
