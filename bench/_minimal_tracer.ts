// A yardstick for issue 13's lifecycle goal (ours ≤ 1.25x the floor): the
// least a tracer must do for `bench/compare.ts`'s lifecycle workload, written
// plainly in this library's style (`#private` fields, one class per part),
// with none of the library's other duties. `bench/lifecycle_breakdown.ts`
// runs it beside the floor and the library, so that "ours ÷ minimal" says how
// much of the gap to the floor is the library's own overhead, and "minimal ÷
// floor" how much any tracer with these duties pays.
//
// What it does, as the library does: checks the name and options; reads the
// current context and its span (the parent); decides sampling
// (parent-based, always on); takes pooled random ids as hex; copies the
// caller's attributes, keeping valid values within the count and length
// limits and counting the rest; adds an event under the event limit; reads
// the clock at start, event and end; ends once; hands the span to each
// processor, a throwing one reported and passed over; and queues it in a
// bounded ring with ended/accepted/dropped counts, a batch of 100 exported
// from a microtask. What it leaves out: links, trace state, kinds other
// than internal, status, explicit times and their checks, debug mode, the
// lazily made SpanContext and id bytes for OTLP, timers, deadlines,
// shutdown and every public accessor.
//
// `span(name, options, fn)` is `tracer.span`'s contract at its least, for
// `bench/nested_breakdown.ts`: the span is current in `fn` and after its
// awaits (one context entered), and ends when `fn` returns or, for a
// promise, settles, a rejection passed on; a throw or rejection is not
// recorded as an exception, which `tracer.span` does.

import { getContextStorage, ROOT_CONTEXT, SPAN_KEY, systemClock } from "../mod.ts";

const COUNT_LIMIT = 128;
const LENGTH_LIMIT = Infinity;
const EVENT_LIMIT = 128;
const BATCH = 100;
const CAPACITY = 2048;
const SAMPLED = 1;
const EMPTY: Readonly<Record<string, unknown>> = Object.freeze({});

type ToHex = (this: Uint8Array) => string;
const nativeToHex = (Uint8Array.prototype as { toHex?: ToHex }).toHex;
const NodeBuffer = (globalThis as {
  Buffer?: {
    from(buffer: ArrayBufferLike, offset: number, length: number): {
      toString(encoding: "hex"): string;
    };
  };
}).Buffer;

// Hex of random bytes, made 16 KiB at a time as the library and the floor
// make theirs (Deno and Bun have Uint8Array#toHex, Node has Buffer).
class HexPool {
  readonly #random = new Uint8Array(16384);
  #pool = "";
  #offset = 0;

