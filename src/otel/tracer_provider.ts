/**
 * This library as the OpenTelemetry API's `TracerProvider`: spans from code
 * instrumented with `@opentelemetry/api` become this library's spans.
 *
 * @module
 */

import {
  type Sampler as OtelSampler,
  type TextMapPropagator,
  trace,
  type Tracer as OtelTracer,
  type TracerOptions,
  type TracerProvider as OtelTracerProvider,
} from "@opentelemetry/api";
import { describe } from "../platform/_describe.ts";
import { warnOnce } from "../platform/_warn.ts";
import { arrayArgument } from "../platform/_arguments.ts";
import type { SpanLimits } from "../span/attributes.ts";
import type { Clock } from "../platform/clock.ts";
import type { IdGenerator } from "../platform/ids.ts";
import type { Sampler } from "../trace/sampler.ts";
import type { Span } from "../span/span.ts";
import type { SpanProcessor } from "../trace/span_processor.ts";
import { Tracer } from "../trace/tracer.ts";
import { ApiTracer } from "./_api_tracer.ts";
import { EitherSampler } from "./_either_sampler.ts";
import {
  denoOwnsApiGlobals,
  ownerName,
  registerContextManager,
  registerPropagator,
  warnGlobalTaken,
} from "./_otel_global.ts";
import { ProcessorFanOut } from "../trace/_processor_fan_out.ts";
import { resolveResource } from "./_otel_resource.ts";
import { mergeSpanLimits } from "../otlp/_merge_limits.ts";
import { readOtlpEnvOf } from "../otlp/_read_otlp_env_of.ts";
import { asOurProcessor, isEntryProcessor, withOtelStart } from "./_otel_processor_adapter.ts";
import type { OtelIdGenerator, OtelResource, OtelSpanProcessor } from "./_sdk_types.ts";
import type { ToReadableSpanOptions } from "./readable_span.ts";

// The variables the OpenTelemetry SDK's BasicTracerProvider reads (its
// loadDefaultConfig: the sampler, the span and the general attribute
// limits), as this library reads them (src/otlp/env.ts); the SDK spells the
// per-event and per-link attribute limits OTEL_SPAN_ATTRIBUTE_PER_EVENT/
// LINK_COUNT_LIMIT, the specification OTEL_EVENT/LINK_ATTRIBUTE_COUNT_LIMIT:
// both are read, the specification's winning. No other is read, so none
// other is warned about: a malformed exporter endpoint is the exporter's,
// and this exports nothing.
const PROVIDER_VARIABLES: readonly string[] = [
  "OTEL_TRACES_SAMPLER",
  "OTEL_TRACES_SAMPLER_ARG",
  "OTEL_ATTRIBUTE_COUNT_LIMIT",
  "OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT",
  "OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT",
  "OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT",
  "OTEL_SPAN_EVENT_COUNT_LIMIT",
  "OTEL_SPAN_LINK_COUNT_LIMIT",
  "OTEL_EVENT_ATTRIBUTE_COUNT_LIMIT",
  "OTEL_LINK_ATTRIBUTE_COUNT_LIMIT",
  "OTEL_SPAN_ATTRIBUTE_PER_EVENT_COUNT_LIMIT",
  "OTEL_SPAN_ATTRIBUTE_PER_LINK_COUNT_LIMIT",
];

