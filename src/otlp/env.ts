/**
 * The OpenTelemetry environment variables (`OTEL_*`) that configure OTLP
 * export, the resource, the sampler, the span limits and the batch
 * processor.
 *
 * @module
 */

import {
  DEFAULT_FLUSH_INTERVAL_MS,
  DEFAULT_MAX_BATCH_SIZE,
  DEFAULT_MAX_QUEUE_SIZE,
} from "../export/_batch_defaults.ts";
import type { SpanLimits } from "../span/attributes.ts";
import { isRecord } from "../platform/_arguments.ts";
import { describe } from "../platform/_describe.ts";
import { readEnv as readProcessEnv } from "../platform/_env.ts";
import { warnOnce } from "../platform/_warn.ts";
import { processEnvReader } from "./_process_env.ts";
import {
  AlwaysOffSampler,
  AlwaysOnSampler,
  ParentBasedSampler,
  type Sampler,
  TraceIdRatioSampler,
} from "../trace/sampler.ts";
import { mergeHeaders, parseKeyValueList, quotedKey } from "./_key_value_list.ts";
import type { OtlpCompression, OtlpProtocol } from "./protocol.ts";

/**
 * Where variables are read from: a plain record (for tests, or a config
 * you loaded yourself), or omitted for the process environment (Deno, Bun,
 * Node).
 */
export type EnvSource = Readonly<Record<string, string | undefined>>;

/**
 * What the `OTEL_*` variables asked for. A field is present only when its
 * variable was set to a valid value; a malformed one was reported with one
 * warning naming the variable and the default used instead.
 */
export interface OtlpEnvConfig {
  /** The traces URL: `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` as is, or `OTEL_EXPORTER_OTLP_ENDPOINT` + `/v1/traces`. */
  readonly url?: string;
  /** `OTEL_EXPORTER_OTLP_HEADERS` merged with (and overridden by) `..._TRACES_HEADERS`. */
  readonly headers?: Readonly<Record<string, string>>;
  /** `OTEL_EXPORTER_OTLP_(TRACES_)TIMEOUT`, milliseconds; 0 (no limit) reads as 2^31 - 1. */
  readonly timeoutMs?: number;
  /** `OTEL_EXPORTER_OTLP_(TRACES_)PROTOCOL`. */
  readonly protocol?: OtlpProtocol;
  /** `OTEL_EXPORTER_OTLP_(TRACES_)COMPRESSION`. */
  readonly compression?: OtlpCompression;
  /** `OTEL_SERVICE_NAME`. */
  readonly serviceName?: string;
  /** `OTEL_RESOURCE_ATTRIBUTES`, percent-decoded; absent when any entry is malformed. */
  readonly resourceAttributes?: Readonly<Record<string, string>>;
  /** `OTEL_TRACES_SAMPLER` with `OTEL_TRACES_SAMPLER_ARG`. */
  readonly sampler?: Sampler;
  /** `OTEL_BSP_SCHEDULE_DELAY`, milliseconds. */
  readonly scheduleDelayMs?: number;
  /** `OTEL_BSP_EXPORT_TIMEOUT`, milliseconds; 0 (no limit) reads as 2^31 - 1. */
  readonly exportTimeoutMs?: number;
  /** `OTEL_BSP_MAX_QUEUE_SIZE`. */
  readonly maxQueueSize?: number;
  /** `OTEL_BSP_MAX_EXPORT_BATCH_SIZE`. */
  readonly maxExportBatchSize?: number;
  /**
   * The span limits: `OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT` (else
   * `OTEL_ATTRIBUTE_COUNT_LIMIT`), `OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT`
   * (else `OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT`), `OTEL_SPAN_EVENT_COUNT_LIMIT`,
   * `OTEL_SPAN_LINK_COUNT_LIMIT`, `OTEL_EVENT_ATTRIBUTE_COUNT_LIMIT` and
   * `OTEL_LINK_ATTRIBUTE_COUNT_LIMIT` (each else the OpenTelemetry JS SDK's
   * own spelling, `OTEL_SPAN_ATTRIBUTE_PER_EVENT_COUNT_LIMIT` and
   * `OTEL_SPAN_ATTRIBUTE_PER_LINK_COUNT_LIMIT`, else
   * `OTEL_ATTRIBUTE_COUNT_LIMIT`); only those set, absent when none is.
   */
  readonly limits?: Readonly<SpanLimits>;
  /** `OTEL_SDK_DISABLED=true`. */
  readonly sdkDisabled: boolean;
  /**
   * `OTEL_TRACES_EXPORTER`: the exporters `setupTracing` makes, of `"otlp"`
   * (the default) and `"console"`; empty for `none`. Names this library
   * has no exporter for are skipped, with a warning.
   */
  readonly tracesExporters?: readonly ("otlp" | "console")[];
}

