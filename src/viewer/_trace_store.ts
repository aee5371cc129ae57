// Internal: the viewer's memory. Received spans grouped by trace, bounded by
// a span count and an estimate of the bytes they hold. Traces are kept in
// the order their first span arrived; when a bound is passed the oldest
// traces go first, whole, and their spans are counted as evicted. Spans of
// one trace that arrive in several requests, or children before their
// parent, join one trace; a span that arrives again (a retried export)
// replaces the copy held, and its trace is summed up again once, when the
// request's spans are all in.

import type { ReceivedSpan, SharedBytes } from "../otlp/_received_span.ts";

/** One trace as the trace list shows it. */
export interface TraceSummary {
  /** 32 lowercase hex characters. */
  readonly traceId: string;
  /** The root span's name; the earliest span's when the root has not arrived. */
  readonly name: string;
  /** The root span's service (or the earliest span's). */
  readonly service: string;
  /** The earliest start, epoch milliseconds. */
  readonly startTime: number;
  /** From the earliest start to the latest end, milliseconds. */
  readonly durationMs: number;
  /** Spans held. */
  readonly spanCount: number;
  /** Spans whose status is error. */
  readonly errorCount: number;
}

/** Which traces {@linkcode TraceStore.list} returns. */
export interface TraceFilter {
  /** Traces with a span from this service. */
  readonly service?: string;
  /** Traces with a span whose name contains this, ignoring case. */
  readonly name?: string;
  /** Traces at least this long. */
  readonly minDurationMs?: number;
  /** Only traces with an error span. */
  readonly errorsOnly?: boolean;
  /** The most traces to return. */
  readonly limit: number;
}

/** The store's counters. */
export interface StoreStats {
  /** Spans held. */
  spans: number;
  /** Traces held. */
  traces: number;
  /** Spans refused as malformed (counted by the receiver). */
  rejected: number;
  /** Spans removed, with their traces, to stay within the bounds. */
  evicted: number;
}

interface TraceEntry {
  readonly traceId: string;
  spans: ReceivedSpan[];
  // span id -> index in `spans`, built once a trace is large enough that a
  // linear search for duplicates would cost more than the map.
  index: Map<string, number> | undefined;
  sizes: number[];
  // Each span's share of its resource's and its scope's bytes (in `sizes`).
  resourceShares: number[];
  scopeShares: number[];
  root: ReceivedSpan | undefined;
  start: number;
  end: number;
  errors: number;
  // A Set: a trace whose every span names its own service (80,000 in one
  // request) made an array's look-up quadratic, seconds of a blocked loop.
  services: Set<string>;
  // The store's version when this trace last changed.
  version: number;
  // Whether the trace is still held (evicted entries may linger in `order`,
  // emptied: what they held is let go when they are evicted).
  held: boolean;
  // Each span's name lowercased, in `spans`' order, as spans arrive: a name
  // search over a full store then only compares (lowercasing every name at
  // the first search took up to 54 ms over 100,000 spans).
  lowerNames: string[];
}

const INDEX_FROM = 16;

/** Spans by trace, within bounds. */
export class TraceStore {
  readonly #maxSpans: number;
  readonly #maxBytes: number;
  readonly #traces = new Map<string, TraceEntry>();
  // Traces in arrival order; entries before #head have been evicted.
  #order: TraceEntry[] = [];
  #head = 0;
  #spans = 0;
  #bytes = 0;
  #rejected = 0;
  #evicted = 0;
  #version = 0;
  // service -> how many held traces have a span from it
  readonly #services = new Map<string, number>();
  // Traces with a replaced span, summed up again at the end of an add.
  readonly #stale = new Set<TraceEntry>();
  // Each resource and scope held, shared by the spans one request sent with
  // it: how many held spans keep it, and the bytes their shares counted.
  // Those stay counted until the last of them goes: a span sent again with
  // another resource no longer counts its share, and the spans not sent
  // again still keep the whole object alive.
  readonly #shared = new Map<object, { refs: number; bytes: number }>();

  /**
   * @param maxSpans The most spans held.
   * @param maxBytes The most bytes (estimated) the held spans may take.
   */
  constructor(maxSpans: number, maxBytes: number) {
    this.#maxSpans = maxSpans;
    this.#maxBytes = maxBytes;
  }

  /** Counts spans that a receiver refused. */
  reject(count: number): void {
    if (count > 0) {
      this.#rejected += count;
      this.#version++;
    }
  }

