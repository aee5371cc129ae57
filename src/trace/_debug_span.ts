// Internal: what a Tracer does differently while debug diagnostics are on
// (setDiagnostics({ level: "debug" }) or SPANS_DEBUG=1). Spans it starts then
// are DebugSpans: each says, once per cause and naming itself, what a call
// lost (an attribute, event or link dropped as invalid or over a limit, a
// change after end, a second end) or got wrong (a performance.now() reading
// for a time), and is tracked until it ends so that a flush or shutdown can
// name the spans still open. A tracer with no processors says so. Nothing
// here runs while debug is off: the Tracer reads one boolean per span.

import { debugOnce } from "../platform/_diagnostics.ts";
import { describe } from "../platform/_describe.ts";
import {
  type Attributes,
  type AttributeValue,
  type ResolvedSpanLimits,
  sanitizeAttributeValue,
} from "../span/attributes.ts";
import { Span, type SpanInit, type SpanKind, type SpanStatusCode } from "../span/span.ts";
import type { SpanContext } from "../span/span_context.ts";
import { isZeroIdContext } from "../span/_link_context.ts";

// Spans that never end would otherwise be held for ever.
const MAX_TRACKED = 10_000;

// 2001-09-09 in epoch milliseconds: no span's time is earlier, and no
// performance.now() reading is later (31 years after its time origin).
const BEFORE_ANY_SPAN_MS = 1e12;

/** A tracer's debug bookkeeping: its open spans, started while debug was on. */
export class DebugState {
  readonly #open = new Set<Span>();
  readonly #tracer: string;
  readonly #noProcessors: boolean;

  /**
   * @param tracerName The tracer's name, for messages.
   * @param noProcessors Whether the tracer has no processors.
   */
  constructor(tracerName: string, noProcessors: boolean) {
    this.#tracer = tracerName === "" ? "(unnamed)" : tracerName;
    this.#noProcessors = noProcessors;
  }

  /** Creates a span that reports its losses and is tracked until it ends. */
  create(
    name: string,
    context: SpanContext,
    kind: SpanKind,
    init: SpanInit & { readonly limits: ResolvedSpanLimits },
  ): Span {
    if (this.#noProcessors) {
      debugOnce(
        `no-processors:${this.#tracer}`,
        `tracer "${this.#tracer}" has no processors, so its spans (span "${name}" first) go ` +
          "nowhere: pass processors to new Tracer(), or use setupTracing()",
      );
    }
    const span = new DebugSpan(name, context, kind, init, this.#open, this.#tracer);
    if (this.#open.size < MAX_TRACKED) this.#open.add(span);
    return span;
  }

  /** Names, once each, the spans that were open when the tracer flushed or shut down. */
  reportOpen(when: "flushed" | "shut down"): void {
    for (const span of this.#open) {
      debugOnce(
        `open-at-${when}:${span.name}`,
        `span "${span.name}" (tracer "${this.#tracer}") had not ended when the tracer was ${when}: ` +
          "no processor has it until it ends, and a span that never ends is lost. End every span " +
          "(span.end(), `using`, or tracer.span())",
      );
    }
  }
}

class DebugSpan extends Span {
  readonly #limits: ResolvedSpanLimits;
  readonly #open: Set<Span>;
  readonly #tracer: string;

  constructor(
    name: string,
    context: SpanContext,
    kind: SpanKind,
    init: SpanInit & { readonly limits: ResolvedSpanLimits },
    open: Set<Span>,
    tracer: string,
  ) {
    super(name, context, kind, init);
    this.#limits = init.limits;
    this.#open = open;
    this.#tracer = tracer;
  }

  override setAttribute(key: string, value: AttributeValue): this {
    this.#afterEnd("setAttribute");
    const before = this.droppedAttributesCount;
    super.setAttribute(key, value);
    if (this.droppedAttributesCount !== before) {
      reportSafely(() =>
        this.#dropped(key, value, `span "${this.name}"`, this.#limits.attributeCountLimit)
      );
    }
    return this;
  }

  override setAttributes(attributes: Readonly<Attributes>): this {
    this.#afterEnd("setAttributes");
    const before = this.droppedAttributesCount;
    super.setAttributes(attributes);
    if (this.droppedAttributesCount !== before) {
      reportSafely(() =>
        this.#droppedFrom(
          attributes,
          this.attributes,
          `span "${this.name}"`,
          this.#limits.attributeCountLimit,
        )
      );
    }
    return this;
  }

  override start(startTime?: number | Date): this {
    this.#relativeTime("start", startTime);
    return super.start(startTime);
  }

  override addEvent(
    name: string,
    attributes?: Readonly<Attributes>,
    time?: number | Date,
  ): this {
    this.#afterEnd("addEvent");
    this.#relativeTime("addEvent", time);
    const count = this.events.length;
    const dropped = this.droppedEventsCount;
    super.addEvent(name, attributes, time);
    reportSafely(() => {
      if (this.droppedEventsCount !== dropped) {
        const why = typeof name === "string"
          ? `the span already holds ${this.#limits.eventCountLimit} events (limits.eventCountLimit)`
          : `its name is ${describe(name)}, not a string`;
        debugOnce(
          `event-dropped:${this.name}:${String(name)}`,
          `span "${this.name}": event ${JSON.stringify(String(name))} was dropped: ${why}`,
        );
      } else if (this.events.length > count) {
        const event = this.events[count];
        if (event.droppedAttributesCount > 0) {
          this.#droppedFrom(
            attributes,
            event.attributes,
            `event "${event.name}" of span "${this.name}"`,
            this.#limits.attributePerEventCountLimit,
          );
        }
      }
    });
    return this;
  }