/** How a {@linkcode TracerProvider} makes its tracers. Every field is optional. */
export interface TracerProviderOptions extends ToReadableSpanOptions {
  /**
   * This library's processors every span goes to, in order. This entry's
   * {@linkcode SimpleSpanProcessor} and {@linkcode BatchSpanProcessor} may
   * be among them: they take this library's spans, converted with their own
   * resource.
   */
  processors?: readonly SpanProcessor[];
  /**
   * OpenTelemetry span processors (the SDK's option of that name), after
   * `processors`: each gets what an SDK provider gives it, `onStart(span,
   * parentContext)` as a recording span starts, with a span that reads as a
   * `ReadableSpan` and writes through to this library's span (a processor
   * may copy baggage from `parentContext` into attributes), and `onEnd`
   * with a `ReadableSpan` carrying this provider's resource. Processors
   * {@linkcode addSpanProcessor} adds join these.
   */
  spanProcessors?: readonly OtelSpanProcessor[];
  /**
   * Bounds on attributes, events and links per span; each one given wins
   * over `generalLimits` and its `OTEL_SPAN_*_LIMIT` /
   * `OTEL_ATTRIBUTE_*_LIMIT` variable, as in the SDK's provider. Default 128
   * of each, values of any length. `spanLimits` is the SDK's name for it:
   * give one or the other.
   */
  limits?: SpanLimits;
  /**
   * The SDK's name for `limits` (its `spanLimits`: the same six fields, the
   * same meaning), so a configuration carried over from its
   * `BasicTracerProvider` or `NodeTracerProvider` keeps its limits. Giving
   * both `limits` and `spanLimits` is refused with a `TypeError`: two names
   * for one setting, where neither could win without hiding a mistake.
   *
   * @example
   * ```ts
   * import { InMemorySpanProcessor } from "@codomyrmex/spans";
   * import { TracerProvider } from "@codomyrmex/spans/otel";
   * import assert from "node:assert/strict";
   *
   * const memory = new InMemorySpanProcessor();
   * new TracerProvider({ processors: [memory], spanLimits: { attributeCountLimit: 1 } })
   *   .getTracer("lib").startSpan("s", { attributes: { a: 1, b: 2 } }).end();
   * assert.deepEqual(memory.spans[0].attributes, { a: 1 });
   * assert.equal(memory.spans[0].droppedAttributesCount, 1);
   * assert.throws(() => new TracerProvider({ limits: {}, spanLimits: {} }), TypeError);
   * ```
   */
  spanLimits?: SpanLimits;
  /**
   * The SDK's `generalLimits`: the attribute count and value length for a
   * span's attributes where `limits` (or `spanLimits`) does not set them,
   * over the `OTEL_*` variables, as its provider takes them. As there, the
   * per-event and per-link counts are not taken from here.
   *
   * @example
   * ```ts
   * import { InMemorySpanProcessor } from "@codomyrmex/spans";
   * import { TracerProvider } from "@codomyrmex/spans/otel";
   * import assert from "node:assert/strict";
   *
   * const memory = new InMemorySpanProcessor();
   * new TracerProvider({
   *   processors: [memory],
   *   generalLimits: { attributeCountLimit: 1, attributeValueLengthLimit: 2 },
   *   spanLimits: { attributeCountLimit: 5 },
   * }).getTracer("lib").startSpan("s", { attributes: { a: "abc", b: "xyz" } }).end();
   * assert.deepEqual(memory.spans[0].attributes, { a: "ab", b: "xy" });
   * ```
   */
  generalLimits?: Pick<SpanLimits, "attributeCountLimit" | "attributeValueLengthLimit">;
  /**
   * Where trace and span ids come from: this library's `IdGenerator`, or
   * the SDK's (`generateTraceId()` and `generateSpanId()`).
   */
  idGenerator?: IdGenerator | OtelIdGenerator;
  /** Where times come from. */
  clock?: Clock;
  /**
   * Decides which spans are recorded: this library's `Sampler`, or an
   * OpenTelemetry one as the SDK's provider takes it (its
   * `TraceIdRatioBasedSampler`, `ParentBasedSampler`, or your own). Which of
   * the two it is shows in its first answer, a decision that is a string or
   * a number; until then it is called in a way both read right, and from
   * then on in its own. An OpenTelemetry sampler gets the API context the
   * span starts in (its span the parent), the trace id, name, `SpanKind`,
   * attributes and links, as the SDK's tracer gives them; its decision,
   * attributes and trace state apply as they would there. Default:
   * `OTEL_TRACES_SAMPLER` (with `OTEL_TRACES_SAMPLER_ARG`), as the SDK's
   * provider reads it, else parent-based, always on.
   *
   * @example An SDK sampler carried over
   * ```ts
   * import { InMemorySpanProcessor } from "@codomyrmex/spans";
   * import { TracerProvider } from "@codomyrmex/spans/otel";
   * import { type Sampler, SamplingDecision } from "@opentelemetry/api";
   * import assert from "node:assert/strict";
   *
   * // What the SDK's samplers are: a numeric decision, the API's arguments.
   * const serversOnly: Sampler = {
   *   shouldSample: (_context, _traceId, _name, kind) => ({
   *     decision: kind === 1 ? SamplingDecision.RECORD_AND_SAMPLED : SamplingDecision.NOT_RECORD,
   *   }),
   *   toString: () => "ServersOnly",
   * };
   * const memory = new InMemorySpanProcessor();
   * const tracer = new TracerProvider({ processors: [memory], sampler: serversOnly })
   *   .getTracer("lib");
   * tracer.startSpan("internal").end();
   * tracer.startSpan("server", { kind: 1 }).end();
   * assert.deepEqual(memory.spans.map((s) => s.name), ["server"]);
   * ```
   */
  sampler?: Sampler | OtelSampler;
}

