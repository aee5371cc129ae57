import { describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  BatchSpanProcessor,
  ConsoleSpanExporter,
  type ExportResult,
  InMemorySpanExporter,
  renderTree,
  SimpleSpanProcessor,
  Span,
  SpanContext,
  type SpanExporter,
  Tracer,
} from "../mod.ts";

function ended(name: string, context?: SpanContext): Span {
  return new Span(name, context).start(1_000).end(1_010);
}

describe("InMemorySpanExporter", () => {
  test("keeps exported spans in export order, and its spans getter returns a copy", () => {
    const exporter = new InMemorySpanExporter();
    const [a, b, c] = [ended("a"), ended("b"), ended("c")];
    assert.equal(exporter.export([a, b]).code, "success");
    exporter.export([c]);
    const copy = exporter.spans;
    assert.deepEqual(copy, [a, b, c]);
    copy.length = 0;
    assert.equal(exporter.spans.length, 3);
  });

  test("reset forgets the kept spans and later exports are kept again", () => {
    const exporter = new InMemorySpanExporter();
    exporter.export([ended("a")]);
    exporter.reset();
    assert.equal(exporter.spans.length, 0);
    exporter.export([ended("b")]);
    assert.deepEqual(exporter.spans.map((s) => s.name), ["b"]);
  });

  test("after shutdown every export fails and keeps nothing, and earlier spans stay readable", async () => {
    const exporter = new InMemorySpanExporter();
    exporter.export([ended("before")]);
    await exporter.shutdown();
    const result = exporter.export([ended("after")]);
    assert.equal(result.code, "failure");
    assert.ok(result.error instanceof Error);
    assert.equal(exporter.isShutdown, true);
    assert.deepEqual(exporter.spans.map((s) => s.name), ["before"]);
  });

  test("a processor counts exports to a shut-down InMemorySpanExporter as failed", async () => {
    const exporter = new InMemorySpanExporter();
    await exporter.shutdown();
    const simple = new SimpleSpanProcessor(exporter);
    simple.onEnd(ended("x"));
    assert.deepEqual(simple.stats(), { ended: 1, exported: 0, dropped: 0, failed: 1, queued: 0 });
  });
});

describe("ConsoleSpanExporter", () => {
  test("json writes one line per span that parses back to span.toJSON()", () => {
    const lines: string[] = [];
    const exporter = new ConsoleSpanExporter({ format: "json", write: (l) => lines.push(l) });
    const spans = [ended("a").setAttribute("k", 1), ended("b").addEvent("e", {}, 1_005)];
    assert.equal(exporter.export(spans).code, "success");
    assert.equal(lines.length, 2);
    for (let i = 0; i < 2; i++) {
      assert.ok(!lines[i].includes("\n"));
      assert.deepEqual(JSON.parse(lines[i]), JSON.parse(JSON.stringify(spans[i].toJSON())));
    }
  });

  test("tree writes each batch once, as renderTree draws it, without a trailing newline", () => {
    const out: string[] = [];
    const exporter = new ConsoleSpanExporter({ format: "tree", write: (t) => out.push(t) });
    const root = SpanContext.newRoot();
    const spans = [ended("child", root.child()), ended("parent", root)];
    exporter.export(spans);
    assert.equal(out.length, 1);
    assert.equal(out[0] + "\n", renderTree(spans));
    assert.match(out[0], /parent[\s\S]*└─ child/);
  });

  test("writes a span with a link of all-zero ids in both formats", () => {
    const zeros = { traceId: "0".repeat(32), spanId: "0".repeat(16), traceState: "v=1" };
    const span = new Span("consume").start(1_000).addLink(zeros as never, { k: 1 }).end(1_010);
    const json: string[] = [];
    const tree: string[] = [];
    new ConsoleSpanExporter({ format: "json", write: (l) => json.push(l) }).export([span]);
    new ConsoleSpanExporter({ format: "tree", write: (t) => tree.push(t) }).export([span]);
    assert.deepEqual(JSON.parse(json[0]).links, [{
      ...zeros,
      traceFlags: 0,
      attributes: { k: 1 },
      droppedAttributesCount: 0,
    }]);
    assert.equal(tree[0] + "\n", renderTree([span]));
    assert.match(tree[0], /consume/);
  });

  test("an empty batch writes nothing", () => {
    const out: string[] = [];
    new ConsoleSpanExporter({ write: (t) => out.push(t) }).export([]);
    new ConsoleSpanExporter({ format: "json", write: (t) => out.push(t) }).export([]);
    assert.deepEqual(out, []);
  });

  test("by default it draws trees with console.log", () => {
    const original = console.log;
    const logged: unknown[][] = [];
    console.log = (...args: unknown[]) => void logged.push(args);
    try {
      const exporter = new ConsoleSpanExporter();
      assert.equal(exporter.format, "tree");
      exporter.export([ended("logged")]);
    } finally {
      console.log = original;
    }
    assert.equal(logged.length, 1);
    assert.match(String(logged[0][0]), /^trace [0-9a-f]{32} /);
  });

  test("an unknown format or a write that is not a function is a TypeError", () => {
    assert.throws(
      () => new ConsoleSpanExporter({ format: "yaml" as never }),
      /^TypeError: Cannot create ConsoleSpanExporter: format must be "tree" or "json", got string "yaml"$/,
    );
    assert.throws(
      () => new ConsoleSpanExporter({ write: "stdout" as never }),
      /^TypeError: Cannot create ConsoleSpanExporter: write must be a function/,
    );
  });

  test("a write that throws fails the export inside the processor, not the application", () => {
    const exporter = new ConsoleSpanExporter({
      write: () => {
        throw new Error("stdout closed");
      },
    });
    const simple = new SimpleSpanProcessor(exporter);
    const tracer = new Tracer({ processors: [simple] });
    assert.doesNotThrow(() => tracer.startSpan("x").end());
    assert.equal(simple.stats().failed, 1);
  });
});

