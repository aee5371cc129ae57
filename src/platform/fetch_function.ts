/**
 * The shape of `fetch`, for options that take one.
 *
 * @module
 */

/**
 * A function with the shape of the global `fetch`: what `instrumentFetch`
 * wraps and returns, and what `OtlpHttpExporter` sends with. Any `fetch`
 * fits, and so does a stub in a test.
 *
 * @example
 * ```ts
 * import type { FetchFunction } from "@codomyrmex/spans/http";
 * import assert from "node:assert/strict";
 *
 * const offline: FetchFunction = async (input) =>
 *   new Response(`would fetch ${input instanceof Request ? input.url : input}`);
 * assert.equal(await (await offline("http://example.test/")).text(), "would fetch http://example.test/");
 * ```
 */
export type FetchFunction = (
  input: string | URL | Request,
  init?: RequestInit,
) => Promise<Response>;
