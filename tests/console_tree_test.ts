import { describe, test } from "node:test";
import assert from "node:assert/strict";
import process from "node:process";
import {
  BatchSpanProcessor,
  ConsoleSpanExporter,
  type ConsoleSpanExporterOptions,
  extractContext,
  SimpleSpanProcessor,
  Span,
  SpanContext,
  Tracer,
} from "../mod.ts";
import { ManualTime } from "../testing.ts";
import { captureWarnings, isDeno } from "./_helpers.ts";
import { runFixture, runSnippet } from "./_child_process.ts";

function exporter(options: ConsoleSpanExporterOptions = {}) {
  const out: string[] = [];
  const time = new ManualTime(1_000_000);
  const console = new ConsoleSpanExporter({
    color: false,
    clock: time,
    scheduler: time,
    write: (text) => out.push(text),
    ...options,
  });
  return { out, time, console };
}

/** The span names of a waterfall, in the order drawn, with their tree prefixes. */
function rows(text: string): string[] {
  return text.split("\n").slice(1).map((line) =>
    line.slice(0, line.lastIndexOf("|", line.length - 2)).trim().replace(/\s+\S+ ms$/, "")
  );
}

describe("ConsoleSpanExporter tree: one waterfall per local trace", () => {
  test("with a SimpleSpanProcessor, children wait for their root and print with it", async () => {
    const { out, console, time } = exporter();
    const tracer = new Tracer({ clock: time, processors: [new SimpleSpanProcessor(console)] });
    await tracer.span("GET /orders", async () => {
      await tracer.span("load orders", async () => {
        tracer.startSpan("db.query").end();
        await time.tick(5);
      });
      tracer.startSpan("render").end();
      assert.equal(out.length, 0, "nothing prints before the root ends");
    });
    assert.equal(out.length, 1);
    assert.match(out[0], /^trace [0-9a-f]{32} {2}5\.0 ms$/m);
    assert.deepEqual(rows(out[0]), [
      "GET /orders",
      "├─ load orders",
      "│  └─ db.query",
      "└─ render",
    ]);
  });

  test("with a BatchSpanProcessor, a trace cut across batches prints once, whole", async () => {
    const { out, console, time } = exporter();
    const batch = new BatchSpanProcessor(console, {
      maxBatchSize: 2,
      scheduler: time,
      clock: time,
      flushOnExit: false,
    });
    const tracer = new Tracer({ clock: time, processors: [batch] });
    tracer.span("job", () => {
      for (const step of ["fetch", "parse", "store"]) tracer.startSpan(step).end();
    });
    await tracer.forceFlush();
    assert.equal(out.length, 1, out.join("\n---\n"));
    assert.deepEqual(rows(out[0]), ["job", "├─ fetch", "├─ parse", "└─ store"]);
    await tracer.shutdown();
  });

  test("a child that ends after its root prints as a late addendum, with its own children", () => {
    const { out, console } = exporter();
    const tracer = new Tracer({ processors: [new SimpleSpanProcessor(console)] });
    const root = tracer.startSpan("POST /upload");
    const background = tracer.startSpan("scan file", { parent: root });
    tracer.startSpan("read chunk", { parent: background }).end();
    tracer.startSpan("respond", { parent: root }).end();
    root.end();
    assert.equal(out.length, 1);
    assert.deepEqual(rows(out[0]), ["POST /upload", "└─ respond"]);
    background.end();
    assert.equal(out.length, 2);
    assert.match(out[1].split("\n")[0], /\(late: ended after "POST \/upload" was printed\)$/);
    assert.deepEqual(rows(out[1]), ["scan file", "└─ read chunk"]);
  });

  test("two local roots of one trace (a service calling itself) print apart", () => {
    const { out, console } = exporter();
    const tracer = new Tracer({ processors: [new SimpleSpanProcessor(console)] });
    const client = tracer.startSpan("GET", { kind: "client" });
    const headers = { traceparent: `00-${client.context.traceId}-${client.context.spanId}-01` };
    const server = tracer.startSpan("GET /price", {
      kind: "server",
      parent: extractContext(headers),
    });
    tracer.startSpan("lookup", { parent: server }).end();
    server.end();
    client.end();
    assert.equal(out.length, 2);
    assert.deepEqual(rows(out[0]), ["GET /price", "└─ lookup"]);
    assert.deepEqual(rows(out[1]), ["GET"]);
  });

  test("a trace whose root never ends prints as unfinished after traceTimeoutMs", async () => {
    const { out, console, time } = exporter({ traceTimeoutMs: 1_000 });
    const tracer = new Tracer({ clock: time, processors: [new SimpleSpanProcessor(console)] });
    const root = tracer.startSpan("stuck");
    tracer.startSpan("done", { parent: root }).end();
    await time.tick(999);
    assert.equal(out.length, 0);
    await time.tick(1);
    assert.equal(out.length, 1);
    assert.match(out[0].split("\n")[0], /\(unfinished: its local root had not ended after 1 s\)$/);
    assert.deepEqual(rows(out[0]), ["done"]);
    root.end();
    assert.equal(out.length, 2, "the root prints when it ends");
    assert.match(out[1], /\nstuck /);
  });

  test("past maxPendingSpans the oldest waiting trace prints as unfinished: memory stays bounded", () => {
    const { out, console } = exporter({ maxPendingSpans: 3 });
    const orphans = Array.from(
      { length: 5 },
      (_, i) => new Span(`orphan ${i}`, SpanContext.newRoot().child()).start(0).end(1),
    );
    for (const span of orphans) console.export([span]);
    assert.equal(out.length, 2);
    assert.match(out[0], /\(unfinished: more than 3 spans were waiting\)\norphan 0 /);
    assert.match(out[1], /\norphan 1 /);
  });

  test("a write that throws mid-export still leaves the waiting traces' timeout armed", async () => {
    let broken = true;
    const out: string[] = [];
    const { console, time } = exporter({
      traceTimeoutMs: 1_000,
      write: (text) => {
        if (broken) {
          broken = false;
          throw new Error("stdout closed");
        }
        out.push(text);
      },
    });
    const root = new Span("root").start(0).end(1);
    const orphan = new Span("orphan", SpanContext.newRoot().child()).start(0).end(1);
    try {
      console.export([root, orphan]);
    } catch {
      // How a throwing write fails the export is another test's subject.
    }
    assert.equal(time.pendingTimers, 1, "the orphan's timeout is armed");
    await time.tick(1_000);
    assert.equal(out.length, 1);
    assert.match(out[0], /unfinished[^\n]*\norphan /);
  });

  test("forceFlush prints what waits, as unfinished; after shutdown batches print as they come", async () => {
    const { out, console } = exporter();
    const child = new Span("child", SpanContext.newRoot().child()).start(0).end(1);
    console.export([child]);
    await console.forceFlush();
    assert.equal(out.length, 1);
    assert.match(out[0], /\(unfinished: flushed before its local root ended\)/);
    await console.shutdown();
    console.export([new Span("after", SpanContext.newRoot().child()).start(0).end(1)]);
    assert.equal(out.length, 2);
    assert.match(out[1], /\nafter /);
  });

  test("a write that throws outside an export is warned once, not thrown", async () => {
    const time = new ManualTime();
    const console = new ConsoleSpanExporter({
      color: false,
      clock: time,
      scheduler: time,
      traceTimeoutMs: 10,
      write: () => {
        throw new Error("stdout closed");
      },
    });
    const warned = await captureWarnings(async () => {
      console.export([new Span("a", SpanContext.newRoot().child()).start(0).end(1)]);
      console.export([new Span("b", SpanContext.newRoot().child()).start(0).end(1)]);
      await time.tick(10);
    });
    assert.equal(warned.length, 1, warned.join("\n"));
    assert.match(warned[0], /write threw, so a waterfall was not printed: Error: stdout closed/);
  });

  test("bad options are a TypeError or RangeError", () => {
    assert.throws(() => new ConsoleSpanExporter({ color: "yes" as never }), {
      name: "TypeError",
      message: /^Cannot create ConsoleSpanExporter: color must be a boolean, got string "yes"$/,
    });
    assert.throws(() => new ConsoleSpanExporter({ traceTimeoutMs: 0 }), RangeError);
    assert.throws(() => new ConsoleSpanExporter({ maxPendingSpans: -1 }), RangeError);
    assert.throws(() => new ConsoleSpanExporter({ scheduler: {} as never }), TypeError);
  });
});

