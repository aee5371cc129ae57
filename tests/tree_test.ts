import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { renderTree, Span, SpanContext } from "../mod.ts";

function trace() {
  const root = SpanContext.newRoot();
  const a = root.child();
  const a1 = a.child();
  const b = root.child();
  return {
    root: new Span("request", root).start(0).end(100),
    a: new Span("load", a).start(0).end(50),
    a1: new Span("db", a1).start(10).end(40),
    b: new Span("render", b).start(50).setStatus("error", "x").end(100),
  };
}

describe("renderTree()", () => {
  test("draws children under parents, ordered by start time, whatever the input order", () => {
    const { root, a, a1, b } = trace();
    const lines = renderTree([b, a1, root, a], { barWidth: 10 }).split("\n");
    assert.match(lines[0], /^trace [0-9a-f]{32} {2}100\.0 ms$/);
    const row = (line: string, label: string, tail: string) => {
      assert.ok(line.startsWith(label + " "), `${JSON.stringify(line)} starts with ${label}`);
      assert.ok(line.endsWith(tail), `${JSON.stringify(line)} ends with ${tail}`);
    };
    row(lines[1], "request", "100.0 ms |██████████|");
    row(lines[2], "├─ load", "50.0 ms |█████     |");
    row(lines[3], "│  └─ db", "30.0 ms | ███      |");
    row(lines[4], "└─ render ✗", "50.0 ms |     █████|");
    assert.equal(lines[5], "");
  });

  test("aligns the duration column", () => {
    const { root, a, a1, b } = trace();
    const lines = renderTree([root, a, a1, b]).trim().split("\n").slice(1);
    const bars = lines.map((l) => l.indexOf("|"));
    assert.equal(new Set(bars).size, 1);
  });

  test("skips spans that have not ended and draws orphans as roots", () => {
    const root = SpanContext.newRoot();
    const open = new Span("open", root).start(0);
    const orphan = new Span("orphan", root.child().child()).start(0).end(10);
    const text = renderTree([open, orphan]);
    assert.doesNotMatch(text, /open/);
    assert.match(text, /^orphan /m);
  });

  test("draws one block per trace", () => {
    const t1 = new Span("one").start(0).end(1);
    const t2 = new Span("two").start(0).end(1);
    const text = renderTree([t1, t2]);
    assert.equal(text.match(/^trace /gm)?.length, 2);
  });

  test("a zero-length trace fills the bar instead of dividing by zero", () => {
    const text = renderTree([new Span("instant").start(5).end(5)], { barWidth: 4 });
    assert.match(text, /\|████\|/);
  });

  test("long names are cut to nameWidth with an ellipsis", () => {
    const text = renderTree([new Span("a-very-long-span-name").start(0).end(1)], { nameWidth: 6 });
    assert.match(text, /^a-ver… /m);
  });

  test("an empty input renders nothing; a bad bar width is a RangeError", () => {
    assert.equal(renderTree([]), "");
    assert.throws(() => renderTree([], { barWidth: 0 }), /^RangeError: Cannot render tree/);
  });
});

describe("renderTree() bad input", () => {
  test("something that is not iterable is a TypeError; non-spans inside are skipped", () => {
    assert.throws(() => renderTree(5 as never), /^TypeError: Cannot render tree: spans must be/);
    const span = new Span("ok").start(0).end(1);
    assert.match(renderTree([null, {}, span] as never), /^ok /m);
  });
});
