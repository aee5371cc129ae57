// Shared by the tests of ./otel. Not a test file itself.

import { context, propagation, trace } from "@opentelemetry/api";

/**
 * Runs `fn` with none of @opentelemetry/api's globals registered, and
 * clears them again whatever happened (Bun runs every test file in one
 * process).
 */
export async function withCleanGlobals(fn: () => void | Promise<void>): Promise<void> {
  trace.disable();
  context.disable();
  propagation.disable();
  try {
    await fn();
  } finally {
    trace.disable();
    context.disable();
    propagation.disable();
  }
}
