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
    assert.throws(
      () => renderTree([], { nameWidth: 1e10 }),
      /^RangeError: Cannot render tree: nameWidth must be an integer from 1 to 1000, got number 10000000000/,
    );
    assert.throws(() => renderTree([], { nameWidth: -3 }), RangeError);
  });
});

describe("renderTree() bad input", () => {
  test("something that is not iterable is a TypeError; non-spans inside are skipped", () => {
    assert.throws(() => renderTree(5 as never), /^TypeError: Cannot render tree: spans must be/);
    assert.throws(
      () => renderTree([], null as never),
      /^TypeError: Cannot render tree: options must be an object, got null/,
    );
    const span = new Span("ok").start(0).end(1);
    assert.match(renderTree([null, {}, span] as never), /^ok /m);
  });
});

describe("renderTree() on any trace", () => {
  function chain(depth: number): Span[] {
    let ctx = SpanContext.newRoot();
    const spans = [new Span("root", ctx).start(0).end(depth)];
    for (let i = 1; i < depth; i++) {
      ctx = ctx.child();
      spans.push(new Span(`s${i}`, ctx).start(i).end(depth));
    }
    return spans;
  }

  test("a 20,000-deep chain renders, one line per span, each of bounded width", {
    timeout: 120_000,
  }, () => {
    const text = renderTree(chain(20_000));
    const lines = text.trimEnd().split("\n");
    assert.equal(lines.length, 1 + 20_000);
    const widest = Math.max(...lines.map((l) => [...l].length));
    assert.ok(widest < 250, `the widest line has ${widest} characters`);
    assert.match(lines.at(-1)!, /⋯19999 └─ s19999 /, "the deepest span shows its real depth");
  });

  test("indentation grows up to 24 levels, then the depth is written instead", () => {
    const lines = renderTree(chain(30)).split("\n").slice(1);
    assert.ok(lines[25].startsWith("   ".repeat(24) + "└─ s25 "), JSON.stringify(lines[25]));
    assert.ok(lines[26].startsWith("   ".repeat(24) + "⋯26 └─ s26 "), JSON.stringify(lines[26]));
    assert.ok(lines[29].startsWith("   ".repeat(24) + "⋯29 └─ s29 "), JSON.stringify(lines[29]));
  });

  test("a 200,000-span trace renders", { timeout: 120_000 }, () => {
    const root = SpanContext.newRoot();
    const spans = [new Span("root", root).start(0).end(1_000)];
    // A wide and fairly deep tree: each span's parent is one of the spans before it.
    const contexts = [root];
    for (let i = 1; i < 200_000; i++) {
      const parent = contexts[Math.floor(i / 3)];
      const ctx = parent.child();
      contexts.push(ctx);
      spans.push(new Span(`s${i}`, ctx).start(i % 1_000).end(1_000));
    }
    const lines = renderTree(spans).trimEnd().split("\n");
    assert.equal(lines.length, 1 + 200_000);
  });

  test("spans whose parents form a cycle are drawn as roots, each once", () => {
    const traceId = "0af7651916cd43dd8448eb211c80319c";
    const ctx = (spanId: string, parentSpanId: string) =>
      new SpanContext({ traceId, spanId, parentSpanId, traceFlags: 1 });
    const a = new Span("a", ctx("000000000000000a", "000000000000000b")).start(0).end(2);
    const b = new Span("b", ctx("000000000000000b", "000000000000000a")).start(1).end(2);
    const self = new Span("self", ctx("000000000000000c", "000000000000000c")).start(0).end(1);
    const lines = renderTree([b, a, self]).trimEnd().split("\n").slice(1);
    assert.deepEqual(lines.map((l) => l.split(" ").slice(0, 2).join(" ").trim()), [
      "a",
      "└─ b",
      "self",
    ]);
  });

  test("a very long span name does not widen the default name column past 120", () => {
    const text = renderTree([new Span("x".repeat(100_000)).start(0).end(1)]);
    const line = text.split("\n")[1];
    assert.ok(line.startsWith("x".repeat(119) + "… "), line.slice(0, 130));
    assert.ok(line.length < 200);
  });
});

