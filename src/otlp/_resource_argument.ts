// Internal: the check of a `resource` option, shared by the encoders and
// the exporter. Structural, so that a Resource from another copy of this
// library (npm and JSR in one program) is one too.

import { describe } from "../platform/_describe.ts";
import type { Resource } from "./resource.ts";

/**
 * Checks that `value` is a {@linkcode Resource} (has an `attributes`
 * record), or `undefined`.
 *
 * @param value The option.
 * @param action What was being done, for the message ("create OtlpHttpExporter").
 * @param name How the option is named in the message.
 * @returns The resource, if given.
 * @throws {TypeError} Otherwise.
 */
export function resourceArgument(
  value: unknown,
  action: string,
  name: string,
): Resource | undefined {
  if (value === undefined) return undefined;
  const attributes = (value as { attributes?: unknown } | null)?.attributes;
  if (typeof value !== "object" || typeof attributes !== "object" || attributes === null) {
    throw new TypeError(`Cannot ${action}: ${name} must be a Resource, got ${describe(value)}`);
  }
  return value as Resource;
}