/** What {@linkcode TracerProvider.register} installs besides the provider. */
export interface RegisterOptions {
  /**
   * The global `@opentelemetry/api` propagator, which instrumentations
   * (fetch, http, frameworks) use to write and read the headers that carry
   * a trace between services. Default: W3C Trace Context (`traceparent`,
   * `tracestate`) and W3C Baggage (`baggage`), parsed and written by this
   * library. `null`: install none.
   */
  propagator?: TextMapPropagator | null;
}

/**
 * An `@opentelemetry/api` `TracerProvider` built on this library's
 * {@linkcode Tracer}: its tracers' `startSpan` and `startActiveSpan` make
 * this library's spans, which go to this library's processors. Register it
 * with {@linkcode TracerProvider.register} (or
 * `trace.setGlobalTracerProvider`) and every library instrumented with
 * `@opentelemetry/api` reports here; the registered
 * {@linkcode BridgeContextManager} shares the current span both ways.
 *
 * @example
 * ```ts
 * import { InMemorySpanProcessor, Tracer } from "@codomyrmex/spans";
 * import { TracerProvider } from "@codomyrmex/spans/otel";
 * import { context, propagation, trace } from "@opentelemetry/api";
 * import assert from "node:assert/strict";
 *
 * const memory = new InMemorySpanProcessor();
 * new TracerProvider({ processors: [memory] }).register();
 * try {
 *   const tracer = new Tracer({ processors: [memory] });
 *   // Code that knows only @opentelemetry/api, inside one of our spans:
 *   tracer.span("handler", () => {
 *     trace.getTracer("db-driver").startActiveSpan("query", (span) => span.end());
 *   });
 *   const [query, handler] = memory.spans;
 *   assert.equal(query.context.parentSpanId, handler.context.spanId);
 *   assert.equal(query.instrumentationScope?.name, "db-driver");
 * } finally {
 *   trace.disable();
 *   context.disable();
 *   propagation.disable();
 * }
 * ```
 */
