// Internal: puts a trace's spans back together for the console's tree
// format. Spans reach an exporter as they end, children before their
// parents, one at a time (SimpleSpanProcessor) or in batches cut anywhere
// (BatchSpanProcessor). The assembler holds each trace's spans until its
// local root ends (a span with no parent, or a remote one), then hands the
// root and every held descendant over as one group. A span that ends after
// its parent was handed over is late: it goes out at once with its own held
// descendants, as an addendum. Memory is bounded: a trace whose root has not
// ended after `timeoutMs` is handed over as unfinished, and so is the oldest
// trace when more than `maxPending` spans wait; the spans already handed over
// are remembered (for late ones) up to a bound, oldest trace first.

import type { Clock } from "../platform/clock.ts";
import type { Scheduler, TimerHandle, TimerOptions } from "../platform/scheduler.ts";
import { truncateString } from "../platform/_truncate.ts";
import { hasRemoteParent } from "../span/_remote_parent.ts";
import { printable } from "./_terminal_text.ts";

import type { Span } from "../span/span.ts";

const BACKGROUND: TimerOptions = Object.freeze({ background: true });

/** Span ids remembered, over all traces, to recognise late spans. */
const MAX_REMEMBERED = 10_000;

/**
 * The characters of a printed span's name kept to label its late children:
 * so many names are kept that a span named by a long query or URL (8 KB
 * each) held 80 MB of them after it was printed.
 */
const MAX_REMEMBERED_NAME = 120;

/** Receives a group of spans of one trace, with a note when it is not a whole local trace. */
export type GroupSink = (spans: Span[], note: string | undefined) => void;

interface Waiting {
  readonly since: number;
  /** Every held span, in arrival order: two spans with one id are both kept. */
  readonly spans: Set<Span>;
  /** The first held span of each span id, for finding parents. */
  byId: Map<string, Span>;
}

