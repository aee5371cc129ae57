/**
 * An exporter that prints spans: as a waterfall for people, or as JSON
 * lines for tools.
 *
 * @module
 */

import { describe } from "../platform/_describe.ts";
import type { ExportResult, SpanExporter } from "./exporter.ts";
import type { Span } from "../span/span.ts";
import { renderTree } from "./tree.ts";
import { brandExporterClass } from "./_exporter_brand.ts";

/** How a {@linkcode ConsoleSpanExporter} prints. */
export interface ConsoleSpanExporterOptions {
  /**
   * `"tree"`: each batch as a waterfall ({@linkcode renderTree}), one write
   * per batch. `"json"`: one `span.toJSON()` line per span, one write per
   * span. Default `"tree"`.
   */
  format?: "tree" | "json";
  /**
   * Receives the text, without a trailing newline. Default `console.log`.
   * A write that throws fails the export (the processor counts it).
   */
  write?: (text: string) => void;
}

const SUCCESS: ExportResult = Object.freeze({ code: "success" });

/**
 * Prints spans as they are exported. With a {@linkcode BatchSpanProcessor},
 * a tree shows one batch at a time, so a parent that ends in a later batch
 * than its children is drawn apart from them; use a
 * {@linkcode SimpleSpanProcessor} or `format: "json"` when that matters.
 *
 * @example
 * ```ts
 * import { ConsoleSpanExporter, SimpleSpanProcessor, Tracer } from "@codomyrmex/spans";
 * import assert from "node:assert/strict";
 *
 * const out: string[] = [];
 * const exporter = new ConsoleSpanExporter({ format: "tree", write: (text) => out.push(text) });
 * const tracer = new Tracer({ processors: [new SimpleSpanProcessor(exporter)] });
 * tracer.startSpan("checkout").end();
 * assert.match(out[0], /^trace [0-9a-f]{32} .*\ncheckout /);
 * ```
 */
export class ConsoleSpanExporter implements SpanExporter {
  readonly #format: "tree" | "json";
  readonly #write: (text: string) => void;

  /**
   * Creates the exporter.
   *
   * @param options The format and where the text goes.
   * @throws {TypeError} When `format` is not `"tree"` or `"json"`, or `write` is not a function.
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
        `Cannot create ConsoleSpanExporter: options must be an object, got ${describe(options)}`,
      );
    }
    const format = options.format ?? "tree";
    if (format !== "tree" && format !== "json") {
      throw new TypeError(
        `Cannot create ConsoleSpanExporter: format must be "tree" or "json", got ${
          describe(format)
        }`,
      );
    }
    const write = options.write ?? ((text: string) => console.log(text));
    if (typeof write !== "function") {
      throw new TypeError(
        `Cannot create ConsoleSpanExporter: write must be a function, got ${describe(write)}`,
      );
    }
    this.#format = format;
    this.#write = write;
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
   * Prints the batch. A `write` that throws propagates, so the processor
   * counts the batch as failed.
   *
   * @param spans The batch.
   * @returns Success.
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
    if (spans.length === 0) return SUCCESS;
    if (this.#format === "json") {
      for (let i = 0; i < spans.length; i++) this.#write(JSON.stringify(spans[i]));
    } else {
      this.#write(renderTree(spans).replace(/\n$/, ""));
    }
    return SUCCESS;
  }
}

brandExporterClass(ConsoleSpanExporter);
