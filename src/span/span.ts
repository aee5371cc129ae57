/**
 * The span: a named, timed operation with attributes, events, links and a
 * status.
 *
 * @module
 */

import { describe } from "../platform/_describe.ts";
import { spanIdIn, traceIdIn } from "../platform/_id_pool.ts";
import { AttributeBag, firstAttributes } from "./_attribute_bag.ts";
import { describeException } from "./_exception.ts";
import { idBytesAt, idBytesOf } from "./_id_bytes.ts";
import { installRemoteParentAccess } from "./_remote_parent.ts";
import { IDS_FOLLOW, installSpanIdAccess } from "./_span_ids.ts";
import { createTrustedSpanContext } from "./_trusted_span_context.ts";
import { resolveSpanLimits } from "./_span_limits.ts";
import {
  type Attributes,
  type AttributeValue,
  DEFAULT_SPAN_LIMITS,
  type ResolvedSpanLimits,
  type SpanLimits,
} from "./attributes.ts";
import { type Clock, systemClock } from "../platform/clock.ts";
import { hasZeroId, keepsZeroIdLink, linkContextOf } from "./_link_context.ts";
import { SpanContext } from "./span_context.ts";
import { checkedTime, otlpTime } from "./_time.ts";

/** What a span describes, as OpenTelemetry's `SpanKind` does. */
export type SpanKind = "internal" | "server" | "client" | "producer" | "consumer";

/** The status of a span's operation. */
export type SpanStatusCode = "unset" | "ok" | "error";

/** A span's status: a code and, for errors, a message. */
export interface SpanStatus {
  /** The status code. */
  readonly code: SpanStatusCode;
  /** What went wrong; only kept with code `"error"`. */
  readonly message?: string;
}

/** A timestamped event on a span. */
export interface SpanEvent {
  /** The event's name. */
  readonly name: string;
  /** When it happened, epoch milliseconds. */
  readonly time: number;
  /** Its attributes. */
  readonly attributes: Readonly<Attributes>;
  /** Attributes refused by the per-event limit or as invalid. */
  readonly droppedAttributesCount: number;
}

/** A link from a span to another span's context. */
export interface SpanLink {
  /** The linked span's context. */
  readonly context: SpanContext;
  /** The link's attributes. */
  readonly attributes: Readonly<Attributes>;
  /** Attributes refused by the per-link limit or as invalid. */
  readonly droppedAttributesCount: number;
}

/** The library (or tracer) that produced a span: the OTLP instrumentation scope. */
export interface InstrumentationScope {
  /** The scope's name, such as a package name. */
  readonly name: string;
  /** The scope's version. */
  readonly version?: string;
  /**
   * The schema URL of the semantic conventions its telemetry follows: OTLP's
   * `ScopeSpans.schema_url`. Scopes alike in name and version but not in
   * schema URL are two scopes.
   */
  readonly schemaUrl?: string;
}

/** Receives a span's start and end; the Tracer's processors sit behind it. */
export interface SpanListener {
  /** Called once, when the span starts. */
  spanStarted(span: Span): void;
  /**
   * Called once as the span ends, before `spanEnded`: its end time is set
   * and it may still change; ending it again here does nothing.
   */
  readonly spanEnding?: ((span: Span) => void) | undefined;
  /** Called once, when the span ends. */
  spanEnded(span: Span): void;
}

/**
 * How a span is wired: its clock, limits, scope, and who hears of its start
 * and end. A {@linkcode Tracer} passes one shared object to every span it
 * makes; a span made with `new Span` alone needs none.
 */
export interface SpanInit {
  /** Where times come from. Default {@linkcode systemClock}. */
  readonly clock?: Clock;
  /** Bounds on attributes, events and links. Default 128 of each. */
  readonly limits?: SpanLimits;
  /** The tracer's name and version. */
  readonly instrumentationScope?: InstrumentationScope;
  /** Hears of the span's start and end. */
  readonly listener?: SpanListener;
  /** `false` makes a span that records nothing (sampled out). Default `true`. */
  readonly recording?: boolean;
}

/** The shape of {@linkcode Span.toJSON}'s result. */
export interface SpanJSON {
  /** The span's name. */
  name: string;
  /** The span's kind. */
  kind: SpanKind;
  /** 32 lowercase hex characters. */
  traceId: string;
  /** 16 lowercase hex characters. */
  spanId: string;
  /** The parent's span id; `null` for a root. */
  parentSpanId: string | null;
  /** W3C trace flags. */
  traceFlags: number;
  /** The W3C `tracestate` value; `null` when there is none. */
  traceState: string | null;
  /** Epoch milliseconds; `null` before start. */
  startTime: number | null;
  /** Epoch milliseconds; `null` before end. */
  endTime: number | null;
  /** Milliseconds; `null` before end. */
  durationMs: number | null;
  /** The status. */
  status: SpanStatus;
  /** The attributes. */
  attributes: Attributes;
  /** The events, each with the count of its attributes dropped. */
  events: { name: string; time: number; attributes: Attributes; droppedAttributesCount: number }[];
  /**
   * The links: the linked context's ids, trace state and trace flags, and
   * the link's attributes with the count of those dropped.
   */
  links: {
    traceId: string;
    spanId: string;
    traceState?: string;
    traceFlags: number;
    attributes: Attributes;
    droppedAttributesCount: number;
  }[];
  /** Attributes dropped by limits or as invalid. */
  droppedAttributesCount: number;
  /** Events dropped by limits or as invalid. */
  droppedEventsCount: number;
  /** Links dropped by limits or as invalid. */
  droppedLinksCount: number;
}