/** See the file comment. */
export class TraceAssembler {
  readonly #timeoutMs: number;
  readonly #maxPending: number;
  readonly #clock: Clock;
  readonly #scheduler: Scheduler;
  readonly #sink: GroupSink;
  readonly #onTimer = () => {
    this.#timer = undefined;
    this.#expire();
  };
  // By trace id, oldest first: insertion order is arrival order.
  readonly #waiting = new Map<string, Waiting>();
  #waitingCount = 0;
  // By trace id, least recently printed first: span id -> span name.
  readonly #printed = new Map<string, Map<string, string>>();
  #printedCount = 0;
  #timer: TimerHandle | undefined;

  /**
   * @param timeoutMs How long a trace waits for its local root.
   * @param maxPending The most spans held at once.
   * @param clock Where arrival times come from.
   * @param scheduler Where the timeout's timer runs (a background timer).
   * @param sink Receives each group.
   */
  constructor(
    timeoutMs: number,
    maxPending: number,
    clock: Clock,
    scheduler: Scheduler,
    sink: GroupSink,
  ) {
    this.#timeoutMs = timeoutMs;
    this.#maxPending = maxPending;
    this.#clock = clock;
    this.#scheduler = scheduler;
    this.#sink = sink;
  }

  /**
   * Takes a batch of ended spans and hands over every group it completes:
   * first the local roots in it, then the late spans.
   */
  add(spans: readonly Span[]): void {
    const now = this.#clock.now();
    const fresh: Span[] = [];
    for (const span of spans) {
      if (span?.ended !== true || span.startTime === undefined) continue;
      const traceId = span.context.traceId;
      let waiting = this.#waiting.get(traceId);
      if (waiting === undefined) {
        this.#waiting.set(traceId, waiting = { since: now, spans: new Set(), byId: new Map() });
      }
      if (waiting.spans.has(span)) continue;
      waiting.spans.add(span);
      this.#waitingCount++;
      if (!waiting.byId.has(span.context.spanId)) waiting.byId.set(span.context.spanId, span);
      fresh.push(span);
    }
    // The sink writes (to the console, or a caller's function) and may
    // throw; the bound and the timer must hold whatever it does.
    try {
      for (const span of fresh) {
        if (span.context.parentSpanId === undefined || hasRemoteParent(span)) {
          this.#handOver(span, undefined);
        }
      }
      for (const span of fresh) {
        const parentId = span.context.parentSpanId;
        if (parentId === undefined) continue;
        const parentName = this.#printed.get(span.context.traceId)?.get(parentId);
        if (parentName !== undefined) {
          this.#handOver(span, `late: ended after "${printable(parentName)}" was printed`);
        }
      }
    } finally {
      try {
        while (this.#waitingCount > this.#maxPending) {
          this.#expireOldest(`unfinished: more than ${this.#maxPending} spans were waiting`);
        }
      } finally {
        this.#arm();
      }
    }
  }

  /** Hands over every trace still waiting, with `note`, and stops the timer. */
  flushAll(note: string): void {
    if (this.#timer !== undefined) {
      this.#scheduler.clearTimeout(this.#timer);
      this.#timer = undefined;
    }
    while (this.#waiting.size > 0) this.#expireOldest(note);
  }

  // Hands over `top` and the waiting spans that descend from it.
  #handOver(top: Span, note: string | undefined): void {
    const traceId = top.context.traceId;
    const waiting = this.#waiting.get(traceId);
    if (waiting === undefined || !waiting.spans.has(top)) return;
    const { spans: held, byId } = waiting;
    const topId = top.context.spanId;
    // By span id: whether a span whose parent has this id is under `top`.
    const under = new Map<string, boolean>([[topId, true]]);
    const group: Span[] = [];
    for (const span of held) {
      // Walk up through held spans until a known answer or a missing parent.
      const path: string[] = [];
      let parentId = span.context.parentSpanId;
      let answer: boolean | undefined = span === top ? true : undefined;
      while (answer === undefined) {
        if (parentId === undefined) {
          answer = false;
          break;
        }
        answer = under.get(parentId);
        if (answer !== undefined) break;
        path.push(parentId);
        const parent = byId.get(parentId);
        // No parent here, or a cycle of malformed parent ids.
        if (parent === undefined || path.length > byId.size) answer = false;
        else parentId = parent.context.parentSpanId;
      }
      for (const id of path) under.set(id, answer);
      if (answer) group.push(span);
    }
    for (const span of group) {
      held.delete(span);
      const id = span.context.spanId;
      if (byId.get(id) === span) byId.delete(id);
    }
    this.#waitingCount -= group.length;
    if (held.size === 0) this.#waiting.delete(traceId);
    else if (byId.size < held.size) {
      // Spans sharing an id: the first one left now stands for that id.
      waiting.byId = new Map();
      for (const span of held) {
        if (!waiting.byId.has(span.context.spanId)) waiting.byId.set(span.context.spanId, span);
      }
    }
    this.#remember(traceId, group);
    this.#sink(group, note);
  }

  #remember(traceId: string, spans: readonly Span[]): void {
    const names = this.#printed.get(traceId) ?? new Map<string, string>();
    this.#printed.delete(traceId);
    this.#printed.set(traceId, names);
    for (const span of spans) {
      if (!names.has(span.context.spanId)) this.#printedCount++;
      names.set(span.context.spanId, rememberedName(span.name));
    }
    for (const [id, oldest] of this.#printed) {
      if (this.#printedCount <= MAX_REMEMBERED || id === traceId) break;
      this.#printed.delete(id);
      this.#printedCount -= oldest.size;
    }
    // One trace can print without end (every request of a client that
    // resends one traceparent is a local root of it): forget its oldest.
    for (const id of names.keys()) {
      if (this.#printedCount <= MAX_REMEMBERED) break;
      names.delete(id);
      this.#printedCount--;
    }
  }

  #expireOldest(note: string): void {
    const [traceId, waiting] = this.#waiting.entries().next().value!;
    this.#waiting.delete(traceId);
    this.#waitingCount -= waiting.spans.size;
    const spans = [...waiting.spans];
    this.#remember(traceId, spans);
    this.#sink(spans, note);
  }

  #expire(): void {
    const now = this.#clock.now();
    const seconds = this.#timeoutMs / 1000;
    for (const waiting of this.#waiting.values()) {
      if (waiting.since + this.#timeoutMs > now) break;
      this.#expireOldest(`unfinished: its local root had not ended after ${seconds} s`);
    }
    this.#arm();
  }

  #arm(): void {
    if (this.#timer !== undefined || this.#waiting.size === 0) return;
    const oldest = this.#waiting.values().next().value!;
    const delay = oldest.since + this.#timeoutMs - this.#clock.now();
    // Nothing awaits it: a background timer never keeps the process alive.
    this.#timer = this.#scheduler.setTimeout(this.#onTimer, delay > 0 ? delay : 0, BACKGROUND);
  }
}

// A copy of its own when cut: a slice would keep the whole name alive.
function rememberedName(name: string): string {
  if (name.length <= MAX_REMEMBERED_NAME) return name;
  const cut = truncateString(name, MAX_REMEMBERED_NAME);
  // Longer in code units than in characters (surrogate pairs), not cut.
  return cut.length === name.length ? name : `${cut}…`;
}
