// Internal: the server span traceHandler started for a request, kept by the
// Request object, so that a framework's middleware running inside the same
// handler (the Hono middleware, under `traceHandler(app.fetch)`) takes it
// over instead of starting a second server span for the same request.

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

const shared = new WeakMap<object, HandlerSpan>();
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
  shared.set(request, handlerSpan);
  return handlerSpan;
}

/** traceHandler's side: the handler has settled; nothing more to take. */
export function unshareHandlerSpan(request: unknown): void {
  if (typeof request === "object" && request !== null) shared.delete(request);
}

/**
 * The middleware's side: takes over the span traceHandler started for this
 * very Request, once. A second middleware given the same Request (another
 * app it is handed to inside a handler) gets nothing, and starts its own.
 */
export function takeHandlerSpan(request: unknown): HandlerSpan | undefined {
  if (typeof request !== "object" || request === null) return undefined;
  const handlerSpan = shared.get(request);
  if (handlerSpan === undefined) return undefined;
  shared.delete(request);
  return handlerSpan.span.ended ? undefined : handlerSpan;
}
