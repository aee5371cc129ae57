/**
 * The resource: what produces the spans (a service, its version, the SDK and
 * the runtime), sent once with every OTLP batch.
 *
 * @module
 */

import { type Attributes, sanitizeAttributeValue } from "../span/attributes.ts";
import { setOwnAttribute } from "../span/_attribute_bag.ts";
import { recordArgument } from "../platform/_arguments.ts";
import { describe } from "../platform/_describe.ts";
import { VERSION } from "../platform/_version.ts";
import { detectRuntime } from "../platform/_runtime.ts";
import type { EnvSource } from "./env.ts";
import { readOtlpEnvOf } from "./_read_otlp_env_of.ts";
import { mergedSchemaUrl } from "./_schema_url.ts";

/** How {@linkcode Resource.detect} builds a resource. Every field is optional. */
export interface ResourceOptions {
  /** `service.name`; wins over `OTEL_SERVICE_NAME` and `OTEL_RESOURCE_ATTRIBUTES`. */
  serviceName?: string;
  /** `service.version`. */
  serviceVersion?: string;
  /**
   * More attributes; they win over the environment's (`service.name` over
   * `OTEL_SERVICE_NAME` too) and the detected ones.
   */
  attributes?: Readonly<Record<string, unknown>>;
  /**
   * Where `OTEL_SERVICE_NAME` and `OTEL_RESOURCE_ATTRIBUTES` are read (no
   * other variable is); the process environment when omitted.
   */
  env?: EnvSource;
}

// The variables a resource is detected from: only these are read, so a
// malformed one of the exporter's is the exporter's to warn about.
const RESOURCE_VARIABLES: readonly string[] = ["OTEL_SERVICE_NAME", "OTEL_RESOURCE_ATTRIBUTES"];

/**
 * This library's `telemetry.sdk.name`, as every detected resource reports it.
 *
 * @example
 * ```ts
 * import { Resource, SDK_NAME } from "@codomyrmex/spans/otlp";
 * import assert from "node:assert/strict";
 *
 * assert.equal(Resource.detect({ env: {} }).attributes["telemetry.sdk.name"], SDK_NAME);
 * ```
 */
export const SDK_NAME: string = "@codomyrmex/spans";

/**
 * An immutable set of attributes describing the producer of spans. Invalid
 * attribute values are dropped and counted, never thrown.
 *
 * @example
 * ```ts
 * import { Resource } from "@codomyrmex/spans/otlp";
 * import assert from "node:assert/strict";
 *
 * const resource = Resource.detect({ serviceName: "checkout", env: {} });
 * assert.equal(resource.attributes["service.name"], "checkout");
 * assert.equal(resource.attributes["telemetry.sdk.language"], "nodejs"); // "webjs" in a browser
 * ```
 */
export class Resource {
  readonly #attributes: Readonly<Attributes>;
  // Not readonly: merge() adds the counts of the resources it merged.
  #dropped: number;
  readonly #schemaUrl: string | undefined;

  /**
   * Creates a resource from exactly these attributes.
   *
   * @param attributes Strings, numbers, booleans or homogeneous arrays (`null`
   *   elements kept); others are dropped.
   * @param options `schemaUrl`: the schema URL of the semantic conventions
   *   the attributes follow, sent as OTLP's `ResourceSpans.schema_url`.
   * @throws {TypeError} When `attributes` is not a record (a string, say),
   *   `options` not an object, or `schemaUrl` not a string.
   *
   * @example
   * ```ts
   * import { Resource } from "@codomyrmex/spans/otlp";
   * import assert from "node:assert/strict";
   *
   * const resource = new Resource({ "service.name": "api", bad: { nested: true } });
   * assert.deepEqual(resource.attributes, { "service.name": "api" });
   * assert.equal(resource.droppedAttributesCount, 1);
   * ```
   *
   * @example With a schema URL
   * ```ts
   * import { Resource } from "@codomyrmex/spans/otlp";
   * import assert from "node:assert/strict";
   *
   * const schemaUrl = "https://opentelemetry.io/schemas/1.26.0";
   * const resource = new Resource({ "service.name": "api" }, { schemaUrl });
   * assert.equal(resource.schemaUrl, schemaUrl);
   * ```
   */
  constructor(
    attributes: Readonly<Record<string, unknown>> = {},
    options: { readonly schemaUrl?: string } = {},
  ) {
    const given = attributes === null
      ? {}
      : recordArgument(attributes, "create Resource", "attributes");
    const schemaUrl = options === null
      ? undefined
      : recordArgument(options, "create Resource", "options").schemaUrl;
    optionalString(schemaUrl, "create Resource", "schemaUrl");
    this.#schemaUrl = (schemaUrl as string | undefined) || undefined;
    const clean: Attributes = {};
    let dropped = 0;
    for (const key of Object.keys(given)) {
      const value = sanitizeAttributeValue(given[key]);
      if (value === undefined || key === "") dropped++;
      else setOwnAttribute(clean, key, value);
    }
    this.#attributes = Object.freeze(clean);
    this.#dropped = dropped;
  }

  /**
   * The resource's attributes.
   *
   * @example
   * ```ts
   * import { Resource } from "@codomyrmex/spans/otlp";
   * import assert from "node:assert/strict";
   *
   * assert.equal(new Resource({ "host.name": "a" }).attributes["host.name"], "a");
   * ```
   */
  get attributes(): Readonly<Attributes> {
    return this.#attributes;
  }

  /**
   * How many attributes were invalid and dropped.
   *
   * @example
   * ```ts
   * import { Resource } from "@codomyrmex/spans/otlp";
   * import assert from "node:assert/strict";
   *
   * assert.equal(new Resource({ a: null }).droppedAttributesCount, 1);
   * ```
   */
  get droppedAttributesCount(): number {
    return this.#dropped;
  }