export class TracerProvider implements OtelTracerProvider {
  readonly #options: TracerProviderOptions;
  readonly #processors = new ProcessorFanOut<Span>();
  // By scope, held weakly: a tracer nobody holds is made again when asked
  // for, so scopes named per request (each tracer about 1 KB) do not pile
  // up for the provider's life. One still held is the one returned.
  readonly #tracers = new Map<string, WeakRef<OtelTracer>>();
  readonly #collected = new FinalizationRegistry<string>((key) => {
    if (this.#tracers.get(key)?.deref() === undefined) this.#tracers.delete(key);
  });
  readonly #resource: OtelResource;
  readonly #sampler: Sampler | undefined;
  readonly #limits: SpanLimits | undefined;
  readonly #idGenerator: IdGenerator | undefined;

  /**
   * Creates the provider.
   *
   * @param options Processors, limits, ids, clock, sampler and resource. An
   *   option it does not take (the SDK's `forceFlushTimeoutMillis` or
   *   `meterProvider`, a misspelt name) is warned about, once, by name.
   * @throws {TypeError} When an option has the wrong shape, or both `limits`
   *   and `spanLimits` are given.
   *
   * @example
   * ```ts
   * import { TracerProvider } from "@codomyrmex/spans/otel";
   * import assert from "node:assert/strict";
   *
   * assert.throws(() => new TracerProvider({ processors: [{}] as never }), TypeError);
   * ```
   */
  constructor(options: TracerProviderOptions = {}) {
    if (typeof options !== "object" || options === null) {
      throw new TypeError(
        `Cannot create TracerProvider: options must be an object, got ${describe(options)}`,
      );
    }
    this.#options = options;
    warnUnknownOptions(options);
    const limits = givenLimits(options);
    const idGenerator = this.#idGenerator = asIdGenerator(options.idGenerator);
    // Tracer checks the rest of the options as it would its own; an
    // OpenTelemetry sampler has the shouldSample method it looks for.
    new Tracer({
      processors: options.processors,
      limits,
      idGenerator,
      clock: options.clock,
      sampler: options.sampler as Sampler | undefined,
    });
    const spanProcessors = arrayArgument(
      options.spanProcessors ?? [],
      "create TracerProvider",
      "spanProcessors",
    );
    spanProcessors.forEach((p, i) => {
      if (typeof p?.onEnd !== "function" || typeof p.forceFlush !== "function") {
        throw new TypeError(
          `Cannot create TracerProvider: spanProcessors[${i}] must have onEnd and forceFlush methods, got ${
            describe(p)
          }`,
        );
      }
    });
    // The SDK's provider reads these variables too, so the spans of
    // @opentelemetry/api are sampled and limited as setupTracing's are. It
    // reads them whatever it is given, each limit given winning over its
    // variable: limits given in part take the rest from the environment.
    const env = readOtlpEnvOf(PROVIDER_VARIABLES);
    this.#sampler = options.sampler === undefined
      ? env.sampler
      : new EitherSampler(options.sampler);
    this.#limits = mergeSpanLimits(limits, env.limits);
    const resource = this.#resource = resolveResource(options.resource);
    for (const p of options.processors ?? []) {
      this.#processors.add(isEntryProcessor(p) ? withOtelStart(p, resource) : p);
    }
    for (const p of spanProcessors) this.#processors.add(asOurProcessor(p, this));
  }

  /**
   * The resource OpenTelemetry processors (in `spanProcessors`, or added
   * with {@linkcode addSpanProcessor}) see on this provider's spans.
   *
   * @example
   * ```ts
   * import { TracerProvider } from "@codomyrmex/spans/otel";
   * import assert from "node:assert/strict";
   *
   * const provider = new TracerProvider({ resource: { "service.name": "shop" } });
   * assert.equal(provider.resource.attributes["service.name"], "shop");
   * ```
   */
  get resource(): OtelResource {
    return this.#resource;
  }

  /**
   * Returns the `@opentelemetry/api` tracer for an instrumentation scope;
   * the same object for the same name, version and schema URL while that
   * object is held (the provider holds its tracers weakly, so scopes named
   * per request or per job do not pile up).
   *
   * @param name The instrumentation scope's name.
   * @param version Its version.
   * @param options `schemaUrl`: the schema URL of the semantic conventions
   *   its spans follow (see `TracerOptions.schemaUrl`).
   * @returns The tracer.
   *
   * @example
   * ```ts
   * import { InMemorySpanProcessor } from "@codomyrmex/spans";
   * import { TracerProvider } from "@codomyrmex/spans/otel";
   * import assert from "node:assert/strict";
   *
   * const memory = new InMemorySpanProcessor();
   * const provider = new TracerProvider({ processors: [memory] });
   * provider.getTracer("lib", "1.0.0").startSpan("work").end();
   * assert.deepEqual(memory.spans[0].instrumentationScope, { name: "lib", version: "1.0.0" });
   * assert.equal(provider.getTracer("lib", "1.0.0"), provider.getTracer("lib", "1.0.0"));
   * ```
   *
   * @example With a schema URL
   * ```ts
   * import { InMemorySpanProcessor } from "@codomyrmex/spans";
   * import { TracerProvider } from "@codomyrmex/spans/otel";
   * import assert from "node:assert/strict";
   *
   * const memory = new InMemorySpanProcessor();
   * const schemaUrl = "https://opentelemetry.io/schemas/1.26.0";
   * new TracerProvider({ processors: [memory] }).getTracer("lib", "1.0.0", { schemaUrl })
   *   .startSpan("work").end();
   * assert.equal(memory.spans[0].instrumentationScope?.schemaUrl, schemaUrl);
   * ```
   */
  getTracer(name: string, version?: string, options?: TracerOptions): OtelTracer {
    // OpenTelemetry's API never throws: a name, version or schema URL that
    // is no string (a Symbol cannot even be joined into a key) is none.
    const scopeName = typeof name === "string" ? name : "";
    const scopeVersion = typeof version === "string" ? version : undefined;
    const given: unknown = options?.schemaUrl;
    const schemaUrl = typeof given === "string" && given !== "" ? given : undefined;
    // Lengths first, so "a@b" and ("a", "b@") are two scopes.
    const v = scopeVersion ?? "";
    const key = `${scopeName.length}:${scopeName}@${v.length}:${v}@${schemaUrl ?? ""}`;
    let tracer = this.#tracers.get(key)?.deref();
    if (tracer === undefined) {
      const o = this.#options;
      tracer = new ApiTracer(
        new Tracer({
          name: scopeName,
          version: scopeVersion,
          schemaUrl,
          processors: [this.#processors],
          limits: this.#limits,
          idGenerator: this.#idGenerator,
          clock: o.clock,
          sampler: this.#sampler,
        }),
      );
      this.#tracers.set(key, new WeakRef(tracer));
      this.#collected.register(tracer, key);
    }
    return tracer;
  }

  /**
   * Adds one of this library's processors; spans that start afterwards
   * reach it. (OpenTelemetry processors go in `spanProcessors`, or through
   * {@linkcode addSpanProcessor}.)
   *
   * @param processor The processor.
   * @throws {TypeError} When it has no `onEnd` method.
   *
   * @example
   * ```ts
   * import { InMemorySpanProcessor } from "@codomyrmex/spans";
   * import { TracerProvider } from "@codomyrmex/spans/otel";
   * import assert from "node:assert/strict";
   *
   * const provider = new TracerProvider();
   * const memory = new InMemorySpanProcessor();
   * provider.addProcessor(memory);
   * provider.getTracer("x").startSpan("late").end();
   * assert.equal(memory.spans.length, 1);
   * ```
   */
  addProcessor(processor: SpanProcessor): void {
    if (typeof processor?.onEnd !== "function") {
      throw new TypeError(
        `Cannot add processor: it must have an onEnd method, got ${describe(processor)}`,
      );
    }
    this.#processors.add(processor);
  }

  /**
   * Makes this the global `@opentelemetry/api` tracer provider, a
   * {@linkcode BridgeContextManager} the global context manager, and, as the
   * OpenTelemetry SDK's `register()` does, W3C Trace Context and Baggage the
   * global propagator (or `options.propagator`; `null` for none), so that
   * instrumented clients send `traceparent` and instrumented servers
   * continue the caller's trace. When another provider, context manager or
   * propagator already holds its slot (another SDK, or Deno's built-in
   * OpenTelemetry with `OTEL_DENO=true`), it leaves it there and warns once
   * saying which and what to do; for the provider it returns `false`.
   *
   * @param options The propagator to install.
   * @returns Whether this provider is now the global one.
   * @throws {TypeError} When `options.propagator` is not a propagator or `null`.
   *
   * @example
   * ```ts
   * import { TracerProvider } from "@codomyrmex/spans/otel";
   * import { context, propagation, ProxyTracerProvider, trace } from "@opentelemetry/api";
   * import assert from "node:assert/strict";
   *
   * const provider = new TracerProvider();
   * try {
   *   assert.equal(provider.register(), true);
   *   const global = trace.getTracerProvider() as ProxyTracerProvider;
   *   assert.equal(global.getDelegate(), provider);
   *   // Instrumented clients now send the active span's W3C headers:
   *   trace.getTracer("http-client").startActiveSpan("GET", (span) => {
   *     const headers: Record<string, string> = {};
   *     propagation.inject(context.active(), headers);
   *     assert.match(headers.traceparent, new RegExp(span.spanContext().spanId));
   *     span.end();
   *   });
   * } finally {
   *   trace.disable();
   *   context.disable();
   *   propagation.disable();
   * }
   * ```
   */
  register(options: RegisterOptions = {}): boolean {
    const propagator = options?.propagator;
    if (
      propagator !== undefined && propagator !== null &&
      (typeof propagator.inject !== "function" || typeof propagator.extract !== "function")
    ) {
      throw new TypeError(
        `Cannot register TracerProvider: propagator must have inject and extract methods, or be null, got ${
          describe(propagator)
        }`,
      );
    }
    const global = trace.getTracerProvider() as { getDelegate?(): unknown };
    const ok = global.getDelegate?.() === this || trace.setGlobalTracerProvider(this);
    if (!ok) warnGlobalTaken("this TracerProvider", ownerName(global.getDelegate?.()));
    // As the SDK's register() does, the context manager and the propagator
    // are set each on its own, whoever holds the provider slot; but not
    // where Deno's built-in OpenTelemetry owns them (its context is bridged
    // already, and it writes its own headers).
    if (ok || !denoOwnsApiGlobals()) {
      registerContextManager();
      if (propagator !== null) registerPropagator(propagator);
    }
    return ok;
  }

  /**
   * Flushes every processor.
   *
   * @returns A promise that resolves when all have flushed.
   *
   * @example
   * ```ts
   * import { TracerProvider } from "@codomyrmex/spans/otel";
   *
   * await new TracerProvider().forceFlush();
   * ```
   */
  forceFlush(): Promise<void> {
    return this.#processors.forceFlush();
  }

  /**
   * Shuts every processor down.
   *
   * @returns A promise that resolves when all have shut down.
   *
   * @example
   * ```ts
   * import { InMemorySpanProcessor } from "@codomyrmex/spans";
   * import { TracerProvider } from "@codomyrmex/spans/otel";
   * import assert from "node:assert/strict";
   *
   * const memory = new InMemorySpanProcessor();
   * const provider = new TracerProvider({ processors: [memory] });
   * await provider.shutdown();
   * provider.getTracer("x").startSpan("late").end();
   * assert.equal(memory.stats().dropped, 1);
   * ```
   */
  shutdown(): Promise<void> {
    return this.#processors.shutdown();
  }
}