  /**
   * Adds decoded spans, then evicts the oldest traces until the bounds hold.
   *
   * @param spans The spans.
   * @param sizes Each span's estimated bytes, by index.
   * @param shares The part of each size that is its share of its resource
   *   and its scope (none: all of it is the span's own).
   */
  add(spans: readonly ReceivedSpan[], sizes: readonly number[], shares?: SharedBytes): void {
    if (spans.length === 0) return;
    const version = ++this.#version;
    for (let i = 0; i < spans.length; i++) {
      this.#addOne(
        spans[i],
        sizes[i],
        shares?.resource[i] ?? 0,
        shares?.scope[i] ?? 0,
        version,
      );
    }
    for (const entry of this.#stale) this.#recount(entry);
    this.#stale.clear();
    while (
      (this.#spans > this.#maxSpans || this.#bytes > this.#maxBytes) &&
      this.#head < this.#order.length
    ) {
      this.#evict(this.#order[this.#head++]);
    }
    // Drop evicted entries from the front once they are half the array.
    if (this.#head > 1024 && this.#head * 2 > this.#order.length) {
      this.#order = this.#order.slice(this.#head);
      this.#head = 0;
    }
  }

  /** The store's counters. */
  stats(): StoreStats {
    return {
      spans: this.#spans,
      traces: this.#traces.size,
      rejected: this.#rejected,
      evicted: this.#evicted,
    };
  }

  /** A number that changes whenever what the store holds or counts changes. */
  get version(): number {
    return this.#version;
  }

  /** The spans of a trace, in the order they arrived; undefined when not held. */
  get(traceId: string): readonly ReceivedSpan[] | undefined {
    return this.#traces.get(traceId)?.spans;
  }

  /** The version at which a trace last changed; undefined when not held. */
  versionOf(traceId: string): number | undefined {
    return this.#traces.get(traceId)?.version;
  }

  /** Services with spans held, sorted. */
  services(): string[] {
    return [...this.#services.keys()].sort();
  }

  /** Traces that pass `filter`, newest first (by the arrival of their first span). */
  list(filter: TraceFilter): TraceSummary[] {
    const out: TraceSummary[] = [];
    const { service, minDurationMs, errorsOnly, limit } = filter;
    const name = filter.name?.toLowerCase();
    const order = this.#order;
    for (let i = order.length - 1; i >= this.#head && out.length < limit; i--) {
      const entry = order[i];
      if (!entry.held) continue;
      if (errorsOnly && entry.errors === 0) continue;
      if (minDurationMs !== undefined && entry.end - entry.start < minDurationMs) continue;
      if (service !== undefined && !entry.services.has(service)) continue;
      if (name !== undefined && !this.#hasName(entry, name)) continue;
      out.push(summarize(entry));
    }
    return out;
  }

  /** Every span held, trace by trace in arrival order, with its size. */
  *entries(): Generator<[ReceivedSpan, number]> {
    for (let i = this.#head; i < this.#order.length; i++) {
      const entry = this.#order[i];
      if (!entry.held) continue;
      for (let j = 0; j < entry.spans.length; j++) yield [entry.spans[j], entry.sizes[j]];
    }
  }

  #hasName(entry: TraceEntry, name: string): boolean {
    const names = entry.lowerNames;
    for (let i = 0; i < names.length; i++) if (names[i].includes(name)) return true;
    return false;
  }

  #addOne(
    span: ReceivedSpan,
    size: number,
    resourceShare: number,
    scopeShare: number,
    version: number,
  ): void {
    let entry = this.#traces.get(span.traceId);
    if (entry === undefined) {
      entry = {
        traceId: span.traceId,
        spans: [],
        index: undefined,
        sizes: [],
        resourceShares: [],
        scopeShares: [],
        root: undefined,
        start: Infinity,
        end: -Infinity,
        errors: 0,
        services: new Set(),
        version,
        held: true,
        lowerNames: [],
      };
      this.#traces.set(span.traceId, entry);
      this.#order.push(entry);
    }
    entry.version = version;
    const at = this.#indexOf(entry, span.spanId);
    if (at >= 0) {
      this.#replace(entry, at, span, size, resourceShare, scopeShare);
      return;
    }
    entry.index?.set(span.spanId, entry.spans.length);
    entry.spans.push(span);
    entry.sizes.push(size);
    entry.resourceShares.push(resourceShare);
    entry.scopeShares.push(scopeShare);
    entry.lowerNames.push(span.name.toLowerCase());
    if (entry.index === undefined && entry.spans.length >= INDEX_FROM) {
      entry.index = new Map(entry.spans.map((s, i) => [s.spanId, i]));
    }
    this.#hold(span, size, resourceShare, scopeShare);
    this.#spans++;
    this.#account(entry, span);
  }

  #indexOf(entry: TraceEntry, spanId: string): number {
    if (entry.index !== undefined) return entry.index.get(spanId) ?? -1;
    const spans = entry.spans;
    for (let i = 0; i < spans.length; i++) if (spans[i].spanId === spanId) return i;
    return -1;
  }

