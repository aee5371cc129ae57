/**
 * An exporter that prints spans: as a waterfall for people, or as JSON
 * lines for tools.
 *
 * @module
 */

import { arrayArgument } from "../platform/_arguments.ts";
import { describe } from "../platform/_describe.ts";
import type { Clock } from "../platform/clock.ts";
import { monotonicClock } from "../platform/_monotonic_clock.ts";
import { type Scheduler, systemScheduler } from "../platform/scheduler.ts";
import { errorMessage, warnOnce } from "../platform/_warn.ts";
import type { ExportResult, SpanExporter } from "./exporter.ts";
import type { Span } from "../span/span.ts";
import { renderTree } from "./tree.ts";
import { brandExporterClass } from "./_exporter_brand.ts";
import { colorTree, useColor } from "./_color.ts";
import { clockOption, milliseconds, positiveInteger, schedulerOption } from "./_options.ts";
import { TraceAssembler } from "./_trace_assembler.ts";

/** How a {@linkcode ConsoleSpanExporter} prints. Every field is optional. */
export interface ConsoleSpanExporterOptions {
  /**
   * `"tree"`: one waterfall ({@linkcode renderTree}) per local trace, printed
   * when its local root ends, whichever processor is used. `"json"`: one
   * `span.toJSON()` line per span, as it is exported. Default `"tree"`.
   */
  format?: "tree" | "json";
  /**
   * Receives the text, one waterfall or one JSON line per call, without a
   * trailing newline. Default `console.log`. A write that throws during an
   * export fails that export (the processor counts it). A promise it returns
   * is not awaited; if it rejects, that is warned about once.
   */
  write?: (text: string) => void;
  /**
   * ANSI colours in the tree. Default: off when `NO_COLOR` is set (not
   * empty), on when `FORCE_COLOR` is set (not `0` or `false`), and otherwise
   * on only when writing to standard output and that is a terminal.
   */
  color?: boolean;
  /**
   * Tree format: how long, in ms, the spans of a trace wait for its local
   * root to end; then they are printed as unfinished. Default 30000.
   */
  traceTimeoutMs?: number;
  /**
   * Tree format: the most spans held while waiting for their roots; past it
   * the oldest trace is printed as unfinished. Default 2048.
   */
  maxPendingSpans?: number;
  /** Where the tree's timeout runs (a background timer). Default {@linkcode systemScheduler}. */
  scheduler?: Scheduler;
  /**
   * Where the tree's timeout reads the time. Default: the monotonic clock
   * `systemClock` reads, without its jumps to the wall clock.
   */
  clock?: Clock;
}

const SUCCESS: ExportResult = Object.freeze({ code: "success" });
const WHO = "ConsoleSpanExporter";

/**
 * Prints spans for people (`format: "tree"`) or tools (`format: "json"`).
 *
 * The tree shows whole traces: spans are held until the local root of their
 * trace ends (a span with no parent, or with a parent from another process),
 * then the root and all its descendants print as one waterfall, whether they
 * came one by one from a {@linkcode SimpleSpanProcessor} or in batches from a
 * {@linkcode BatchSpanProcessor}. A span that ends after its parent was
 * printed prints at once as a late addendum to its trace. Memory is bounded:
 * a trace whose root has not ended after `traceTimeoutMs`, or the oldest
 * trace when more than `maxPendingSpans` spans wait, prints as unfinished;
 * so does every waiting trace on `forceFlush()` and `shutdown()`.
 *
 * @example A waterfall per request, with a simple processor
 * ```ts
 * import { ConsoleSpanExporter, SimpleSpanProcessor, Tracer } from "@codomyrmex/spans";
 * import assert from "node:assert/strict";
 *
 * const out: string[] = [];
 * const exporter = new ConsoleSpanExporter({ write: (text) => out.push(text) });
 * const tracer = new Tracer({ processors: [new SimpleSpanProcessor(exporter)] });
 * await tracer.span("GET /cart", async () => {
 *   await tracer.span("load cart", async () => {});
 *   assert.deepEqual(out, []); // waiting for the root
 * });
 * assert.equal(out.length, 1);
 * assert.match(out[0], /^trace [0-9a-f]{32} .*\nGET \/cart .*\n└─ load cart /);
 * ```
 */
