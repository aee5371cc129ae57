/**
 * A local trace viewer: an OTLP/HTTP receiver that keeps recent traces in
 * memory and shows them in a web page, on Deno, Bun and Node.
 *
 * @module
 */

import type { DecodedRequest } from "../otlp/_received_span.ts";
import { describe } from "../platform/_describe.ts";
import { errorMessage } from "../platform/_warn.ts";
import { FileLog } from "./_file_log.ts";
import { createHandler } from "./_handler.ts";
import { BODY_TIMEOUT_MS, BODY_TIMEOUT_OPTION } from "./_read_body.ts";
import { HEADERS_TIMEOUT_MS, HEADERS_TIMEOUT_OPTION, type RunningServer, serve } from "./_serve.ts";
import { TraceStore } from "./_trace_store.ts";

/** How {@linkcode startViewer} runs. Every field is optional. */
export interface ViewerOptions {
  /** The address to listen on. Default `"127.0.0.1"`: only this machine can reach it. */
  hostname?: string;
  /**
   * The port. Default 4318, the OTLP/HTTP port, so that `setupTracing()` and
   * OpenTelemetry SDKs reach the viewer with no configuration; 0 picks a free port.
   */
  port?: number;
  /** The most spans held; past it the oldest traces go first. Default 100,000. */
  maxSpans?: number;
  /** The most memory the held spans may take, estimated, in bytes. Default 256 MiB. */
  maxBytes?: number;
  /**
   * A JSON-lines file: every accepted request is appended to it as one line
   * of OTLP/JSON, and it is read back when the viewer starts.
   */
  file?: string;
}

/** The viewer's counters, as {@linkcode Viewer.stats} returns them. */
export interface ViewerStats {
  /** Spans held. */
  spans: number;
  /** Traces held. */
  traces: number;
  /** Spans refused because an id was missing or malformed. */
  rejected: number;
  /** Spans removed, with the oldest traces, to stay within `maxSpans` and `maxBytes`. */
  evicted: number;
}

/** A running viewer, from {@linkcode startViewer}. `await using` closes it. */
export interface Viewer extends AsyncDisposable {
  /**
   * Where the page is, such as `http://127.0.0.1:4318/`. OTLP/HTTP goes to
   * `v1/traces` under it.
   */
  readonly url: string;
  /** The counters. */
  stats(): ViewerStats;
  /** Stops listening, closes open connections and finishes writing the file. */
  close(): Promise<void>;
}

const DEFAULT_MAX_SPANS = 100_000;
const DEFAULT_MAX_BYTES = 256 * 1024 * 1024;
const DEFAULT_PORT = 4318;

/**
 * Starts a viewer: it receives OTLP/HTTP traces (protobuf or JSON, gzip or
 * not) on `POST /v1/traces`, holds recent traces in memory within
 * `maxSpans` and `maxBytes`, and shows them at its `url`: a trace list with
 * filters, each trace's waterfall and every span's details, updated live.
 * Its JSON API is `GET /api/traces` and `GET /api/traces/{traceId}`.
 *
 * @param options Where to listen, the bounds, and an optional file.
 * @returns The running viewer, once it listens.
 * @throws {TypeError} When `hostname` or `file` is not a string.
 * @throws {RangeError} When `port`, `maxSpans` or `maxBytes` is out of range.
 * @throws {Error} When it cannot listen (a port in use) or cannot read `file`.
 *
 * @example Send spans to it and read them back
 * ```ts
 * import { Tracer } from "@codomyrmex/spans";
 * import { OtlpHttpExporter, Resource } from "@codomyrmex/spans/otlp";
 * import { startViewer } from "@codomyrmex/spans/viewer";
 * import assert from "node:assert/strict";
 *
 * await using viewer = await startViewer({ port: 0 });
 * const exporter = new OtlpHttpExporter({
 *   url: new URL("v1/traces", viewer.url).href,
 *   resource: new Resource({ "service.name": "shop" }),
 *   env: {},
 * });
 * const tracer = new Tracer({ name: "shop" });
 * const span = tracer.startSpan("checkout").end();
 * assert.equal((await exporter.export([span])).code, "success");
 *
 * assert.deepEqual(viewer.stats(), { spans: 1, traces: 1, rejected: 0, evicted: 0 });
 * const [trace] = await (await fetch(new URL("api/traces", viewer.url))).json();
 * assert.equal(trace.name, "checkout");
 * assert.equal(trace.service, "shop");
 * ```
 */
