// Internal: which requests a traced fetch writes `traceparent`, `tracestate`
// and `baggage` into. In a browser page or a web worker, CORS applies: a
// cross-origin request that carries them needs a preflight, and fails when
// the server's answer does not allow them. So there, by default, only
// requests to the page's own origin get them, as OpenTelemetry's browser
// fetch instrumentation does; `propagateTo` names the others.

import { describe } from "../platform/_describe.ts";
import { detectRuntime } from "../platform/_runtime.ts";
import { errorMessage, warnOnce } from "../platform/_warn.ts";

/** Whether a request to `url` gets the trace context headers. */
export type PropagationFilter = (url: URL) => boolean;

/**
 * Checks the `propagateTo` option and decides, once, which requests get the
 * headers.
 *
 * @param option The option as given.
 * @param action What is being set up, for the error message.
 * @returns The filter, or `undefined` when every request gets the headers
 *   (no option, where there is no CORS).
 * @throws {TypeError} When the option, or an entry of it, is of no kind it may be.
 */
export function propagationFilter(option: unknown, action: string): PropagationFilter | undefined {
  const own = corsOrigin();
  if (option === undefined) {
    if (own === undefined) return undefined;
    return (url) => url.origin === own;
  }
  const listed = listedFilter(option, action);
  if (own === undefined) return listed;
  return (url) => url.origin === own || listed(url);
}

// The page's origin where CORS applies (a browser page, a web worker: no
// Deno and no process, and a location), else undefined. A page whose
// origin is opaque ("null": a sandboxed frame, a file) has no request that
// is same-origin, so it matches no URL's origin.
function corsOrigin(): string | undefined {
  if (detectRuntime().name !== "browser") return undefined;
  let origin: unknown;
  try {
    origin = (globalThis as { location?: { origin?: unknown } }).location?.origin;
  } catch {
    return undefined;
  }
  if (typeof origin !== "string") return undefined;
  // No URL's origin is the empty string.
  return origin === "null" ? "" : origin;
}

function listedFilter(option: unknown, action: string): PropagationFilter {
  if (typeof option === "function") return guarded(option as (url: URL) => unknown);
  if (!Array.isArray(option)) {
    throw new TypeError(
      `Cannot ${action}: propagateTo must be an array of origins and RegExps, or a function, got ${
        describe(option)
      }`,
    );
  }
  const origins = new Set<string>();
  const patterns: RegExp[] = [];
  for (const entry of option as readonly unknown[]) {
    if (typeof entry === "string") {
      origins.add(originOf(entry, action));
    } else if (entry instanceof RegExp) {
      // A copy with the same flags (y keeps it anchored where it starts);
      // its lastIndex, which g and y make test() keep, is reset per request.
      patterns.push(new RegExp(entry.source, entry.flags));
    } else {
      throw new TypeError(
        `Cannot ${action}: propagateTo entries must be origins (strings) or RegExps, got ${
          describe(entry)
        }`,
      );
    }
  }
  return (url) => {
    if (origins.has(url.origin)) return true;
    const href = url.href;
    for (const pattern of patterns) {
      pattern.lastIndex = 0;
      if (pattern.test(href)) return true;
    }
    return false;
  };
}

function originOf(entry: string, action: string): string {
  let origin: string | undefined;
  try {
    origin = new URL(entry).origin;
  } catch {
    // Reported below.
  }
  // "localhost:8080" parses, as a URL of scheme "localhost:" whose origin
  // is opaque: no request matches it, so it is a mistake too.
  if (origin === undefined || origin === "null") {
    throw new TypeError(
      `Cannot ${action}: propagateTo has ${
        describe(entry)
      }, which is no origin; write one such as "https://api.example.com"`,
    );
  }
  return origin;
}

// A function of the caller's: one that throws, or answers anything but a
// boolean, means no headers, reported once; nothing reaches the request.
function guarded(fn: (url: URL) => unknown): PropagationFilter {
  return (url) => {
    let answer: unknown;
    try {
      // A copy, so a function that changes it changes nothing recorded.
      answer = fn(new URL(url.href));
    } catch (error) {
      warnOnce(
        "fetch-propagate-to-threw",
        `propagateTo threw, so the request goes out without trace context headers: ${
          errorMessage(error)
        }`,
      );
      return false;
    }
    if (typeof answer === "boolean") return answer;
    warnOnce(
      "fetch-propagate-to-not-boolean",
      `propagateTo returned ${
        describe(answer)
      }, not a boolean, so the request goes out without trace context headers`,
    );
    return false;
  };
}