export class ConsoleSpanExporter implements SpanExporter {
  readonly #format: "tree" | "json";
  readonly #write: (text: string) => void;
  readonly #color: boolean;
  readonly #assembler: TraceAssembler | undefined;
  #stopped = false;
  // Inside export() a write that throws propagates; anywhere else (the
  // timeout, a flush) it is reported once and the rest goes on.
  #printing = false;

  /**
   * Creates the exporter.
   *
   * @param options The format, where the text goes, colour, and the tree's bounds.
   * @throws {TypeError} When `format` is not `"tree"` or `"json"`, or `write`,
   *   `color`, `scheduler` or `clock` has the wrong type.
   * @throws {RangeError} When `traceTimeoutMs` or `maxPendingSpans` is not positive.
   *
   * @example
   * ```ts
   * import { ConsoleSpanExporter } from "@codomyrmex/spans";
   * import assert from "node:assert/strict";
   *
   * assert.equal(new ConsoleSpanExporter().format, "tree");
   * assert.throws(() => new ConsoleSpanExporter({ format: "xml" as never }), TypeError);
   * ```
   */
  constructor(options: ConsoleSpanExporterOptions = {}) {
    if (typeof options !== "object" || options === null) {
      throw new TypeError(
        `Cannot create ${WHO}: options must be an object, got ${describe(options)}`,
      );
    }
    const format = options.format ?? "tree";
    if (format !== "tree" && format !== "json") {
      throw new TypeError(
        `Cannot create ${WHO}: format must be "tree" or "json", got ${describe(format)}`,
      );
    }
    const write = options.write ?? ((text: string) => console.log(text));
    if (typeof write !== "function") {
      throw new TypeError(`Cannot create ${WHO}: write must be a function, got ${describe(write)}`);
    }
    if (options.color !== undefined && typeof options.color !== "boolean") {
      throw new TypeError(
        `Cannot create ${WHO}: color must be a boolean, got ${describe(options.color)}`,
      );
    }
    this.#format = format;
    this.#write = write;
    this.#color = options.color ?? useColor(options.write === undefined);
    this.#assembler = format === "json" ? undefined : new TraceAssembler(
      milliseconds(options.traceTimeoutMs, 30_000, WHO, "traceTimeoutMs"),
      positiveInteger(options.maxPendingSpans, 2048, WHO, "maxPendingSpans"),
      clockOption(options.clock, monotonicClock, WHO),
      schedulerOption(options.scheduler, systemScheduler, WHO),
      (spans, note) => this.#print(spans, note),
    );
  }

  /**
   * The output format.
   *
   * @example
   * ```ts
   * import { ConsoleSpanExporter } from "@codomyrmex/spans";
   * import assert from "node:assert/strict";
   *
   * assert.equal(new ConsoleSpanExporter({ format: "json" }).format, "json");
   * ```
   */
  get format(): "tree" | "json" {
    return this.#format;
  }

  /**
   * Prints the batch: a JSON line per span, or (tree) every local trace the
   * batch completes, holding the other spans until their root ends. A
   * `write` that throws propagates, so the processor counts the batch as
   * failed.
   *
   * @param spans The batch.
   * @returns Success.
   * @throws {TypeError} When `spans` is not an array (a processor always passes one).
   *
   * @example
   * ```ts
   * import { ConsoleSpanExporter, Span } from "@codomyrmex/spans";
   * import assert from "node:assert/strict";
   *
   * const lines: string[] = [];
   * const exporter = new ConsoleSpanExporter({ format: "json", write: (l) => lines.push(l) });
   * exporter.export([new Span("a").start().end(), new Span("b").start().end()]);
   * assert.deepEqual(lines.map((l) => JSON.parse(l).name), ["a", "b"]);
   * ```
   */
  export(spans: readonly Span[]): ExportResult {
    if (arrayArgument(spans, "export spans", "spans").length === 0) return SUCCESS;
    if (this.#assembler === undefined) {
      for (let i = 0; i < spans.length; i++) watchWrite(this.#write(JSON.stringify(spans[i])));
    } else if (this.#stopped) {
      this.#print([...spans], undefined);
    } else {
      this.#printing = true;
      try {
        this.#assembler.add(spans);
      } finally {
        this.#printing = false;
      }
    }
    return SUCCESS;
  }

  /**
   * Prints every trace still waiting for its root, marked unfinished.
   *
   * @returns A promise that resolves when they are printed.
   *
   * @example
   * ```ts
   * import { ConsoleSpanExporter, Span, SpanContext } from "@codomyrmex/spans";
   * import assert from "node:assert/strict";
   *
   * const out: string[] = [];
   * const exporter = new ConsoleSpanExporter({ write: (text) => out.push(text) });
   * exporter.export([new Span("child", SpanContext.newRoot().child()).start().end()]);
   * assert.equal(out.length, 0);
   * await exporter.forceFlush();
   * assert.match(out[0], /unfinished/);
   * ```
   */
  forceFlush(): Promise<void> {
    this.#flush("unfinished: flushed before its local root ended");
    return Promise.resolve();
  }

  /**
   * Prints every trace still waiting, as {@linkcode ConsoleSpanExporter.forceFlush}
   * does, and stops the tree's timer; later spans print batch by batch.
   *
   * @returns A promise that resolves when they are printed.
   *
   * @example
   * ```ts
   * import { ConsoleSpanExporter, SimpleSpanProcessor, Tracer } from "@codomyrmex/spans";
   * import assert from "node:assert/strict";
   *
   * const out: string[] = [];
   * const tracer = new Tracer({
   *   processors: [new SimpleSpanProcessor(new ConsoleSpanExporter({ write: (t) => out.push(t) }))],
   * });
   * const root = tracer.startSpan("job");
   * tracer.startSpan("step", { parent: root }).end();
   * await tracer.shutdown();
   * assert.match(out[0], /unfinished: flushed before its local root ended/);
   * ```
   */
  shutdown(): Promise<void> {
    this.#stopped = true;
    this.#flush("unfinished: flushed before its local root ended");
    return Promise.resolve();
  }

  #flush(note: string): void {
    try {
      this.#assembler?.flushAll(note);
    } catch (error) {
      warnWriteFailed(error);
    }
  }

  #print(spans: Span[], note: string | undefined): void {
    let text = renderTree(spans).replace(/\n$/, "");
    if (text === "") return;
    if (note !== undefined) text = text.replace(/^[^\n]*/, (line) => `${line}  (${note})`);
    if (this.#color) text = colorTree(text);
    if (this.#printing) {
      watchWrite(this.#write(text));
      return;
    }
    try {
      watchWrite(this.#write(text));
    } catch (error) {
      warnWriteFailed(error);
    }
  }
}

// A write may be async (a stream's write, a logger's): its rejection would
// be unhandled, which ends a Deno or Node process.
function watchWrite(result: unknown): void {
  if (result === null || (typeof result !== "object" && typeof result !== "function")) return;
  Promise.resolve(result).then(undefined, (error: unknown) => {
    warnOnce(
      "console-write-rejected",
      "a ConsoleSpanExporter's write returned a promise that rejected, so what it was given " +
        `may not have been printed: ${errorMessage(error)}`,
    );
  });
}

function warnWriteFailed(error: unknown): void {
  warnOnce(
    "console-write-threw",
    `a ConsoleSpanExporter's write threw, so a waterfall was not printed: ${errorMessage(error)}`,
  );
}

brandExporterClass(ConsoleSpanExporter);
