/**
 * The OTLP/HTTP trace exporter: sends batches of spans to an OpenTelemetry
 * Collector, Jaeger, Tempo, Honeycomb or any other OTLP backend, with
 * `fetch`, so it runs unchanged on Deno, Bun, Node and in workers.
 *
 * @module
 */

import { describe } from "../platform/_describe.ts";
import type { FetchFunction } from "../platform/fetch_function.ts";
import { untracedFetch } from "../platform/_untraced_fetch.ts";
import { errorMessage, warnOnce } from "../platform/_warn.ts";
import { type Clock, systemClock } from "../platform/clock.ts";
import type { ExportResult, SpanExporter } from "../export/exporter.ts";
import { type Scheduler, systemScheduler } from "../platform/scheduler.ts";
import type { Span } from "../span/span.ts";
import { VERSION } from "../platform/_version.ts";
import { defaultOtlpResource } from "./_default_resource.ts";
import { gzip } from "./_gzip.ts";
import {
  describeErrorBody,
  MAX_RESPONSE_BYTES,
  readCapped,
  readPartialSuccess,
} from "./_response.ts";
import { backoffDelay, isRetryableStatus, parseRetryAfter } from "./_retry.ts";
import { encodeOtlpJson } from "./encode_json.ts";
import { encodeOtlpProtobuf } from "./encode_protobuf.ts";
import { DEFAULT_TRACES_URL, type EnvSource, readOtlpEnv } from "./env.ts";
import type { OtlpCompression, OtlpProtocol } from "./protocol.ts";
import type { Resource } from "./resource.ts";
import { SDK_NAME } from "./resource.ts";
import { brandExporterClass } from "../export/_exporter_brand.ts";
import { pageIsHiding, watchPageLifecycle } from "../export/_page_hide_flush.ts";
import {
  type KeepaliveChunk,
  plainHeaders,
  sendInChunks,
  splitForKeepalive,
} from "./_keepalive.ts";

/**
 * How an {@linkcode OtlpHttpExporter} sends. Every field is optional; what
 * is not given comes from the `OTEL_EXPORTER_OTLP_*` variables, then the
 * defaults.
 */
export interface OtlpHttpExporterOptions {
  /** The traces endpoint. Default `http://localhost:4318/v1/traces`. */
  url?: string;
  /** `"http/protobuf"` (default) or `"http/json"`. */
  protocol?: OtlpProtocol;
  /** Extra request headers, such as an API key. */
  headers?: Readonly<Record<string, string>>;
  /** The most one export may take, retries included, in ms. Default 10000. */
  timeoutMs?: number;
  /** `"gzip"` or `"none"` (default). */
  compression?: OtlpCompression;
  /** The resource sent with every batch. Default: detected from the process and env. */
  resource?: Resource;
  /** The most exports in flight at once; more fail at once and say so. Default 4. */
  concurrency?: number;
  /** Where `OTEL_*` variables are read; the process environment when omitted. */
  env?: EnvSource;
  /** Where times come from, for `Retry-After` dates and the deadline. */
  clock?: Clock;
  /** Runs the retry waits and the timeout; inject a `ManualTime` in tests. */
  scheduler?: Scheduler;
  /**
   * The `fetch` to call. Default: the global one; with Deno's built-in
   * OpenTelemetry tracing on, plain HTTP/1.1 over `Deno.connect`, which Deno
   * does not trace.
   */
  fetch?: FetchFunction;
  /** Randomness for the retry jitter, in [0, 1). Default `Math.random`. */
  random?: () => number;
}

const MAX_ATTEMPTS = 5;
const SUCCESS: ExportResult = Object.freeze({ code: "success" });

type Attempt =
  | { readonly done: ExportResult }
  | { readonly retry: string; readonly retryAfterMs: number | undefined };

function failure(message: string): ExportResult {
  return { code: "failure", error: new Error(message) };
}

function create(detail: string): TypeError {
  return new TypeError(`Cannot create OtlpHttpExporter: ${detail}`);
}