describe("ConsoleSpanExporter tree: colour", () => {
  const root = SpanContext.newRoot();
  const spans = [
    new Span("fail", root.child()).start(10).setStatus("error").end(20),
    new Span("request", root).start(0).end(40),
  ];
  function draw(options: ConsoleSpanExporterOptions): string {
    const { out, console } = exporter(options);
    console.export(spans);
    return out[0];
  }

  test("color: true draws the trace line bold, the bars cyan, and failed spans red", () => {
    const text = draw({ color: true });
    const [header, request, fail] = text.split("\n");
    const [BOLD, RED, CYAN, RESET] = ["\x1b[1m", "\x1b[31m", "\x1b[36m", "\x1b[0m"];
    assert.ok(header.startsWith(`${BOLD}trace `) && header.endsWith(RESET), header);
    assert.ok(
      request.startsWith("request ") && request.endsWith(`|${CYAN}${"█".repeat(40)}${RESET}|`),
      request,
    );
    assert.ok(fail.startsWith(`${RED}└─ fail ✗`), fail);
    assert.ok(fail.includes(`|${RED} `), "the failed span's bar is red too");
    const plain = [BOLD, RED, CYAN, RESET].reduce((t, code) => t.replaceAll(code, ""), text);
    assert.equal(plain, draw({ color: false }));
  });

  const withEnv = (env: Record<string, string | undefined>, fn: () => void) => {
    const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
    const set = (values: Record<string, string | undefined>) => {
      for (const [k, v] of Object.entries(values)) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    };
    set(env);
    try {
      fn();
    } finally {
      set(saved);
    }
  };

  test("FORCE_COLOR turns colour on, NO_COLOR turns it off and wins, an explicit color wins over both", () => {
    const colored = (text: string) => text.includes("\x1b[");
    withEnv({ FORCE_COLOR: "1", NO_COLOR: undefined }, () => {
      assert.equal(colored(draw({ color: undefined })), true);
    });
    withEnv({ FORCE_COLOR: "0", NO_COLOR: undefined }, () => {
      assert.equal(colored(draw({ color: undefined })), false);
    });
    withEnv({ FORCE_COLOR: "1", NO_COLOR: "1" }, () => {
      assert.equal(colored(draw({ color: undefined })), false);
      assert.equal(colored(draw({ color: true })), true);
    });
    withEnv({ FORCE_COLOR: undefined, NO_COLOR: undefined }, () => {
      assert.equal(colored(draw({ color: undefined })), false, "a custom write is not a terminal");
    });
  });
});

