// Internal: what a decoder collects from one OTLP request, whichever its
// encoding: the spans in the order they came with their memory estimates,
// the count of spans left out and why the first was, and each span's
// resource and scope, given once the enclosing message has been read (on
// the wire a resource may come after its spans). A resource or a scope is one
// object its spans share, so its size is spread over them in equal shares:
// together they count it once, and a span's estimate still covers what it
// keeps alive.

import {
  type DecodedRequest,
  type ReceivedResource,
  type ReceivedScope,
  type ReceivedSpan,
  serviceOf,
} from "./_received_span.ts";

// A span's estimated memory: what it took on the wire, scaled, plus the
// record itself.
const SPAN_OVERHEAD = 400;
const WIRE_FACTOR = 3;

/** One request's spans, collected by a decoder; {@linkcode ReceivedBatch.result} hands them over. */
export class ReceivedBatch {
  readonly #spans: ReceivedSpan[] = [];
  readonly #sizes: number[] = [];
  #rejected = 0;
  #reason: string | undefined;

  /** The index the next span gets: where a resource's or a scope's spans start. */
  get next(): number {
    return this.#spans.length;
  }

  /**
   * Adds a span that took `wireSize` on the wire: bytes of protobuf, or
   * characters of the strings of JSON.
   */
  add(span: ReceivedSpan, wireSize: number): void {
    this.#spans.push(span);
    this.#sizes.push(SPAN_OVERHEAD + WIRE_FACTOR * wireSize);
  }

  /** Counts a span left out; the first reason is the one kept. */
  reject(reason: string): void {
    this.#rejected++;
    this.#reason ??= reason;
  }

  /**
   * Gives the spans from index `from` on their resource, and the service it
   * names, and a share each of the `wireSize` it took (measured as in
   * {@linkcode ReceivedBatch.add}).
   */
  assignResource(from: number, resource: ReceivedResource, wireSize: number): void {
    const spans = this.#spans;
    const service = serviceOf(resource.attributes);
    for (let i = from; i < spans.length; i++) {
      spans[i].resource = resource;
      spans[i].service = service;
    }
    this.#share(from, wireSize);
  }

  /** Gives the spans from index `from` on their instrumentation scope, and a share each of its `wireSize`. */
  assignScope(from: number, scope: ReceivedScope, wireSize: number): void {
    const spans = this.#spans;
    for (let i = from; i < spans.length; i++) spans[i].scope = scope;
    this.#share(from, wireSize);
  }

  #share(from: number, wireSize: number): void {
    const sizes = this.#sizes;
    if (from >= sizes.length) return;
    const share = WIRE_FACTOR * wireSize / (sizes.length - from);
    for (let i = from; i < sizes.length; i++) sizes[i] += share;
  }

  /** What was decoded. */
  result(): DecodedRequest {
    return {
      spans: this.#spans,
      sizes: this.#sizes,
      rejected: this.#rejected,
      reason: this.#reason,
    };
  }
}
