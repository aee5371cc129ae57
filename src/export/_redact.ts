// Internal: the processors' `redact` option. When it is given, the exporter
// is wrapped so that each span it receives is a redacted copy; when it is
// not, nothing is wrapped and no span pays anything. The span the
// application holds, and other processors, keep the original values.

import { describe } from "../platform/_describe.ts";
import { errorMessage, warnOnce } from "../platform/_warn.ts";
import { hasRemoteParent, markRemoteParent } from "../span/_remote_parent.ts";
import { setOwnAttribute } from "../span/_attribute_bag.ts";
import {
  type Attributes,
  type AttributeValue,
  sanitizeAttributeValue,
} from "../span/attributes.ts";
import { Span, type SpanEvent, type SpanLink } from "../span/span.ts";
import { toSpanExporter } from "./_exporter_like.ts";
import type { SpanExporter, SpanExporterLike } from "./exporter.ts";

/** Returns the value to export for an attribute, or `undefined` to leave it out. */
export type Redact = (key: string, value: AttributeValue) => AttributeValue | undefined;

/**
 * Checks the `redact` option and applies it to the exporter: the exporter as
 * it is when there is none.
 *
 * @param exporter The processor's exporter.
 * @param redact The option as given.
 * @param who The processor's class name, for messages.
 * @returns The exporter to use.
 * @throws {TypeError} When `redact` is given and is not a function.
 */
export function withRedaction(
  exporter: SpanExporterLike,
  redact: unknown,
  who: string,
): SpanExporterLike {
  if (redact === undefined) return exporter;
  if (typeof redact !== "function") {
    throw new TypeError(`Cannot create ${who}: redact must be a function, got ${describe(redact)}`);
  }
  const inner = toSpanExporter(exporter, who);
  const copy = (spans: readonly Span[]) => spans.map((s) => new RedactedSpan(s, redact as Redact));
  const wrapped: SpanExporter = {
    // The same arity as the inner export, so a callback that takes no signal gets none.
    export: inner.export.length === 1
      ? (spans) => inner.export(copy(spans))
      : (spans, signal) => inner.export(copy(spans), signal),
  };
  // Read when called, as an exporter's own hooks are (_export_call.ts): a
  // getter or Proxy trap that throws is then reported there, not thrown here.
  wrapped.forceFlush = () => callHook(inner, "forceFlush");
  wrapped.shutdown = () => callHook(inner, "shutdown");
  return wrapped;
}

function callHook(exporter: SpanExporter, method: "forceFlush" | "shutdown"): Promise<void> {
  const hook = exporter[method];
  return typeof hook === "function" ? hook.call(exporter) : Promise.resolve();
}

const STATUS_MESSAGE = "otel.status_description";

// A copy of an ended span with redacted attributes (its own, its events' and
// its links') and status message. Everything else reads through to the
// original.
class RedactedSpan extends Span {
  readonly #source: Span;
  readonly #attributes: Readonly<Attributes>;
  readonly #events: readonly SpanEvent[];
  readonly #links: readonly SpanLink[];

  constructor(source: Span, redact: Redact) {
    super(source.name, source.context, source.kind, {
      instrumentationScope: source.instrumentationScope,
    });
    this.#source = source;
    this.#attributes = redactAll(source.attributes, redact);
    this.#events = source.events.map((e) => ({
      ...e,
      attributes: redactAll(e.attributes, redact),
    }));
    this.#links = source.links.map((l) => ({ ...l, attributes: redactAll(l.attributes, redact) }));
    if (hasRemoteParent(source)) markRemoteParent(this);
    this.start(source.startTime ?? 0);
    const status = source.status;
    if (status.code === "error" && status.message !== undefined) {
      // The status message is free text too (often an exception's message):
      // it is redacted under the name non-OTLP formats give it.
      const message = redactAll({ [STATUS_MESSAGE]: status.message }, redact)[STATUS_MESSAGE];
      this.setStatus("error", typeof message === "string" ? message : undefined);
    } else if (status.code !== "unset") {
      this.setStatus(status.code);
    }
    this.end(source.endTime ?? source.startTime ?? 0);
  }

  override get attributes(): Readonly<Attributes> {
    return this.#attributes;
  }

  override get events(): readonly SpanEvent[] {
    return this.#events;
  }

  override get links(): readonly SpanLink[] {
    return this.#links;
  }

  override get droppedAttributesCount(): number {
    return this.#source.droppedAttributesCount;
  }

  override get droppedEventsCount(): number {
    return this.#source.droppedEventsCount;
  }

  override get droppedLinksCount(): number {
    return this.#source.droppedLinksCount;
  }
}

// A value that is not a valid attribute, or a redact function that throws,
// leaves the attribute out: the original must never slip through.
function redactAll(attributes: Readonly<Attributes>, redact: Redact): Readonly<Attributes> {
  const out: Attributes = {};
  for (const key of Object.keys(attributes)) {
    let value: AttributeValue | undefined;
    const original = attributes[key];
    try {
      // A copy of an array, so a redact that masks it in place changes only the export.
      const redacted = redact(key, Array.isArray(original) ? original.slice() : original);
      value = redacted === undefined ? undefined : sanitizeAttributeValue(redacted);
    } catch (error) {
      warnOnce(
        "redact-threw",
        `a redact function threw, so the attribute "${key}" was left out of the export: ${
          errorMessage(error)
        }`,
      );
    }
    if (value !== undefined) setOwnAttribute(out, key, value);
  }
  return out;
}
