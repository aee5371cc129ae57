/**
 * The Tracer: creates spans, parents them on the current span, samples
 * them, and hands them to processors.
 *
 * @module
 */

import { iterableArgument } from "../platform/_arguments.ts";
import { describe } from "../platform/_describe.ts";
import { keepParentTraceFields } from "../span/_parent_trace_fields.ts";
import { ZERO_TRACE_ID } from "../platform/_zero_ids.ts";
import { markRemoteParent } from "../span/_remote_parent.ts";
import { endByLibrary } from "../span/_library_end.ts";
import { debugOn, errorOnce } from "../platform/_diagnostics.ts";
import { thenOf } from "../platform/_then_of.ts";
import { errorMessage, warnOnce } from "../platform/_warn.ts";
import { resolveSpanLimits } from "../span/_span_limits.ts";
import type { Attributes, ResolvedSpanLimits, SpanLimits } from "../span/attributes.ts";
import { AttributeBag, wholeCopy } from "../span/_attribute_bag.ts";
import { type Clock, systemClock } from "../platform/clock.ts";
import { type ContextStorage, getContextStorage, StackContextStorage } from "../context/storage.ts";
import { asyncScope } from "../context/_async_scope.ts";
import { nativeStorage } from "../context/_native_storage.ts";
import { SPAN_KEY } from "../context/current_span.ts";
import { withoutSpan } from "../context/_without_span.ts";
import { warnIfAsyncOnStack } from "../context/_async_work_warning.ts";
import { Context, ROOT_CONTEXT } from "../context/context.ts";
import { SUPPRESS_TRACING_KEY } from "../context/suppression.ts";
import {
  checkedIdGenerator,
  defaultIdGenerator,
  defaultIdPool,
  hasRandomTraceIds,
} from "../platform/_id_generators.ts";
import { type IdPool, spanIdIn, traceIdIn } from "../platform/_id_pool.ts";
import type { IdGenerator } from "../platform/ids.ts";
import type { Sampler, SamplingParameters, SamplingResult } from "./sampler.ts";
import { type InstrumentationScope, Span, type SpanInit, type SpanKind } from "../span/span.ts";
import { checkedTime } from "../span/_time.ts";
import { createTrustedSpanContext } from "../span/_trusted_span_context.ts";
import {
  IDS_FOLLOW,
  isRemoteOf,
  spanIdOf,
  traceFlagsOf,
  traceIdOf,
  traceStateOf,
} from "../span/_span_ids.ts";
import { isValidTraceState, traceStateDrops } from "../span/_tracestate_grammar.ts";
import { SpanContext, TraceFlags } from "../span/span_context.ts";
import type { SpanProcessor } from "./span_processor.ts";
import { fanOutOf } from "./_fan_out_of.ts";
import { takeParentContext } from "./_given_parent_context.ts";
import { ProcessorFanOut } from "./_processor_fan_out.ts";
import { DebugState } from "./_debug_span.ts";
import { PASS_THROUGH_SAMPLER, passThroughSpan } from "./_pass_through.ts";

/** How a {@linkcode Tracer} is set up. Every field is optional. */
export interface TracerOptions {
  /** The instrumentation scope's name, such as your package's name. */
  name?: string;
  /** The instrumentation scope's version. */
  version?: string;
  /**
   * The schema URL of the semantic conventions the tracer's spans follow,
   * such as `"https://opentelemetry.io/schemas/1.26.0"`: part of the
   * instrumentation scope, sent as OTLP's `ScopeSpans.schema_url`. Tracers
   * alike in name and version but not in schema URL are two scopes.
   *
   * @example
   * ```ts
   * import { InMemorySpanProcessor, Tracer } from "@codomyrmex/spans";
   * import assert from "node:assert/strict";
   *
   * const memory = new InMemorySpanProcessor();
   * const schemaUrl = "https://opentelemetry.io/schemas/1.26.0";
   * new Tracer({ name: "shop", schemaUrl, processors: [memory] }).startSpan("checkout").end();
   * assert.equal(memory.spans[0].instrumentationScope?.schemaUrl, schemaUrl);
   * ```
   */
  schemaUrl?: string;
  /** Where ended spans go, in order. */
  processors?: readonly SpanProcessor[];
  /** Bounds on attributes, events and links per span. */
  limits?: SpanLimits;
  /**
   * Where trace and span ids come from. Default: random, pooled. Each id it
   * returns is checked: one that is not lowercase hex of the right length,
   * or is all zeros, makes `startSpan` throw a `TypeError` naming the method
   * (a broken generator is a programming error, and a malformed id would
   * corrupt every trace it reaches). New traces carry the W3C random flag
   * when the ids are the default ones, a `RandomIdGenerator`'s, or come from
   * a generator that declares {@linkcode IdGenerator.randomTraceIds}.
   */
  idGenerator?: IdGenerator;
  /** Where times come from. Default {@linkcode systemClock}. */
  clock?: Clock;
  /** Decides which spans are recorded. Default: parent-based, always on. */
  sampler?: Sampler;
}

