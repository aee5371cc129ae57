/**
 * The OTLP/HTTP trace exporter: sends batches of spans to an OpenTelemetry
 * Collector, Jaeger, Tempo, Honeycomb or any other OTLP backend, with
 * `fetch`, so it runs unchanged on Deno, Bun, Node and in workers.
 *
 * @module
 */

import { arrayArgument, isRecord } from "../platform/_arguments.ts";
import { describe } from "../platform/_describe.ts";
import type { FetchFunction } from "../platform/fetch_function.ts";
import { untracedFetch } from "../platform/_untraced_fetch.ts";
import { suppressTracing } from "../context/suppression.ts";
import { errorMessage, warnOnce } from "../platform/_warn.ts";
import { type Clock, systemClock } from "../platform/clock.ts";
import { monotonicClock } from "../platform/_monotonic_clock.ts";
import type { ExportResult, SpanExporter } from "../export/exporter.ts";
import { type Scheduler, systemScheduler } from "../platform/scheduler.ts";
import type { Span } from "../span/span.ts";
import { VERSION } from "../platform/_version.ts";
import { defaultOtlpResource } from "./_default_resource.ts";
import { isPermissionError, netNotGranted } from "../platform/_permission.ts";
import { gzip } from "./_gzip.ts";
import {
  DEFAULT_MAX_RESPONSE_BYTES,
  describeErrorBody,
  readCapped,
  readPartialSuccess,
} from "./_response.ts";
import { mergeHeaders, quotedKey } from "./_key_value_list.ts";
import { resourceArgument } from "./_resource_argument.ts";
import { splitCredentials } from "./_url_credentials.ts";
import { backoffDelay, isRetryableStatus, parseRetryAfter } from "./_retry.ts";
import { encodeOtlpJson } from "./encode_json.ts";
import { encodeOtlpProtobuf } from "./encode_protobuf.ts";
import { DEFAULT_TRACES_URL, type EnvSource, readOtlpEnv } from "./env.ts";
import type { OtlpCompression, OtlpProtocol } from "./protocol.ts";
import type { Resource } from "./resource.ts";
import { brandExporterClass } from "../export/_exporter_brand.ts";
import { clockOption, schedulerOption } from "../export/_options.ts";
import { pageIsHiding, watchPageLifecycle } from "../export/_page_hide_flush.ts";
import {
  KEEPALIVE_MAX_BYTES,
  type KeepaliveChunk,
  plainHeaders,
  releaseKeepalive,
  reserveKeepalive,
  sendInChunks,
  splitForKeepalive,
} from "./_keepalive.ts";

/**
 * How an {@linkcode OtlpHttpExporter} sends. Every field is optional; what
 * is not given comes from the `OTEL_EXPORTER_OTLP_*` variables, then the
 * defaults.
 */