type TracesExporterName = "otlp" | "console";

type Getter = (name: string) => string | undefined;

// The process environment, one variable at a time, read without a
// permission prompt; one Deno's env permission does not cover reads as
// unset and is warned about, once, by name.
const processEnv: Getter = (name) =>
  readProcessEnv(name, () =>
    warnOnce(
      `env-permission:${name}`,
      `cannot read ${name} (Deno's env permission does not cover it), so it counts as unset`,
    ));

function getter(env: EnvSource | undefined): Getter {
  if (env === undefined) return processEnv;
  if (!isRecord(env)) {
    throw new TypeError(
      `Cannot read OTEL_* variables: env must be a record of variable names to values, got ${
        describe(env)
      }`,
    );
  }
  return (name) => (Object.hasOwn(env, name) ? env[name] : undefined);
}

/**
 * Reads one environment variable: from `env` when given, else from the
 * process environment. Blank values count as unset, as the OpenTelemetry
 * specification asks. Never throws: without Deno's `--allow-env` it warns
 * once and returns `undefined`.
 *
 * @param name The variable.
 * @param env Where to read; the process environment when omitted.
 * @returns The trimmed value, or `undefined` when unset or blank.
 *
 * @example
 * ```ts
 * import { readEnv } from "@codomyrmex/spans/otlp";
 * import assert from "node:assert/strict";
 *
 * assert.equal(readEnv("OTEL_SERVICE_NAME", { OTEL_SERVICE_NAME: " shop " }), "shop");
 * assert.equal(readEnv("OTEL_SERVICE_NAME", { OTEL_SERVICE_NAME: "" }), undefined);
 * ```
 */
export function readEnv(name: string, env?: EnvSource): string | undefined {
  return clean(getter(env)(name));
}

function clean(value: unknown): string | undefined {
  if (typeof value !== "string") return undefined;
  const trimmed = value.trim();
  return trimmed === "" ? undefined : trimmed;
}

/**
 * What a malformed variable gives way to, for its warning: the default
 * value, or a function that says what is used instead ("using …").
 */
type Fallback = number | string | (() => string);

function malformed(
  name: string,
  value: string,
  expected: string,
  fallback: Fallback,
  instead = typeof fallback === "function" ? fallback() : `using the default (${fallback})`,
): void {
  const shown = JSON.stringify(value);
  warnOnce(`env:${name}=${value}`, `ignoring ${name}=${shown}: expected ${expected}; ${instead}`);
}

// OTEL_TRACES_EXPORTER (configuration/sdk-environment-variables.md): a
// comma-separated list, "otlp" by default; "none" anywhere in it means no
// exporter, as OpenTelemetry JS reads it. A name this library has no
// exporter for ("zipkin") is skipped with a warning, as the specification
// asks of a value it does not recognize; a list of only such names is the
// default.
function tracesExporters(get: Getter): TracesExporterName[] | undefined {
  const name = "OTEL_TRACES_EXPORTER";
  const value = clean(get(name));
  if (value === undefined) return undefined;
  const names = value.split(",").map((n) => n.trim().toLowerCase()).filter((n) => n !== "");
  if (names.includes("none")) return [];
  const known: TracesExporterName[] = [];
  let unknown = false;
  for (const n of names) {
    if (n !== "otlp" && n !== "console") unknown = true;
    else if (!known.includes(n)) known.push(n);
  }
  if (unknown) {
    const expected = "a list of otlp, console or none (this library has no other exporter)";
    malformed(name, value, expected, known.length === 0 ? "otlp" : () => `using ${known}`);
  }
  return known.length === 0 ? undefined : known;
}

