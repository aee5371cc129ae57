// Internal: who owns @opentelemetry/api's global slots, and the one
// warning that says so when it is not us.

import { context, trace } from "@opentelemetry/api";
import { ROOT_CONTEXT } from "../context/context.ts";
import { getCurrentContext } from "../context/storage.ts";
import { warnOnce } from "../platform/_warn.ts";
import { BridgeContextManager } from "./context_manager.ts";

interface DenoLike {
  env?: { get(name: string): string | undefined };
  permissions?: { querySync?(d: { name: string; variable?: string }): { state: string } };
}

/**
 * Whether Deno's built-in OpenTelemetry is on: `OTEL_DENO` set, read only
 * when the env permission is already granted, so it never prompts.
 */
function denoOtelEnabled(): boolean {
  const deno = (globalThis as { Deno?: DenoLike }).Deno;
  if (deno?.env === undefined) return false;
  try {
    const state = deno.permissions?.querySync?.({ name: "env", variable: "OTEL_DENO" }).state;
    if (state !== undefined && state !== "granted") return false;
    const value = deno.env.get("OTEL_DENO")?.toLowerCase();
    return value === "true" || value === "1";
  } catch {
    return false;
  }
}

/**
 * Whether something replaced @opentelemetry/api's own global provider
 * (always a ProxyTracerProvider otherwise): Deno's built-in
 * OpenTelemetry does, when `OTEL_DENO=true`.
 */
function apiSlotReplaced(): boolean {
  const provider = trace.getTracerProvider() as { getDelegate?: unknown };
  return typeof provider?.getDelegate !== "function";
}

/** Warns once that spans from `trace.getTracer()` will not reach `what`. */
export function warnGlobalTaken(what: string, owner: string | undefined): void {
  if (apiSlotReplaced() || denoOtelEnabled()) {
    warnOnce(
      "otel-deno",
      `Deno's built-in OpenTelemetry (OTEL_DENO=true) owns the global @opentelemetry/api ` +
        `TracerProvider, so spans from trace.getTracer() go to Deno's exporter and not to ${what}. ` +
        `Run without OTEL_DENO to route them here, or keep Deno's and export this library's ` +
        `spans with its own exporters.`,
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