// Indexed by the kind bits of a span's state.
const KINDS: readonly SpanKind[] = ["internal", "server", "client", "producer", "consumer"];
const EMPTY_ATTRIBUTES: Readonly<Attributes> = Object.freeze({});
const EMPTY_LIST: readonly never[] = Object.freeze([]);
const UNSET: SpanStatus = Object.freeze({ code: "unset" });
const OK: SpanStatus = Object.freeze({ code: "ok" });
const DEFAULT_INIT: SpanInit = Object.freeze({});

// A span's state is one small integer, so a queued span carries one field
// for what would otherwise be five: the lifecycle (bits 0-1), whether it
// records (bit 2 set: sampled out), whether its parent is remote (bit 3),
// and its kind (bits 4-6, an index into KINDS).
const CREATED = 0;
const STARTED = 1;
const ENDED = 2;
const LIFECYCLE = 3;
const SILENT = 4;
const REMOTE_PARENT = 8;
const KIND_SHIFT = 4;
const KIND_MASK = 7;
// Set when a mutation must be ignored: ended, or not recording.
const IGNORES = ENDED | SILENT;

/** What few spans have: links, and counts of events and links dropped. */
interface Rare {
  links: SpanLink[] | undefined;
  droppedEvents: number;
  droppedLinks: number;
}

/**
 * A named, timed operation. Every mutator returns the span, so calls chain;
 * after `end()` every mutation is ignored, and nothing a span is given can
 * make it throw except a programming error (a non-string name, an unknown
 * kind or status code, a start or end time that is no time OTLP can carry).
 *
 * @example
 * ```ts
 * import { Span } from "@codomyrmex/spans";
 * import assert from "node:assert/strict";
 *
 * const span = new Span("checkout")
 *   .start()
 *   .setAttribute("cart.items", 3)
 *   .addEvent("paid", { "payment.method": "card" })
 *   .setStatus("ok")
 *   .end();
 * assert.equal(span.ended, true);
 * assert.equal(JSON.parse(JSON.stringify(span)).attributes["cart.items"], 3);
 * ```
 */
export class Span {
  #name: string;
  // A Tracer's span keeps its ids itself and makes its context the first
  // time `context` is read; the library's own readers use _span_ids.ts. A
  // span given a context keeps it, and copies of its ids.
  #context: SpanContext | undefined;
  // Each id, or until it is first read the id pool's hex it is a slice of
  // (never an id's length: see _id_pool.ts): most are never read as hex.
  #traceId: string;
  #spanId: string;
  readonly #parentSpanId: string | undefined;
  readonly #traceFlags: number;
  readonly #traceState: string | undefined;
  // The bytes the ids were drawn from, for the OTLP encoder: see _id_bytes.ts.
  readonly #idBytes: Uint8Array | undefined;
  readonly #idAt: number;
  // Its limits are resolved: see the constructor.
  readonly #init: SpanInit;
  #state: number;
  // A plain record while the attributes were given whole at start, with
  // nothing dropped; a bag once anything else happens.
  #attributes: AttributeBag | Attributes | undefined;
  #events: SpanEvent[] | undefined;
  #rare: Rare | undefined;
  #status: SpanStatus = UNSET;
  #startTime: number | undefined;
  #endTime: number | undefined;