// Every option the constructor reads; TracerProviderOptions' fields.
const KNOWN_OPTIONS = new Set([
  "processors",
  "spanProcessors",
  "limits",
  "spanLimits",
  "generalLimits",
  "idGenerator",
  "clock",
  "sampler",
  "resource",
]);

// The SDK's provider options this one has no use for, and why.
const SDK_OPTIONS_IGNORED: Readonly<Record<string, string>> = {
  forceFlushTimeoutMillis: "its forceFlush() waits for every processor, with no timeout of its own",
  meterProvider: "it records no metrics about its spans",
};

// A configuration carried over from the SDK's provider may hold options
// this one does not take; the SDK ignores a key it does not know, but a
// setting that silently does nothing is one the user believes in.
function warnUnknownOptions(options: object): void {
  for (const key of Object.keys(options)) {
    if (KNOWN_OPTIONS.has(key) || (options as Record<string, unknown>)[key] === undefined) continue;
    const why = Object.hasOwn(SDK_OPTIONS_IGNORED, key)
      ? SDK_OPTIONS_IGNORED[key]
      : "it is none of TracerProviderOptions";
    warnOnce(
      `tracer-provider-option:${key}`,
      `TracerProvider ignores the option ${JSON.stringify(key)}: ${why}`,
    );
  }
}

