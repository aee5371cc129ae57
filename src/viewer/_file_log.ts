// Internal: the viewer's optional file. Each accepted request is appended as
// one line of OTLP/JSON (the format an OpenTelemetry Collector's file
// exporter writes, so such a file loads too). On start the file is read back
// into the store; when the store could not hold all of it, the file is
// rewritten with what it holds. While the viewer runs, once a store's worth
// of spans (by count or by bytes) has been appended since the file last held
// just what the store holds, it is rewritten the same way: anyone can send
// the viewer spans, and the file must not grow without end. Writes are
// queued one after another; a failing write warns once and the viewer goes on.

import { constants } from "node:fs";
import { lstat, open, rename, writeFile } from "node:fs/promises";
import { decodeOtlpJson } from "../otlp/_decode_json.ts";
import { encodeReceivedAsOtlpJson } from "../otlp/_encode_received_json.ts";
import type { ReceivedSpan } from "../otlp/_received_span.ts";
import { errorMessage, warnOnce } from "../platform/_warn.ts";
import type { TraceStore } from "./_trace_store.ts";

// Spans carry what an application saw (queries, headers, user data): the
// file is created readable and writable by its owner only.
const FILE_OPTIONS = { encoding: "utf8", mode: 0o600 } as const;

// Spans per line when the file is rewritten.
const SPANS_PER_LINE = 512;

// Appends never follow a link at the file's name (O_NOFOLLOW, where the
// platform has it): someone who can write to its directory could otherwise
// point it at a file of theirs, to read the spans or to have them written
// into another file.
const APPEND_FLAGS = constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT |
  (constants.O_NOFOLLOW ?? 0);

interface FileStat {
  readonly mode: number;
  readonly uid: number;
  isSymbolicLink?(): boolean;
}

// Whether a file is this user's and private to it, as the viewer makes it;
// not asked on Windows, which has no POSIX modes.
function isPrivate(stat: FileStat): boolean {
  const proc = (globalThis as {
    process?: { platform?: string; getuid?: () => number };
  }).process;
  if (proc?.platform === "win32") return true;
  const uid = proc?.getuid?.();
  return (stat.mode & 0o077) === 0 && (uid === undefined || stat.uid === uid);
}

/** Appends to, and loads from, a JSON-lines file of OTLP/JSON requests. */
export class FileLog {
  readonly #path: string;
  readonly #store: TraceStore;
  readonly #maxSpans: number;
  readonly #maxBytes: number;
  #writing: Promise<void> = Promise.resolve();
  // Spans, and their bytes, appended since the file last held just what
  // the store holds: the store's estimate, or the line's own length when
  // that is more (a control character is one byte of protobuf and six of
  // JSON, `\u0001`).
  #appendedSpans = 0;
  #appendedBytes = 0;

  /**
   * @param path The file.
   * @param store The viewer's store: what a rewrite writes.
   * @param maxSpans The store's span bound.
   * @param maxBytes The store's byte bound.
   */
  constructor(path: string, store: TraceStore, maxSpans: number, maxBytes: number) {
    this.#path = path;
    this.#store = store;
    this.#maxSpans = maxSpans;
    this.#maxBytes = maxBytes;
  }

