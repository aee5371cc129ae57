/**
 * The library's own messages: where they go and how many. By default
 * warnings and errors go to the console, once per cause; `setDiagnostics()`
 * sends them to a logger, a test, or nowhere, and turns debug reports on.
 *
 * @module
 */

import { describe } from "./_describe.ts";
import {
  configureDiagnostics,
  consoleSink,
  currentDiagnostics,
  defaultLevel,
} from "./_diagnostics.ts";

/**
 * How much the library reports: `"off"` nothing, `"error"` only failures
 * (an export that failed, a processor that threw), `"warn"` failures and
 * misconfiguration (the default), `"debug"` also the mistakes that are
 * otherwise silent (a dropped attribute, a span never ended, a tracer with no
 * processors, a current span lost across `await`).
 */
export type DiagnosticLevel = "off" | "error" | "warn" | "debug";

/** One message from the library about itself. */
export interface Diagnostic {
  /** How serious it is. */
  readonly level: "error" | "warn" | "debug";
  /**
   * What it is about, stable across occurrences: each key is reported once.
   * A key of more than 256 characters is shortened to its first 200, its
   * length and a hash of the whole.
   */
  readonly key: string;
  /** The message, in one line, without a prefix. */
  readonly message: string;
}

/**
 * Receives diagnostics. A sink that throws, or returns a promise that
 * rejects (an async logger whose write fails), is ignored.
 */
export type DiagnosticSink = (diagnostic: Diagnostic) => void;

/** Where diagnostics go and how many. Every field is optional. */
export interface DiagnosticsOptions {
  /**
   * The most detailed level reported. Default `"warn"`, or `"debug"` when
   * the environment variable `SPANS_DEBUG` is set to anything but `0` or
   * `false` (read where the runtime allows without asking: on Deno only with
   * the env permission already granted).
   */
  level?: DiagnosticLevel;
  /**
   * Receives what passes the level. Default: errors to `console.error`,
   * warnings and debug reports to `console.warn`, each prefixed with
   * `@codomyrmex/spans:`.
   */
  sink?: DiagnosticSink;
}

const LEVELS: readonly DiagnosticLevel[] = ["off", "error", "warn", "debug"];

/**
 * Routes the library's own messages: what is reported (`level`) and where
 * (`sink`). Each cause is reported once per call of `setDiagnostics`, so a
 * new sink hears about a cause even if the previous one already did. Call it
 * with no options to go back to the defaults.
 *
 * Off (the default level, `"warn"`), debug reporting costs nothing on the hot
 * path: each check is one boolean read.
 *
 * @param options The level and the sink.
 * @returns The level and sink in force before the call, to restore later.
 * @throws {TypeError} When `level` is not a level or `sink` not a function.
 *
 * @example Send diagnostics to your logger, debug reports included
 * ```ts
 * import { type Diagnostic, setDiagnostics, Tracer } from "@codomyrmex/spans";
 * import assert from "node:assert/strict";
 *
 * const heard: Diagnostic[] = [];
 * const previous = setDiagnostics({ level: "debug", sink: (d) => heard.push(d) });
 * try {
 *   new Tracer({ name: "billing" }).startSpan("charge").end();
 * } finally {
 *   setDiagnostics(previous);
 * }
 * assert.equal(heard[0].level, "debug");
 * assert.match(heard[0].message, /tracer "billing" has no processors/);
 * ```
 *
 * @example Silence the library
 * ```ts
 * import { setDiagnostics, Tracer } from "@codomyrmex/spans";
 * import assert from "node:assert/strict";
 *
 * const heard: string[] = [];
 * const previous = setDiagnostics({ level: "off", sink: (d) => heard.push(d.message) });
 * try {
 *   new Tracer({ sampler: { shouldSample: () => { throw new Error("broken sampler"); } } })
 *     .startSpan("x")
 *     .end();
 * } finally {
 *   setDiagnostics(previous);
 * }
 * assert.deepEqual(heard, []);
 * ```
 */
export function setDiagnostics(options: DiagnosticsOptions = {}): Required<DiagnosticsOptions> {
  if (typeof options !== "object" || options === null) {
    throw new TypeError(
      `Cannot set diagnostics: options must be an object, got ${describe(options)}`,
    );
  }
  const level = options.level ?? defaultLevel();
  if (!LEVELS.includes(level)) {
    throw new TypeError(
      `Cannot set diagnostics: level must be "off", "error", "warn" or "debug", got ${
        describe(level)
      }`,
    );
  }
  const sink = options.sink ?? consoleSink;
  if (typeof sink !== "function") {
    throw new TypeError(`Cannot set diagnostics: sink must be a function, got ${describe(sink)}`);
  }
  const previous = currentDiagnostics();
  configureDiagnostics(level, sink);
  return previous;
}