/** How one span starts. */
export interface StartSpanOptions {
  /** The span's kind. Default `"internal"`. */
  kind?: SpanKind;
  /** Attributes known at start; samplers see them. */
  attributes?: Readonly<Attributes>;
  /**
   * Links to other spans' contexts, each added as {@linkcode Span.addLink}
   * adds it: a context whose ids are all zeros is kept only when the link
   * has attributes or the context a trace state; an invalid one is dropped
   * and counted.
   */
  links?: readonly { context: SpanContext; attributes?: Readonly<Attributes> }[];
  /** Epoch milliseconds or a `Date`. Default: now. */
  startTime?: number | Date;
  /**
   * The parent: a span, a span's ids (a {@linkcode SpanContext}, for
   * example one `extractContext` read from a request), or `null` for a new
   * trace. Default: the current span. A {@linkcode Context} is no parent:
   * start the span inside `withContext(context, ...)`, where its span is the
   * current one.
   */
  parent?: Span | SpanContext | null;
}

/** How {@linkcode Tracer.wrap} names and shapes each call's span. */
export interface WrapOptions {
  /** The span name. Default: the function's name. */
  name?: string;
  /** The span's kind. Default `"internal"`. */
  kind?: SpanKind;
  /** Attributes set on every call's span. */
  attributes?: Readonly<Attributes>;
}

const DROP_RESULT: SamplingResult = Object.freeze({ decision: "drop" });
const SAMPLE_RESULT: SamplingResult = Object.freeze({ decision: "recordAndSample" });

/**
 * Creates spans. A span without an explicit parent is the child of the
 * current span, which follows `await` (see {@linkcode getCurrentSpan}).
 *
 * @example
 * ```ts
 * import { InMemorySpanProcessor, Tracer } from "@codomyrmex/spans";
 * import assert from "node:assert/strict";
 *
 * const memory = new InMemorySpanProcessor();
 * const tracer = new Tracer({ name: "shop", processors: [memory] });
 * await tracer.span("checkout", async () => {
 *   await tracer.span("charge card", async () => {});
 * });
 * const [charge, checkout] = memory.spans;
 * assert.equal(charge.context.parentSpanId, checkout.context.spanId);
 * ```
 */
export class Tracer {
  readonly #processors: readonly SpanProcessor[];
  readonly #fanOut: ProcessorFanOut<Span>;
  readonly #ids: IdGenerator;
  // The default generator's pool, taken from directly so that a context
  // keeps the bytes of its ids; undefined with any other generator.
  readonly #pool: IdPool | undefined;
  readonly #rootFlags: number;
  readonly #sampler: Sampler | undefined;
  readonly #recordingInit: SpanInit & { readonly limits: ResolvedSpanLimits };
  readonly #silentInit: SpanInit;
  readonly #scope: InstrumentationScope;
  // Created when the first span starts in debug mode; see _debug_span.ts.
  #debug: DebugState | undefined;