  // The root, times, errors and services a span adds to its trace.
  #account(entry: TraceEntry, span: ReceivedSpan): void {
    if (span.parentSpanId === null && entry.root === undefined) entry.root = span;
    if (span.startTime < entry.start) entry.start = span.startTime;
    if (span.endTime > entry.end) entry.end = span.endTime;
    if (span.status.code === "error") entry.errors++;
    if (!entry.services.has(span.service)) {
      entry.services.add(span.service);
      this.#services.set(span.service, (this.#services.get(span.service) ?? 0) + 1);
    }
  }

  // A span that arrived again: the new copy wins, and the trace is marked to
  // be summed up again once the request's spans are all in. Not at once: a
  // request may hold thousands of copies of a large trace's spans.
  #replace(
    entry: TraceEntry,
    at: number,
    span: ReceivedSpan,
    size: number,
    resourceShare: number,
    scopeShare: number,
  ): void {
    this.#hold(span, size, resourceShare, scopeShare);
    this.#let(entry, at);
    entry.spans[at] = span;
    entry.sizes[at] = size;
    entry.resourceShares[at] = resourceShare;
    entry.scopeShares[at] = scopeShare;
    entry.lowerNames[at] = span.name.toLowerCase();
    this.#stale.add(entry);
  }

  // The root, times, errors and services of a trace, summed up again.
  #recount(entry: TraceEntry): void {
    this.#forgetServices(entry);
    entry.root = undefined;
    entry.start = Infinity;
    entry.end = -Infinity;
    entry.errors = 0;
    entry.services = new Set();
    for (const s of entry.spans) this.#account(entry, s);
  }

  #evict(entry: TraceEntry): void {
    if (!entry.held) return;
    entry.held = false;
    this.#traces.delete(entry.traceId);
    this.#spans -= entry.spans.length;
    for (let i = 0; i < entry.spans.length; i++) this.#let(entry, i);
    this.#evicted += entry.spans.length;
    this.#forgetServices(entry);
    // The entry stays in #order until it compacts (up to as many entries as
    // are held): it must not keep the spans it no longer counts alive.
    entry.spans = [];
    entry.sizes = [];
    entry.resourceShares = [];
    entry.scopeShares = [];
    entry.lowerNames = [];
    entry.index = undefined;
    entry.root = undefined;
    entry.services = new Set();
  }

  // Counts a span's own bytes, and holds its resource and scope with their
  // shares.
  #hold(span: ReceivedSpan, size: number, resourceShare: number, scopeShare: number): void {
    this.#bytes += size - resourceShare - scopeShare;
    this.#holdShared(span.resource, resourceShare);
    this.#holdShared(span.scope, scopeShare);
  }

  #holdShared(object: object, share: number): void {
    let held = this.#shared.get(object);
    if (held === undefined) this.#shared.set(object, held = { refs: 0, bytes: 0 });
    held.refs++;
    held.bytes += share;
    this.#bytes += share;
  }

  // Lets the span at `at` go: its own bytes at once, its resource's and its
  // scope's once no held span keeps them.
  #let(entry: TraceEntry, at: number): void {
    const span = entry.spans[at];
    this.#bytes -= entry.sizes[at] - entry.resourceShares[at] - entry.scopeShares[at];
    this.#letShared(span.resource);
    this.#letShared(span.scope);
  }

  #letShared(object: object): void {
    const held = this.#shared.get(object);
    if (held === undefined || --held.refs > 0) return;
    this.#bytes -= held.bytes;
    this.#shared.delete(object);
  }

  #forgetServices(entry: TraceEntry): void {
    for (const service of entry.services) {
      const count = (this.#services.get(service) ?? 1) - 1;
      if (count === 0) this.#services.delete(service);
      else this.#services.set(service, count);
    }
  }
}

function summarize(entry: TraceEntry): TraceSummary {
  // Without a root yet, the earliest span stands in for it.
  let first = entry.root;
  if (first === undefined) {
    first = entry.spans[0];
    for (const span of entry.spans) if (span.startTime < first.startTime) first = span;
  }
  return {
    traceId: entry.traceId,
    name: first.name,
    service: first.service,
    startTime: entry.start,
    durationMs: entry.end - entry.start,
    spanCount: entry.spans.length,
    errorCount: entry.errors,
  };
}
