import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { SpanContext, TraceFlags } from "../mod.ts";

const TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
const SPAN = "00f067aa0ba902b7";

describe("SpanContext.newRoot()", () => {
  test("generates a 32-hex trace id and a 16-hex span id", () => {
    const ctx = SpanContext.newRoot();
    assert.match(ctx.traceId, /^[0-9a-f]{32}$/);
    assert.match(ctx.spanId, /^[0-9a-f]{16}$/);
  });

  test("has no parent, is local, sampled, and marks its random trace id", () => {
    const ctx = SpanContext.newRoot();
    assert.equal(ctx.parentSpanId, undefined);
    assert.equal(ctx.isRemote, false);
    assert.equal(ctx.traceState, undefined);
    assert.equal(ctx.traceFlags, TraceFlags.SAMPLED | TraceFlags.RANDOM);
    assert.equal(ctx.isSampled, true);
  });

  test("two roots have different trace ids", () => {
    assert.notEqual(SpanContext.newRoot().traceId, SpanContext.newRoot().traceId);
  });
});

describe("SpanContext.child()", () => {
  test("keeps the trace id, flags and trace state, takes a new span id, and points at its parent", () => {
    const parent = new SpanContext({
      traceId: TRACE,
      spanId: SPAN,
      traceFlags: 0,
      traceState: "congo=t61rcWkgMzE",
      isRemote: true,
    });
    const child = parent.child();
    assert.equal(child.traceId, TRACE);
    assert.notEqual(child.spanId, SPAN);
    assert.match(child.spanId, /^[0-9a-f]{16}$/);
    assert.equal(child.parentSpanId, SPAN);
    assert.equal(child.traceFlags, 0);
    assert.equal(child.traceState, "congo=t61rcWkgMzE");
    assert.equal(child.isRemote, false, "a child made here is local");
  });
});

describe("new SpanContext()", () => {
  test("defaults flags to sampled and isRemote to false", () => {
    const ctx = new SpanContext({ traceId: TRACE, spanId: SPAN });
    assert.equal(ctx.traceFlags, 1);
    assert.equal(ctx.isRemote, false);
  });

  test("is immutable", () => {
    const ctx = new SpanContext({ traceId: TRACE, spanId: SPAN });
    assert.throws(() => {
      (ctx as { traceId: string }).traceId = "x";
    }, TypeError);
    assert.equal(ctx.traceId, TRACE);
    assert.equal(Object.isFrozen(ctx), true);
  });

  const bad: [string, unknown][] = [
    ["a short trace id", { traceId: "abc", spanId: SPAN }],
    ["an upper-case trace id", { traceId: TRACE.toUpperCase(), spanId: SPAN }],
    ["an all-zero trace id", { traceId: "0".repeat(32), spanId: SPAN }],
    ["an all-zero span id", { traceId: TRACE, spanId: "0".repeat(16) }],
    ["a numeric span id", { traceId: TRACE, spanId: 7 }],
    ["a malformed parent span id", { traceId: TRACE, spanId: SPAN, parentSpanId: "zz" }],
    ["flags above 255", { traceId: TRACE, spanId: SPAN, traceFlags: 256 }],
    ["fractional flags", { traceId: TRACE, spanId: SPAN, traceFlags: 1.5 }],
    ["a numeric trace state", { traceId: TRACE, spanId: SPAN, traceState: 5 }],
    ["a string isRemote", { traceId: TRACE, spanId: SPAN, isRemote: "yes" }],
    ["null", null],
  ];
  for (const [what, init] of bad) {
    test(`throws a TypeError naming the problem for ${what}`, () => {
      assert.throws(
        () => new SpanContext(init as never),
        (e: unknown) => e instanceof TypeError && /^Cannot create SpanContext: /.test(e.message),
      );
    });
  }
});

describe("new SpanContext(): the trace state is checked where it is set (W3C Level 2 grammar)", () => {
  const badStates: [string, string][] = [
    ["a CR/LF that would split a header", "congo=1\r\nx-injected: yes"],
    ["a bare LF", "congo=1\nrojo=2"],
    ["a NUL", "congo=1\u0000"],
    ["a non-ASCII value", "congo=é"],
    ["an upper-case key", "Congo=1"],
    ["a key that starts with @", "@congo=1"],
    ["a member without =", "congo"],
    ["a repeated key, which a sender must not send", "congo=1,congo=2"],
    ["33 members", Array.from({ length: 33 }, (_, i) => `k${i}=1`).join(",")],
    [
      "more than 8,192 characters",
      Array.from({ length: 20 }, (_, i) => `k${i}=${"v".repeat(420)}`).join(","),
    ],
  ];
  for (const [what, traceState] of badStates) {
    test(`throws a RangeError for ${what}`, () => {
      assert.throws(
        () => new SpanContext({ traceId: TRACE, spanId: SPAN, traceState }),
        (e: unknown) =>
          e instanceof RangeError && /^Cannot create SpanContext: traceState /.test(e.message),
      );
    });
  }

  test("accepts what the grammar accepts: @ in keys, OWS, an empty list", () => {
    for (const traceState of ["foo@=1,bar=2", "a@b@c=1", "congo=t61rcWkgMzE, rojo=1", ""]) {
      assert.equal(
        new SpanContext({ traceId: TRACE, spanId: SPAN, traceState }).traceState,
        traceState,
      );
    }
  });
});
