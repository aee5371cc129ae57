// Internal: Deno's built-in OpenTelemetry (`OTEL_DENO=true`), found at run
// time. When its tracing is on, Deno traces `fetch`, `Deno.serve` and
// node:http itself, keeps its own current span (in an async variable that
// `Deno.telemetry.contextManager` reads and enters), and registers itself
// as @opentelemetry/api's global tracer provider, context manager and
// propagator. This library then shares one current span with it (see
// src/context/_host_context.ts) and sends its exporters' requests around
// Deno's tracing (src/platform/_untraced_fetch.ts).

/** An OpenTelemetry-shaped context, as Deno's context manager keeps them. */
export interface HostContext {
  getValue(key: symbol): unknown;
  setValue(key: symbol, value: unknown): HostContext;
  deleteValue(key: symbol): HostContext;
}

/** Deno's context manager: its current context, and `with` to enter one. */
export interface HostContextManager {
  active(): HostContext;
  with<R>(context: HostContext, fn: () => R): R;
}

/** What Deno's built-in OpenTelemetry exposes when its tracing is on. */
export interface DenoTelemetry {
  /** `Deno.telemetry.contextManager`. */
  readonly contextManager: HostContextManager;
  /** Whether Deno writes `traceparent` itself (`OTEL_PROPAGATORS` has `tracecontext`). */
  readonly injectsTraceparent: boolean;
}

interface ApiGlobals {
  trace?: unknown;
  propagation?: { fields?(): unknown };
}

function detect(): DenoTelemetry | undefined {
  try {
    // Deno writes @opentelemetry/api 1.x's globals before any module runs,
    // and only with OTEL_DENO on: without them nothing else is looked at,
    // so a Deno process without its telemetry loads none of it.
    const api = (globalThis as Record<symbol, ApiGlobals | undefined>)[
      Symbol.for("opentelemetry.js.api.1")
    ];
    if (api?.trace === undefined) return undefined;
    const telemetry = (globalThis as {
      Deno?: { telemetry?: { tracerProvider?: unknown; contextManager?: HostContextManager } };
    }).Deno?.telemetry;
    // Tracing on: Deno's own provider in the slot (OTEL_DENO_TRACING=false leaves it out).
    if (telemetry === undefined || api.trace !== telemetry.tracerProvider) return undefined;
    const manager = telemetry.contextManager;
    if (typeof manager?.active !== "function" || typeof manager.with !== "function") {
      return undefined;
    }
    const fields = api.propagation?.fields?.();
    return {
      contextManager: manager,
      injectsTraceparent: Array.isArray(fields) && fields.includes("traceparent"),
    };
  } catch {
    return undefined;
  }
}

/**
 * Deno's built-in OpenTelemetry when its tracing is on, else `undefined`;
 * looked at once, when this module loads (before application code can
 * change @opentelemetry/api's globals).
 */
export const denoTelemetry: DenoTelemetry | undefined = detect();

// The key Deno's node:http server keeps its server span under on the
// response (a module-private Symbol("kOtelSpan")), once found.
let nodeSpanKey: symbol | undefined;

/**
 * The server span Deno's node:http server started for the request `res`
 * answers, with Deno's tracing on, else `undefined`. Deno starts that span
 * without entering it (the request listener does not run in it), and keeps
 * it only on the response object, so it is looked for there.
 */
export function denoNodeServerSpan(res: unknown): unknown {
  if (denoTelemetry === undefined || res === null || typeof res !== "object") return undefined;
  try {
    if (nodeSpanKey === undefined) {
      nodeSpanKey = Object.getOwnPropertySymbols(res).find((key) =>
        key.description === "kOtelSpan"
      );
      if (nodeSpanKey === undefined) return undefined;
    }
    return (res as Record<symbol, unknown>)[nodeSpanKey] ?? undefined;
  } catch {
    return undefined;
  }
}