export interface OtlpHttpExporterOptions {
  /**
   * The traces endpoint. Default `http://localhost:4318/v1/traces`. A user
   * name and password in it (`https://user:secret@host/v1/traces`) are sent
   * as a Basic `Authorization` header, unless a header gives one, and not
   * in the URL, which fetch refuses on Node and in browsers.
   */
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
  /**
   * The most bytes of a response body read. A longer body fails the export
   * without a retry, as the OTLP specification asks. Default 4 MiB, the
   * limit it recommends. (With Deno's built-in OpenTelemetry on, exports go
   * over plain HTTP/1.1, which reads at most 4 MiB and 64 KiB of a response.)
   */
  maxResponseBytes?: number;
  /**
   * The largest request body sent, before compression. A batch that encodes
   * to more is not sent: its spans are counted as failed, with an error
   * that says so (set `attributeValueLengthLimit` on the Tracer to keep
   * spans small). Default 64 MiB, the limit the OTLP specification
   * recommends.
   */
  maxRequestBytes?: number;
  /** Where `OTEL_*` variables are read; the process environment when omitted. */
  env?: EnvSource;
  /**
   * Where times come from, for `Retry-After` dates and the deadline.
   * Default: {@linkcode systemClock} for the dates, which are the wall
   * clock's, and for the deadline the monotonic clock it reads, without its
   * jumps to the wall clock, so a deadline is time that passed.
   */
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

// "OpenTelemetry protocol exporters SHOULD emit a User-Agent header to at a
// minimum identify the exporter, the language of its implementation, and the
// version of the exporter", in RFC 7231's product = token ["/" version]
// (protocol/exporter.md), after the specification's example
// "OTel-OTLP-Exporter-Python/1.2.3": the package name has characters ("@",
// "/") no token may hold.
const USER_AGENT = `codomyrmex-spans-OTLP-Exporter-JavaScript/${VERSION}`;
const SUCCESS: ExportResult = Object.freeze({ code: "success" });

type Attempt =
  | { readonly done: ExportResult }
  | { readonly retry: string; readonly retryAfterMs: number | undefined };

function failure(message: string): ExportResult {
  return { code: "failure", error: new Error(message) };
}

// A request the runtime's permissions refuse is refused again on every
// retry, whether found before the request or by its error.
function refusedByPermissions(detail: string): ExportResult {
  return failure(
    `OTLP export failed: the runtime's permissions do not allow this request; ${detail}; not retrying`,
  );
}

const WHO = "OtlpHttpExporter";

function create(detail: string): TypeError {
  return new TypeError(`Cannot create ${WHO}: ${detail}`);
}

let instances = 0;

/**
 * Exports spans over OTLP/HTTP, in protobuf or JSON, optionally gzipped.
 * Retries 429, 502, 503, 504 and network errors with exponential backoff
 * and jitter, honouring `Retry-After`, never past `timeoutMs`; reports any
 * other failure, and a partial success's rejected spans, in the
 * {@linkcode ExportResult}. Nothing a backend does throws into the
 * application, and response bodies are read up to `maxResponseBytes` (4
 * MiB): a longer one fails the export, without a retry, as the OTLP
 * specification asks. A request the runtime's permissions refuse (Deno
 * without `--allow-net` for the endpoint) fails at once, without a retry;
 * with its own `fetch`, it never makes Deno ask for the permission.
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
  readonly #maxResponseBytes: number;
  readonly #maxRequestBytes: number;
  readonly #clock: Clock;
  // Retry-After dates are the wall clock's: see the clock option.
  readonly #dateClock: Clock;
  readonly #scheduler: Scheduler;
  readonly #fetch: FetchFunction | undefined;
  readonly #random: () => number;
  readonly #inFlight = new Set<Promise<ExportResult>>();
  // What messages may show of the URL, and the configured header values no
  // message may show: see #redact.
  readonly #shownUrl: string;
  readonly #secrets: readonly string[];
  #warnedRedirect = false;
  #stopped = false;

  /**
   * Creates the exporter. Options win over the `OTEL_EXPORTER_OTLP_*`
   * variables, which win over the defaults.
   *
   * @param options Where and how to send; see {@linkcode OtlpHttpExporterOptions}.
   * @throws {TypeError} When an option has the wrong type or value.
   * @throws {RangeError} When `timeoutMs`, `concurrency`, `maxResponseBytes` or
   *   `maxRequestBytes` is not positive.
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
    const concurrency = positiveInteger(options.concurrency, 4, "concurrency");
    const maxResponseBytes = positiveInteger(
      options.maxResponseBytes,
      DEFAULT_MAX_RESPONSE_BYTES,
      "maxResponseBytes",
    );
    const maxRequestBytes = positiveInteger(
      options.maxRequestBytes,
      DEFAULT_MAX_REQUEST_BYTES,
      "maxRequestBytes",
    );
    // Header names are case-insensitive: an option replaces the env's
    // header of the same name in any case, and the body's own headers
    // replace the user's, instead of being joined with them.
    // The URL's user name and password go as the Basic credentials Deno and
    // Bun would make of them; Node's fetch refuses such a URL. A configured
    // `Authorization` header wins over them.
    const credentials = splitCredentials(url);
    const userHeaders = mergeHeaders(
      credentials.authorization === undefined
        ? env.headers
        : mergeHeaders({ authorization: credentials.authorization }, env.headers),
      headersOption(options.headers),
    );
    const own: Record<string, string> = {
      "content-type": protocol === "http/json" ? "application/json" : "application/x-protobuf",
      "user-agent": USER_AGENT,
    };
    if (compression === "gzip") own["content-encoding"] = "gzip";
    const headers = mergeHeaders(userHeaders, own);
    if (options.fetch !== undefined && typeof options.fetch !== "function") {
      throw create(`fetch must be a function, got ${describe(options.fetch)}`);
    }
    if (options.random !== undefined && typeof options.random !== "function") {
      throw create(`random must be a function, got ${describe(options.random)}`);
    }
    const resource = resourceArgument(options.resource, `create ${WHO}`, "resource");
    this.#url = credentials.url;
    this.#shownUrl = shownUrl(url);
    this.#secrets = secretsOf(userHeaders, url);
    this.#protocol = protocol;
    this.#compression = compression;
    this.#headers = headers;
    this.#timeoutMs = timeoutMs;
    this.#resource = resource;
    this.#concurrency = concurrency;
    this.#maxResponseBytes = maxResponseBytes;
    this.#maxRequestBytes = maxRequestBytes;
    this.#clock = clockOption(options.clock, monotonicClock, WHO);
    this.#dateClock = options.clock === undefined ? systemClock : this.#clock;
    this.#scheduler = schedulerOption(options.scheduler, systemScheduler, WHO);
    this.#fetch = options.fetch;
    this.#random = options.random ?? Math.random;
    watchPageLifecycle();
  }

  /**
   * The URL spans are sent to, without the user name and password the
   * endpoint had (they are sent as a header).
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
   * @throws {TypeError} When `spans` is not an array (a processor always passes one).
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
    if (this.#stopped) {
      return Promise.resolve(failure("OTLP export refused: exporter is shut down"));
    }
    if (arrayArgument(spans, "export spans", "spans").length === 0) return Promise.resolve(SUCCESS);
    if (this.#inFlight.size >= this.#concurrency) {
      return Promise.resolve(failure(
        `OTLP export refused: ${this.#inFlight.size} exports already in flight (concurrency ${this.#concurrency})`,
      ));
    }
    const promise: Promise<ExportResult> = this.#send(spans, signal)
      .catch((error) => failure(`OTLP export failed: ${this.#redact(errorMessage(error))}`))
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
    this.#stopped = true;
    await this.forceFlush();
  }

  // The request body, or why it is not sent: "The client SHOULD limit the
  // size of the request body, including before compression … If the limit
  // is exceeded, the client MUST NOT make the request" (OTLP/HTTP Request).
  async #encode(spans: readonly Span[]): Promise<Uint8Array | ExportResult> {
    const bytes = this.#encodeRaw(spans);
    if (bytes.length > this.#maxRequestBytes) {
      return this.#overMaxRequestBytes(spans.length, bytes.length);
    }
    return this.#compression === "gzip" ? await gzip(bytes) : bytes;
  }

  #overMaxRequestBytes(count: number, bytes: number): ExportResult {
    return failure(
      `OTLP export not sent: ${count} spans encode to ${bytes} bytes, over maxRequestBytes (${this.#maxRequestBytes}); set attributeValueLengthLimit to keep spans smaller`,
    );
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
    // One deadline for the whole export: a hidden page's requests share it.
    deadline: number = this.#clock.now() + this.#timeoutMs,
  ): Promise<ExportResult> {
    if (keepalive === undefined && pageIsHiding()) {
      // The page may be going: requests that outlive it, each within the
      // 64 KiB keepalive limit, one at a time, and uncompressed, so nothing
      // asynchronous stands between the page's last event and the request.
      // No chunk is cut larger than maxRequestBytes; a single span over it
      // fails below, as it would outside a hidden page.
      const chunks = splitForKeepalive(
        spans,
        (part) => this.#encodeRaw(part),
        Math.min(KEEPALIVE_MAX_BYTES, this.#maxRequestBytes),
      );
      return await sendInChunks(
        chunks,
        (chunk) => this.#send(chunk.spans, signal, chunk, deadline),
      );
    }
    if (keepalive !== undefined && keepalive.body.length > this.#maxRequestBytes) {
      return this.#overMaxRequestBytes(spans.length, keepalive.body.length);
    }
    const body = keepalive?.body ?? await this.#encode(spans);
    if (!(body instanceof Uint8Array)) return body;
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
    // The page's keepalive budget is shared with every other export in
    // flight: a request that finds it taken goes without keepalive, as a
    // span too large for it does, instead of being refused by the browser.
    const reserved = keepalive?.fits === true && reserveKeepalive(body.length);
    try {
      // The exporter's own fetch never asks for a permission: at a terminal
      // Deno would stop the whole process, from a batch timer, to ask.
      const refused = this.#fetch === undefined ? netNotGranted(this.#url) : undefined;
      if (refused !== undefined) {
        return {
          done: refusedByPermissions(
            `Deno has no net permission for ${refused} (run it with --allow-net=${refused})`,
          ),
        };
      }
      let response: Response;
      try {
        // Suppressed again at the call: the processor's suppression does not
        // outlive an await where the current span lives on a stack (a
        // browser), and a traced global fetch would record each export's
        // request as a span for the next export, for ever.
        response = await suppressTracing(() =>
          (this.#fetch ?? untracedFetch)(this.#url, {
            method: "POST",
            headers: keepalive === undefined ? this.#headers : plainHeaders(this.#headers),
            body: body as BodyInit,
            signal: controller.signal,
            ...(reserved ? { keepalive: true } : {}),
            // A redirect would repeat the POST, in a loop when it points back,
            // and carry the headers (an API key) to wherever it points.
            redirect: "manual",
          })
        );
      } catch (error) {
        if (timedOut) return { done: failure(`OTLP export timed out after ${this.#timeoutMs} ms`) };
        if (signal?.aborted) return { done: failure("OTLP export aborted") };
        if (isPermissionError(error)) {
          // Refused again on every retry: retrying only holds the export,
          // and a flush or the process's exit, for the backoff.
          return { done: refusedByPermissions(this.#networkError(error)) };
        }
        return { retry: this.#networkError(error), retryAfterMs: undefined };
      }
      const status = response.status;
      if (response.type === "opaqueredirect" || (status >= 300 && status < 400)) {
        await response.body?.cancel().catch(() => {});
        return { done: this.#redirected(response) };
      }
      const limit = this.#maxResponseBytes;
      const { bytes, over } = await readCapped(response, limit);
      if (over) {
        // "If the limit is exceeded, the client MUST treat the response as
        // a non-retryable error" (OTLP/HTTP Response), whatever its status.
        return {
          done: failure(this.#redact(
            `OTLP export failed: HTTP ${status} from ${this.#shownUrl} with a response body over ${limit} bytes (maxResponseBytes), which is not read; not retrying`,
          )),
        };
      }
      const json = this.#protocol === "http/json";
      if (status >= 200 && status < 300) return { done: this.#success(response, bytes, count) };
      // The status came in time and the body did not. Said so: a 503 read
      // as a retry the deadline left no room for would send the operator to
      // the backoff, not to a backend that stalls mid-answer. What came of
      // the body is not shown: cut short, a header value it quotes back
      // would escape the redaction.
      if (timedOut) {
        return {
          done: failure(
            `OTLP export timed out after ${this.#timeoutMs} ms: HTTP ${status} from ${this.#shownUrl} sent its headers, but not the end of its body`,
          ),
        };
      }
      if (signal?.aborted) return { done: failure("OTLP export aborted") };
      if (isRetryableStatus(status)) {
        return {
          retry: `HTTP ${status}`,
          retryAfterMs: parseRetryAfter(response.headers.get("retry-after"), this.#dateClock.now()),
        };
      }
      const reason = describeErrorBody(response, bytes, json, (text) => this.#redact(text));
      const text = response.statusText ? ` ${response.statusText}` : "";
      return {
        done: failure(
          this.#redact(
            `OTLP export failed: HTTP ${status}${text} from ${this.#shownUrl}${
              reason ? `: ${reason}` : ""
            }`,
          ),
        ),
      };
    } finally {
      if (reserved) releaseKeepalive(body.length);
      this.#scheduler.clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
    }
  }

  #success(response: Response, bytes: Uint8Array, count: number): ExportResult {
    const partial = readPartialSuccess(response, bytes, this.#protocol === "http/json");
    if (partial === undefined) return SUCCESS;
    const rejected = Math.min(count, Math.max(0, Math.floor(partial.rejected)));
    const message = this.#redact(partial.message ?? "no reason given");
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

  // Exports never follow a redirect: the batch fails, and the first time
  // the exporter says where the endpoint pointed, so it can be configured.
  #redirected(response: Response): ExportResult {
    const status = response.type === "opaqueredirect" ? "3xx" : String(response.status);
    const location = response.headers.get("location");
    const where = location === null
      ? "without a Location"
      : `to ${JSON.stringify(this.#redact(location).slice(0, 200))}`;
    const message =
      `OTLP export failed: HTTP ${status} from ${this.#shownUrl} redirects ${where}, and OTLP exports never follow redirects`;
    if (!this.#warnedRedirect) {
      this.#warnedRedirect = true;
      warnOnce(
        `otlp-redirect:${this.#instance}`,
        `${message}: its spans are counted as failed; configure the URL the endpoint redirects to`,
      );
    }
    return failure(message);
  }

  // Where the spans were going, and why they did not get there: Node's
  // fetch says only "fetch failed" and keeps the reason (ECONNREFUSED, a DNS
  // failure) in `cause`, as Deno does. A cause may quote the whole URL,
  // which can carry credentials: it is shown as the exporter shows it.
  #networkError(error: unknown): string {
    let text = errorMessage(error);
    let cause: unknown;
    try {
      cause = error instanceof Error ? error.cause : undefined;
    } catch {
      cause = undefined;
    }
    if (cause !== undefined && cause !== null) text += ` (cause: ${errorMessage(cause)})`;
    for (const url of new Set([this.#url, new URL(this.#url).href])) {
      if (url !== this.#shownUrl) text = text.split(url).join(this.#shownUrl);
    }
    return `network error sending to ${this.#shownUrl}: ${this.#redact(text)}`;
  }

  // Backends quote requests back (an echoed header in an error body), and
  // fetch errors may quote anything: no configured header value is shown.
  #redact(text: string): string {
    let out = text;
    for (const secret of this.#secrets) {
      if (out.includes(secret)) out = out.split(secret).join("[redacted]");
    }
    return out;
  }

  // The wait between two attempts keeps the process alive (the scheduler's
  // timers are not background ones): a flush awaiting this export must
  // settle, not be cut short by the process ending during the backoff.
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

/**
 * Checks the `headers` option: a record of valid header names and values (a
 * `Headers` object is read as one). The message names a bad entry's key,
 * never its value, which may be a credential.
 */
function headersOption(value: unknown): Record<string, string> | undefined {
  if (value === undefined || value === null) return undefined;
  if (value instanceof Headers) return Object.fromEntries(value);
  // A Map would send nothing, a boxed String its characters as headers.
  if (!isRecord(value)) {
    throw create(`headers must be a record of header names to values, got ${describe(value)}`);
  }
  const record = value as Record<string, string>;
  for (const key of Object.keys(record)) {
    try {
      new Headers([[key, record[key]]]);
    } catch {
      const quoted = quotedKey(key);
      throw create(
        quoted === undefined
          ? "headers must be valid HTTP headers: a key is not a header name"
          : `headers must be valid HTTP headers: the value of ${quoted} is not a header value`,
      );
    }
  }
  return record;
}

// Shorter pieces would blank out ordinary words; a credential is longer.
const MIN_SECRET_LENGTH = 4;

/**
 * The strings no message may show: every configured header value, and each
 * word of one (`Bearer abc123` is also redacted where only `abc123` is
 * quoted back), and the URL's user name, password and query values, as
 * written and decoded (a backend may quote the URL back: an error body, a
 * redirect to https that keeps the query), longest first so that a value is
 * replaced whole.
 */
function secretsOf(headers: Readonly<Record<string, string>>, url: string): string[] {
  const secrets = new Set<string>();
  const add = (text: string) => {
    if (text.length >= MIN_SECRET_LENGTH) secrets.add(text);
  };
  for (const value of Object.values(headers)) {
    const text = String(value).trim();
    add(text);
    for (const word of text.split(/\s+/)) add(word);
  }
  const parsed = new URL(url);
  const encoded = [parsed.username, parsed.password];
  for (const part of parsed.search.slice(1).split("&")) {
    const eq = part.indexOf("=");
    if (eq >= 0) encoded.push(part.slice(eq + 1));
  }
  for (const text of encoded) {
    add(text);
    add(decoded(text));
  }
  return [...secrets].sort((a, b) => b.length - a.length);
}

// A URL component decoded as a server would read it (`+` a space in a query).
function decoded(text: string): string {
  try {
    return decodeURIComponent(text.replaceAll("+", " "));
  } catch {
    return text;
  }
}

/** The URL as messages show it: no user name, password or query (they may hold credentials). */
function shownUrl(url: string): string {
  const parsed = new URL(url);
  return `${parsed.protocol}//${parsed.host}${parsed.pathname}`;
}

// What OTLP recommends a client's request bodies stay within (OTLP/HTTP
// Request): 64 MiB.
const DEFAULT_MAX_REQUEST_BYTES = 64 * 1024 * 1024;

// An option that must be a positive integer: concurrency and the byte limits.
function positiveInteger(given: number | undefined, fallback: number, name: string): number {
  const value = given ?? fallback;
  if (!Number.isInteger(value) || value < 1) {
    throw new RangeError(
      `Cannot create OtlpHttpExporter: ${name} must be a positive integer, got ${describe(value)}`,
    );
  }
  return value;
}
