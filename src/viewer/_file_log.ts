// Internal: the viewer's optional file. Each accepted request is appended as
// one line of OTLP/JSON (the format an OpenTelemetry Collector's file
// exporter writes, so such a file loads too). On start the file is read back
// into the store; when the store could not hold all of it, the file is
// rewritten with what it holds, so it does not grow without end. Writes are
// queued one after another; a failing write warns once and the viewer goes on.

import { appendFile, readFile, rename, writeFile } from "node:fs/promises";
import { decodeOtlpJson } from "../otlp/_decode_json.ts";
import { encodeReceivedAsOtlpJson } from "../otlp/_encode_received_json.ts";
import type { ReceivedSpan } from "../otlp/_received_span.ts";
import { errorMessage, warnOnce } from "../platform/_warn.ts";
import type { TraceStore } from "./_trace_store.ts";

// Spans per line when the file is rewritten.
const SPANS_PER_LINE = 512;

/** Appends to, and loads from, a JSON-lines file of OTLP/JSON requests. */
export class FileLog {
  readonly #path: string;
  #writing: Promise<void> = Promise.resolve();

  /** @param path The file. */
  constructor(path: string) {
    this.#path = path;
  }

  /**
   * Reads the file into `store`; a missing file is an empty one. Lines that
   * are not OTLP/JSON are skipped with one warning. When the store evicted
   * some of what it read, the file is rewritten with what the store holds.
   *
   * @param store The viewer's store.
   * @throws When the file exists but cannot be read.
   */
  async load(store: TraceStore): Promise<void> {
    let text: string;
    try {
      text = await readFile(this.#path, "utf8");
    } catch (error) {
      if ((error as { code?: string }).code === "ENOENT") return;
      throw error;
    }
    let bad = 0;
    for (const line of text.split("\n")) {
      if (line.trim() === "") continue;
      try {
        const decoded = decodeOtlpJson(line);
        store.add(decoded.spans, decoded.sizes);
        store.reject(decoded.rejected);
      } catch {
        bad++;
      }
    }
    if (bad > 0) {
      warnOnce(
        `viewer-file-bad:${this.#path}`,
        `viewer: skipped ${bad} line(s) of ${this.#path} that are not OTLP/JSON`,
      );
    }
    if (store.stats().evicted > 0) await this.#rewrite(store);
  }

  /** Queues one line for the spans of an accepted request. */
  append(spans: readonly ReceivedSpan[]): void {
    if (spans.length === 0) return;
    const line = encodeReceivedAsOtlpJson(spans) + "\n";
    this.#queue(() => appendFile(this.#path, line, "utf8"));
  }

  /** Resolves once every queued write has finished. */
  flush(): Promise<void> {
    return this.#writing;
  }

  async #rewrite(store: TraceStore): Promise<void> {
    const lines: string[] = [];
    let batch: ReceivedSpan[] = [];
    for (const [span] of store.entries()) {
      batch.push(span);
      if (batch.length === SPANS_PER_LINE) {
        lines.push(encodeReceivedAsOtlpJson(batch));
        batch = [];
      }
    }
    if (batch.length > 0) lines.push(encodeReceivedAsOtlpJson(batch));
    const temporary = `${this.#path}.${Date.now()}.tmp`;
    this.#queue(async () => {
      await writeFile(temporary, lines.map((l) => l + "\n").join(""), "utf8");
      await rename(temporary, this.#path);
    });
    await this.#writing;
  }

  #queue(write: () => Promise<void>): void {
    this.#writing = this.#writing.then(write).catch((error) => {
      warnOnce(
        `viewer-file-write:${this.#path}`,
        `viewer: cannot write ${this.#path} (${
          errorMessage(error)
        }); spans are still held in memory`,
      );
    });
  }
}