describe("what an exporter's answer counts as", () => {
  async function outcome(exporter: SpanExporter | ((spans: readonly Span[]) => unknown)) {
    const batch = new BatchSpanProcessor(exporter as SpanExporter, {
      maxBatchSize: 5,
      flushOnExit: false,
    });
    for (let i = 0; i < 5; i++) batch.onEnd(ended(`s${i}`));
    await batch.forceFlush();
    const { exported, failed } = batch.stats();
    await batch.shutdown();
    return { exported, failed };
  }

  test("a plain function that returns, or resolves, exports the batch", async () => {
    assert.deepEqual(await outcome(() => {}), { exported: 5, failed: 0 });
    assert.deepEqual(await outcome(async () => {}), { exported: 5, failed: 0 });
    // What the function returns is ignored, even something that looks like a failure.
    assert.deepEqual(await outcome(() => ({ code: "failure" })), { exported: 5, failed: 0 });
  });

  test("a plain function that throws, or rejects, fails the batch", async () => {
    const boom = () => {
      throw new Error("boom");
    };
    assert.deepEqual(await outcome(boom), { exported: 0, failed: 5 });
    assert.deepEqual(await outcome(() => Promise.reject(new Error("no"))), {
      exported: 0,
      failed: 5,
    });
  });

  test("a plain function receives the batch and an AbortSignal", async () => {
    let got: { names: string[]; signal: unknown } | undefined;
    const simple = new SimpleSpanProcessor((spans, signal) => {
      got = { names: spans.map((s) => s.name), signal };
    });
    simple.onEnd(ended("x"));
    await simple.shutdown();
    assert.deepEqual(got?.names, ["x"]);
    assert.ok(got?.signal instanceof AbortSignal);
  });

  test("an exporter object's export is called as a method, so it keeps its this", async () => {
    class Counting implements SpanExporter {
      #count = 0;
      get count() {
        return this.#count;
      }
      export(spans: readonly Span[]): ExportResult {
        this.#count += spans.length;
        return { code: "success" };
      }
    }
    const exporter = new Counting();
    assert.deepEqual(await outcome(exporter), { exported: 5, failed: 0 });
    assert.equal(exporter.count, 5);
  });

  test("an exporter that returns nothing exports; a failure result fails", async () => {
    assert.deepEqual(await outcome({ export: () => {} }), { exported: 5, failed: 0 });
    assert.deepEqual(await outcome({ export: () => ({ code: "failure" }) }), {
      exported: 0,
      failed: 5,
    });
    assert.deepEqual(
      await outcome({ export: () => Promise.resolve({ code: "failure" as const }) }),
      { exported: 0, failed: 5 },
    );
  });

  test("a partial success counts the rejected spans as failed and the rest as exported", async () => {
    assert.deepEqual(await outcome({ export: () => ({ code: "success", rejected: 2 }) }), {
      exported: 3,
      failed: 2,
    });
    // More rejected than sent cannot make the counts negative.
    assert.deepEqual(await outcome({ export: () => ({ code: "success", rejected: 99 }) }), {
      exported: 0,
      failed: 5,
    });
  });

  test("a malformed answer is counted, never thrown: a bad rejected count exports all", async () => {
    for (const rejected of [Number.NaN, -1, "2"]) {
      const exporter = { export: () => ({ code: "success", rejected }) as unknown as ExportResult };
      assert.deepEqual(await outcome(exporter), { exported: 5, failed: 0 }, String(rejected));
    }
    for (const answer of ["ok", 42, null, { code: "maybe" }]) {
      const exporter = { export: () => answer as unknown as ExportResult };
      assert.deepEqual(await outcome(exporter), { exported: 0, failed: 5 }, String(answer));
    }
  });

  test("something that is neither a function nor an exporter is a TypeError naming the processor", () => {
    assert.throws(
      () => new BatchSpanProcessor({} as never),
      /^TypeError: Cannot create BatchSpanProcessor: exporter must be a function or an object with an export method, got object$/,
    );
    assert.throws(
      () => new SimpleSpanProcessor(undefined as never),
      /^TypeError: Cannot create SimpleSpanProcessor: exporter must be/,
    );
  });
});