describe("renderTree() on untrusted names", () => {
  // C0 and C1 controls, DEL, line and paragraph separators, bidirectional
  // controls and lone surrogates: what can move the cursor, clear or recolour
  // a terminal, forge a line, or reorder what follows on the line.
  const UNSAFE =
    // deno-lint-ignore no-control-regex
    /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]|[\ud800-\udfff]/u;

  test("control characters, escape sequences, bidi controls and lone surrogates are escaped", () => {
    const names = [
      "clear\u001b[2J\u001b[H",
      "two\nlines\r\n",
      "tab\there",
      "nel\u0085csi\u009b31m del\u007f",
      "rlo\u202egnp.exe lri\u2066 lrm\u200e ls\u2028ps\u2029",
      "lone \ud800 and \udc00",
    ];
    const root = SpanContext.newRoot();
    const spans = names.map((name) => new Span(name, root.child()).start(0).end(1));
    spans.push(new Span("root", root).start(0).end(1));
    const text = renderTree(spans, { nameWidth: 200 });
    const lines = text.trimEnd().split("\n");
    assert.equal(lines.length, 1 + 1 + names.length, "one line per span, none forged");
    for (const line of lines) assert.doesNotMatch(line, UNSAFE);
    assert.ok(text.includes("clear\\x1b[2J\\x1b[H"), text);
    assert.ok(text.includes("two\\nlines\\r\\n"), text);
    assert.ok(text.includes("tab\\there"), text);
    assert.ok(text.includes("nel\\x85csi\\x9b31m del\\x7f"), text);
    assert.ok(text.includes("rlo\\u202egnp.exe lri\\u2066 lrm\\u200e ls\\u2028ps\\u2029"), text);
    assert.ok(text.includes("lone \\ud800 and \\udc00"), text);
    assert.ok(lines[1].startsWith("root "), text);
  });

  test("a printable name, a backslash included, is drawn as it is", () => {
    const name = "GET /a\\b 漢字 👩‍💻 e\u0301 ✓";
    const text = renderTree([new Span(name).start(0).end(1)]);
    assert.ok(text.split("\n")[1].startsWith(name + " "), text);
  });

  // The rest of a row (duration and bar) is the same for every span here, so
  // the names line up when what follows each name starts at the same column.
  function tails(names: string[], nameWidth?: number): string[] {
    const root = SpanContext.newRoot();
    const spans = names.map((name) => new Span(name, root).start(0).end(1));
    const lines = renderTree(spans, { nameWidth }).split("\n").slice(1, -1);
    return lines.map((line, i) => {
      const name = names.find((n) => line.startsWith(n))!;
      assert.ok(name !== undefined, `${JSON.stringify(line)} starts with ${names[i]}`);
      return line.slice(name.length);
    });
  }

  test("wide (CJK, emoji) and zero-width (combining, joined) characters keep the columns aligned", () => {
    // Each name here is 4 columns wide on a terminal.
    const names = ["abcd", "漢字", "👩‍💻ab", "e\u0301e\u0301e\u0301e\u0301", "ｦｦｦｦ", "✅✅"];
    const all = tails(names);
    assert.equal(all.length, names.length, "one row per span");
    for (const [i, tail] of all.entries()) assert.equal(tail, all[0], names[i]);
  });

  test("a name cut to nameWidth is cut by columns, keeping combining marks with their letter", () => {
    const line = (name: string, nameWidth: number) =>
      renderTree([new Span(name).start(0).end(1)], { nameWidth }).split("\n")[1];
    const plain = line("abcdef", 5);
    assert.ok(plain.startsWith("abcd… "), plain);
    const tail = plain.slice("abcd…".length); // what follows the name column
    assert.equal(line("漢字漢字", 5), "漢字…" + tail);
    assert.equal(line("漢字漢字", 4), "漢… " + tail);
    assert.equal(line("e\u0301e\u0301e\u0301", 2), "e\u0301…" + tail);
  });
});