describe("ConsoleSpanExporter tree: colour on Deno without --allow-env", () => {
  test(
    "NO_COLOR still turns colour off on a terminal, read from Deno.noColor",
    { skip: !isDeno, timeout: 120_000 },
    async () => {
      const mod = JSON.stringify(new URL("../mod.ts", import.meta.url).href);
      const result = await runSnippet(
        `
        // Standard output stands for a terminal here.
        Object.defineProperty(Deno.stdout, "isTerminal", { value: () => true });
        console.log("terminal:", Deno.stdout.isTerminal(), "noColor:", Deno.noColor);
        const { ConsoleSpanExporter, Span } = await import(${mod});
        new ConsoleSpanExporter().export([new Span("x").start(0).end(1)]);
      `,
        { denoFlags: ["--allow-read"], env: { NO_COLOR: "1" } },
      );
      assert.equal(result.code, 0, result.stderr);
      assert.match(result.stdout, /^terminal: true noColor: true\ntrace /);
      assert.ok(!result.stdout.includes("\x1b"), JSON.stringify(result.stdout));
    },
  );
});

describe("ConsoleSpanExporter tree: the timeout's timer", () => {
  test(
    "a trace waiting for its root does not keep the process alive",
    { timeout: 120_000 },
    async () => {
      // A ref'd 10-minute timer would hold the child until it is killed at
      // 100 s, and its code would be null.
      const { code, stdout, stderr } = await runFixture("dx_child", ["tree-timer"]);
      assert.equal(code, 0, stderr);
      assert.equal(stdout.trim(), "main done");
    },
  );
});

