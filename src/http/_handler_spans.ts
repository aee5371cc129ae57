// Internal: the server span traceHandler started for a request, kept by the
// Request object, so that a framework's middleware running inside the same
// handler (the Hono middleware, under `traceHandler(app.fetch)`) takes it
// over instead of starting a second server span for the same request.

import { getCurrentSpan } from "../context/current_span.ts";
import type { Span } from "../span/span.ts";

/** A server span traceHandler shares with a middleware inside it. */
export interface HandlerSpan {
  /** traceHandler's server span for the request. */
  readonly span: Span;
  /**
   * Whether the middleware passed on an error the application answered
   * (Hono's `c.error`), which traceHandler records when the answer it
   * returns is a 5xx, as the middleware would have.
   */
  answered: boolean;
  /** That error. */
  error: unknown;
}

// Each Request's spans, one per traceHandler call handling it now: the same
// Request may be handled twice at once, or again behind a traced fetch in
// this process (a traceHandler inside another passes it on: _served_request.ts).
const shared = new WeakMap<object, HandlerSpan[]>();
// Until a middleware that could take a span over is made, traceHandler
// shares nothing: a handler with no such middleware pays nothing.
let sharing = false;

/** Called when a middleware that takes spans over is made. */
export function shareHandlerSpans(): void {
  sharing = true;
}

/**
 * traceHandler's side: keeps `span` by `request` while the handler runs, when
 * a middleware that could take it over exists.
 *
 * @returns What the middleware may fill in, or `undefined` when nothing is shared.
 */
export function shareHandlerSpan(request: unknown, span: Span): HandlerSpan | undefined {
  if (!sharing || typeof request !== "object" || request === null) return undefined;
  const handlerSpan: HandlerSpan = { span, answered: false, error: undefined };
  const spans = shared.get(request);
  if (spans === undefined) shared.set(request, [handlerSpan]);
  else spans.push(handlerSpan);
  return handlerSpan;
}

/** traceHandler's side: the handler has settled; nothing more to take. */
export function unshareHandlerSpan(request: object, handlerSpan: HandlerSpan): void {
  const spans = shared.get(request);
  if (spans === undefined) return;
  const at = spans.indexOf(handlerSpan);
  if (at !== -1) spans.splice(at, 1);
  if (spans.length === 0) shared.delete(request);
}

/**
 * The middleware's side: whether a span is shared for `request` now, before
 * the work of telling whether it may take it.
 */
export function hasHandlerSpan(request: object): boolean {
  return shared.has(request);
}

/**
 * The middleware's side: takes over the span traceHandler started for this
 * very Request, once; where more than one handles it now (twice at once,
 * or again behind a traced fetch), the one it runs in, so that each keeps
 * its own. A second middleware given the same Request (another app it is
 * handed to inside a handler) gets nothing, and starts its own.
 */
export function takeHandlerSpan(request: object): HandlerSpan | undefined {
  // A WeakMap answers undefined for a non-object key too.
  const spans = shared.get(request);
  if (spans === undefined) return undefined;
  // With one handling it, that one (the handler may have made a span of its
  // own current); with more, the one whose span is current, or none.
  const current = spans.length === 1 ? undefined : getCurrentSpan();
  const at = spans.length === 1 ? 0 : spans.findIndex((shared) => shared.span === current);
  if (at === -1) return undefined;
  const [handlerSpan] = spans.splice(at, 1);
  if (spans.length === 0) shared.delete(request);
  return handlerSpan.span.ended ? undefined : handlerSpan;
}