export async function startViewer(options: ViewerOptions = {}): Promise<Viewer> {
  if (typeof options !== "object" || options === null) {
    throw new TypeError(`Cannot start viewer: options must be an object, got ${describe(options)}`);
  }
  const hostname = options.hostname ?? "127.0.0.1";
  if (typeof hostname !== "string" || hostname === "") {
    throw new TypeError(
      `Cannot start viewer: hostname must be a non-empty string, got ${describe(hostname)}`,
    );
  }
  const port = options.port ?? DEFAULT_PORT;
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new RangeError(
      `Cannot start viewer: port must be an integer from 0 to 65535, got ${describe(port)}`,
    );
  }
  const maxSpans = positiveInteger(options.maxSpans ?? DEFAULT_MAX_SPANS, "maxSpans");
  const maxBytes = positiveInteger(options.maxBytes ?? DEFAULT_MAX_BYTES, "maxBytes");
  if (options.file !== undefined && (typeof options.file !== "string" || options.file === "")) {
    throw new TypeError(
      `Cannot start viewer: file must be a non-empty path, got ${describe(options.file)}`,
    );
  }

  const store = new TraceStore(maxSpans, maxBytes);
  const file = options.file === undefined
    ? undefined
    : new FileLog(options.file, store, maxSpans, maxBytes);
  if (file !== undefined) {
    try {
      await file.load();
    } catch (error) {
      throw new Error(`Cannot start viewer: cannot read ${options.file} (${errorMessage(error)})`, {
        cause: error,
      });
    }
  }
  const accept = (decoded: DecodedRequest) => {
    store.add(decoded.spans, decoded.sizes, decoded.shares);
    store.reject(decoded.rejected);
    file?.append(decoded.spans, decoded.sizes);
  };
  const internal = options as {
    [BODY_TIMEOUT_OPTION]?: number;
    [HEADERS_TIMEOUT_OPTION]?: number;
  };
  const handler = createHandler(
    store,
    accept,
    hostname,
    internal[BODY_TIMEOUT_OPTION] ?? BODY_TIMEOUT_MS,
  );
  let server: RunningServer;
  try {
    server = await serve(
      handler,
      hostname,
      port,
      internal[HEADERS_TIMEOUT_OPTION] ?? HEADERS_TIMEOUT_MS,
    );
  } catch (error) {
    throw new Error(
      `Cannot start viewer: cannot listen on ${hostname}:${port} (${errorMessage(error)})`,
      { cause: error },
    );
  }
  return new RunningViewer(urlOf(hostname, server.port), store, server, file);
}

class RunningViewer implements Viewer {
  readonly url: string;
  readonly #store: TraceStore;
  readonly #server: RunningServer;
  readonly #file: FileLog | undefined;
  #closing: Promise<void> | undefined;

  constructor(url: string, store: TraceStore, server: RunningServer, file: FileLog | undefined) {
    this.url = url;
    this.#store = store;
    this.#server = server;
    this.#file = file;
  }

  stats(): ViewerStats {
    return this.#store.stats();
  }

  close(): Promise<void> {
    return this.#closing ??= (async () => {
      await this.#server.close();
      await this.#file?.flush();
    })();
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

function positiveInteger(value: unknown, name: string): number {
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 1) {
    throw new RangeError(
      `Cannot start viewer: ${name} must be a positive integer, got ${describe(value)}`,
    );
  }
  return value;
}

function urlOf(hostname: string, port: number): string {
  // Listening on every address: the page is reached through loopback.
  const host = hostname === "0.0.0.0" || hostname === "::"
    ? "127.0.0.1"
    : hostname.includes(":") && !hostname.startsWith("[")
    ? `[${hostname}]`
    : hostname;
  return `http://${host}:${port}/`;
}