// A headers variable: malformed entries are skipped, and named by position
// or key only, since header values are credentials.
function keyValues(get: Getter, name: string): Record<string, string> | undefined {
  const value = clean(get(name));
  if (value === undefined) return undefined;
  const parsed = parseKeyValueList(value);
  if (parsed.problems.length > 0) {
    const problems = parsed.problems.join("; ");
    warnOnce(
      `env:${name}:${problems}`,
      `ignoring malformed entries of ${name} (${problems}): expected comma-separated key=value pairs; skipping the bad entries`,
    );
  }
  return parsed.entries;
}

// OTEL_RESOURCE_ATTRIBUTES: "In case of any error, e.g. failure during the
// decoding process, the entire environment variable value SHOULD be
// discarded" (specification/resource/sdk.md), so a typo in one entry does
// not leave a resource with half its attributes.
function resourceAttributes(get: Getter): Record<string, string> | undefined {
  const name = "OTEL_RESOURCE_ATTRIBUTES";
  const value = clean(get(name));
  if (value === undefined) return undefined;
  const parsed = parseKeyValueList(value);
  if (parsed.problems.length === 0) return parsed.entries;
  malformed(
    name,
    value,
    `comma-separated key=value pairs, percent-encoded (${parsed.problems.join("; ")})`,
    "",
    "discarding all of it, as the OpenTelemetry specification asks",
  );
  return undefined;
}

// Key-value pairs that must also be valid HTTP headers: an entry `fetch`
// would refuse is skipped with a warning naming its key, never thrown later.
function httpHeaders(get: Getter, name: string): Record<string, string> | undefined {
  const entries = keyValues(get, name);
  if (entries === undefined) return undefined;
  const valid: Record<string, string> = {};
  for (const [key, value] of Object.entries(entries)) {
    try {
      new Headers([[key, value]]);
      valid[key] = value;
    } catch {
      const quoted = quotedKey(key);
      const which = quoted === undefined
        ? "an entry whose key is not a header name"
        : `the entry ${quoted}, whose value is not a valid header value,`;
      warnOnce(`env:${name}:header:${quoted}`, `ignoring ${which} of ${name}; skipping it`);
    }
  }
  return valid;
}

function positiveInteger(
  get: Getter,
  name: string,
  fallback: Fallback,
  allowZero = false,
): number | undefined {
  const value = clean(get(name));
  if (value === undefined) return undefined;
  const n = /^\d+$/.test(value) ? Number(value) : NaN;
  if (Number.isSafeInteger(n) && (allowZero || n > 0)) return n;
  malformed(
    name,
    value,
    allowZero ? "a non-negative integer" : "a positive integer",
    fallback,
  );
  return undefined;
}

// What a timeout of 0, "no limit", becomes: the longest delay a timer can
// wait, 2^31 - 1 ms (about 24.8 days), as the specification allows.
const NO_LIMIT_MS = 2147483647;

// A Timeout variable (configuration/common.md): a non-negative integer of
// milliseconds, where 0 means no limit.
function timeout(get: Getter, name: string, fallback: Fallback): number | undefined {
  const value = positiveInteger(get, name, fallback, true);
  return value === 0 ? NO_LIMIT_MS : value;
}

function oneOf<T extends string>(
  get: Getter,
  name: string,
  allowed: readonly T[],
  fallback: Fallback,
): T | undefined {
  const value = clean(get(name));
  if (value === undefined) return undefined;
  const lower = value.toLowerCase();
  if ((allowed as readonly string[]).includes(lower)) return lower as T;
  malformed(name, value, `one of ${allowed.join(", ")}`, fallback);
  return undefined;
}