  /**
   * Reads the file into the store; a missing file is an empty one. Lines
   * that are not OTLP/JSON are skipped with one warning. When the store
   * evicted some of what it read, the file is rewritten with what the store
   * holds.
   *
   * @throws When the file exists but cannot be read.
   */
  async load(): Promise<void> {
    const store = this.#store;
    let lines: AsyncGenerator<string>;
    let replace: boolean;
    try {
      // A link at the name, or a file someone else owns or can read, is
      // read, then replaced with a private file of the viewer's own.
      const found = await lstat(this.#path);
      replace = found.isSymbolicLink() || !isPrivate(found);
      lines = await linesOf(this.#path);
    } catch (error) {
      if ((error as { code?: string }).code === "ENOENT") return;
      throw error;
    }
    let bad = 0;
    for await (const line of lines) {
      if (line.trim() === "") continue;
      try {
        const decoded = decodeOtlpJson(line);
        store.add(decoded.spans, decoded.sizes, decoded.shares);
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
    if (replace || store.stats().evicted > 0) this.#rewrite();
    await this.#writing;
  }

  /**
   * Queues one line for the spans of an accepted request, which the store
   * has taken already; or, once a store's worth has been appended, a
   * rewrite with what the store holds (these spans included).
   *
   * @param spans The request's spans.
   * @param sizes Each span's estimated bytes, by index.
   */
  append(spans: readonly ReceivedSpan[], sizes: readonly number[]): void {
    if (spans.length === 0) return;
    const line = encodeReceivedAsOtlpJson(spans) + "\n";
    let estimated = 0;
    for (let i = 0; i < sizes.length; i++) estimated += sizes[i];
    this.#appendedSpans += spans.length;
    this.#appendedBytes += Math.max(estimated, line.length);
    if (this.#appendedSpans > this.#maxSpans || this.#appendedBytes > this.#maxBytes) {
      this.#rewrite();
      return;
    }
    this.#queue(() => this.#appendLine(line));
  }

  /** Resolves once every queued write has finished. */
  flush(): Promise<void> {
    return this.#writing;
  }

  // Appends a line, unless the name is now a link (ELOOP) or a file that is
  // not private: then the file is replaced with what the store holds, which
  // holds this line's spans already.
  async #appendLine(line: string): Promise<void> {
    let handle;
    try {
      handle = await open(this.#path, APPEND_FLAGS, 0o600);
    } catch (error) {
      if ((error as { code?: string }).code !== "ELOOP") throw error;
      return await this.#replace();
    }
    try {
      if (!isPrivate(await handle.stat())) {
        await handle.close();
        handle = undefined;
        return await this.#replace();
      }
      await handle.appendFile(line, "utf8");
    } finally {
      await handle?.close();
    }
  }

  // What the store holds now, written to a new private file that replaces
  // this one (a link at the name is replaced, not followed).
  async #replace(): Promise<void> {
    this.#appendedSpans = 0;
    this.#appendedBytes = 0;
    await this.#writeNew(this.#lines());
  }

  // Queues writing what the store holds now to a new file that replaces this one.
  #rewrite(): void {
    this.#appendedSpans = 0;
    this.#appendedBytes = 0;
    const lines = this.#lines();
    this.#queue(() => this.#writeNew(lines));
  }

  // The store's spans as lines of OTLP/JSON, SPANS_PER_LINE a line.
  #lines(): string[] {
    const lines: string[] = [];
    let batch: ReceivedSpan[] = [];
    for (const [span] of this.#store.entries()) {
      batch.push(span);
      if (batch.length === SPANS_PER_LINE) {
        lines.push(encodeReceivedAsOtlpJson(batch));
        batch = [];
      }
    }
    if (batch.length > 0) lines.push(encodeReceivedAsOtlpJson(batch));
    return lines;
  }

  async #writeNew(lines: readonly string[]): Promise<void> {
    const temporary = `${this.#path}.${Date.now()}-${Math.random().toString(36).slice(2)}.tmp`;
    // A new file ("wx": never one that is there already, such as a link
    // someone else left at the name), private from the start.
    await writeFile(temporary, lines.map((l) => l + "\n").join(""), {
      ...FILE_OPTIONS,
      flag: "wx",
    });
    await rename(temporary, this.#path);
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

// The file's lines, read a MiB at a time: a file of more than about 512 MiB
// is more than one string can hold, and a restart read it whole. Opening it
// is awaited here, so a missing file throws before the first line.
async function linesOf(path: string): Promise<AsyncGenerator<string>> {
  const handle = await open(path, "r");
  return (async function* () {
    try {
      const decoder = new TextDecoder();
      const buffer = new Uint8Array(1024 * 1024);
      // A line's pieces so far: joined once, at its end, so a line of many
      // MiB is not copied again with every MiB read.
      let pieces: string[] = [];
      for (;;) {
        const { bytesRead } = await handle.read(buffer, 0, buffer.length, null);
        if (bytesRead === 0) break;
        const text = decoder.decode(buffer.subarray(0, bytesRead), { stream: true });
        let from = 0;
        for (let at = text.indexOf("\n"); at >= 0; at = text.indexOf("\n", from)) {
          pieces.push(text.slice(from, at));
          yield pieces.join("");
          pieces = [];
          from = at + 1;
        }
        if (from < text.length) pieces.push(text.slice(from));
      }
      const last = pieces.join("") + decoder.decode();
      if (last !== "") yield last;
    } finally {
      await handle.close();
    }
  })();
}
