// Internal: what both OTLP encoders derive the same way from a span: enum
// numbers, flags, and the grouping by instrumentation scope.

import { describe } from "../platform/_describe.ts";
import { traceFlagsOf } from "../span/_span_ids.ts";
import { hasRemoteParent } from "../span/_remote_parent.ts";
import {
  type InstrumentationScope,
  Span,
  type SpanKind,
  type SpanStatusCode,
} from "../span/span.ts";
import type { SpanContext } from "../span/span_context.ts";
import type { OtlpEncodeOptions } from "./encode_options.ts";
import type { Resource } from "./resource.ts";
import { resourceArgument } from "./_resource_argument.ts";
import { otlpFlags } from "./_span_flags.ts";

/** The `Span.SpanKind` number from trace.proto (0 is UNSPECIFIED). */
export function kindNumber(kind: SpanKind): number {
  switch (kind) {
    case "internal":
      return 1;
    case "server":
      return 2;
    case "client":
      return 3;
    case "producer":
      return 4;
    case "consumer":
      return 5;
    default:
      return 0;
  }
}

/** The `Status.StatusCode` number from trace.proto. */
export function statusNumber(code: SpanStatusCode): number {
  return code === "error" ? 2 : code === "ok" ? 1 : 0;
}

/** The OTLP `flags` of a span: its trace flags and whether its parent is remote. */
export function spanFlags(span: Span): number {
  return otlpFlags(traceFlagsOf(span), hasRemoteParent(span));
}

/** The OTLP `flags` of a link: the linked context's trace flags and remote-ness. */
export function linkFlags(context: SpanContext): number {
  return otlpFlags(context.traceFlags, context.isRemote);
}

/** Spans of one instrumentation scope, in the order they came. */
export interface ScopeGroup {
  /** The scope's name ("" when the span had none). */
  readonly name: string;
  /** The scope's version, if any. */
  readonly version: string | undefined;
  /** The scope's schema URL ("" when none). */
  readonly schemaUrl: string;
  /** Its spans. */
  readonly spans: readonly Span[];
}

const NO_SCOPE: InstrumentationScope = { name: "" };

/**
 * The schema URL of a scope or a resource: "" when it has none, or one that
 * is no string (a resource from an older copy of this library has none).
 */
export function schemaUrlOf(owner: { readonly schemaUrl?: unknown }): string {
  return typeof owner.schemaUrl === "string" ? owner.schemaUrl : "";
}

/**
 * Groups spans by instrumentation scope. Spans of one tracer share one scope
 * object, so the common case is one identity lookup per span; distinct
 * objects with the same name, version and schema URL still end up in one
 * group.
 */
export function groupByScope(spans: readonly Span[]): ScopeGroup[] {
  // The common case, every span from one tracer: one group of the spans as
  // they came, without a map or a copy.
  const first = spans[0]?.instrumentationScope;
  if (first !== undefined) {
    let i = 1;
    while (i < spans.length && spans[i].instrumentationScope === first) i++;
    if (i === spans.length) {
      const name = typeof first.name === "string" ? first.name : "";
      const version = typeof first.version === "string" ? first.version : undefined;
      return [{ name, version, schemaUrl: schemaUrlOf(first), spans }];
    }
  }
  const byObject = new Map<InstrumentationScope, Span[]>();
  for (let i = 0; i < spans.length; i++) {
    const span = spans[i];
    const scope = span.instrumentationScope ?? NO_SCOPE;
    const list = byObject.get(scope);
    if (list === undefined) byObject.set(scope, [span]);
    else list.push(span);
  }
  const groups: ScopeGroup[] = [];
  const byKey = new Map<string, ScopeGroup & { spans: Span[] }>();
  for (const [scope, list] of byObject) {
    const name = typeof scope.name === "string" ? scope.name : "";
    const version = typeof scope.version === "string" ? scope.version : undefined;
    const schemaUrl = schemaUrlOf(scope);
    // Lengths first, so that no name, version and schema URL join alike
    // with others.
    const v = version ?? "";
    const key = `${name.length}:${name}${v.length}:${v}${schemaUrl}`;
    const existing = byKey.get(key);
    if (existing === undefined) {
      const group = { name, version, schemaUrl, spans: list };
      byKey.set(key, group);
      groups.push(group);
    } else {
      for (const span of list) existing.spans.push(span);
    }
  }
  return groups;
}

/**
 * Checks what an encoder was given, so a mistake reads "Cannot encode
 * OTLP: ..." instead of an engine error from deep inside: `spans` must be
 * an array of this copy's `Span`s, and `options.resource`, when given, a
 * resource.
 *
 * @returns The resource given, if any.
 * @throws {TypeError} Otherwise.
 */
export function encoderArguments(
  spans: unknown,
  options: OtlpEncodeOptions | undefined,
  action: string,
): Resource | undefined {
  if (!Array.isArray(spans)) {
    throw new TypeError(
      `Cannot ${action}: spans must be an array of spans, got ${describe(spans)}`,
    );
  }
  for (let i = 0; i < spans.length; i++) {
    // Only a Span: the encoders read its ids from its private fields
    // (_span_ids.ts), which an object of a span's shape (a record, a Span
    // of another copy of this library) has not. Passed here, it failed
    // deep inside with an engine error about a private member. Checked
    // without reading `span.context`, which would make the context a
    // Tracer's span has not made yet (see span.ts).
    if (spans[i] instanceof Span) continue;
    throw new TypeError(
      `Cannot ${action}: spans[${i}] is not a Span of this copy of @codomyrmex/spans, got ${
        describe(spans[i])
      }`,
    );
  }
  if (options === undefined || options === null) return undefined;
  if (typeof options !== "object") {
    throw new TypeError(`Cannot ${action}: options must be an object, got ${describe(options)}`);
  }
  return resourceArgument(options.resource, action, "options.resource");
}
