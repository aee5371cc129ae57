// Internal: the small vocabulary shared by both directions (span kinds,
// status codes, span contexts) mapped between this library and
// @opentelemetry/api.

import {
  type SpanContext as OtelSpanContext,
  SpanKind as OtelSpanKind,
  SpanStatusCode as OtelStatusCode,
  type TraceState as OtelTraceState,
} from "@opentelemetry/api";
import { TraceState } from "../propagation/tracestate.ts";
import type { SpanKind, SpanStatusCode } from "../span/span.ts";
import type { SpanContext } from "../span/span_context.ts";
import { traceStateDrops } from "../span/_tracestate_grammar.ts";

/** Our kinds indexed by OpenTelemetry's `SpanKind` enum value. */
export const KIND_NAMES: readonly SpanKind[] = [
  "internal",
  "server",
  "client",
  "producer",
  "consumer",
];

/** Our kind to OpenTelemetry's `SpanKind`. */
export const OTEL_KINDS: Readonly<Record<SpanKind, OtelSpanKind>> = {
  internal: OtelSpanKind.INTERNAL,
  server: OtelSpanKind.SERVER,
  client: OtelSpanKind.CLIENT,
  producer: OtelSpanKind.PRODUCER,
  consumer: OtelSpanKind.CONSUMER,
};

/** Our status code to OpenTelemetry's `SpanStatusCode`. */
export const OTEL_STATUS_CODES: Readonly<Record<SpanStatusCode, OtelStatusCode>> = {
  unset: OtelStatusCode.UNSET,
  ok: OtelStatusCode.OK,
  error: OtelStatusCode.ERROR,
};

/** Our span context as an @opentelemetry/api one (no parent: OTel keeps it apart). */
export function toOtelSpanContext(ctx: SpanContext): OtelSpanContext {
  return ctx.traceState === undefined
    ? {
      traceId: ctx.traceId,
      spanId: ctx.spanId,
      traceFlags: ctx.traceFlags,
      isRemote: ctx.isRemote,
    }
    : {
      traceId: ctx.traceId,
      spanId: ctx.spanId,
      traceFlags: ctx.traceFlags,
      isRemote: ctx.isRemote,
      traceState: toOtelTraceState(ctx.traceState),
    };
}

/**
 * A valid trace state (checked where it was set) as @opentelemetry/api's
 * `TraceState`, backed by this library's: W3C Trace Context Level 2 keys and
 * this library's limits. The API's `createTraceState` follows an older
 * grammar and drops keys Level 2 allows (`foo@`, `1vendor`), and drops a
 * whole list over 512 characters, which a receiver must pass on.
 */
export function toOtelTraceState(traceState: string): OtelTraceState {
  return new OtelTraceStateView(traceState);
}

class OtelTraceStateView implements OtelTraceState {
  readonly #serialized: string;
  #state: TraceState | undefined;

  constructor(serialized: string, state?: TraceState) {
    this.#serialized = serialized;
    this.#state = state;
  }

  #parsed(): TraceState {
    return this.#state ??= TraceState.parse(this.#serialized) ?? new TraceState();
  }

  set(key: string, value: string): OtelTraceState {
    let next: TraceState;
    try {
      next = this.#parsed().set(key, value);
    } catch {
      // The API throws nothing: an entry the grammar refuses is left out, counted.
      traceStateDrops.count++;
      return this;
    }
    return new OtelTraceStateView(next.serialize(), next);
  }

  unset(key: string): OtelTraceState {
    const state = this.#parsed();
    const next = state.delete(key);
    return next === state ? this : new OtelTraceStateView(next.serialize(), next);
  }

  get(key: string): string | undefined {
    return this.#parsed().get(key);
  }

  serialize(): string {
    return this.#serialized;
  }
}