  /**
   * Creates a tracer.
   *
   * @param options Name, version, schema URL, processors, limits, ids, clock and sampler.
   * @throws {TypeError} When an option has the wrong shape.
   * @throws {RangeError} When a limit is out of range.
   *
   * @example
   * ```ts
   * import { InMemorySpanProcessor, Tracer } from "@codomyrmex/spans";
   * import assert from "node:assert/strict";
   *
   * const tracer = new Tracer({ name: "api", version: "2.0.0", processors: [new InMemorySpanProcessor()] });
   * assert.equal(tracer.name, "api");
   * assert.throws(() => new Tracer({ processors: [{}] as never }), TypeError);
   * ```
   */
  constructor(options: TracerOptions = {}) {
    if (typeof options !== "object" || options === null) {
      throw new TypeError(
        `Cannot create Tracer: options must be an object, got ${describe(options)}`,
      );
    }
    const processors = options.processors ?? [];
    if (!Array.isArray(processors)) {
      const given = processors as { onEnd?: unknown } | null;
      const hint = typeof given?.onEnd === "function"
        ? " (a processor: pass a list of them, processors: [processor])"
        : isExporterLike(given)
        ? " (an exporter: pass a list of processors, processors: " +
          "[new SimpleSpanProcessor(exporter)] or [new BatchSpanProcessor(exporter)])"
        : "";
      throw new TypeError(
        `Cannot create Tracer: processors must be an array, got ${describe(processors)}${hint}`,
      );
    }
    processors.forEach((p, i) => {
      if (typeof p?.onEnd !== "function") {
        // An exporter given as a processor is the usual mistake: say so.
        throw new TypeError(
          `Cannot create Tracer: processors[${i}] must have an onEnd method, got ${describe(p)}${
            isExporterLike(p)
              ? " (an exporter: hand it to a processor, new SimpleSpanProcessor(exporter) or " +
                "new BatchSpanProcessor(exporter))"
              : ""
          }`,
        );
      }
    });
    const givenIds = options.idGenerator ?? defaultIdGenerator;
    const ids = checkedIdGenerator(givenIds, "create Tracer");
    const clock = options.clock ?? systemClock;
    if (typeof clock?.now !== "function") {
      throw new TypeError("Cannot create Tracer: clock must have a now method");
    }
    const sampler = options.sampler;
    if (sampler !== undefined && typeof sampler?.shouldSample !== "function") {
      throw new TypeError("Cannot create Tracer: sampler must have a shouldSample method");
    }
    for (const key of ["name", "version", "schemaUrl"] as const) {
      if (options[key] !== undefined && typeof options[key] !== "string") {
        throw new TypeError(
          `Cannot create Tracer: ${key} must be a string, got ${describe(options[key])}`,
        );
      }
    }
    this.#processors = Object.freeze([...processors]);
    this.#ids = ids;
    this.#pool = ids === defaultIdGenerator ? defaultIdPool : undefined;
    // W3C Level 2: the random flag promises a random trace id, which only
    // the library's own random generators guarantee, or a generator that
    // declares randomTraceIds. Decided here, once, not per span.
    this.#rootFlags = hasRandomTraceIds(givenIds) ? TraceFlags.RANDOM : TraceFlags.NONE;
    this.#sampler = sampler;
    const scope: { name: string; version?: string; schemaUrl?: string } = {
      name: options.name ?? "",
    };
    if (options.version !== undefined) scope.version = options.version;
    if (options.schemaUrl !== undefined) scope.schemaUrl = options.schemaUrl;
    this.#scope = Object.freeze(scope);
    this.#fanOut = new ProcessorFanOut(this.#processors);
    fanOutOf.set(this, this.#fanOut);
    const listener = this.#processors.length === 0 ? undefined : this.#fanOut;
    // One shared init object for every span: nothing is allocated per span
    // to wire it to the clock, limits and processors.
    this.#recordingInit = Object.freeze({
      clock,
      limits: resolveSpanLimits(options.limits),
      instrumentationScope: this.#scope,
      listener,
    });
    this.#silentInit = Object.freeze({ ...this.#recordingInit, recording: false });
  }

  /**
   * The instrumentation scope's name.
   *
   * @example
   * ```ts
   * import { Tracer } from "@codomyrmex/spans";
   * import assert from "node:assert/strict";
   *
   * assert.equal(new Tracer({ name: "db" }).name, "db");
   * ```
   */
  get name(): string {
    return this.#scope.name;
  }

  /**
   * The instrumentation scope's version, if set.
   *
   * @example
   * ```ts
   * import { Tracer } from "@codomyrmex/spans";
   * import assert from "node:assert/strict";
   *
   * assert.equal(new Tracer({ version: "1.0.0" }).version, "1.0.0");
   * ```
   */
  get version(): string | undefined {
    return this.#scope.version;
  }

  /**
   * The processors, in the order they receive spans.
   *
   * @example
   * ```ts
   * import { InMemorySpanProcessor, Tracer } from "@codomyrmex/spans";
   * import assert from "node:assert/strict";
   *
   * const memory = new InMemorySpanProcessor();
   * assert.deepEqual(new Tracer({ processors: [memory] }).processors, [memory]);
   * ```
   */
  get processors(): readonly SpanProcessor[] {
    return this.#processors;
  }

  /**
   * Whether spans started here reach any processor: `false` with none, and
   * for a disabled `setupTracing`'s tracer (OpenTelemetry's Tracer
   * `Enabled`). Instrumentation may skip work that only feeds span
   * attributes when it is `false`; spans still carry the trace on.
   *
   * @example
   * ```ts
   * import { InMemorySpanProcessor, Tracer } from "@codomyrmex/spans";
   * import assert from "node:assert/strict";
   *
   * assert.equal(new Tracer().enabled, false);
   * assert.equal(new Tracer({ processors: [new InMemorySpanProcessor()] }).enabled, true);
   * ```
   */
  get enabled(): boolean {
    return this.#sampler !== PASS_THROUGH_SAMPLER && this.#fanOut.processors.length > 0;
  }

  /**
   * Starts a span. Without `parent` in the options it is a child of the
   * current span, or a root when there is none. The sampler decides whether
   * it records; a span that does not still has a valid context, so the
   * trace propagates.
   *
   * @param name What the operation is.
   * @param options Kind, attributes, links, start time and parent.
   * @returns The started span.
   * @throws {TypeError} When `name` is not a string or an option has the wrong type.
   * @throws {RangeError} When `startTime` is outside what OTLP can carry,
   *   [0, 2^64 ns), or NaN.
   *
   * @example
   * ```ts
   * import { Tracer } from "@codomyrmex/spans";
   * import assert from "node:assert/strict";
   *
   * const tracer = new Tracer();
   * const parent = tracer.startSpan("parent");
   * const child = tracer.startSpan("child", { parent, kind: "client", attributes: { n: 1 } });
   * assert.equal(child.context.traceId, parent.context.traceId);
   * assert.equal(child.attributes.n, 1);
   * child.end();
   * parent.end();
   * ```
   */
  startSpan(name: string, options?: StartSpanOptions): Span {
    return this.#start(name, options, getContextStorage().getStore());
  }

  // Starts a span under `store`, the current context, which `span()` reads
  // once for both the parent and the context it enters.
  #start(name: string, options: StartSpanOptions | undefined, store: Context | undefined): Span {
    if (typeof name !== "string") {
      throw new TypeError(`Cannot start span: name must be a string, got ${describe(name)}`);
    }
    // A kind given as a string, or span()'s function given to startSpan(),
    // would otherwise start a plain span and lose it without a word.
    if (typeof options !== "object" && options !== undefined) throw optionsError(options);
    // Programming errors are refused whether or not the span is sampled.
    const startTime = options?.startTime;
    const start = startTime === undefined ? undefined : checkedTime(startTime, "start span");
    const links = options?.links;
    if (links !== undefined) checkLinks(links);
    const kind = options?.kind ?? "internal";
    const explicit = options?.parent;
    // A parent span's ids are read from it (_span_ids.ts): its context is
    // made only for a sampler, which is handed it.
    let parentSpan: Span | undefined;
    let parent: SpanContext | undefined;
    if (explicit === undefined) {
      parentSpan = store?.getValue(SPAN_KEY) as Span | undefined;
    } else if (explicit instanceof Span) {
      parentSpan = explicit;
    } else {
      parent = resolveParent(explicit);
    }
    // An invalid parent (all-zero ids: a disabled setupTracing's span with
    // no incoming trace, INVALID_SPAN_CONTEXT) is none: "If there is a valid
    // parent trace ID, use it. Otherwise generate a new trace ID" (SDK
    // specification). Its flags are 0, so a sampled parent costs no check.
    if (parentSpan !== undefined) {
      if ((traceFlagsOf(parentSpan) & TraceFlags.SAMPLED) === 0 && isZeroParent(parentSpan)) {
        parentSpan = undefined;
      }
    } else if (parent !== undefined && parent.traceId === ZERO_TRACE_ID) {
      parent = undefined;
    }
    const sampler = this.#sampler;
    // A pass-through tracer's span (a disabled setupTracing's) has its
    // parent's context: no ids, sampling or recording span to make first.
    if (sampler === PASS_THROUGH_SAMPLER) {
      return passThroughSpan(name, kind, this.#silentInit, parentSpan, parent);
    }
    const hasParent = parentSpan !== undefined || parent !== undefined;
    let parentId: string | undefined;
    let parentFlags = 0;
    let parentState: string | undefined;
    let parentRemote = false;
    const pool = this.#pool;
    // Ids from the pool are its hex, with their bytes and where they start
    // (idAt): the span slices the hex when an id is first read (span.ts).
    let traceId: string;
    // A new trace takes its trace and span ids together from the pool.
    let spanId: string | undefined;
    let idBytes: Uint8Array | undefined;
    let idAt = 0;
    if (parentSpan !== undefined) {
      traceId = traceIdOf(parentSpan);
      parentId = spanIdOf(parentSpan);
      parentFlags = traceFlagsOf(parentSpan);
      parentState = traceStateOf(parentSpan);
      parentRemote = isRemoteOf(parentSpan);
    } else if (parent !== undefined) {
      traceId = parent.traceId;
      parentId = parent.spanId;
      parentFlags = parent.traceFlags;
      parentState = parent.traceState;
      parentRemote = parent.isRemote;
    } else if (pool !== undefined) {
      idAt = pool.rootAt();
      idBytes = pool.bytes;
      traceId = spanId = pool.hex;
    } else {
      traceId = this.#ids.traceId();
    }
    const attributes = options?.attributes;
    let result: SamplingResult;
    if (store !== undefined && store.getValue(SUPPRESS_TRACING_KEY) === true) {
      result = DROP_RESULT;
    } else if (sampler === undefined) {
      // The default, parent-based always-on, decided inline: no parameters
      // object to allocate for every span.
      result = !hasParent || (parentFlags & TraceFlags.SAMPLED) !== 0 ? SAMPLE_RESULT : DROP_RESULT;
    } else {
      // A sampler is code outside this library: it gets the frozen context,
      // and the trace id as hex.
      const frozenParent = parentSpan === undefined ? parent : parentSpan.context;
      traceId = traceIdIn(traceId, idAt);
      result = askSampler(sampler, {
        parent: frozenParent,
        traceId,
        name,
        kind,
        attributes,
        links,
      });
    }
    const sampled = result.decision === "recordAndSample";
    const flags = !hasParent
      ? this.#rootFlags | (sampled ? TraceFlags.SAMPLED : 0)
      : (parentFlags & ~TraceFlags.SAMPLED) | (sampled ? TraceFlags.SAMPLED : 0);
    if (spanId === undefined) {
      if (pool === undefined) {
        spanId = this.#ids.spanId();
      } else {
        idAt = pool.takeAt(8);
        idBytes = pool.bytes;
        spanId = pool.hex;
      }
    }
    let traceState = parentState;
    if (result.traceState !== undefined) {
      // An empty one (a sampler that erased the parent's last entry) is
      // none, as an empty tracestate header is.
      if (isValidTraceState(result.traceState)) traceState = result.traceState || undefined;
      else refuseSampledTraceState(result.traceState);
    }
    // The span keeps its ids and makes its context when first asked (see
    // span.ts); a debug span, off the hot path, is given its context.
    const dropped = result.decision === "drop";
    // Attributes given at start, read here and handed to the span as it is
    // made: no setAttributes call on it.
    let given: Attributes | AttributeBag | undefined;
    if (attributes !== undefined && !dropped && !debugOn) {
      const { attributeCountLimit, attributeValueLengthLimit } = this.#recordingInit.limits;
      // firstAttributes, inlined: a call through it measured 1.5-4% slower
      // on Node 24 (bench/ab_versions.ts flat).
      given = wholeCopy(attributes, attributeCountLimit, attributeValueLengthLimit) ??
        AttributeBag.filled(attributes, attributeCountLimit, attributeValueLengthLimit);
    }
    const span = debugOn && !dropped
      ? this.#debugSpan(name, kind, traceId, spanId, parentId, flags, traceState, idBytes, idAt)
      : new (Span as SpanWithIds)(
        name,
        IDS_FOLLOW,
        kind,
        dropped ? this.#silentInit : this.#recordingInit,
        traceId,
        spanId,
        parentId,
        flags,
        traceState,
        idBytes,
        idAt,
        given,
      );
    if (dropped) return span.start();
    if (parentRemote) markRemoteParent(span);
    // A sampler that decided apart from the parent, or set a trace state:
    // the parent's own are kept for OpenTelemetry's parentSpanContext.
    if (hasParent && (parentFlags !== flags || parentState !== traceState)) {
      keepParentTraceFields(span, parentFlags, parentState);
    }
    // A debug span is made apart (#debugSpan), and is given them here.
    if (attributes !== undefined && given === undefined) span.setAttributes(attributes);
    if (result.attributes !== undefined) span.setAttributes(result.attributes);
    if (links !== undefined) addLinks(span, links);
    const fanOut = this.#fanOut;
    if (fanOut.hasStarters) fanOut.startingIn = this.#parentContext(store, explicit);
    return span.start(start);
  }

  // The parent context processors' onStart is given (OpenTelemetry's
  // OnStart(span, parentContext)): the context the span starts in, its span
  // replaced by an explicit parent, or removed for a new root (`parent:
  // null`), as the SDK's tracer deletes it for `root: true`. Made only when
  // some processor has onStart.
  #parentContext(store: Context | undefined, explicit: StartSpanOptions["parent"]): Context {
    // ./otel's API tracer, given a context, knows it: the Tracer saw only
    // the current one, and the explicit parent found in the given one.
    const given = takeParentContext();
    if (given !== undefined) return given;
    const context = store ?? ROOT_CONTEXT;
    if (explicit === undefined) return context;
    if (explicit === null) return withoutSpan(context);
    // A SpanContext parent (a remote one, say) as a span: one that records
    // nothing and carries that context, as a pass-through tracer's does.
    return context.setValue(
      SPAN_KEY,
      explicit instanceof Span
        ? explicit
        : passThroughSpan("", "internal", this.#silentInit, undefined, explicit),
    );
  }

  // A span the debug mode tracks (off the hot path): given its context.
  #debugSpan(
    name: string,
    kind: SpanKind,
    traceId: string,
    spanId: string,
    parentId: string | undefined,
    flags: number,
    traceState: string | undefined,
    idBytes: Uint8Array | undefined,
    idAt: number,
  ): Span {
    const context = createTrustedSpanContext(
      traceIdIn(traceId, idAt),
      spanIdIn(spanId, idAt),
      parentId,
      flags,
      traceState,
      false,
      idBytes,
      idAt,
    );
    return (this.#debug ??= new DebugState(this.#scope.name, this.#processors.length === 0))
      .create(name, context, kind, this.#recordingInit);
  }

  /**
   * Runs `fn` inside a new span: starts it, makes it current, and ends it
   * when `fn` returns or its promise settles. A throw or rejection is
   * recorded on the span and rethrown. A thenable that is no native promise
   * is followed as `await` follows it, and a promise of its outcome is
   * returned (its `then` may return nothing or throw); a value whose `then`
   * getter throws is no thenable, and is returned as it is. Where the
   * runtime has no async context (a browser today) the span is current only
   * until the first `await`, and the first async `fn` gets one warning: give
   * spans started after an `await` their parent explicitly
   * (`{ parent: span }`).
   *
   * @typeParam R What `fn` returns.
   * @param name The span's name.
   * @param fn The work; it receives the span.
   * @returns What `fn` returns (a promise for an async `fn`).
   *
   * @example Sync and async work, with a throw recorded and rethrown
   * ```ts
   * import { Tracer } from "@codomyrmex/spans";
   * import assert from "node:assert/strict";
   *
   * const tracer = new Tracer();
   * const total = tracer.span("sum", (span) => {
   *   span.setAttribute("n", 3);
   *   return 1 + 2;
   * });
   * assert.equal(total, 3);
   * await assert.rejects(tracer.span("fail", async () => {
   *   throw new Error("boom");
   * }), /boom/);
   * ```
   */
  span<R>(name: string, fn: (span: Span) => R): R;
  /**
   * Runs `fn` inside a new span started with `options`.
   *
   * @typeParam R What `fn` returns.
   * @param name The span's name.
   * @param options How the span starts.
   * @param fn The work; it receives the span.
   * @returns What `fn` returns (a promise for an async `fn`).
   *
   * @example A server span, started with options
   * ```ts
   * import { Tracer } from "@codomyrmex/spans";
   * import assert from "node:assert/strict";
   *
   * const kind = new Tracer().span("GET /", { kind: "server" }, (span) => span.kind);
   * assert.equal(kind, "server");
   * ```
   */
  span<R>(name: string, options: StartSpanOptions, fn: (span: Span) => R): R;
  span<R>(
    name: string,
    optionsOrFn: StartSpanOptions | ((span: Span) => R),
    maybeFn?: (span: Span) => R,
  ): R {
    const options = typeof optionsOrFn === "function" ? undefined : optionsOrFn;
    const fn = typeof optionsOrFn === "function" ? optionsOrFn : maybeFn;
    if (typeof fn !== "function") {
      throw new TypeError(`Cannot run span: fn must be a function, got ${describe(fn)}`);
    }
    // Options after the function would be ignored: the span would start
    // without them, and nothing would say so.
    if (fn === optionsOrFn && maybeFn !== undefined) throw optionsAfterFnError(maybeFn);
    const storage = getContextStorage();
    const store = storage.getStore();
    const span = this.#start(name, options, store);
    // One enter per span: the context current now, with the span set.
    const next = (store ?? ROOT_CONTEXT).setValue(SPAN_KEY, span);
    const native = nativeStorage.storage;
    const result = storage === native
      ? native.run(next, runInSpan<R>, span, fn)
      : runInStorage(storage, next, span, fn);
    warnIfAsyncOnStack(fn, result);
    return result;
  }

  /**
   * Returns a function that runs `fn` inside a new span on every call, with
   * the same arguments, `this` and return value: a decorator in function
   * form. For a generator function that call only makes the generator: the
   * span ends before its body runs, and the body runs outside it. Trace the
   * code that iterates it instead, or start a span inside the body.
   *
   * @typeParam F The function's type.
   * @param fn The function to trace.
   * @param options Span name (default: `fn.name`), kind and attributes.
   * @returns The traced function.
   * @throws {TypeError} When `fn` is not a function, or `options` not an object.
   *
   * @example
   * ```ts
   * import { InMemorySpanProcessor, Tracer } from "@codomyrmex/spans";
   * import assert from "node:assert/strict";
   *
   * const memory = new InMemorySpanProcessor();
   * const tracer = new Tracer({ processors: [memory] });
   * const fetchUser = tracer.wrap(async function fetchUser(id: number) {
   *   return { id };
   * });
   * assert.deepEqual(await fetchUser(7), { id: 7 });
   * assert.equal(memory.spans[0].name, "fetchUser");
   * ```
   */
  wrap<F extends (...args: never[]) => unknown>(fn: F, options?: WrapOptions): F {
    if (typeof fn !== "function") {
      throw new TypeError(`Cannot wrap: fn must be a function, got ${describe(fn)}`);
    }
    if (typeof options !== "object" && options !== undefined) {
      throw new TypeError(
        `Cannot wrap: options must be an object such as { name: "load user" }, got ${
          describe(options)
        }`,
      );
    }
    if (options?.name !== undefined && typeof options.name !== "string") {
      throw new TypeError(`Cannot wrap: name must be a string, got ${describe(options.name)}`);
    }
    const name = options?.name ?? (fn.name || "anonymous");
    const spanOptions: StartSpanOptions = { kind: options?.kind, attributes: options?.attributes };
    const span = this.span.bind(this) as (
      name: string,
      options: StartSpanOptions,
      fn: () => unknown,
    ) => unknown;
    const wrapped = function (this: unknown, ...args: Parameters<F>): unknown {
      // `new wrapped()` constructs `fn` (its prototype, a class's body), as
      // `new fn()` would; a subclass of `wrapped` stays the new target.
      if (new.target !== undefined) {
        const target = new.target === wrapped ? fn : new.target;
        return span(name, spanOptions, () => Reflect.construct(fn, args, target));
      }
      return span(name, spanOptions, () => fn.apply(this, args));
    };
    Object.defineProperty(wrapped, "name", { value: fn.name, configurable: true });
    Object.defineProperty(wrapped, "length", { value: fn.length, configurable: true });
    // So that what `new wrapped()` built is `instanceof wrapped` as well.
    if (fn.prototype !== undefined) wrapped.prototype = fn.prototype;
    return wrapped as unknown as F;
  }

  /**
   * Flushes every processor. Resolves when all have finished; a processor
   * that fails does not stop the others, and one that has not settled after
   * 30 s is given up on, with one error (as the SDK's provider does).
   *
   * @returns A promise that resolves when every processor has flushed.
   *
   * @example
   * ```ts
   * import { InMemorySpanProcessor, Tracer } from "@codomyrmex/spans";
   *
   * await new Tracer({ processors: [new InMemorySpanProcessor()] }).forceFlush();
   * ```
   */
  async forceFlush(): Promise<void> {
    this.#debug?.reportOpen("flushed");
    await this.#fanOut.forceFlush();
  }

  /**
   * Shuts every processor down (each flushes first).
   *
   * @returns A promise that resolves when every processor has shut down.
   *
   * @example
   * ```ts
   * import { InMemorySpanProcessor, Tracer } from "@codomyrmex/spans";
   * import assert from "node:assert/strict";
   *
   * const memory = new InMemorySpanProcessor();
   * const tracer = new Tracer({ processors: [memory] });
   * await tracer.shutdown();
   * tracer.startSpan("late").end();
   * assert.equal(memory.stats().dropped, 1);
   * ```
   */
  async shutdown(): Promise<void> {
    this.#debug?.reportOpen("shut down");
    await this.#fanOut.shutdown();
  }
}

// Span's constructor's hidden form: with IDS_FOLLOW as the context, the ids
// follow as arguments (see span.ts and _span_ids.ts).
type SpanWithIds = new (
  name: string,
  context: SpanContext,
  kind: SpanKind,
  init: SpanInit,
  traceId: string,
  spanId: string,
  parentSpanId: string | undefined,
  traceFlags: number,
  traceState: string | undefined,
  idBytes: Uint8Array | undefined,
  idAt: number,
  attributes: Attributes | AttributeBag | undefined,
) => Span;

// Whether a span that is not sampled has the all-zero trace id.
function isZeroParent(span: Span): boolean {
  return traceIdOf(span) === ZERO_TRACE_ID;
}

function resolveParent(parent: SpanContext | null | undefined): SpanContext | undefined {
  if (parent === null || parent === undefined) return undefined;
  if (parent instanceof SpanContext) return parent;
  throw new TypeError(
    `Cannot start span: parent must be a Span, a SpanContext or null, got ${describe(parent)}${
      (parent as unknown) instanceof Context
        ? " (a Context: start the span inside withContext(context, fn), where the context's " +
          "span is the parent by default)"
        : ""
    }`,
  );
}

// An exporter (a function, or an object with export) where a processor goes:
// the usual mistake, which the constructor's errors name.
function isExporterLike(value: unknown): boolean {
  return typeof value === "function" ||
    typeof (value as { export?: unknown } | null)?.export === "function";
}

function optionsAfterFnError(given: unknown): TypeError {
  return new TypeError(
    `Cannot run span: the options come before the function, tracer.span(name, options, fn); ` +
      `got the function, then ${describe(given)}`,
  );
}

// #start's options check, out of its body (see span.ts's constructor).
function optionsError(options: unknown): TypeError {
  return new TypeError(
    `Cannot start span: options must be an object such as { kind: "server" }, got ${
      describe(options)
    }${typeof options === "function" ? " (to run a function in a span, use tracer.span())" : ""}`,
  );
}

// A sampler's answer is telemetry data, not the caller's own call: an
// invalid trace state is dropped (the parent's is kept) and counted, never
// thrown, and never let through to a header.
function refuseSampledTraceState(traceState: unknown): void {
  traceStateDrops.count++;
  warnOnce(
    "sampler-tracestate",
    `a sampler returned an invalid traceState, so the parent's is kept: ${describe(traceState)}`,
  );
}

// tracer.span off the native storage (a browser's stack, or one the
// application set): on the stack, a store entered after an await in `fn`
// ends when `fn` settles (_async_scope.ts).
function runInStorage<R>(
  storage: ContextStorage,
  next: Context,
  span: Span,
  fn: (span: Span) => R,
): R {
  const stack = storage instanceof StackContextStorage ? storage : undefined;
  return storage.run(next, () => runInSpan(span, fn, stack));
}

function runInSpan<R>(span: Span, fn: (span: Span) => R, stack?: StackContextStorage): R {
  let result: R;
  try {
    result = fn(span);
  } catch (error) {
    // A function that ended its own span before it threw: nothing to record.
    if (!span.ended) span.recordException(error).end();
    throw error;
  }
  // Read once; a getter that throws makes the value no thenable.
  const then = thenOf(result);
  if (typeof then === "function") {
    // The scope opens here, for async work only, and reads what it would
    // have read before `fn`: inside the run, nothing it reads can change.
    const settled = stack === undefined ? undefined : asyncScope(stack);
    // Another thenable is followed as `await` follows it, in a promise of
    // ours: its `then` may return nothing, throw, or call back in its own
    // code, where a rethrown rejection would crash the application.
    const promise = result instanceof Promise ? result : new Promise((resolve, reject) => {
      Reflect.apply(then, result, [resolve, reject]);
    });
    return promise.then(
      (value) => {
        settled?.();
        endByLibrary(span);
        return value;
      },
      (error) => {
        settled?.();
        if (!span.ended) span.recordException(error).end();
        throw error;
      },
    ) as R;
  }
  endByLibrary(span);
  return result;
}

// Asks a sampler, out of #start's body. Its answer is read once, here: a
// result whose getter throws counts as a throw, and a throw drops the span.
// A sampler's result is data: a decision that is none of the three (the
// SDK's numeric enum, a promise from an async sampler, nothing) drops the
// span, reported once; it never becomes a recorded span.
function askSampler(sampler: Sampler, parameters: SamplingParameters): SamplingResult {
  try {
    const result = sampler.shouldSample(parameters);
    const decision: unknown = result?.decision;
    if (decision !== "recordAndSample" && decision !== "record" && decision !== "drop") {
      errorOnce(
        "sampler-decision",
        `a sampler returned no valid decision, so its spans are dropped: got ${
          describe(decision)
        }; a decision is "drop", "record" or "recordAndSample"`,
      );
      return DROP_RESULT;
    }
    return {
      decision,
      traceState: result.traceState,
      attributes: result.attributes,
    };
  } catch (error) {
    errorOnce("sampler-threw", `a sampler threw, so its spans are dropped: ${errorMessage(error)}`);
    return DROP_RESULT;
  }
}

// `links: {}` is the caller's mistake, and throws; a links array whose
// Proxy traps throw is unreadable data, left for addLinks to count.
function checkLinks(links: unknown): void {
  let readable = true;
  try {
    void (links as { [Symbol.iterator]?: unknown })?.[Symbol.iterator];
  } catch {
    readable = false;
  }
  if (readable) iterableArgument(links, "start span", "links");
}

// Links are data the caller hands over: one whose getters throw is dropped
// and counted, and a list that cannot be read counts as one dropped link;
// nothing is thrown into the application.
function addLinks(span: Span, links: StartSpanOptions["links"] & object): void {
  try {
    for (const link of links) {
      let context: SpanContext | undefined;
      let attributes: Readonly<Attributes> | undefined;
      try {
        context = link?.context;
        attributes = link?.attributes;
      } catch {
        context = undefined;
      }
      span.addLink(context as SpanContext, attributes);
    }
  } catch {
    span.addLink(undefined as unknown as SpanContext);
  }
}