  static {
    installRemoteParentAccess(
      (span) => void (span.#state |= REMOTE_PARENT),
      (span) => (span.#state & REMOTE_PARENT) !== 0,
    );
    installSpanIdAccess({
      traceId: (span) => span.#madeTraceId(),
      spanId: (span) => span.#madeSpanId(),
      madeTraceId: (span) => span.#traceId.length === 32 ? span.#traceId : undefined,
      parentSpanId: (span) => span.#parentSpanId,
      traceFlags: (span) => span.#traceFlags,
      traceState: (span) => span.#traceState,
      isRemote: (span) => span.#context?.isRemote === true,
      idBytes: (span) => span.#idBytes,
      idAt: (span) => span.#idAt,
    });
  }

  /**
   * Creates a span. It is not started: call {@linkcode Span.start}, or use
   * {@linkcode Tracer.startSpan}, which does both.
   *
   * @param name What the operation is.
   * @param context Its identity; a new root context when omitted.
   * @param kind What kind of operation it is.
   * @param init Clock, limits, scope and listener; see {@linkcode SpanInit}.
   * @throws {TypeError} When `name` is not a string, `kind` is unknown,
   *   `context` is not a {@linkcode SpanContext}, or `init` is no object or
   *   holds a `clock` with no `now` method, a `listener` without
   *   `spanStarted` and `spanEnded`, or a `recording` that is no boolean.
   * @throws {RangeError} When a limit in `init` is out of range.
   *
   * @example
   * ```ts
   * import { Span, SpanContext } from "@codomyrmex/spans";
   * import assert from "node:assert/strict";
   *
   * const span = new Span("query", SpanContext.newRoot(), "client");
   * assert.equal(span.kind, "client");
   * assert.equal(span.startTime, undefined);
   * ```
   */
  constructor(name: string, context?: SpanContext, kind?: SpanKind, init?: SpanInit);
  // Internal: with IDS_FOLLOW as the context, the ids follow as arguments,
  // taken as they are, and the context is made when first read (see
  // _span_ids.ts); `init`'s limits must be resolved already. An id drawn
  // from the id pool may come as the pool's hex, with its bytes: see
  // #madeTraceId. The last argument is the attributes given at start, as
  // the Tracer read them (firstAttributes, _attribute_bag.ts), kept as they
  // are. No default parameters: they cost the Tracer's start on V8;
  // `length` is set to 2 below the class, as the public signature's.
  constructor(
    name: string,
    context?: SpanContext,
    kind?: SpanKind,
    init?: SpanInit,
    traceId?: string,
    spanId?: string,
    parentSpanId?: string,
    traceFlags?: number,
    traceState?: string,
    idBytes?: Uint8Array,
    idAt?: number,
    attributes?: Attributes | AttributeBag,
  ) {
    if (typeof name !== "string") throw nameError(name);
    const kindIndex = kind === "internal" || kind === undefined ? 0 : kindIndexOf(kind);
    if (context === IDS_FOLLOW) {
      this.#context = undefined;
      this.#traceId = traceId!;
      this.#spanId = spanId!;
      this.#parentSpanId = parentSpanId;
      this.#traceFlags = traceFlags!;
      this.#traceState = traceState;
      this.#idBytes = idBytes;
      this.#idAt = idAt!;
      this.#attributes = attributes;
    } else {
      const given = givenContext(context);
      this.#context = given;
      this.#traceId = given.traceId;
      this.#spanId = given.spanId;
      this.#parentSpanId = given.parentSpanId;
      this.#traceFlags = given.traceFlags;
      this.#traceState = given.traceState;
      const bytes = idBytesOf(given);
      this.#idBytes = bytes;
      this.#idAt = bytes === undefined ? 0 : idBytesAt(given);
      // A Tracer's spans take the path above, with its shared init, checked
      // and with its limits resolved once.
      init = init === undefined ? DEFAULT_INIT : checkedInit(init);
    }
    this.#name = name;
    this.#init = init!;
    this.#state = (kindIndex << KIND_SHIFT) | (init!.recording === false ? SILENT : 0);
  }

  /**
   * The operation's name.
   *
   * @example
   * ```ts
   * import { Span } from "@codomyrmex/spans";
   * import assert from "node:assert/strict";
   *
   * assert.equal(new Span("a").updateName("b").name, "b");
   * ```
   */
  get name(): string {
    return this.#name;
  }

  /**
   * The span's identity.
   *
   * @example
   * ```ts
   * import { Span, SpanContext } from "@codomyrmex/spans";
   * import assert from "node:assert/strict";
   *
   * const ctx = SpanContext.newRoot();
   * assert.equal(new Span("a", ctx).context, ctx);
   * ```
   */
  get context(): SpanContext {
    return this.#context ??= createTrustedSpanContext(
      this.#madeTraceId(),
      this.#madeSpanId(),
      this.#parentSpanId,
      this.#traceFlags,
      this.#traceState,
      false,
      this.#idBytes,
      this.#idAt,
    );
  }

  /**
   * The span's kind.
   *
   * @example
   * ```ts
   * import { Span } from "@codomyrmex/spans";
   * import assert from "node:assert/strict";
   *
   * assert.equal(new Span("a").kind, "internal");
   * ```
   */
  get kind(): SpanKind {
    return KINDS[(this.#state >> KIND_SHIFT) & KIND_MASK];
  }

  /**
   * The tracer that made the span, when there is one.
   *
   * @example
   * ```ts
   * import { Tracer } from "@codomyrmex/spans";
   * import assert from "node:assert/strict";
   *
   * const span = new Tracer({ name: "shop", version: "1.2.0" }).startSpan("x");
   * assert.deepEqual(span.instrumentationScope, { name: "shop", version: "1.2.0" });
   * ```
   */
  get instrumentationScope(): InstrumentationScope | undefined {
    return this.#init.instrumentationScope;
  }

  /**
   * The span's attributes. Read-only: set them with
   * {@linkcode Span.setAttribute}.
   *
   * @example
   * ```ts
   * import { Span } from "@codomyrmex/spans";
   * import assert from "node:assert/strict";
   *
   * assert.deepEqual(new Span("a").setAttribute("k", "v").attributes, { k: "v" });
   * ```
   */
  get attributes(): Readonly<Attributes> {
    const attributes = this.#attributes;
    if (attributes === undefined) return EMPTY_ATTRIBUTES;
    return attributes instanceof AttributeBag ? attributes.values : attributes;
  }

  /**
   * The span's events, oldest first.
   *
   * @example
   * ```ts
   * import { Span } from "@codomyrmex/spans";
   * import assert from "node:assert/strict";
   *
   * assert.equal(new Span("a").addEvent("e").events[0].name, "e");
   * ```
   */
  get events(): readonly SpanEvent[] {
    return this.#events ?? EMPTY_LIST;
  }

  /**
   * The span's links.
   *
   * @example
   * ```ts
   * import { Span, SpanContext } from "@codomyrmex/spans";
   * import assert from "node:assert/strict";
   *
   * const other = SpanContext.newRoot();
   * assert.equal(new Span("a").addLink(other).links[0].context, other);
   * ```
   */
  get links(): readonly SpanLink[] {
    return this.#rare?.links ?? EMPTY_LIST;
  }

  /**
   * The span's status; `{ code: "unset" }` until set.
   *
   * @example
   * ```ts
   * import { Span } from "@codomyrmex/spans";
   * import assert from "node:assert/strict";
   *
   * assert.deepEqual(new Span("a").setStatus("error", "boom").status, {
   *   code: "error",
   *   message: "boom",
   * });
   * ```
   */
  get status(): SpanStatus {
    return this.#status;
  }

  /**
   * When the span started, epoch milliseconds; `undefined` before
   * {@linkcode Span.start}.
   *
   * @example
   * ```ts
   * import { Span } from "@codomyrmex/spans";
   * import assert from "node:assert/strict";
   *
   * assert.equal(typeof new Span("a").start().startTime, "number");
   * ```
   */
  get startTime(): number | undefined {
    return this.#startTime;
  }

  /**
   * When the span ended, epoch milliseconds; `undefined` before
   * {@linkcode Span.end}.
   *
   * @example
   * ```ts
   * import { Span } from "@codomyrmex/spans";
   * import assert from "node:assert/strict";
   *
   * const span = new Span("a").start().end(Date.now() + 5);
   * assert.ok(span.endTime! >= span.startTime!);
   * ```
   */
  get endTime(): number | undefined {
    return this.#endTime;
  }

  /**
   * `endTime - startTime` in milliseconds, never negative; `undefined`
   * until the span ends.
   *
   * @example
   * ```ts
   * import { Span } from "@codomyrmex/spans";
   * import assert from "node:assert/strict";
   *
   * const span = new Span("a").start(1_000).end(1_250);
   * assert.equal(span.durationMs, 250);
   * ```
   */
  get durationMs(): number | undefined {
    return this.#endTime === undefined ? undefined : this.#endTime - this.#startTime!;
  }

  /**
   * Whether {@linkcode Span.end} has been called.
   *
   * @example
   * ```ts
   * import { Span } from "@codomyrmex/spans";
   * import assert from "node:assert/strict";
   *
   * assert.equal(new Span("a").start().end().ended, true);
   * ```
   */
  get ended(): boolean {
    return (this.#state & LIFECYCLE) === ENDED;
  }

  /**
   * Whether the span still records what it is given: `false` once ended,
   * and always for a span that was sampled out.
   *
   * @example
   * ```ts
   * import { Span } from "@codomyrmex/spans";
   * import assert from "node:assert/strict";
   *
   * const span = new Span("a").start();
   * assert.equal(span.isRecording, true);
   * assert.equal(span.end().isRecording, false);
   * ```
   */
  get isRecording(): boolean {
    return (this.#state & IGNORES) === 0;
  }

  /**
   * Attributes refused: over the limit, or with an invalid key or value.
   *
   * @example
   * ```ts
   * import { Span } from "@codomyrmex/spans";
   * import assert from "node:assert/strict";
   *
   * // deno-lint-ignore no-explicit-any
   * const span = new Span("a").setAttribute("bad", { nested: true } as any);
   * assert.equal(span.droppedAttributesCount, 1);
   * ```
   */
  get droppedAttributesCount(): number {
    const attributes = this.#attributes;
    return attributes instanceof AttributeBag ? attributes.dropped : 0;
  }

  /**
   * Events refused: over the limit, or with an invalid name.
   *
   * @example
   * ```ts
   * import { Span, Tracer } from "@codomyrmex/spans";
   * import assert from "node:assert/strict";
   *
   * const span = new Tracer({ limits: { eventCountLimit: 1 } }).startSpan("a");
   * span.addEvent("one").addEvent("two");
   * assert.equal(span.droppedEventsCount, 1);
   * assert.ok(span instanceof Span);
   * ```
   */
  get droppedEventsCount(): number {
    return this.#rare?.droppedEvents ?? 0;
  }

  /**
   * Links refused: over the limit, or to something that is not a valid
   * span context (all-zero ids with neither attributes nor a trace state
   * included; see {@linkcode Span.addLink}).
   *
   * @example
   * ```ts
   * import { Span } from "@codomyrmex/spans";
   * import assert from "node:assert/strict";
   *
   * // deno-lint-ignore no-explicit-any
   * assert.equal(new Span("a").addLink(undefined as any).droppedLinksCount, 1);
   * ```
   */
  get droppedLinksCount(): number {
    return this.#rare?.droppedLinks ?? 0;
  }

  /**
   * Starts the span: records its start time and tells the tracer's
   * processors. A second call does nothing.
   *
   * @param startTime Epoch milliseconds or a `Date`; now when omitted.
   * @returns This span.
   * @throws {TypeError} When `startTime` is neither a number nor a `Date`.
   * @throws {RangeError} When `startTime` is outside what OTLP can carry,
   *   [0, 2^64 ns) (about 1970 to 2554), or NaN: microseconds passed as
   *   milliseconds, say.
   *
   * @example
   * ```ts
   * import { Span } from "@codomyrmex/spans";
   * import assert from "node:assert/strict";
   *
   * assert.equal(new Span("a").start(42).startTime, 42);
   * ```
   */
  start(startTime?: number | Date): this {
    const state = this.#state;
    if ((state & LIFECYCLE) !== CREATED) return this;
    const time = startTime === undefined ? undefined : checkedTime(startTime, "start span");
    this.#state = state | STARTED;
    if ((state & SILENT) !== 0) return this;
    this.#startTime = time ?? (this.#init.clock ?? systemClock).now();
    const listener = this.#init.listener;
    if (listener !== undefined) listener.spanStarted(this);
    return this;
  }

  /**
   * Ends the span: records its end time and hands it to the tracer's
   * processors, once. A second call does nothing; an end time before the
   * start time is raised to the start time, so durations are never negative.
   *
   * @param endTime Epoch milliseconds or a `Date`; now when omitted.
   * @returns This span.
   * @throws {TypeError} When `endTime` is neither a number nor a `Date`.
   * @throws {RangeError} When `endTime` is outside [0, 2^64 ns), or NaN.
   *
   * @example
   * ```ts
   * import { Span } from "@codomyrmex/spans";
   * import assert from "node:assert/strict";
   *
   * const span = new Span("a").start(100).end(90);
   * assert.equal(span.durationMs, 0);
   * ```
   */
  end(endTime?: number | Date): this {
    if ((this.#state & LIFECYCLE) === ENDED) return this;
    const time = endTime === undefined ? undefined : checkedTime(endTime, "end span");
    if ((this.#state & LIFECYCLE) === CREATED) {
      this.start(time);
      // A listener may have ended the span from spanStarted: it ends once.
      if ((this.#state & LIFECYCLE) === ENDED) return this;
    }
    const state = this.#state;
    const listener = this.#init.listener;
    const ending = listener?.spanEnding;
    if ((state & SILENT) !== 0 || ending === undefined) {
      this.#state = (state & ~LIFECYCLE) | ENDED;
      if ((state & SILENT) !== 0) return this;
    } else if (this.#endTime !== undefined) {
      // Ended again from the listener's spanEnding: it ends once.
      return this;
    }
    const end = time ?? (this.#init.clock ?? systemClock).now();
    const start = this.#startTime!;
    this.#endTime = end < start ? start : end;
    if (ending !== undefined) {
      // OpenTelemetry's OnEnding: the end time is set, the span still
      // changes, and it is not ended yet.
      ending(this);
      this.#state = (this.#state & ~LIFECYCLE) | ENDED;
    }
    if (listener !== undefined) listener.spanEnded(this);
    return this;
  }

  /**
   * Sets one attribute. An invalid key or value (objects, `null`,
   * `undefined`, mixed arrays, functions, symbols) is dropped and counted.
   *
   * @param key The attribute's name.
   * @param value A string, number, boolean, or a homogeneous array of one
   *   (`null` elements kept).
   * @returns This span.
   *
   * @example
   * ```ts
   * import { Span } from "@codomyrmex/spans";
   * import assert from "node:assert/strict";
   *
   * const span = new Span("a").setAttribute("http.route", "/users/:id");
   * assert.equal(span.attributes["http.route"], "/users/:id");
   * ```
   */
  setAttribute(key: string, value: AttributeValue): this {
    if ((this.#state & IGNORES) === 0) {
      this.#bag().set(key, value);
    }
    return this;
  }

  /**
   * Sets every own entry of `attributes`, with the same rules as
   * {@linkcode Span.setAttribute}.
   *
   * @param attributes The attributes to set.
   * @returns This span.
   *
   * @example
   * ```ts
   * import { Span } from "@codomyrmex/spans";
   * import assert from "node:assert/strict";
   *
   * const span = new Span("a").setAttributes({ a: 1, b: [true, false] });
   * assert.deepEqual(span.attributes, { a: 1, b: [true, false] });
   * ```
   */
  setAttributes(attributes: Readonly<Attributes>): this {
    if ((this.#state & IGNORES) === 0) {
      if (this.#attributes === undefined) {
        const limits = this.#limits();
        this.#attributes = firstAttributes(
          attributes,
          limits.attributeCountLimit,
          limits.attributeValueLengthLimit,
        );
        return this;
      }
      this.#bag().setAll(attributes);
    }
    return this;
  }

  /**
   * Adds a timestamped event. An event with a non-string name, a time that
   * OTLP cannot carry (outside [0, 2^64 ns), NaN, not a number or `Date`),
   * or past the event limit is dropped and counted.
   *
   * @param name The event's name.
   * @param attributes Its attributes.
   * @param time Epoch milliseconds or a `Date`; now when omitted.
   * @returns This span.
   *
   * @example
   * ```ts
   * import { Span } from "@codomyrmex/spans";
   * import assert from "node:assert/strict";
   *
   * const span = new Span("a").addEvent("cache.miss", { key: "user:1" });
   * assert.deepEqual(span.events[0].attributes, { key: "user:1" });
   * ```
   */
  addEvent(
    name: string,
    attributes?: Readonly<Attributes>,
    time?: number | Date,
  ): this {
    if ((this.#state & IGNORES) !== 0) return this;
    const events = this.#events;
    const limits = this.#limits();
    if (
      typeof name !== "string" ||
      (events === undefined ? 0 : events.length) >= limits.eventCountLimit
    ) {
      this.#rareFields().droppedEvents++;
      return this;
    }
    // An event's time is data: one that OTLP cannot carry drops the event.
    const at = time === undefined ? (this.#init.clock ?? systemClock).now() : otlpTime(time);
    if (at === undefined) {
      this.#rareFields().droppedEvents++;
      return this;
    }
    const bag = this.#bagOf(attributes, limits.attributePerEventCountLimit);
    const event: SpanEvent = {
      name,
      time: at,
      attributes: bag?.values ?? EMPTY_ATTRIBUTES,
      droppedAttributesCount: bag?.dropped ?? 0,
    };
    // Most spans have one event or none: an array made empty and pushed to
    // would reserve 17 slots (~130 bytes per queued span on V8).
    if (events === undefined) this.#events = [event];
    else events.push(event);
    return this;
  }

  /**
   * Links this span to another span's context, such as the producer of a
   * message it consumes. A context object whose trace id or span id is all
   * zeros (32 or 16 `0`s; the other id valid or all zeros too) is kept only
   * when the link's attributes (those kept under the limits) or the
   * context's `traceState` are not empty, as the OpenTelemetry trace API
   * asks; messaging systems carry attributes on such links. Anything else
   * that is not a valid span context, or a link past the limit, is dropped
   * and counted. A context that is no {@linkcode SpanContext} is read once,
   * here, and kept as a copy: its trace flags as a byte, its trace state
   * only when it is a valid one (an invalid one is dropped and counted, as
   * the propagators count it).
   *
   * @param context The linked span's context.
   * @param attributes The link's attributes.
   * @returns This span.
   *
   * @example
   * ```ts
   * import { Span, SpanContext } from "@codomyrmex/spans";
   * import assert from "node:assert/strict";
   *
   * const producer = SpanContext.newRoot();
   * const span = new Span("consume").addLink(producer, { "messaging.batch": true });
   * assert.equal(span.links[0].context.traceId, producer.traceId);
   * ```
   *
   * @example A link with all-zero ids
   * ```ts
   * import { Span, type SpanContext } from "@codomyrmex/spans";
   * import assert from "node:assert/strict";
   *
   * const none = { traceId: "0".repeat(32), spanId: "0".repeat(16) } as SpanContext;
   * const span = new Span("consume")
   *   .addLink(none, { "messaging.message.id": "m-1" }) // kept: it has attributes
   *   .addLink(none); // dropped and counted: nothing on it
   * assert.equal(span.links.length, 1);
   * assert.equal(span.droppedLinksCount, 1);
   * ```
   */
  addLink(
    context: SpanContext,
    attributes?: Readonly<Attributes>,
  ): this {
    if ((this.#state & IGNORES) !== 0) return this;
    const rare = this.#rareFields();
    const links = rare.links ??= [];
    const limits = this.#limits();
    const linked = links.length >= limits.linkCountLimit ? undefined : linkContextOf(context);
    const bag = linked === undefined
      ? undefined
      : this.#bagOf(attributes, limits.attributePerLinkCountLimit);
    if (
      linked === undefined ||
      (hasZeroId(linked) && !keepsZeroIdLink(linked.traceState, bag?.values))
    ) {
      rare.droppedLinks++;
      return this;
    }
    links.push({
      context: linked,
      attributes: bag?.values ?? EMPTY_ATTRIBUTES,
      droppedAttributesCount: bag?.dropped ?? 0,
    });
    return this;
  }

  /**
   * Records an error as an `exception` event (with `exception.type`,
   * `exception.message` and `exception.stacktrace`, as OpenTelemetry's
   * semantic conventions name them) and sets the status to error. It never
   * throws, whatever it is given, and it does not rethrow. The type is the
   * error's `name`; for a subclass that sets none of its own
   * (`class DbError extends Error {}`), its class's name.
   *
   * @param error What was thrown.
   * @param attributes More attributes for the event, with the same rules as
   *   {@linkcode Span.addEvent}'s; where a key is one of the three above, it
   *   replaces the value read from `error`, as the OpenTelemetry
   *   specification asks. A string `exception.message` given here (one with a
   *   secret scrubbed from it, say) is the status description too, in place
   *   of the error's own message; when it is empty, the type describes the
   *   error (a string `exception.type` given here first).
   * @param time When the exception happened, epoch milliseconds or a
   *   `Date`; now when omitted. As with {@linkcode Span.addEvent}, a time
   *   that OTLP cannot carry drops the event, counted (the status is still
   *   set).
   * @returns This span.
   *
   * @example
   * ```ts
   * import { Span } from "@codomyrmex/spans";
   * import assert from "node:assert/strict";
   *
   * const span = new Span("a").recordException(new RangeError("too big"));
   * assert.equal(span.events[0].attributes["exception.type"], "RangeError");
   * assert.deepEqual(span.status, { code: "error", message: "too big" });
   *
   * span.recordException(new Error("retrying"), { "exception.type": "RetryableError" });
   * assert.equal(span.events[1].attributes["exception.type"], "RetryableError");
   *
   * const failedAt = new Date(Date.now() - 1_000); // a failure seen earlier
   * span.recordException(new Error("first attempt"), undefined, failedAt);
   * assert.equal(span.events[2].time, failedAt.getTime());
   * ```
   */
  recordException(
    error: unknown,
    attributes?: Readonly<Attributes>,
    time?: number | Date,
  ): this {
    if ((this.#state & IGNORES) !== 0) return this;
    const { type, message, stacktrace } = describeException(error);
    const generated: Record<string, string> = {};
    if (type !== undefined) generated["exception.type"] = type;
    if (message !== undefined) generated["exception.message"] = message;
    if (stacktrace !== undefined) generated["exception.stacktrace"] = stacktrace;
    if (attributes === undefined) {
      this.addEvent("exception", generated, time);
      // An empty message is none (Set Status: "An empty Description is
      // equivalent with a not present one"): the type describes the error.
      return this.setStatus("error", message || type);
    }
    this.#addExceptionEvent(generated, attributes, time);
    // A message or type given in place of the error's describes the status
    // too: a caller who replaced the message (to scrub a secret from it)
    // must not find the raw one there. Taken as given, even when the event
    // was dropped or its attribute cut.
    const givenMessage = givenString(attributes, "exception.message") ?? message;
    return this.setStatus(
      "error",
      givenMessage || (givenString(attributes, "exception.type") ?? type),
    );
  }

  /**
   * Sets the status. `"ok"` is final; `"unset"` is ignored, as the
   * OpenTelemetry specification asks; a message is kept only with
   * `"error"`.
   *
   * @param code `"unset"`, `"ok"` or `"error"`.
   * @param message What went wrong, for `"error"`.
   * @returns This span.
   * @throws {TypeError} When `code` is not one of the three codes, on a
   *   span that records or was sampled out (after `end()` the call is
   *   ignored).
   *
   * @example
   * ```ts
   * import { Span } from "@codomyrmex/spans";
   * import assert from "node:assert/strict";
   *
   * const span = new Span("a").setStatus("ok").setStatus("error", "late");
   * assert.deepEqual(span.status, { code: "ok" });
   * ```
   */
  setStatus(code: SpanStatusCode, message?: string): this {
    if ((this.#state & IGNORES) !== 0) {
      // Ignored once ended; a span that does not record still refuses a
      // wrong code, so the mistake is loud whether or not it is sampled.
      if (!this.ended && !isStatusCode(code)) throw statusCodeError(code);
      return this;
    }
    if (!isStatusCode(code)) throw statusCodeError(code);
    if (code === "unset" || this.#status.code === "ok") return this;
    this.#status = code === "ok" ? OK : typeof message === "string" ? { code, message } : { code };
    return this;
  }

  /**
   * Renames the span, for when the right name is only known later (a route
   * matched after the span started).
   *
   * @param name The new name.
   * @returns This span.
   * @throws {TypeError} When `name` is not a string, on a span that
   *   records or was sampled out (after `end()` the call is ignored).
   *
   * @example
   * ```ts
   * import { Span } from "@codomyrmex/spans";
   * import assert from "node:assert/strict";
   *
   * assert.equal(new Span("GET").updateName("GET /users/:id").name, "GET /users/:id");
   * ```
   */
  updateName(name: string): this {
    if ((this.#state & IGNORES) !== 0) {
      // As setStatus: ignored once ended, a mistake still on a span that
      // does not record.
      if (!this.ended && typeof name !== "string") throw updateNameError(name);
      return this;
    }
    if (typeof name !== "string") throw updateNameError(name);
    this.#name = name;
    return this;
  }

  /**
   * Returns the whole span as plain data, so `JSON.stringify(span)` works.
   *
   * @returns The serialization; see {@linkcode SpanJSON}.
   *
   * @example
   * ```ts
   * import { Span } from "@codomyrmex/spans";
   * import assert from "node:assert/strict";
   *
   * const json = new Span("a").start(10).end(35).toJSON();
   * assert.equal(json.durationMs, 25);
   * assert.equal(json.parentSpanId, null);
   * ```
   */
  toJSON(): SpanJSON {
    return {
      name: this.#name,
      kind: this.kind,
      traceId: this.#madeTraceId(),
      spanId: this.#madeSpanId(),
      parentSpanId: this.#parentSpanId ?? null,
      traceFlags: this.#traceFlags,
      traceState: this.#traceState ?? null,
      startTime: this.#startTime ?? null,
      endTime: this.#endTime ?? null,
      durationMs: this.durationMs ?? null,
      status: { ...this.#status },
      attributes: plainAttributes(this.attributes),
      events: this.events.map((e) => ({
        name: e.name,
        time: e.time,
        attributes: plainAttributes(e.attributes),
        droppedAttributesCount: e.droppedAttributesCount,
      })),
      links: this.links.map((l) => ({
        traceId: l.context.traceId,
        spanId: l.context.spanId,
        ...(l.context.traceState === undefined ? {} : { traceState: l.context.traceState }),
        traceFlags: l.context.traceFlags,
        attributes: plainAttributes(l.attributes),
        droppedAttributesCount: l.droppedAttributesCount,
      })),
      droppedAttributesCount: this.droppedAttributesCount,
      droppedEventsCount: this.droppedEventsCount,
      droppedLinksCount: this.droppedLinksCount,
    };
  }

  /**
   * Ends the span, so `using span = tracer.startSpan("x")` ends it when the
   * block exits.
   *
   * @example
   * ```ts
   * import { Span } from "@codomyrmex/spans";
   * import assert from "node:assert/strict";
   *
   * const span = new Span("a").start();
   * span[Symbol.dispose]();
   * assert.equal(span.ended, true);
   * ```
   */
  [Symbol.dispose](): void {
    this.end();
  }

  // recordException's event when it is given attributes of its own: the
  // generated ones first, then the caller's, which replace them key by key.
  // The per-event limit applies to the merged record, so a key both
  // generated and given is one attribute, kept or dropped (and counted)
  // once. addEvent's checks, off its path.
  #addExceptionEvent(generated: Attributes, attributes: unknown, time: unknown): void {
    const events = this.#events;
    const limits = this.#limits();
    const at = time === undefined ? (this.#init.clock ?? systemClock).now() : otlpTime(time);
    if ((events === undefined ? 0 : events.length) >= limits.eventCountLimit || at === undefined) {
      this.#rareFields().droppedEvents++;
      return;
    }
    // Unbounded, so that no key is refused before the caller's replace it;
    // invalid values (and getters that throw) are still dropped and counted.
    const merged = new AttributeBag(Infinity, limits.attributeValueLengthLimit);
    merged.setAll(generated);
    merged.setAll(attributes);
    const bag = this.#bagOf(merged.values, limits.attributePerEventCountLimit)!;
    const event: SpanEvent = {
      name: "exception",
      time: at,
      attributes: bag.values,
      droppedAttributesCount: bag.dropped + merged.dropped,
    };
    if (events === undefined) this.#events = [event];
    else events.push(event);
  }

  // The trace id, sliced from the pool's hex when first read and kept, so
  // later reads (each child's start reads its parent's) write nothing. Only
  // a root has its trace id there (its bytes are the 16 before its span
  // id's); a child is given its parent's, made once and shared.
  #madeTraceId(): string {
    const id = this.#traceId;
    return id.length === 32 ? id : this.#traceId = traceIdIn(id, this.#idAt);
  }

  #madeSpanId(): string {
    const id = this.#spanId;
    return id.length === 16 ? id : this.#spanId = spanIdIn(id, this.#idAt);
  }

  #limits(): ResolvedSpanLimits {
    return (this.#init.limits as ResolvedSpanLimits | undefined) ?? DEFAULT_SPAN_LIMITS;
  }

  #rareFields(): Rare {
    return this.#rare ??= { links: undefined, droppedEvents: 0, droppedLinks: 0 };
  }

  // Events and links without attributes share one frozen empty record.
  #bagOf(attributes: unknown, countLimit: number): AttributeBag | undefined {
    if (attributes === undefined) return undefined;
    const bag = new AttributeBag(countLimit, this.#limits().attributeValueLengthLimit);
    bag.setAll(attributes);
    return bag;
  }

  // The span's bag, made (or made from the record taken whole) on first use.
  #bag(): AttributeBag {
    const attributes = this.#attributes;
    if (attributes instanceof AttributeBag) return attributes;
    const limits = this.#limits();
    const bag = attributes === undefined
      ? new AttributeBag(limits.attributeCountLimit, limits.attributeValueLengthLimit)
      : AttributeBag.adopt(
        attributes,
        limits.attributeCountLimit,
        limits.attributeValueLengthLimit,
      );
    this.#attributes = bag;
    return bag;
  }
}

// The public signature's length: the name and an optional context.
Object.defineProperty(Span, "length", { value: 2 });

// A copy with the string keys only: attributes are keyed by strings, and a
// symbol-keyed property that came along with a record is not one of them.
// The constructor's checks, out of its body: a Tracer calls it for every
// span, and a smaller constructor is inlined into the Tracer's start where
// JavaScriptCore would not inline a larger one.
function nameError(name: unknown): TypeError {
  return new TypeError(`Cannot create span: name must be a string, got ${describe(name)}`);
}

function isStatusCode(code: unknown): boolean {
  return code === "unset" || code === "ok" || code === "error";
}

function statusCodeError(code: unknown): TypeError {
  // OpenTelemetry's setStatus takes { code, message }, with a numeric code:
  // what someone moving from its API writes first.
  const hint = typeof code === "object" && code !== null
    ? ' (the code and the message go apart: setStatus("error", message), not ' +
      "OpenTelemetry's setStatus({ code, message }))"
    : code === 0 || code === 1 || code === 2
    ? ' (OpenTelemetry\'s SpanStatusCode? Here the codes are "unset", "ok" and "error")'
    : "";
  return new TypeError(
    `Cannot set status: code must be "unset", "ok" or "error", got ${describe(code)}${hint}`,
  );
}

// A string attribute recordException was given, read as the event's
// attributes are (an own enumerable key), never throwing: undefined when it
// is absent, not a string, or its getter (or a Proxy trap) throws.
function givenString(attributes: unknown, key: string): string | undefined {
  if (typeof attributes !== "object" || attributes === null) return undefined;
  try {
    if (
      Array.isArray(attributes) || !Object.prototype.propertyIsEnumerable.call(attributes, key)
    ) return undefined;
    const value = (attributes as Record<string, unknown>)[key];
    return typeof value === "string" ? value : undefined;
  } catch {
    return undefined;
  }
}

function updateNameError(name: unknown): TypeError {
  return new TypeError(`Cannot update span name: name must be a string, got ${describe(name)}`);
}

function kindIndexOf(kind: SpanKind): number {
  const index = KINDS.indexOf(kind);
  if (index < 0) {
    throw new TypeError(
      `Cannot create span: kind must be one of ${KINDS.join(", ")}, got ${describe(kind)}`,
    );
  }
  return index;
}

// The init of a span made with `new Span`, checked (a wrong clock or listener
// would otherwise throw an engine error at start or end), with partial limits
// filled in with the defaults.
function checkedInit(init: SpanInit): SpanInit {
  if (typeof init !== "object" || init === null) {
    throw initError("an object", init);
  }
  const { clock, listener, recording, limits } = init;
  // A null clock is the default, as a Tracer takes it.
  if (clock !== undefined && clock !== null && typeof clock.now !== "function") {
    throw initError("a clock with a now method", clock, "clock");
  }
  if (
    listener !== undefined &&
    (typeof listener?.spanStarted !== "function" || typeof listener.spanEnded !== "function")
  ) {
    throw initError("a listener with spanStarted and spanEnded methods", listener, "listener");
  }
  if (recording !== undefined && typeof recording !== "boolean") {
    throw initError("a boolean", recording, "recording");
  }
  if (limits === undefined) return init;
  const resolved = resolveSpanLimits(limits);
  return resolved === limits ? init : { ...init, limits: resolved };
}

function initError(expected: string, got: unknown, field?: string): TypeError {
  return new TypeError(
    `Cannot create span: init${field === undefined ? "" : `.${field}`} must be ${expected}, got ${
      describe(got)
    }`,
  );
}

function givenContext(context: SpanContext | undefined): SpanContext {
  if (context === undefined) return SpanContext.newRoot();
  if (!(context instanceof SpanContext)) {
    throw new TypeError(
      `Cannot create span: context must be a SpanContext, got ${describe(context)}`,
    );
  }
  return context;
}

function plainAttributes(attributes: Readonly<Attributes>): Attributes {
  return Object.fromEntries(Object.entries(attributes));
}
