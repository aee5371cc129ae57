// Internal: one current span for this library and Deno's built-in
// OpenTelemetry (`OTEL_DENO=true`). Each keeps its own current context;
// this storage keeps them in step, both ways:
//
// - Ours into Deno's: whenever a context of ours is entered, Deno's context
//   manager enters one whose OpenTelemetry span is a view of our current
//   span. Spans Deno starts inside (fetch, node:http, code written against
//   @opentelemetry/api) are its children, in its trace.
// - Deno's into ours: when Deno entered a span of its own after our last
//   context (Deno.serve's request span, a startActiveSpan of Deno's tracer),
//   our current span is a non-recording stand-in with its ids, so spans of
//   ours started there are its children.
//
// Our tracing suppression is passed on too, so Deno's propagators write no
// headers into an exporter's requests, and neither into a request whose
// headers this library already wrote (HEADERS_WRITTEN_KEY).

import { SUPPRESS_TRACING_KEY } from "./_suppress_key.ts";
import type { Span } from "../span/span.ts";
import { OTEL_SPAN_KEY, OtelSpanView, otelSpanViewOf, spanOf } from "../span/_otel_span_view.ts";
import { SpanContext } from "../span/span_context.ts";
import type { HostContext, HostContextManager } from "../platform/_deno_telemetry.ts";
import { warnOnce } from "../platform/_warn.ts";
import { type Context, ROOT_CONTEXT } from "./context.ts";
import type { ContextStorage } from "./storage.ts";
import { SPAN_KEY } from "./_span_key.ts";

/** The host's span this context was entered under, or stands for. */
const HOST_SPAN_KEY: unique symbol = Symbol("@codomyrmex/spans.host-span");

/**
 * Set by instrumentFetch for the request it traces: the trace context
 * headers are written (or left out on purpose: `propagateTo`), so Deno's
 * fetch instrumentation must not add a second `traceparent` (it appends one
 * to the request's headers).
 */
export const HEADERS_WRITTEN_KEY: unique symbol = Symbol("@codomyrmex/spans.headers-written");

/** Context storage kept in step with Deno's built-in OpenTelemetry. */
export class HostContextStorage implements ContextStorage {
  readonly #inner: ContextStorage;
  readonly #host: HostContextManager;
  // The last context made for a host span, so repeated reads allocate nothing.
  #lastStore: Context | undefined;
  #lastHostSpan: unknown;
  #lastContext: Context | undefined;

  constructor(inner: ContextStorage, host: HostContextManager) {
    this.#inner = inner;
    this.#host = host;
  }

  getStore(): Context | undefined {
    const store = this.#inner.getStore();
    let hostSpan: unknown;
    try {
      hostSpan = this.#host.active().getValue(OTEL_SPAN_KEY);
    } catch {
      return store;
    }
    // Nothing current there, or what we put there: ours is the current context.
    if (hostSpan === undefined || hostSpan instanceof OtelSpanView) return store;
    if (store !== undefined && store.getValue(HOST_SPAN_KEY) === hostSpan) return store;
    // The host entered a span after our context: it is the current span.
    if (store === this.#lastStore && hostSpan === this.#lastHostSpan) return this.#lastContext;
    const standIn = spanOf(hostSpan);
    if (standIn === undefined) return store;
    const context = (store ?? ROOT_CONTEXT).setValue(SPAN_KEY, standIn).setValue(
      HOST_SPAN_KEY,
      hostSpan,
    );
    this.#lastStore = store;
    this.#lastHostSpan = hostSpan;
    this.#lastContext = context;
    return context;
  }

  run<R>(store: Context, fn: () => R): R {
    let host: HostContext;
    try {
      host = this.#hostContextFor(store);
    } catch {
      return this.#inner.run(store, fn);
    }
    return this.#inner.run(store, () => this.#host.with(host, fn));
  }

  enterWith(store: Context): void {
    let hostSpan: unknown;
    try {
      hostSpan = this.#host.active().getValue(OTEL_SPAN_KEY);
    } catch {
      hostSpan = undefined;
    }
    const span = store.getValue(SPAN_KEY) as Span | undefined;
    if (span !== undefined && span !== this.getStore()?.getValue(SPAN_KEY) && span.isRecording) {
      warnOnce(
        "deno-otel-enter",
        "setCurrentSpan() cannot make a span current for Deno's built-in OpenTelemetry " +
          "(OTEL_DENO=true): Deno has no way to enter a context for the rest of a function, " +
          "so spans Deno starts afterwards (fetch, Deno.serve, node:http) are not its " +
          "children. Use tracer.span() or withSpan() to run code in a span.",
      );
    }
    this.#inner.enterWith(store.setValue(HOST_SPAN_KEY, hostSpan));
  }

  // Deno's current context with our span (or the host span it stands for)
  // and our suppression in it.
  #hostContextFor(store: Context): HostContext {
    let host = this.#host.active();
    const span = store.getValue(SPAN_KEY) as Span | undefined;
    if (span === undefined) {
      host = host.deleteValue(OTEL_SPAN_KEY);
    } else {
      const hostSpan = store.getValue(HOST_SPAN_KEY);
      host = host.setValue(
        OTEL_SPAN_KEY,
        hostSpan !== undefined && spanOf(hostSpan) === span ? hostSpan : otelSpanViewOf(span),
      );
    }
    const quiet = store.getValue(SUPPRESS_TRACING_KEY) === true ||
      store.getValue(HEADERS_WRITTEN_KEY) === true;
    return quiet
      ? host.setValue(SUPPRESS_TRACING_KEY, true)
      : host.deleteValue(SUPPRESS_TRACING_KEY);
  }
}

/**
 * The parent for a server span in `context`, given the remote parent the
 * request's headers carry: the host's own server span for the request,
 * when there is one (`hostServerSpan`, Deno's node:http span, which Deno
 * never makes current; or the current span when it stands for the host's
 * span, as Deno.serve's does), so the two are one trace; it keeps the
 * caller's flags and trace state when the host continued the caller's
 * trace. Otherwise the remote parent, or none.
 */
export function serverParent(
  context: Context,
  remote: SpanContext | undefined,
  hostServerSpan?: unknown,
): SpanContext | undefined {
  let host = hostServerSpan === undefined ? undefined : spanOf(hostServerSpan)?.context;
  if (host === undefined) {
    const hostSpan = context.getValue(HOST_SPAN_KEY);
    const current = context.getValue(SPAN_KEY) as Span | undefined;
    if (hostSpan === undefined || current === undefined || spanOf(hostSpan) !== current) {
      return remote;
    }
    host = current.context;
  }
  if (remote === undefined) return host;
  if (remote.traceId !== host.traceId) {
    warnOnce(
      "deno-otel-new-trace",
      "Deno's built-in OpenTelemetry started a new trace for a request whose traceparent " +
        "this library continues, so Deno's server span and this library's are in different " +
        "traces (is tracecontext missing from OTEL_PROPAGATORS?).",
    );
    return remote;
  }
  return new SpanContext({
    traceId: host.traceId,
    spanId: host.spanId,
    traceFlags: remote.traceFlags,
    traceState: remote.traceState,
  });
}