function url(get: Getter, name: string, suffix: string, fallback: Fallback): string | undefined {
  const value = clean(get(name));
  if (value === undefined) return undefined;
  const protocol = URL.canParse(value) ? new URL(value).protocol : "";
  if (protocol !== "http:" && protocol !== "https:") {
    malformed(name, shownEndpoint(value), "an http or https URL", fallback);
    return undefined;
  }
  if (suffix === "") return value;
  // "signals are sent to these paths relative to that [base URL]"
  // (protocol/exporter.md): the suffix goes after the path, before any
  // query or fragment, which the URL keeps as they were.
  const end = value.search(/[?#]/);
  const base = end < 0 ? value : value.slice(0, end);
  const rest = end < 0 ? "" : value.slice(end);
  return (base.endsWith("/") ? base + suffix : `${base}/${suffix}`) + rest;
}

/**
 * A malformed endpoint as its warning shows it: an endpoint may carry
 * credentials (a user name and password, an API key in the query), so they
 * are `REDACTED`, and so is a fragment. The value is no http URL, so this
 * works on its text: the user name and password are what comes before the
 * authority's last `@`, each query parameter's value what follows its `=`
 * (the whole parameter when it has none).
 */
function shownEndpoint(value: string): string {
  const hash = value.indexOf("#");
  const beforeHash = hash < 0 ? value : value.slice(0, hash);
  const question = beforeHash.indexOf("?");
  let shown = question < 0 ? beforeHash : beforeHash.slice(0, question);
  const at = shown.lastIndexOf("@");
  if (at >= 0) {
    const slashes = shown.indexOf("//");
    const from = slashes >= 0 && slashes < at ? slashes + 2 : 0;
    shown = `${shown.slice(0, from)}REDACTED${shown.slice(at)}`;
  }
  if (question >= 0) {
    const parameters = beforeHash.slice(question + 1).split("&").map((part) => {
      const eq = part.indexOf("=");
      return part === "" ? part : eq < 0 ? "REDACTED" : `${part.slice(0, eq)}=REDACTED`;
    });
    shown += `?${parameters.join("&")}`;
  }
  return hash < 0 ? shown : `${shown}#REDACTED`;
}

/**
 * Reads `OTEL_EXPORTER_OTLP_TRACES_<variable>`, else the generic
 * `OTEL_EXPORTER_OTLP_<variable>` ("Each configuration option MUST be
 * overridable by a signal specific option", protocol/exporter.md). A
 * malformed TRACES_ value is ignored, and its warning names what is used
 * instead: the generic variable when it holds a valid value, else the
 * default.
 */
function tracesOr<T>(
  variable: string,
  fallback: number | string,
  read: (name: string, fallback: Fallback) => T | undefined,
): T | undefined {
  const generic = `OTEL_EXPORTER_OTLP_${variable}`;
  let fromGeneric: { value: T | undefined } | undefined;
  const readGeneric = (): T | undefined =>
    (fromGeneric ??= { value: read(generic, fallback) }).value;
  const instead = () =>
    readGeneric() === undefined ? `using the default (${fallback})` : `using ${generic} instead`;
  return read(`OTEL_EXPORTER_OTLP_TRACES_${variable}`, instead) ?? readGeneric();
}

/**
 * The URL OTLP/HTTP trace exporters send to when nothing else is
 * configured: a Collector (or Jaeger) on this machine.
 *
 * @example
 * ```ts
 * import { DEFAULT_TRACES_URL, OtlpHttpExporter } from "@codomyrmex/spans/otlp";
 * import assert from "node:assert/strict";
 *
 * assert.equal(new OtlpHttpExporter({ env: {} }).url, DEFAULT_TRACES_URL);
 * ```
 */
export const DEFAULT_TRACES_URL: string = "http://localhost:4318/v1/traces";

const SAMPLERS = [
  "always_on",
  "always_off",
  "traceidratio",
  "parentbased_always_on",
  "parentbased_always_off",
  "parentbased_traceidratio",
] as const;

function sampler(get: Getter): Sampler | undefined {
  const name = oneOf(get, "OTEL_TRACES_SAMPLER", SAMPLERS, "parentbased_always_on");
  if (name === undefined) return undefined;
  let ratio = 1;
  if (name.endsWith("traceidratio")) {
    const arg = clean(get("OTEL_TRACES_SAMPLER_ARG"));
    if (arg !== undefined) {
      const n = Number(arg);
      if (Number.isFinite(n) && n >= 0 && n <= 1) ratio = n;
      else malformed("OTEL_TRACES_SAMPLER_ARG", arg, "a number from 0 to 1", "1");
    }
  }
  switch (name) {
    case "always_on":
      return new AlwaysOnSampler();
    case "always_off":
      return new AlwaysOffSampler();
    case "traceidratio":
      return new TraceIdRatioSampler(ratio);
    case "parentbased_always_on":
      return new ParentBasedSampler({ root: new AlwaysOnSampler() });
    case "parentbased_always_off":
      return new ParentBasedSampler({ root: new AlwaysOffSampler() });
    case "parentbased_traceidratio":
      return new ParentBasedSampler({ root: new TraceIdRatioSampler(ratio) });
  }
}

// Attribute and span limits: non-negative integers. A span-specific
// variable wins over the general one ("the SDK MUST first attempt to use the
// model-specific limit, if it isn't set, then [...] the general limit",
// specification/common/README.md); a malformed one counts as unset.
function spanLimits(get: Getter): SpanLimits | undefined {
  const limit = (name: string, fallback: string) => positiveInteger(get, name, fallback, true);
  const count = limit("OTEL_ATTRIBUTE_COUNT_LIMIT", "128");
  const general = count === undefined ? "128" : `${count}, from OTEL_ATTRIBUTE_COUNT_LIMIT`;
  const length = limit("OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT", "no limit");
  const read: SpanLimits = {
    attributeCountLimit: limit("OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT", general) ?? count,
    attributeValueLengthLimit: limit(
      "OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT",
      length === undefined ? "no limit" : `${length}, from OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT`,
    ) ?? length,
    eventCountLimit: limit("OTEL_SPAN_EVENT_COUNT_LIMIT", "128"),
    linkCountLimit: limit("OTEL_SPAN_LINK_COUNT_LIMIT", "128"),
    // The specification's names first; the JS SDK reads only its own, so a
    // configuration written for it keeps working here.
    attributePerEventCountLimit: limit("OTEL_EVENT_ATTRIBUTE_COUNT_LIMIT", general) ??
      limit("OTEL_SPAN_ATTRIBUTE_PER_EVENT_COUNT_LIMIT", general) ?? count,
    attributePerLinkCountLimit: limit("OTEL_LINK_ATTRIBUTE_COUNT_LIMIT", general) ??
      limit("OTEL_SPAN_ATTRIBUTE_PER_LINK_COUNT_LIMIT", general) ?? count,
  };
  const limits: SpanLimits = {};
  for (const key of Object.keys(read) as (keyof SpanLimits)[]) {
    if (read[key] !== undefined) limits[key] = read[key];
  }
  return Object.keys(limits).length === 0 ? undefined : limits;
}

function sdkDisabled(get: Getter): boolean {
  const value = clean(get("OTEL_SDK_DISABLED"));
  if (value === undefined) return false;
  const lower = value.toLowerCase();
  if (lower === "true") return true;
  if (lower !== "false") malformed("OTEL_SDK_DISABLED", value, "true or false", "false");
  return false;
}

/**
 * Reads every `OTEL_*` variable this library understands, once. Trace-
 * specific variables (`OTEL_EXPORTER_OTLP_TRACES_*`) win over the generic
 * ones. Invalid values are reported with one warning each and left out, so
 * the caller's default applies.
 *
 * @param env Where to read; the process environment when omitted.
 * @returns What was configured.
 *
 * @example
 * ```ts
 * import { readOtlpEnv } from "@codomyrmex/spans/otlp";
 * import assert from "node:assert/strict";
 *
 * const config = readOtlpEnv({
 *   OTEL_EXPORTER_OTLP_ENDPOINT: "http://collector:4318",
 *   OTEL_EXPORTER_OTLP_HEADERS: "x-api-key=abc%20123",
 *   OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: "http/json",
 *   OTEL_SERVICE_NAME: "checkout",
 *   OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT: "64",
 * });
 * assert.equal(config.url, "http://collector:4318/v1/traces");
 * assert.deepEqual(config.headers, { "x-api-key": "abc 123" });
 * assert.equal(config.protocol, "http/json");
 * assert.equal(config.serviceName, "checkout");
 * assert.deepEqual(config.limits, { attributeCountLimit: 64 });
 * assert.equal(config.sdkDisabled, false);
 * ```
 */
export function readOtlpEnv(env?: EnvSource): OtlpEnvConfig {
  const process = env === undefined ? processEnvReader() : undefined;
  const get = process?.get ?? getter(env);
  const config: {
    -readonly [K in keyof OtlpEnvConfig]: OtlpEnvConfig[K];
  } = { sdkDisabled: sdkDisabled(get) };
  // The TRACES_ endpoint as is, the generic one as a base (protocol/exporter.md).
  const traceUrl = tracesOr(
    "ENDPOINT",
    DEFAULT_TRACES_URL,
    (name, fallback) => url(get, name, name.includes("_TRACES_") ? "" : "v1/traces", fallback),
  );
  if (traceUrl !== undefined) config.url = traceUrl;
  const generic = httpHeaders(get, "OTEL_EXPORTER_OTLP_HEADERS");
  const traces = httpHeaders(get, "OTEL_EXPORTER_OTLP_TRACES_HEADERS");
  // By name whatever its case, so a TRACES_ header replaces the generic one.
  if (generic !== undefined || traces !== undefined) config.headers = mergeHeaders(generic, traces);
  const timeoutMs = tracesOr("TIMEOUT", 10000, (name, fallback) => timeout(get, name, fallback));
  if (timeoutMs !== undefined) config.timeoutMs = timeoutMs;
  const protocols = ["http/protobuf", "http/json"] as const;
  const protocol = tracesOr(
    "PROTOCOL",
    "http/protobuf",
    (name, fallback) => oneOf(get, name, protocols, fallback),
  );
  if (protocol !== undefined) config.protocol = protocol;
  const compressions = ["gzip", "none"] as const;
  const compression = tracesOr(
    "COMPRESSION",
    "none",
    (name, fallback) => oneOf(get, name, compressions, fallback),
  );
  if (compression !== undefined) config.compression = compression;
  const serviceName = clean(get("OTEL_SERVICE_NAME"));
  if (serviceName !== undefined) config.serviceName = serviceName;
  const attributes = resourceAttributes(get);
  if (attributes !== undefined) config.resourceAttributes = attributes;
  const chosen = sampler(get);
  if (chosen !== undefined) config.sampler = chosen;
  // A Duration: "The value is non-negative" (configuration/common.md). Zero,
  // export as soon as possible, is the processor's shortest interval, 1 ms:
  // what a timer of 0 waits on Node anyway.
  const delay = positiveInteger(get, "OTEL_BSP_SCHEDULE_DELAY", DEFAULT_FLUSH_INTERVAL_MS, true);
  if (delay !== undefined) config.scheduleDelayMs = Math.max(delay, 1);
  const exportTimeout = timeout(get, "OTEL_BSP_EXPORT_TIMEOUT", 30000);
  if (exportTimeout !== undefined) config.exportTimeoutMs = exportTimeout;
  const queue = positiveInteger(get, "OTEL_BSP_MAX_QUEUE_SIZE", DEFAULT_MAX_QUEUE_SIZE);
  if (queue !== undefined) config.maxQueueSize = queue;
  const batch = positiveInteger(get, "OTEL_BSP_MAX_EXPORT_BATCH_SIZE", DEFAULT_MAX_BATCH_SIZE);
  if (batch !== undefined) config.maxExportBatchSize = batch;
  const limits = spanLimits(get);
  if (limits !== undefined) config.limits = limits;
  const exporters = tracesExporters(get);
  if (exporters !== undefined) config.tracesExporters = exporters;
  process?.done();
  return config;
}
