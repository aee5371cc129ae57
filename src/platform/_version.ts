/**
 * The library's version, reported as `telemetry.sdk.version`. A test keeps
 * it equal to the version in deno.json.
 *
 * @module
 */

/** The version of `@codomyrmex/spans`. */
export const VERSION: string = "0.1.0";