describe("ConsoleSpanExporter tree: untrusted spans", () => {
  const traceId = "0af7651916cd43dd8448eb211c80319c";
  const ctx = (spanId: string, parentSpanId?: string) =>
    new SpanContext({ traceId, spanId, parentSpanId, traceFlags: 1 });

  test("a late addendum names its parent with the parent's control characters escaped", () => {
    const { out, console } = exporter();
    console.export([new Span("GET\u001b[2J\n/x", ctx("00000000000000aa")).start(0).end(2)]);
    console.export([new Span("late", ctx("00000000000000bb", "00000000000000aa")).start(0).end(3)]);
    assert.equal(out.length, 2);
    assert.ok(!out[1].includes("\u001b"), JSON.stringify(out[1]));
    const lines = out[1].split("\n");
    assert.equal(lines.length, 2, JSON.stringify(out[1]));
    assert.match(lines[0], /\(late: ended after "GET\\x1b\[2J\\n\/x" was printed\)$/);
  });

  test("a late addendum names its parent by its first 120 characters: no long name is kept for it", () => {
    // The names of printed spans are kept (10,000 of them) to label late
    // children; a span named by a long query must not keep all of it there.
    const { out, console } = exporter();
    const name = `SELECT * FROM orders WHERE note = '${"x".repeat(100_000)}'`;
    console.export([new Span(name, ctx("00000000000000aa")).start(0).end(2)]);
    console.export([new Span("late", ctx("00000000000000bb", "00000000000000aa")).start(0).end(3)]);
    assert.equal(out.length, 2);
    const head = out[1].split("\n")[0];
    assert.ok(head.endsWith(`(late: ended after "${name.slice(0, 120)}…" was printed)`), head);
  });

  test("two spans with one span id both print, neither replaces the other", () => {
    const { out, console } = exporter();
    const root = "00000000000000aa";
    console.export([new Span("first", ctx("00000000000000bb", root)).start(0).end(1)]);
    console.export([new Span("second", ctx("00000000000000bb", root)).start(1).end(2)]);
    console.export([new Span("root", ctx(root)).start(0).end(3)]);
    assert.equal(out.length, 1);
    assert.deepEqual(rows(out[0]), ["root", "├─ first", "└─ second"]);
  });

  test("the names kept to recognise late spans stay bounded within one trace", {
    timeout: 120_000,
  }, async () => {
    // A client that sends one traceparent with every request makes every
    // request's server span a local root of the same trace. The exporter
    // remembers the names of printed spans, to label late ones, for at most
    // 10,000 spans: so many requests later, the first is forgotten, and a
    // child of it that ends now is held (and printed when flushed) instead.
    const { out, console } = exporter();
    const tracer = new Tracer({ processors: [new SimpleSpanProcessor(console)] });
    const remote = extractContext({ traceparent: `00-${traceId}-00000000000000aa-01` });
    const first = tracer.startSpan("first", { parent: remote, kind: "server" });
    const child = tracer.startSpan("child", { parent: first });
    first.end();
    for (let i = 0; i < 10_000; i++) {
      tracer.startSpan("request", { parent: remote, kind: "server" }).end();
    }
    assert.equal(out.length, 10_001);
    child.end();
    assert.equal(out.length, 10_001, "the first request's name was forgotten");
    await console.forceFlush();
    assert.equal(out.length, 10_002);
    assert.match(out[10_001], /\(unfinished: flushed before its local root ended\)\nchild /);
  });
});

describe("ConsoleSpanExporter: a write that returns a rejected promise", () => {
  for (const format of ["tree", "json"] as const) {
    test(`${format}: is warned about once, never an unhandled rejection`, async () => {
      const unhandled: unknown[] = [];
      const onUnhandled = (reason: unknown) => void unhandled.push(reason);
      process.on("unhandledRejection", onUnhandled);
      let warned: string[];
      try {
        warned = await captureWarnings(async () => {
          const console = new ConsoleSpanExporter({
            format,
            color: false,
            write: (() => Promise.reject(new Error("pipe closed"))) as never,
          });
          assert.equal(console.export([new Span("a").start(0).end(1)]).code, "success");
          assert.equal(console.export([new Span("b").start(0).end(1)]).code, "success");
          for (let i = 0; i < 3; i++) await new Promise((resolve) => setTimeout(resolve, 0));
        });
      } finally {
        process.off("unhandledRejection", onUnhandled);
      }
      assert.deepEqual(unhandled, []);
      assert.equal(warned.length, 1, warned.join("\n"));
      assert.match(warned[0], /write returned a promise that rejected.*: Error: pipe closed/);
    });
  }
});