let instances = 0;

/**
 * Exports spans over OTLP/HTTP, in protobuf or JSON, optionally gzipped.
 * Retries 429, 502, 503, 504 and network errors with exponential backoff
 * and jitter, honouring `Retry-After`, never past `timeoutMs`; reports any
 * other failure, and a partial success's rejected spans, in the
 * {@linkcode ExportResult}. Nothing a backend does throws into the
 * application, and response bodies are read up to 64 KiB.
 *
 * In a browser page that is hidden or being left (see the
 * `flushOnPageHide` option of `BatchSpanProcessor`), it sends with
 * `fetch(..., { keepalive: true })` so the request outlives the page: in
 * requests of at most 64 KiB, the most a page may have in flight that way,
 * one at a time and uncompressed.
 *
 * @example Send spans to a local Collector in batches
 * ```ts
 * import { Tracer } from "@codomyrmex/spans";
 * import { OtlpHttpExporter } from "@codomyrmex/spans/otlp";
 * import assert from "node:assert/strict";
 *
 * const sent: string[] = [];
 * const exporter = new OtlpHttpExporter({
 *   url: "http://localhost:4318/v1/traces",
 *   env: {},
 *   fetch: async (url) => {
 *     sent.push(String(url));
 *     return new Response(null, { status: 200 });
 *   },
 * });
 * const span = new Tracer({ name: "shop" }).startSpan("checkout").end();
 * const result = await exporter.export([span]);
 * assert.equal(result.code, "success");
 * assert.deepEqual(sent, ["http://localhost:4318/v1/traces"]);
 * ```
 */
export class OtlpHttpExporter implements SpanExporter {
  #warnedPartial = false;
  readonly #instance = ++instances;
  readonly #url: string;
  readonly #protocol: OtlpProtocol;
  readonly #compression: OtlpCompression;
  readonly #headers: Record<string, string>;
  readonly #timeoutMs: number;
  readonly #resource: Resource | undefined;
  readonly #concurrency: number;
  readonly #clock: Clock;
  readonly #scheduler: Scheduler;
  readonly #fetch: FetchFunction | undefined;
  readonly #random: () => number;
  readonly #inFlight = new Set<Promise<ExportResult>>();
  #shutdown = false;