  take(chars: number): string {
    if (this.#offset + chars > this.#pool.length) {
      crypto.getRandomValues(this.#random);
      this.#pool = nativeToHex !== undefined
        ? nativeToHex.call(this.#random)
        : NodeBuffer!.from(this.#random.buffer, 0, this.#random.length).toString("hex");
      this.#offset = 0;
    }
    this.#offset += chars;
    return this.#pool.slice(this.#offset - chars, this.#offset);
  }
}

interface MinimalEvent {
  readonly name: string;
  readonly time: number;
  readonly attributes: Readonly<Record<string, unknown>>;
  readonly droppedAttributesCount: number;
}

/** What a minimal span's processors are told. */
interface MinimalProcessor {
  onEnd(span: MinimalSpan): void;
}

/** A span with the fields an exporter needs, and nothing else. */
export class MinimalSpan {
  readonly #processors: readonly MinimalProcessor[];
  readonly #name: string;
  readonly #traceId: string;
  readonly #spanId: string;
  readonly #parentSpanId: string | undefined;
  readonly #flags: number;
  #ended = false;
  #attributes: Readonly<Record<string, unknown>> = EMPTY;
  #droppedAttributes = 0;
  #events: MinimalEvent[] | undefined;
  #droppedEvents = 0;
  #startTime: number;
  #endTime = 0;

  constructor(
    name: string,
    traceId: string,
    spanId: string,
    parentSpanId: string | undefined,
    flags: number,
    processors: readonly MinimalProcessor[],
  ) {
    this.#name = name;
    this.#traceId = traceId;
    this.#spanId = spanId;
    this.#parentSpanId = parentSpanId;
    this.#flags = flags;
    this.#processors = processors;
    this.#startTime = systemClock.now();
  }

  get traceId(): string {
    return this.#traceId;
  }

  get spanId(): string {
    return this.#spanId;
  }

  get flags(): number {
    return this.#flags;
  }

  /** The exporter's view, so nothing the span holds is dead code. */
  get fields(): readonly unknown[] {
    return [
      this.#name,
      this.#parentSpanId,
      this.#attributes,
      this.#droppedAttributes,
      this.#events,
      this.#droppedEvents,
      this.#startTime,
      this.#endTime,
    ];
  }

  // The caller's record, copied: valid values within the limits kept, the
  // rest counted.
  setAttributes(record: Readonly<Record<string, unknown>>): void {
    const copy: Record<string, unknown> = {};
    let count = 0;
    for (const key in record) {
      if (!Object.hasOwn(record, key)) continue;
      const value = record[key];
      const type = typeof value;
      const valid = key !== "" && (type === "number" || type === "boolean" ||
        (type === "string" && (value as string).length <= LENGTH_LIMIT));
      if (valid && count < COUNT_LIMIT) {
        copy[key] = value;
        count++;
      } else this.#droppedAttributes++;
    }
    this.#attributes = copy;
  }

  addEvent(name: string): this {
    if (this.#ended) return this;
    const events = this.#events;
    if (typeof name !== "string" || (events === undefined ? 0 : events.length) >= EVENT_LIMIT) {
      this.#droppedEvents++;
      return this;
    }
    const event = { name, time: systemClock.now(), attributes: EMPTY, droppedAttributesCount: 0 };
    if (events === undefined) this.#events = [event];
    else events.push(event);
    return this;
  }

  end(): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#endTime = systemClock.now();
    const processors = this.#processors;
    for (let i = 0; i < processors.length; i++) {
      try {
        processors[i].onEnd(this);
      } catch {
        // Reported once per cause by the library; passed over here.
      }
    }
  }
}

/** A bounded ring of ended spans with its counts, exported 100 at a time. */
export class MinimalBatchProcessor implements MinimalProcessor {
  readonly #items: (MinimalSpan | undefined)[] = new Array(CAPACITY);
  readonly #export: (spans: MinimalSpan[]) => void;
  #head = 0;
  #length = 0;
  #ended = 0;
  #accepted = 0;
  #dropped = 0;
  #pumpQueued = false;

  constructor(exportBatch: (spans: MinimalSpan[]) => void) {
    this.#export = exportBatch;
  }

  onEnd(span: MinimalSpan): void {
    if ((span.flags & SAMPLED) === 0) return;
    this.#ended++;
    if (this.#length === CAPACITY) {
      this.#dropped++;
      return;
    }
    this.#items[(this.#head + this.#length) % CAPACITY] = span;
    this.#length++;
    this.#accepted++;
    if (this.#length >= BATCH && !this.#pumpQueued) {
      this.#pumpQueued = true;
      queueMicrotask(this.#pump);
    }
  }

  /** Exports everything queued. */
  flush(): void {
    while (this.#length > 0) this.#take(BATCH);
  }

  /** The counts, as `stats()` gives the library's. */
  get counts(): { ended: number; accepted: number; dropped: number } {
    return { ended: this.#ended, accepted: this.#accepted, dropped: this.#dropped };
  }

  readonly #pump = (): void => {
    this.#pumpQueued = false;
    while (this.#length >= BATCH) this.#take(BATCH);
  };

  #take(max: number): void {
    const n = Math.min(max, this.#length);
    const batch = new Array<MinimalSpan>(n);
    for (let i = 0; i < n; i++) {
      batch[i] = this.#items[this.#head]!;
      this.#items[this.#head] = undefined;
      this.#head = (this.#head + 1) % CAPACITY;
    }
    this.#length -= n;
    this.#export(batch);
  }
}

/** Starts minimal spans, parented on the current span. */
export class MinimalTracer {
  readonly #processors: readonly MinimalProcessor[];
  readonly #ids = new HexPool();

  constructor(processors: readonly MinimalProcessor[]) {
    this.#processors = processors;
  }

  startSpan(
    name: string,
    options?: { attributes?: Readonly<Record<string, unknown>> },
  ): MinimalSpan {
    return this.#start(name, options, getContextStorage().getStore()?.getValue(SPAN_KEY));
  }

  /** Runs `fn` in a new span, current in `fn`; the span ends when `fn` settles. */
  span<R>(
    name: string,
    options: { attributes?: Readonly<Record<string, unknown>> },
    fn: (span: MinimalSpan) => R,
  ): R {
    if (typeof fn !== "function") throw new TypeError("Cannot run span: fn must be a function");
    const storage = getContextStorage();
    const store = storage.getStore() ?? ROOT_CONTEXT;
    const span = this.#start(name, options, store.getValue(SPAN_KEY));
    return storage.run(store.setValue(SPAN_KEY, span), () => {
      let result: R;
      try {
        result = fn(span);
      } catch (error) {
        span.end();
        throw error;
      }
      if (!(result instanceof Promise)) {
        span.end();
        return result;
      }
      return result.then((value) => {
        span.end();
        return value;
      }, (error) => {
        span.end();
        throw error;
      }) as R;
    });
  }

  #start(
    name: string,
    options: { attributes?: Readonly<Record<string, unknown>> } | undefined,
    parent: unknown,
  ): MinimalSpan {
    if (typeof name !== "string") throw new TypeError("Cannot start span: name must be a string");
    if (typeof options !== "object" && options !== undefined) {
      throw new TypeError("Cannot start span: options must be an object");
    }
    const ids = this.#ids;
    let span: MinimalSpan;
    if (parent === undefined) {
      span = new MinimalSpan(
        name,
        ids.take(32),
        ids.take(16),
        undefined,
        SAMPLED,
        this.#processors,
      );
    } else {
      // A minimal span's parent is a minimal span; anything else current
      // (the library's Span) gives its SpanContext.
      const of = parent instanceof MinimalSpan ? parent : (parent as {
        context: { traceId: string; spanId: string; traceFlags: number };
      }).context;
      const flags = parent instanceof MinimalSpan ? parent.flags : (of as { traceFlags: number })
        .traceFlags;
      span = new MinimalSpan(name, of.traceId, ids.take(16), of.spanId, flags, this.#processors);
    }
    const attributes = options?.attributes;
    if (attributes !== undefined) span.setAttributes(attributes);
    return span;
  }
}
