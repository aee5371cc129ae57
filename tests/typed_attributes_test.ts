// Attribute values are typed: an object, null or a mixed array does not
// compile where an attribute goes (null elements inside an array do).
// `deno check` checks this file (and the npm smoke test type-checks the same
// refusal against the published .d.ts with tsc): each `@ts-expect-error` line
// fails the check if the value compiles.
// At run time the same values, from JavaScript, are dropped and counted.

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { type AttributeValue, Span, SpanContext, Tracer } from "../mod.ts";

const user = { id: 7 };

describe("attribute types", () => {
  test("setAttribute refuses an object, null and a mixed array; JavaScript's are dropped", () => {
    const span = new Span("a").start();
    // @ts-expect-error an object is not an attribute value
    span.setAttribute("user", user);
    // @ts-expect-error null is not an attribute value
    span.setAttribute("nothing", null);
    // @ts-expect-error an array must hold one type
    span.setAttribute("mixed", [1, "2"]);
    // @ts-expect-error an array must hold one type, null elements aside
    span.setAttribute("mixed", [null, 1, "2"]);
    assert.deepEqual(span.attributes, {});
    assert.equal(span.droppedAttributesCount, 4);
  });

  test("setAttributes, addEvent, addLink and recordException refuse an object value", () => {
    const span = new Span("a").start();
    // @ts-expect-error an object is not an attribute value
    span.setAttributes({ user });
    // @ts-expect-error an object is not an attribute value
    span.addEvent("login", { user });
    // @ts-expect-error an object is not an attribute value
    span.addLink(SpanContext.newRoot(), { user });
    // @ts-expect-error an object is not an attribute value
    span.recordException(new Error("x"), { user });
    assert.equal(span.droppedAttributesCount, 1);
    assert.equal(span.events[0].droppedAttributesCount, 1);
    assert.equal(span.links[0].droppedAttributesCount, 1);
    assert.equal(span.events[1].droppedAttributesCount, 1);
  });

  test("startSpan, its links and wrap refuse an object value", () => {
    const tracer = new Tracer();
    // @ts-expect-error an object is not an attribute value
    const span = tracer.startSpan("a", { attributes: { user } });
    // @ts-expect-error an object is not an attribute value
    tracer.startSpan("b", { links: [{ context: span.context, attributes: { user } }] }).end();
    // @ts-expect-error an object is not an attribute value
    tracer.wrap(() => {}, { attributes: { user } });
    assert.equal(span.droppedAttributesCount, 1);
    span.end();
  });

  test("every valid value compiles and is kept", () => {
    const values: Record<string, AttributeValue> = {
      s: "x",
      n: 1.5,
      b: true,
      ss: ["a", "b"],
      ns: [1, 2],
      bs: [false],
      empty: [],
      // Null elements, as OpenTelemetry's AnyValue arrays keep them.
      nss: ["a", null],
      nns: [null, 2],
      nbs: [true, null],
      nulls: [null],
    };
    const readonlyList: readonly string[] = ["r"];
    const tracer = new Tracer();
    const span = tracer.startSpan("a", { attributes: values })
      .setAttribute("readonly", readonlyList)
      .setAttributes({ more: 2 })
      .addEvent("e", { n: 1 })
      .addLink(SpanContext.newRoot(), { s: "x" });
    assert.deepEqual(span.attributes, { ...values, readonly: ["r"], more: 2 });
    assert.equal(span.droppedAttributesCount, 0);
    span.end();
  });
});