  /**
   * Creates the exporter. Options win over the `OTEL_EXPORTER_OTLP_*`
   * variables, which win over the defaults.
   *
   * @param options Where and how to send; see {@linkcode OtlpHttpExporterOptions}.
   * @throws {TypeError} When an option has the wrong type or value.
   * @throws {RangeError} When `timeoutMs` or `concurrency` is not positive.
   *
   * @example
   * ```ts
   * import { OtlpHttpExporter } from "@codomyrmex/spans/otlp";
   * import assert from "node:assert/strict";
   *
   * const exporter = new OtlpHttpExporter({ env: {} });
   * assert.equal(exporter.url, "http://localhost:4318/v1/traces");
   * assert.equal(exporter.protocol, "http/protobuf");
   * assert.throws(() => new OtlpHttpExporter({ url: "nope" }), TypeError);
   * ```
   */
  constructor(options: OtlpHttpExporterOptions = {}) {
    if (typeof options !== "object" || options === null) {
      throw create(`options must be an object, got ${describe(options)}`);
    }
    const env = readOtlpEnv(options.env);
    const url = options.url ?? env.url ?? DEFAULT_TRACES_URL;
    if (typeof url !== "string" || !URL.canParse(url) || !/^https?:$/.test(new URL(url).protocol)) {
      throw create(`url must be an http or https URL, got ${describe(url)}`);
    }
    const protocol = options.protocol ?? env.protocol ?? "http/protobuf";
    if (protocol !== "http/protobuf" && protocol !== "http/json") {
      throw create(`protocol must be "http/protobuf" or "http/json", got ${describe(protocol)}`);
    }
    const compression = options.compression ?? env.compression ?? "none";
    if (compression !== "gzip" && compression !== "none") {
      throw create(`compression must be "gzip" or "none", got ${describe(compression)}`);
    }
    const timeoutMs = options.timeoutMs ?? env.timeoutMs ?? 10000;
    if (typeof timeoutMs !== "number" || !(timeoutMs > 0) || timeoutMs === Infinity) {
      throw new RangeError(
        `Cannot create OtlpHttpExporter: timeoutMs must be a positive finite number, got ${
          describe(timeoutMs)
        }`,
      );
    }
    const concurrency = options.concurrency ?? 4;
    if (!Number.isInteger(concurrency) || concurrency < 1) {
      throw new RangeError(
        `Cannot create OtlpHttpExporter: concurrency must be a positive integer, got ${
          describe(concurrency)
        }`,
      );
    }
    const userHeaders = { ...env.headers, ...options.headers };
    try {
      new Headers(userHeaders);
    } catch (error) {
      throw create(`headers must be valid HTTP headers (${errorMessage(error)})`);
    }
    const headers: Record<string, string> = { ...userHeaders };
    headers["content-type"] = protocol === "http/json"
      ? "application/json"
      : "application/x-protobuf";
    headers["user-agent"] = `${SDK_NAME}/${VERSION}`;
    if (compression === "gzip") headers["content-encoding"] = "gzip";
    if (options.fetch !== undefined && typeof options.fetch !== "function") {
      throw create(`fetch must be a function, got ${describe(options.fetch)}`);
    }
    this.#url = url;
    this.#protocol = protocol;
    this.#compression = compression;
    this.#headers = headers;
    this.#timeoutMs = timeoutMs;
    this.#resource = options.resource;
    this.#concurrency = concurrency;
    this.#clock = options.clock ?? systemClock;
    this.#scheduler = options.scheduler ?? systemScheduler;
    this.#fetch = options.fetch;
    this.#random = options.random ?? Math.random;
    watchPageLifecycle();
  }

  /**
   * The URL spans are sent to.
   *
   * @example
   * ```ts
   * import { OtlpHttpExporter } from "@codomyrmex/spans/otlp";
   * import assert from "node:assert/strict";
   *
   * const exporter = new OtlpHttpExporter({
   *   env: { OTEL_EXPORTER_OTLP_ENDPOINT: "https://otlp.example.com" },
   * });
   * assert.equal(exporter.url, "https://otlp.example.com/v1/traces");
   * ```
   */
  get url(): string {
    return this.#url;
  }

  /**
   * The encoding used: `"http/protobuf"` or `"http/json"`.
   *
   * @example
   * ```ts
   * import { OtlpHttpExporter } from "@codomyrmex/spans/otlp";
   * import assert from "node:assert/strict";
   *
   * assert.equal(new OtlpHttpExporter({ protocol: "http/json", env: {} }).protocol, "http/json");
   * ```
   */
  get protocol(): OtlpProtocol {
    return this.#protocol;
  }

  /**
   * How many exports are in flight now.
   *
   * @example
   * ```ts
   * import { OtlpHttpExporter } from "@codomyrmex/spans/otlp";
   * import assert from "node:assert/strict";
   *
   * assert.equal(new OtlpHttpExporter({ env: {} }).inFlight, 0);
   * ```
   */
  get inFlight(): number {
    return this.#inFlight.size;
  }