// The limits given in code: `limits` or the SDK's `spanLimits`, over the
// SDK's `generalLimits` (its attribute count and value length only, as
// its provider reads them).
function givenLimits(options: TracerProviderOptions): SpanLimits | undefined {
  const { limits, spanLimits, generalLimits } = options;
  if (limits !== undefined && spanLimits !== undefined) {
    throw new TypeError(
      "Cannot create TracerProvider: limits and spanLimits are one setting (spanLimits is the SDK's name for it), give one of them",
    );
  }
  const span = limits ?? spanLimits;
  if (generalLimits === undefined) return span;
  if (typeof generalLimits !== "object" || generalLimits === null) {
    throw new TypeError(
      `Cannot create TracerProvider: generalLimits must be an object, got ${
        describe(generalLimits)
      }`,
    );
  }
  const general: SpanLimits = {};
  if (generalLimits.attributeCountLimit !== undefined) {
    general.attributeCountLimit = generalLimits.attributeCountLimit;
  }
  if (generalLimits.attributeValueLengthLimit !== undefined) {
    general.attributeValueLengthLimit = generalLimits.attributeValueLengthLimit;
  }
  return mergeSpanLimits(span, general);
}

// The SDK's id generator as this library's; anything else as it is, for
// the Tracer to check.
function asIdGenerator(given: IdGenerator | OtelIdGenerator | undefined): IdGenerator | undefined {
  const sdk = given as Partial<OtelIdGenerator> | null | undefined;
  if (
    typeof (given as Partial<IdGenerator> | null | undefined)?.traceId === "function" ||
    typeof sdk?.generateTraceId !== "function" || typeof sdk.generateSpanId !== "function"
  ) {
    return given as IdGenerator | undefined;
  }
  const ids = sdk as OtelIdGenerator;
  return { traceId: () => ids.generateTraceId(), spanId: () => ids.generateSpanId() };
}