  /**
   * The schema URL of the semantic conventions the attributes follow;
   * `undefined` when none was given.
   *
   * @example
   * ```ts
   * import { Resource } from "@codomyrmex/spans/otlp";
   * import assert from "node:assert/strict";
   *
   * const schemaUrl = "https://opentelemetry.io/schemas/1.26.0";
   * assert.equal(new Resource({}, { schemaUrl }).schemaUrl, schemaUrl);
   * assert.equal(new Resource({}).schemaUrl, undefined);
   * ```
   */
  get schemaUrl(): string | undefined {
    return this.#schemaUrl;
  }

  /**
   * Returns a resource with this one's attributes and `other`'s on top. Its
   * schema URL follows OpenTelemetry's merge rule: when one of the two has
   * none, the other's; when both have one and they differ (the result is
   * left to implementations there), `other`'s. The attributes either one
   * dropped stay counted: its `droppedAttributesCount` is the sum of both.
   *
   * @param other The resource whose attributes win.
   * @returns The merged resource.
   *
   * @example
   * ```ts
   * import { Resource } from "@codomyrmex/spans/otlp";
   * import assert from "node:assert/strict";
   *
   * const merged = new Resource({ a: 1, b: 1 }).merge(new Resource({ b: 2, c: null }));
   * assert.deepEqual(merged.attributes, { a: 1, b: 2 });
   * assert.equal(merged.droppedAttributesCount, 1);
   * ```
   */
  merge(other: Resource): Resource {
    const merged = new Resource({ ...this.#attributes, ...other.attributes }, {
      schemaUrl: mergedSchemaUrl(this.#schemaUrl, other),
    });
    // A plain object standing in for a resource (from JavaScript, where
    // nothing checks the types) has dropped nothing yet: the merged resource
    // drops and counts its invalid attributes itself.
    merged.#dropped += this.#dropped + (other instanceof Resource ? other.#dropped : 0);
    return merged;
  }

  /**
   * Builds the resource for this process: `service.name` from the options
   * (`serviceName`, then `attributes`), then `OTEL_SERVICE_NAME`, then
   * `OTEL_RESOURCE_ATTRIBUTES`, else
   * `unknown_service:<runtime>`; `service.version`; the SDK's name,
   * language and version; and the runtime's name and version. The language
   * is the semantic conventions' `nodejs` where there is a process (Node,
   * Deno, Bun), else `webjs` (a browser, a web worker); `process.runtime.name`
   * tells the runtimes apart.
   *
   * @param options Service name and version, more attributes, the env source.
   * @returns The resource.
   * @throws {TypeError} When `serviceName` or `serviceVersion` is not a
   *   string, or `attributes` or `env` not a record.
   *
   * @example
   * ```ts
   * import { Resource } from "@codomyrmex/spans/otlp";
   * import assert from "node:assert/strict";
   *
   * const resource = Resource.detect({
   *   env: { OTEL_RESOURCE_ATTRIBUTES: "deployment.environment.name=prod,service.name=shop" },
   * });
   * assert.equal(resource.attributes["service.name"], "shop");
   * assert.equal(resource.attributes["deployment.environment.name"], "prod");
   * assert.equal(resource.attributes["telemetry.sdk.name"], "@codomyrmex/spans");
   * ```
   */
  static detect(options: ResourceOptions = {}): Resource {
    const action = "detect Resource";
    recordArgument(options, action, "options");
    optionalString(options.serviceName, action, "serviceName");
    optionalString(options.serviceVersion, action, "serviceVersion");
    const env = readOtlpEnvOf(RESOURCE_VARIABLES, options.env);
    const runtime = detectRuntime();
    const fromEnv = env.resourceAttributes ?? {};
    const given = options.attributes == null
      ? {}
      : recordArgument(options.attributes, action, "attributes");
    // What the code gives wins over the environment, as for every attribute:
    // "the user provided resource information has higher priority"
    // (resource/sdk.md); of the environment, OTEL_SERVICE_NAME wins over
    // OTEL_RESOURCE_ATTRIBUTES.
    const serviceName = options.serviceName ?? stringOrUndefined(given["service.name"]) ??
      env.serviceName ?? stringOrUndefined(fromEnv["service.name"]) ??
      `unknown_service:${runtime.executable}`;
    const attributes: Record<string, unknown> = { "service.name": serviceName };
    const serviceVersion = options.serviceVersion ?? given["service.version"] ??
      fromEnv["service.version"];
    if (serviceVersion !== undefined) attributes["service.version"] = serviceVersion;
    attributes["telemetry.sdk.language"] = runtime.language;
    attributes["telemetry.sdk.name"] = SDK_NAME;
    attributes["telemetry.sdk.version"] = VERSION;
    attributes["process.runtime.name"] = runtime.name;
    if (runtime.version !== undefined) attributes["process.runtime.version"] = runtime.version;
    for (const source of [fromEnv, given]) {
      for (const key of Object.keys(source)) {
        if (key !== "service.name" && key !== "service.version") {
          setOwnAttribute(attributes, key, source[key]);
        }
      }
    }
    return new Resource(attributes);
  }
}

function optionalString(value: unknown, action: string, name: string): void {
  if (value !== undefined && typeof value !== "string") {
    throw new TypeError(`Cannot ${action}: ${name} must be a string, got ${describe(value)}`);
  }
}

function stringOrUndefined(value: unknown): string | undefined {
  return typeof value === "string" && value !== "" ? value : undefined;
}