  /**
   * Sends one batch. Resolves, never rejects: `"success"` (with `rejected`
   * for a partial success) or `"failure"` with an error that names the
   * HTTP status and the backend's message. When `concurrency` exports are
   * already in flight it fails at once, so a slow backend cannot pile up
   * batches in memory. Gives up when `signal` aborts.
   *
   * @param spans The batch.
   * @param signal Aborts the export (processors abort at their export timeout).
   * @returns The outcome.
   *
   * @example
   * ```ts
   * import { Span } from "@codomyrmex/spans";
   * import { OtlpHttpExporter } from "@codomyrmex/spans/otlp";
   * import assert from "node:assert/strict";
   *
   * const exporter = new OtlpHttpExporter({
   *   env: {},
   *   fetch: async () => Response.json({ code: 3, message: "bad span" }, { status: 400 }),
   * });
   * const result = await exporter.export([new Span("a").start().end()]);
   * assert.equal(result.code, "failure");
   * assert.match(String(result.error), /HTTP 400.*bad span/);
   * ```
   */
  export(spans: readonly Span[], signal?: AbortSignal): Promise<ExportResult> {
    if (this.#shutdown) {
      return Promise.resolve(failure("OTLP export refused: exporter is shut down"));
    }
    if (!Array.isArray(spans) || spans.length === 0) return Promise.resolve(SUCCESS);
    if (this.#inFlight.size >= this.#concurrency) {
      return Promise.resolve(failure(
        `OTLP export refused: ${this.#inFlight.size} exports already in flight (concurrency ${this.#concurrency})`,
      ));
    }
    const promise: Promise<ExportResult> = this.#send(spans, signal)
      .catch((error) => failure(`OTLP export failed: ${errorMessage(error)}`))
      .finally(() => this.#inFlight.delete(promise));
    this.#inFlight.add(promise);
    return promise;
  }

  /**
   * Waits for the exports in flight.
   *
   * @returns A promise that resolves when none is left.
   *
   * @example
   * ```ts
   * import { OtlpHttpExporter } from "@codomyrmex/spans/otlp";
   *
   * await new OtlpHttpExporter({ env: {} }).forceFlush();
   * ```
   */
  async forceFlush(): Promise<void> {
    while (this.#inFlight.size > 0) await Promise.allSettled([...this.#inFlight]);
  }

  /**
   * Waits for the exports in flight, then refuses new ones.
   *
   * @returns A promise that resolves when the exporter is idle.
   *
   * @example
   * ```ts
   * import { Span } from "@codomyrmex/spans";
   * import { OtlpHttpExporter } from "@codomyrmex/spans/otlp";
   * import assert from "node:assert/strict";
   *
   * const exporter = new OtlpHttpExporter({ env: {} });
   * await exporter.shutdown();
   * const result = await exporter.export([new Span("a").start().end()]);
   * assert.equal(result.code, "failure");
   * ```
   */
  async shutdown(): Promise<void> {
    this.#shutdown = true;
    await this.forceFlush();
  }

  async #encode(spans: readonly Span[]): Promise<Uint8Array> {
    const bytes = this.#encodeRaw(spans);
    return this.#compression === "gzip" ? await gzip(bytes) : bytes;
  }

  #encodeRaw(spans: readonly Span[]): Uint8Array {
    const options = { resource: this.#resource ?? defaultOtlpResource() };
    return this.#protocol === "http/json"
      ? encodeOtlpJson(spans, options)
      : encodeOtlpProtobuf(spans, options);
  }

  async #send(
    spans: readonly Span[],
    signal: AbortSignal | undefined,
    keepalive?: KeepaliveChunk,
  ): Promise<ExportResult> {
    if (keepalive === undefined && pageIsHiding()) {
      // The page may be going: requests that outlive it, each within the
      // 64 KiB keepalive limit, one at a time, and uncompressed, so nothing
      // asynchronous stands between the page's last event and the request.
      const chunks = splitForKeepalive(spans, (part) => this.#encodeRaw(part));
      return await sendInChunks(chunks, (chunk) => this.#send(chunk.spans, signal, chunk));
    }
    const deadline = this.#clock.now() + this.#timeoutMs;
    const body = keepalive?.body ?? await this.#encode(spans);
    for (let attempt = 0;; attempt++) {
      if (signal?.aborted) return failure("OTLP export aborted");
      const remaining = deadline - this.#clock.now();
      if (remaining <= 0) return failure(`OTLP export timed out after ${this.#timeoutMs} ms`);
      const outcome = await this.#attempt(body, remaining, spans.length, signal, keepalive);
      if ("done" in outcome) return outcome.done;
      if (attempt + 1 >= MAX_ATTEMPTS) {
        return failure(`OTLP export failed after ${MAX_ATTEMPTS} attempts: ${outcome.retry}`);
      }
      const delay = outcome.retryAfterMs ?? backoffDelay(attempt, this.#random());
      if (this.#clock.now() + delay >= deadline) {
        return failure(
          `OTLP export failed: ${outcome.retry}; not retrying, as waiting ${
            Math.round(delay)
          } ms would pass the ${this.#timeoutMs} ms timeout`,
        );
      }
      if (!await this.#sleep(delay, signal)) return failure("OTLP export aborted");
    }
  }

  async #attempt(
    body: Uint8Array,
    remaining: number,
    count: number,
    signal: AbortSignal | undefined,
    keepalive?: KeepaliveChunk,
  ): Promise<Attempt> {
    const controller = new AbortController();
    let timedOut = false;
    const timer = this.#scheduler.setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, remaining);
    const onAbort = () => controller.abort();
    signal?.addEventListener("abort", onAbort, { once: true });
    try {
      let response: Response;
      try {
        response = await (this.#fetch ?? untracedFetch)(this.#url, {
          method: "POST",
          headers: keepalive === undefined ? this.#headers : plainHeaders(this.#headers),
          body: body as BodyInit,
          signal: controller.signal,
          ...(keepalive?.fits ? { keepalive: true } : {}),
        });
      } catch (error) {
        if (timedOut) return { done: failure(`OTLP export timed out after ${this.#timeoutMs} ms`) };
        if (signal?.aborted) return { done: failure("OTLP export aborted") };
        return { retry: `network error: ${errorMessage(error)}`, retryAfterMs: undefined };
      }
      const bytes = await readCapped(response, MAX_RESPONSE_BYTES);
      const json = this.#protocol === "http/json";
      const status = response.status;
      if (status >= 200 && status < 300) return { done: this.#success(response, bytes, count) };
      if (isRetryableStatus(status)) {
        return {
          retry: `HTTP ${status}`,
          retryAfterMs: parseRetryAfter(response.headers.get("retry-after"), this.#clock.now()),
        };
      }
      const reason = describeErrorBody(response, bytes, json);
      const text = response.statusText ? ` ${response.statusText}` : "";
      return {
        done: failure(
          `OTLP export failed: HTTP ${status}${text} from ${this.#url}${
            reason ? `: ${reason}` : ""
          }`,
        ),
      };
    } finally {
      this.#scheduler.clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
    }
  }

  #success(response: Response, bytes: Uint8Array, count: number): ExportResult {
    const partial = readPartialSuccess(response, bytes, this.#protocol === "http/json");
    if (partial === undefined) return SUCCESS;
    const rejected = Math.min(count, Math.max(0, Math.floor(partial.rejected)));
    const message = partial.message ?? "no reason given";
    if (rejected === 0) {
      if (partial.message !== undefined) {
        // Once per exporter, whatever the message: the backend's text may
        // differ on every export, and a key per message would be kept and
        // printed every time.
        if (!this.#warnedPartial) {
          this.#warnedPartial = true;
          warnOnce(
            `otlp-partial-warning:${this.#instance}`,
            `the OTLP backend warned: ${message.slice(0, 500)}`,
          );
        }
      }
      return SUCCESS;
    }
    return {
      code: "success",
      rejected,
      error: new Error(`OTLP backend rejected ${rejected} of ${count} spans: ${message}`),
    };
  }

  #sleep(ms: number, signal: AbortSignal | undefined): Promise<boolean> {
    return new Promise((resolve) => {
      if (signal?.aborted) {
        resolve(false);
        return;
      }
      const onAbort = () => {
        this.#scheduler.clearTimeout(handle);
        resolve(false);
      };
      const handle = this.#scheduler.setTimeout(() => {
        signal?.removeEventListener("abort", onAbort);
        resolve(true);
      }, ms);
      signal?.addEventListener("abort", onAbort, { once: true });
    });
  }
}

brandExporterClass(OtlpHttpExporter);
