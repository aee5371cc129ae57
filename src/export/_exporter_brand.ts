// Internal: marks this library's exporter classes, so that code which must
// tell them from OpenTelemetry exporters (both have `export(spans, x)` and
// `shutdown()`) need not guess from the shape.

/** Present, and `true`, on every exporter class of this library. */
export const OUR_EXPORTER: unique symbol = Symbol.for("@codomyrmex/spans.exporter");

/**
 * Marks `cls`'s instances as this library's exporters, on the prototype, so
 * no instance pays for it and no public type shows it.
 */
export function brandExporterClass(cls: { prototype: object }): void {
  Object.defineProperty(cls.prototype, OUR_EXPORTER, { value: true });
}
