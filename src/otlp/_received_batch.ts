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

// A span's estimated memory: the record itself, plus what it took on the
// wire, scaled, or what its parts take on the heap, whichever is more.
const SPAN_OVERHEAD = 400;
const WIRE_FACTOR = 3;

/**
 * What an event or a link takes on the heap, its attributes object
 * included, however few bytes it took on the wire (an empty event is 2 bytes
 * of protobuf and measured about 120 on Deno).
 */
export const RECORD_BYTES = 160;
/** What an attribute, or an item of a list or map value, takes on the heap at least. */
export const VALUE_BYTES = 64;

// The bytes to count for something that took `wireSize` on the wire and
// whose parts take `heapSize` on the heap: a body of many tiny parts (empty
// events, keys, list items) takes far more memory than its bytes say.
function estimate(wireSize: number, heapSize: number): number {
  return Math.max(WIRE_FACTOR * wireSize, heapSize);
}

/** One request's spans, collected by a decoder; {@linkcode ReceivedBatch.result} hands them over. */
export class ReceivedBatch {
  readonly #spans: ReceivedSpan[] = [];
  readonly #sizes: number[] = [];
  // The part of each span's size that is its share of its resource, and of
  // its scope: a store keeps those counted while any span holds the object.
  readonly #resourceShares: number[] = [];
  readonly #scopeShares: number[] = [];
  #rejected = 0;
  #reason: string | undefined;

  /** The index the next span gets: where a resource's or a scope's spans start. */
  get next(): number {
    return this.#spans.length;
  }

  /**
   * Adds a span that took `wireSize` on the wire (bytes of protobuf, or
   * characters of the strings of JSON) and whose events, links, attributes
   * and values take at least `heapSize` (counted with
   * {@linkcode RECORD_BYTES} and {@linkcode VALUE_BYTES}).
   */
  add(span: ReceivedSpan, wireSize: number, heapSize: number): void {
    this.#spans.push(span);
    this.#sizes.push(SPAN_OVERHEAD + estimate(wireSize, heapSize));
    this.#resourceShares.push(0);
    this.#scopeShares.push(0);
  }

  /** Counts a span left out; the first reason is the one kept. */
  reject(reason: string): void {
    this.#rejected++;
    this.#reason ??= reason;
  }

  /**
   * Gives the spans from index `from` on their resource, and the service it
   * names, and a share each of its size (`wireSize` and `heapSize` measured
   * as in {@linkcode ReceivedBatch.add}).
   */
  assignResource(
    from: number,
    resource: ReceivedResource,
    wireSize: number,
    heapSize: number,
  ): void {
    const spans = this.#spans;
    const service = serviceOf(resource.attributes);
    for (let i = from; i < spans.length; i++) {
      spans[i].resource = resource;
      spans[i].service = service;
    }
    this.#share(from, estimate(wireSize, heapSize), this.#resourceShares);
  }

  /** Gives the spans from index `from` on their instrumentation scope, and a share each of its size. */
  assignScope(from: number, scope: ReceivedScope, wireSize: number, heapSize: number): void {
    const spans = this.#spans;
    for (let i = from; i < spans.length; i++) spans[i].scope = scope;
    this.#share(from, estimate(wireSize, heapSize), this.#scopeShares);
  }

  #share(from: number, bytes: number, shares: number[]): void {
    const sizes = this.#sizes;
    if (from >= sizes.length) return;
    const share = bytes / (sizes.length - from);
    for (let i = from; i < sizes.length; i++) {
      sizes[i] += share;
      shares[i] += share;
    }
  }

  /** What was decoded. */
  result(): DecodedRequest {
    return {
      spans: this.#spans,
      sizes: this.#sizes,
      shares: { resource: this.#resourceShares, scope: this.#scopeShares },
      rejected: this.#rejected,
      reason: this.#reason,
    };
  }
}