  override addLink(context: SpanContext, attributes?: Readonly<Attributes>): this {
    this.#afterEnd("addLink");
    const count = this.links.length;
    const dropped = this.droppedLinksCount;
    super.addLink(context, attributes);
    reportSafely(() => {
      if (this.droppedLinksCount !== dropped) {
        const why = this.links.length >= this.#limits.linkCountLimit
          ? `the span already holds ${this.#limits.linkCountLimit} links (limits.linkCountLimit)`
          : isZeroIdContext(context)
          ? "its ids are all zeros, and it has neither attributes nor a trace state"
          : `it was given ${describe(context)}, not a valid SpanContext`;
        debugOnce(
          `link-dropped:${this.name}`,
          `span "${this.name}": a link was dropped: ${why}`,
        );
      } else if (this.links.length > count && this.links[count].droppedAttributesCount > 0) {
        this.#droppedFrom(
          attributes,
          this.links[count].attributes,
          `a link of span "${this.name}"`,
          this.#limits.attributePerLinkCountLimit,
        );
      }
    });
    return this;
  }

  override recordException(
    error: unknown,
    attributes?: Readonly<Attributes>,
    time?: number | Date,
  ): this {
    this.#afterEnd("recordException");
    this.#relativeTime("recordException", time);
    return super.recordException(error, attributes, time);
  }

  override setStatus(code: SpanStatusCode, message?: string): this {
    this.#afterEnd("setStatus");
    return super.setStatus(code, message);
  }

  override updateName(name: string): this {
    this.#afterEnd("updateName");
    return super.updateName(name);
  }

  override end(endTime?: number | Date): this {
    if (this.ended) {
      this.#endedAgain(
        "end() was called again: the second call was ignored, and the span keeps its first " +
          "end time. Two code paths end it (a finally and a callback, say, or an end() of a " +
          "span that tracer.span() or `using` ends already): end it in one place",
      );
      return this;
    }
    this.#relativeTime("end", endTime);
    super.end(endTime);
    this.#open.delete(this);
    return this;
  }

  override [Symbol.dispose](): void {
    if (this.ended) {
      this.#endedAgain(
        "its `using` block ended it again: the second end was ignored, and the span keeps " +
          "its first end time. A span declared with `using` ends when its block exits: leave " +
          "out the end() call, or declare it with const",
      );
      return;
    }
    super[Symbol.dispose]();
  }

  // A second end is ignored (the processors have the span already): said
  // once per tracer and span name. Not for the library's own end (see _library_end.ts).
  #endedAgain(what: string): void {
    debugOnce(
      `ended-twice:${this.#tracer}:${this.name}`,
      `span "${this.name}" (tracer "${this.#tracer}") had already ended when ${what}`,
    );
  }

  // A change after end() is ignored (the span was handed to the processors
  // as it was): said once per span name and call, before the call, so a
  // report cannot come from recordException's own addEvent and setStatus.
  #afterEnd(call: string): void {
    if (!this.ended) return;
    debugOnce(
      `after-end:${call}:${this.name}`,
      `span "${this.name}" (tracer "${this.#tracer}") had already ended when ${call}() was ` +
        "called: the change is ignored, because processors got the span as it was at end(). " +
        "Make every change before end()",
    );
  }

  // A time is epoch milliseconds, as in the OpenTelemetry specification;
  // OpenTelemetry JS's API also takes a `performance.now()` reading, which
  // here would be a time in 1970 and a span decades long. No span is that
  // old (2001-09-09 is 1e12 ms), so such a time is almost surely a reading
  // relative to `performance.timeOrigin`. Such a mistake is made wherever a
  // clock is, in spans of every name (names that carry ids, too), so it is
  // said once per tracer and call, naming the first span: keyed per name, it
  // would use up the debug reports (see _diagnostics.ts) and silence the rest.
  #relativeTime(call: string, time: unknown): void {
    if (typeof time !== "number" || !(time >= 0 && time < BEFORE_ANY_SPAN_MS)) return;
    debugOnce(
      `relative-time:${call}:${this.#tracer}`,
      `span "${this.name}" (tracer "${this.#tracer}"): ${call}() was given the time ${time}, ` +
        `which is read as epoch milliseconds (${new Date(time).toISOString()}); a ` +
        "performance.now() reading counts from performance.timeOrigin: pass " +
        "performance.timeOrigin + performance.now(), or no time for now (said once per " +
        "tracer and call, for the first span given such a time)",
    );
  }

  // Finds which entries of `given` did not make it into `kept`, and why.
  #droppedFrom(given: unknown, kept: Readonly<Attributes>, where: string, limit: number): void {
    if (typeof given !== "object" || given === null || Array.isArray(given)) {
      debugOnce(
        `attributes-not-a-record:${where}`,
        `${where}: attributes were dropped: expected a record of attributes, got ${
          describe(given)
        }`,
      );
      return;
    }
    for (const key in given) {
      if (!Object.hasOwn(given, key)) continue;
      const value = (given as Record<string, unknown>)[key];
      if (key === "" || !Object.hasOwn(kept, key) || sanitizeAttributeValue(value) === undefined) {
        this.#dropped(key, value, where, limit);
      }
    }
  }

  #dropped(key: unknown, value: unknown, where: string, limit: number): void {
    let why: string;
    if (typeof key !== "string" || key === "") {
      why = `its key is ${describe(key)}, not a non-empty string`;
    } else if (sanitizeAttributeValue(value) === undefined) {
      why = `its value is ${
        Array.isArray(value) ? "an array of mixed or unsupported types" : describe(value)
      }; a value is a string, number, boolean, or an array of one of those`;
    } else {
      why = `${where} already holds ${limit} attributes (the limit)`;
    }
    debugOnce(
      `attribute-dropped:${where}:${String(key)}`,
      `${where}: attribute ${JSON.stringify(String(key))} was dropped: ${why}`,
    );
  }
}

// Debug reports read the caller's data again to say what was dropped and
// why; that data may throw (a getter, a Proxy trap, a name whose toString
// throws). Turning debug on must never make telemetry throw into the
// application, so a report that cannot be made is left out.
function reportSafely(report: () => void): void {
  try {
    report();
  } catch {
    // Nothing to report with: the drop itself is already counted.
  }
}
