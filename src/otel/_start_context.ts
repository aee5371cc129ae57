// Internal: the @opentelemetry/api context a span of this entry's
// TracerProvider is being started in, for OpenTelemetry processors' onStart
// (`onStart(span, parentContext)`, as the SDK's span calls it). A span starts
// synchronously inside the API tracer's startSpan, which sets this around
// the call: two writes per span, and nothing more unless a processor with
// onStart reads it.

import { type Context, ROOT_CONTEXT } from "@opentelemetry/api";
import { SPAN_KEY } from "../context/current_span.ts";
import { OTEL_SPAN_KEY } from "../span/_otel_span_view.ts";

// A root span (`root: true`) starts in the context given, but its parent
// context has no span, as the SDK's tracer deletes it: made when first read.
class RootStart {
  readonly #context: Context;
  #parent: Context | undefined;

  constructor(context: Context) {
    this.#context = context;
  }

  get parent(): Context {
    return this.#parent ??= this.#context.deleteValue(OTEL_SPAN_KEY).deleteValue(SPAN_KEY);
  }
}

/** What {@linkcode enterStart} replaced, for {@linkcode leaveStart}. */
export type StartFrame = Context | RootStart | undefined;

let starting: StartFrame;

/**
 * Records that a span is starting in `context` (with `root`, as a root
 * span) and returns what was recorded before: a span may start inside
 * another's onStart.
 */
export function enterStart(context: Context, root: boolean): StartFrame {
  const previous = starting;
  starting = root ? new RootStart(context) : context;
  return previous;
}

/** Puts back what {@linkcode enterStart} replaced. */
export function leaveStart(previous: StartFrame): void {
  starting = previous;
}

/**
 * The parent context of the span starting now: the context it was started
 * in, without its span for a root span; `ROOT_CONTEXT` when none is known.
 */
export function startContext(): Context {
  const frame = starting;
  if (frame === undefined) return ROOT_CONTEXT;
  return frame instanceof RootStart ? frame.parent : frame;
}
