// Internal: who owns @opentelemetry/api's global slots, and the one
// warning that says so when it is not us.

import { context, propagation, type TextMapPropagator, trace } from "@opentelemetry/api";
import { ROOT_CONTEXT } from "../context/context.ts";
import { getCurrentContext } from "../context/storage.ts";
import { denoTelemetry } from "../platform/_deno_telemetry.ts";
import { warnOnce } from "../platform/_warn.ts";
import { BridgeContextManager } from "./context_manager.ts";
import { W3CPropagator } from "./_w3c_propagator.ts";

/**
 * Whether something replaced @opentelemetry/api's own global provider
 * (always a ProxyTracerProvider otherwise): Deno's built-in
 * OpenTelemetry does, when `OTEL_DENO=true`.
 */
function apiSlotReplaced(): boolean {
  const provider = trace.getTracerProvider() as { getDelegate?: unknown };
  return typeof provider?.getDelegate !== "function";
}

/** @opentelemetry/api 1.x's globals, under the symbol every 1.x version shares. */
function apiGlobals(): { trace?: unknown; propagation?: unknown } | undefined {
  return (globalThis as Record<symbol, { trace?: unknown; propagation?: unknown } | undefined>)[
    Symbol.for("opentelemetry.js.api.1")
  ];
}

/** Whether anything holds @opentelemetry/api's global tracer provider slot. */
export function globalProviderSet(): boolean {
  return apiGlobals()?.trace !== undefined;
}

// One default propagator for every register() call, so a second call finds
// it already installed and says nothing.
let w3c: W3CPropagator | undefined;

/**
 * Installs W3C trace context and baggage as the global propagator when none
 * is installed, and leaves one that is alone, without a word: for a
 * provider registered on the caller's behalf (addSpanProcessor), where no
 * propagator was asked for, but one must be there for instrumented clients
 * to send the trace on.
 */
export function registerDefaultPropagatorIfFree(): void {
  if (apiGlobals()?.propagation === undefined) {
    propagation.setGlobalPropagator(w3c ??= new W3CPropagator());
  }
}

/**
 * Installs `propagator` (default: W3C trace context and baggage) as the
 * global one, unless one is there already: then it warns once, naming it,
 * unless it is this very propagator.
 */
export function registerPropagator(propagator: TextMapPropagator | undefined): void {
  const wanted = propagator ?? (w3c ??= new W3CPropagator());
  const installed = apiGlobals()?.propagation;
  if (installed === wanted) return;
  if (installed === undefined && propagation.setGlobalPropagator(wanted)) return;
  const what = propagator === undefined
    ? "W3C trace context and baggage"
    : `the given propagator${ownerName(propagator) ? ` (${ownerName(propagator)})` : ""}`;
  warnOnce(
    "otel-foreign-propagator",
    `another OpenTelemetry propagator${
      ownerName(installed) ? ` (${ownerName(installed)})` : ""
    } is already the global one, so TracerProvider.register() did not install ${what}: ` +
      "instrumented requests carry the headers that one writes. Pass { propagator: null } to " +
      "keep it and not see this warning, or call propagation.disable() before register().",
  );
}

/**
 * Whether Deno's built-in OpenTelemetry wrote @opentelemetry/api's globals
 * with its tracing off (`OTEL_DENO_METRICS=true`, or `OTEL_DENO=true` with
 * `OTEL_DENO_TRACING=false`): it marks them as version 1.999.999, so that
 * any @opentelemetry/api can read them, and then no @opentelemetry/api can
 * register anything there (its versions must match), though the tracer
 * provider's slot is empty.
 */
function denoLocksApiGlobals(): boolean {
  const globals = apiGlobals() as { version?: unknown; trace?: unknown } | undefined;
  return globals !== undefined && globals.trace === undefined &&
    globals.version === DENO_API_VERSION &&
    (globalThis as { Deno?: { telemetry?: unknown } }).Deno?.telemetry !== undefined;
}

/** The version Deno gives @opentelemetry/api's globals it writes. */
const DENO_API_VERSION = "1.999.999";

/**
 * Whether Deno's built-in OpenTelemetry owns `@opentelemetry/api`'s globals,
 * or holds them so that nothing can be registered there.
 */
export function denoOwnsApiGlobals(): boolean {
  return apiSlotReplaced() || denoTelemetry !== undefined || denoLocksApiGlobals();
}

/** Warns once that spans from `trace.getTracer()` will not reach `what`. */
export function warnGlobalTaken(what: string, owner: string | undefined): void {
  if (denoLocksApiGlobals()) {
    warnOnce(
      "otel-deno-locked",
      `Deno's built-in OpenTelemetry, with its metrics on and its tracing off, has taken ` +
        `@opentelemetry/api's globals so that nothing can be registered there, so spans from ` +
        `trace.getTracer() are dropped and do not reach ${what}. Turn Deno's tracing on ` +
        `(OTEL_DENO_TRACING=true) to have them go to Deno's exporter, in the same traces as ` +
        `this library's spans, or turn its metrics off to route them here.`,
    );
    return;
  }
  if (denoOwnsApiGlobals()) {
    warnOnce(
      "otel-deno",
      `Deno's built-in OpenTelemetry (OTEL_DENO=true) owns the global @opentelemetry/api ` +
        `TracerProvider, so spans from trace.getTracer() go to Deno's exporter and not to ${what} ` +
        `(they are still in the same traces as this library's spans). Export this library's ` +
        `spans with its own exporters (setupTracing), or run without OTEL_DENO to route ` +
        `@opentelemetry/api spans here.`,
    );
    return;
  }
  warnOnce(
    `otel-foreign-provider ${what}`,
    `another OpenTelemetry TracerProvider${owner ? ` (${owner})` : ""} is already the global ` +
      `one, so spans from trace.getTracer() do not reach ${what}. OpenTelemetry SDK 2.x ` +
      `providers take processors only when constructed: pass it in their spanProcessors option, ` +
      `or call trace.disable() before registering this one.`,
  );
}

/**
 * Registers a {@linkcode BridgeContextManager} unless one already is; warns
 * once when another context manager holds the slot.
 */
export function registerContextManager(): void {
  if (context.setGlobalContextManager(new BridgeContextManager())) return;
  // Another BridgeContextManager keeps its contexts in this library's storage too.
  const probe = ROOT_CONTEXT.setValue(PROBE, true);
  if (context.with(probe, () => getCurrentContext().getValue(PROBE) === true)) return;
  warnOnce(
    "otel-foreign-context",
    "another OpenTelemetry ContextManager is registered, so a span current in " +
      "@opentelemetry/api code and one current in this library do not see each other as " +
      "parents. Register BridgeContextManager instead (context.disable() first).",
  );
}

const PROBE = Symbol("@codomyrmex/spans.otel.probe");

/** A short name for whatever holds the global provider slot. */
export function ownerName(owner: unknown): string | undefined {
  try {
    const name = (owner as { constructor?: { name?: unknown } })?.constructor?.name;
    return typeof name === "string" && name !== "" ? name : undefined;
  } catch {
    return undefined;
  }
}
