import { afterEach, describe, test } from "node:test";
import assert from "node:assert/strict";
import { ManualTime } from "../testing.ts";
import {
  type Diagnostic,
  type DiagnosticsOptions,
  getBaggage,
  getContextStorage,
  getCurrentSpan,
  InMemorySpanProcessor,
  ROOT_CONTEXT,
  setContextStorage,
  setDiagnostics,
  SimpleSpanProcessor,
  SpanContext,
  StackContextStorage,
  Tracer,
  withBaggage,
  withContext,
  withSpan,
} from "../mod.ts";
import { instrumentFetch, traceHandler } from "../http.ts";
import { traceRequestListener } from "../node.ts";
import { traceMiddleware } from "../hono.ts";
import { Hono } from "hono";
import { EventEmitter } from "node:events";
import { isDeno, nextTurn } from "./_helpers.ts";
import { runFixture } from "./_child_process.ts";
import { code, sourceFiles } from "./_source_files.ts";
import { VERSION } from "../src/platform/_version.ts";
import { debugOnce } from "../src/platform/_diagnostics.ts";

// Every test sets its own diagnostics and the previous ones come back after.
let restore: Required<DiagnosticsOptions> | undefined;
afterEach(() => {
  if (restore !== undefined) setDiagnostics(restore);
  restore = undefined;
});

function hear(level: DiagnosticsOptions["level"]): Diagnostic[] {
  const heard: Diagnostic[] = [];
  const previous = setDiagnostics({ level, sink: (d) => void heard.push(d) });
  restore ??= previous;
  return heard;
}

const throwingSampler = (message: string) => ({
  shouldSample(): never {
    throw new Error(message);
  },
});

/** A processor whose queue of one fills up: a warning, once per processor. */
function overflow(): void {
  // On manual time: the hung export's deadline must not hold the process.
  const simple = new SimpleSpanProcessor(() => new Promise<void>(() => {}), {
    maxQueueSize: 1,
    scheduler: new ManualTime(),
  });
  const tracer = new Tracer({ processors: [simple] });
  for (let i = 0; i < 3; i++) tracer.startSpan(`s${i}`).end();
}

describe("setDiagnostics: where the library's own messages go", () => {
  test("by default warnings go to console.warn and errors to console.error, once per cause", () => {
    const warned: string[] = [];
    const errors: string[] = [];
    const { warn, error } = console;
    console.warn = (...args: unknown[]) => void warned.push(args.join(" "));
    console.error = (...args: unknown[]) => void errors.push(args.join(" "));
    try {
      restore = setDiagnostics();
      overflow();
      const tracer = new Tracer({ sampler: throwingSampler("default sink") });
      tracer.startSpan("a");
      tracer.startSpan("b");
    } finally {
      console.warn = warn;
      console.error = error;
    }
    assert.equal(warned.length, 1, warned.join("\n"));
    assert.match(warned[0], /^@codomyrmex\/spans: a SimpleSpanProcessor's queue is full/);
    assert.equal(errors.length, 1, errors.join("\n"));
    assert.match(errors[0], /^@codomyrmex\/spans: a sampler threw.*default sink/);
  });

  test("a sink gets each diagnostic as level, key and message", () => {
    const heard = hear("warn");
    new Tracer({ sampler: throwingSampler("to the sink") }).startSpan("x");
    overflow();
    assert.deepEqual(heard.map((d) => [d.level, d.key]), [
      ["error", "sampler-threw"],
      [heard[1].level, heard[1].key],
    ]);
    assert.equal(heard[1].level, "warn");
    assert.match(
      heard[0].message,
      /^a sampler threw, so its spans are dropped: Error: to the sink$/,
    );
  });

  test("the level filters: error keeps errors only, off keeps nothing", () => {
    const errorsOnly = hear("error");
    overflow();
    new Tracer({ sampler: throwingSampler("filtered") }).startSpan("x");
    assert.deepEqual(errorsOnly.map((d) => d.level), ["error"]);
    const nothing = hear("off");
    overflow();
    new Tracer({ sampler: throwingSampler("filtered") }).startSpan("x");
    assert.deepEqual(nothing, []);
  });

  test("each setDiagnostics call hears every cause afresh, and returns what it replaced", () => {
    const first = hear("warn");
    const sampler = throwingSampler("same cause");
    new Tracer({ sampler }).startSpan("x");
    new Tracer({ sampler }).startSpan("y");
    assert.equal(first.length, 1, "once per cause");
    const second: Diagnostic[] = [];
    const previous = setDiagnostics({ sink: (d) => void second.push(d) });
    new Tracer({ sampler }).startSpan("z");
    assert.equal(second.length, 1, "a new sink hears the cause again");
    assert.equal(previous.level, "warn");
    assert.equal(typeof previous.sink, "function");
  });

  test("a sink that throws does not reach the application", () => {
    restore = setDiagnostics({
      sink: () => {
        throw new Error("broken sink");
      },
    });
    const span = new Tracer({ sampler: throwingSampler("sink throws") }).startSpan("x");
    assert.equal(span.isRecording, false);
  });

  test("a sink that is an async function and rejects does not reach the application either", {
    timeout: 120_000,
  }, async () => {
    const ran = await runFixture("async_sink");
    assert.equal(ran.code, 0, ran.stderr);
    assert.match(ran.stdout, /^survived$/m, ran.stderr);
  });

  test("a cause's key stays short, however long the text it is made of", () => {
    const heard = hear("error");
    const long = "x".repeat(1_000_000);
    for (const tail of ["a", "b"]) {
      new Tracer({ sampler: throwingSampler(long + tail) }).startSpan("x").end();
    }
    // The sampler's key is fixed; a processor's error is keyed by its message.
    for (const tail of ["a", "b"]) {
      new Tracer({
        processors: [{
          onEnd() {
            throw new Error(long + tail);
          },
          forceFlush: () => Promise.resolve(),
          shutdown: () => Promise.resolve(),
        }],
      }).startSpan("x").end();
    }
    const processorErrors = heard.filter((d) => /a span processor threw/.test(d.message));
    // Two causes that differ only past the cut are still two.
    assert.equal(processorErrors.length, 2);
    for (const d of heard) assert.ok(d.key.length <= 256, `a key of ${d.key.length} characters`);
  });

  test("refuses a level or sink that is not one, with a TypeError", () => {
    assert.throws(() => setDiagnostics({ level: "loud" as never }), {
      name: "TypeError",
      message:
        /^Cannot set diagnostics: level must be "off", "error", "warn" or "debug", got string "loud"$/,
    });
    assert.throws(() => setDiagnostics({ sink: "console" as never }), {
      name: "TypeError",
      message: /^Cannot set diagnostics: sink must be a function, got string "console"$/,
    });
    assert.throws(() => setDiagnostics(null as never), TypeError);
  });
});

// 1,100 distinct debug causes, past the level's 1,000: of 20 kinds, 55 each,
// within a kind's 100.
function flood(): void {
  for (let i = 0; i < 1_100; i++) debugOnce(`flood-${i % 20}:${i}`, `cause ${i}`);
}

describe("debug diagnostics: the mistakes that are otherwise silent", () => {
  test("a flood of debug causes never silences a later error", () => {
    const heard = hear("debug");
    flood();
    const failing = new Tracer({
      processors: [{
        onEnd() {
          throw new Error("processor broke after the flood");
        },
        forceFlush: () => Promise.resolve(),
        shutdown: () => Promise.resolve(),
      }],
    });
    failing.startSpan("x").end();
    assert.ok(heard.filter((d) => d.level === "debug").length >= 1_000);
    assert.ok(
      heard.some((d) => d.level === "error" && /processor broke after the flood/.test(d.message)),
      "the error is still reported",
    );
  });

  test("past 1,000 distinct causes of one level, one last report says later ones are not reported", () => {
    const heard = hear("debug");
    flood();
    const debug = heard.filter((d) => d.level === "debug");
    assert.equal(debug.length, 1_001);
    assert.equal(debug.at(-1)?.key, "diagnostics-full:debug");
    assert.match(
      debug.at(-1)!.message,
      /^1000 distinct debug reports were made; later ones are not \(the first left out: cause 1000\)$/,
    );
    // Once: more causes after it, of any kind, add nothing.
    const tracer = new Tracer({ processors: [new InMemorySpanProcessor()] });
    tracer.startSpan("one more").setAttribute("bad", {} as never).end();
    assert.equal(heard.filter((d) => d.level === "debug").length, 1_001);
  });

  // Keys carry span names, and a service's span names may carry ids (a URL
  // path): one kind of mistake made on every request must not use up the
  // level's reports and silence every other kind.
  test("a flood of one kind of debug report, one per span name, leaves room for the other kinds", () => {
    const heard = hear("debug");
    const tracer = new Tracer({ name: "web", processors: [new InMemorySpanProcessor()] });
    for (let i = 0; i < 1_100; i++) {
      const span = tracer.startSpan(`GET /users/${i}`);
      span.end();
      span.end();
    }
    const twice = heard.filter((d) => d.key.startsWith("ended-twice:"));
    assert.ok(twice.length >= 1 && twice.length < 1_000, `${twice.length} reports of one kind`);
    const note = heard.filter((d) => d.key === "diagnostics-full:debug:ended-twice");
    assert.equal(note.length, 1, "one report says the kind has had its fill");
    assert.match(
      note[0].message,
      new RegExp(
        `^${twice.length} distinct debug reports of one kind \\(ended-twice\\) were made; later ones of that kind are not \\(the first left out: span "GET /users/${twice.length}"`,
      ),
    );
    // Another kind of mistake, after the flood, is still reported.
    tracer.startSpan("GET /orders/1").setAttribute("bad", {} as never).end();
    assert.ok(
      heard.some((d) =>
        d.key.startsWith("attribute-dropped:") && /GET \/orders\/1/.test(d.message)
      ),
      `not reported; the last reports: ${heard.slice(-2).map((d) => d.key).join(", ")}`,
    );
    // More of the full kind add nothing.
    const before = heard.length;
    const late = tracer.startSpan("GET /users/again");
    late.end();
    late.end();
    assert.equal(heard.length, before);
  });

  test("debug reporting never throws into the application, whatever the data does", () => {
    hear("debug");
    const tracer = new Tracer({ processors: [new InMemorySpanProcessor()] });
    const span = tracer.startSpan("x");
    const hostile = {
      ok: 1,
      get bad(): never {
        throw new Error("getter broke");
      },
    };
    assert.doesNotThrow(() => span.setAttributes(hostile as never));
    const name = {
      toString(): never {
        throw new Error("toString broke");
      },
    };
    assert.doesNotThrow(() => span.addEvent(name as never));
    const revoked = Proxy.revocable({}, {});
    revoked.revoke();
    assert.doesNotThrow(() => span.addLink(revoked.proxy as never));
    span.end();
    assert.equal(span.attributes.ok, 1);
    assert.equal(span.droppedAttributesCount, 1);
    assert.equal(span.droppedEventsCount, 1);
    assert.equal(span.droppedLinksCount, 1);
  });

  test("an attribute dropped as invalid is named with its span and why, once", () => {
    const heard = hear("debug");
    const tracer = new Tracer({ processors: [new InMemorySpanProcessor()] });
    for (let i = 0; i < 2; i++) {
      tracer.startSpan("checkout").setAttribute("user", { id: 7 } as never).end();
    }
    const messages = heard.map((d) => d.message);
    assert.deepEqual(messages.length, 1, messages.join("\n"));
    assert.equal(heard[0].level, "debug");
    assert.match(
      messages[0],
      /^span "checkout": attribute "user" was dropped: its value is object;/,
    );
  });

  test("attributes over the limit are named, from setAttributes and startSpan too", () => {
    const heard = hear("debug");
    const tracer = new Tracer({
      processors: [new InMemorySpanProcessor()],
      limits: { attributeCountLimit: 2, attributePerEventCountLimit: 1 },
    });
    const span = tracer.startSpan("import", { attributes: { a: 1, b: 2, c: 3 } });
    span.setAttributes({ d: 4, a: 5, e: null as never });
    span.addEvent("row", { x: 1, y: 2 });
    span.end();
    const messages = heard.map((d) => d.message);
    assert.deepEqual(messages, [
      'span "import": attribute "c" was dropped: span "import" already holds 2 attributes (the limit)',
      'span "import": attribute "d" was dropped: span "import" already holds 2 attributes (the limit)',
      'span "import": attribute "e" was dropped: its value is null; a value is a string, number, boolean, or an array of one of those',
      'event "row" of span "import": attribute "y" was dropped: event "row" of span "import" already holds 1 attributes (the limit)',
    ]);
  });

  test("an event or link that is dropped is named with its span", () => {
    const heard = hear("debug");
    const tracer = new Tracer({
      processors: [new InMemorySpanProcessor()],
      limits: { eventCountLimit: 1 },
    });
    tracer.startSpan("job")
      .addEvent("one")
      .addEvent("two")
      .addLink({ traceId: "nope" } as never)
      .addLink(SpanContext.newRoot(), { bad: [1, "x"] as never })
      .end();
    assert.deepEqual(heard.map((d) => d.message), [
      'span "job": event "two" was dropped: the span already holds 1 events (limits.eventCountLimit)',
      'span "job": a link was dropped: it was given object, not a valid SpanContext',
      'a link of span "job": attribute "bad" was dropped: its value is an array of mixed or unsupported types; a value is a string, number, boolean, or an array of one of those',
    ]);
  });

  test("a link with all-zero ids and nothing on it is dropped, and the message says so", () => {
    const heard = hear("debug");
    const tracer = new Tracer({ processors: [new InMemorySpanProcessor()] });
    const zeros = { traceId: "0".repeat(32), spanId: "0".repeat(16) };
    const kept = tracer.startSpan("kept").addLink(zeros as never, { k: 1 }).end();
    tracer.startSpan("consume").addLink(zeros as never, {}).end();
    assert.equal(kept.links.length, 1);
    assert.deepEqual(heard.map((d) => d.message), [
      'span "consume": a link was dropped: its ids are all zeros, and it has neither attributes nor a trace state',
    ]);
  });

  test("spans not ended when the tracer flushes or shuts down are named", async () => {
    const heard = hear("debug");
    const tracer = new Tracer({ name: "worker", processors: [new InMemorySpanProcessor()] });
    tracer.startSpan("ended").end();
    tracer.startSpan("forgotten");
    await tracer.forceFlush();
    await tracer.shutdown();
    assert.deepEqual(heard.map((d) => d.key), [
      "open-at-flushed:forgotten",
      "open-at-shut down:forgotten",
    ]);
    assert.match(
      heard[0].message,
      /^span "forgotten" \(tracer "worker"\) had not ended when the tracer was flushed/,
    );
  });

  test("a change to a span that has ended is named, once per span name and call", async () => {
    const heard = hear("debug");
    const memory = new InMemorySpanProcessor();
    const tracer = new Tracer({ name: "late", processors: [memory] });
    for (let i = 0; i < 2; i++) {
      const span = tracer.startSpan("checkout").end();
      span.setAttribute("k", 1).setAttributes({ j: 2 }).addEvent("e")
        .addLink(span.context).recordException(new Error("x")).setStatus("error", "late")
        .updateName("renamed");
      span.end(); // a second end(): reported apart, under its own key
    }
    // A function that ends its own span, then throws: tracer.span has
    // nothing to record, and makes no change after end of its own.
    assert.throws(() =>
      tracer.span("self-ended", (span) => {
        span.end();
        throw new Error("after its own end");
      }), /after its own end/);
    await assert.rejects(
      tracer.span("self-ended async", async (span) => {
        span.end();
        await Promise.resolve();
        throw new Error("after its own end");
      }),
      /after its own end/,
    );
    const late = heard.filter((d) => d.key.startsWith("after-end:"));
    assert.deepEqual(late.map((d) => d.key), [
      "after-end:setAttribute:checkout",
      "after-end:setAttributes:checkout",
      "after-end:addEvent:checkout",
      "after-end:addLink:checkout",
      "after-end:recordException:checkout",
      "after-end:setStatus:checkout",
      "after-end:updateName:checkout",
    ]);
    assert.match(
      late[0].message,
      /^span "checkout" \(tracer "late"\) had already ended when setAttribute\(\) was called: the change is ignored/,
    );
    // Nothing changed the spans the processor got.
    const checkouts = memory.spans.filter((s) => s.name === "checkout");
    assert.deepEqual(checkouts.map((s) => [s.name, s.attributes, s.events.length]), [
      ["checkout", {}, 0],
      ["checkout", {}, 0],
    ]);
  });

  test("a performance.now() reading given as a span's time is named, once per tracer and call, with the first span", () => {
    const heard = hear("debug");
    const memory = new InMemorySpanProcessor();
    const tracer = new Tracer({ name: "clock", processors: [memory] });
    const relative = 1234.5; // what performance.now() returns, 1.2 s after the process began
    const epoch = Date.UTC(2026, 10, 30);
    for (const name of ["query", "query", "other query"]) {
      tracer.startSpan(name, { startTime: relative })
        .addEvent("row", {}, relative).recordException(new Error("x"), {}, relative)
        .end(relative);
    }
    // Epoch times, Dates and times left out are not reported.
    tracer.startSpan("fine", { startTime: epoch }).addEvent("row", {}, new Date(epoch))
      .recordException(new Error("x")).end(epoch + 1);
    const told = heard.filter((d) => d.key.startsWith("relative-time:"));
    assert.deepEqual(told.map((d) => d.key), [
      "relative-time:start:clock",
      "relative-time:addEvent:clock",
      "relative-time:recordException:clock",
      "relative-time:end:clock",
    ]);
    assert.match(
      told[0].message,
      /^span "query" \(tracer "clock"\): start\(\) was given the time 1234\.5, which is read as epoch milliseconds \(1970-01-01T00:00:01\.234Z\); a performance\.now\(\) reading counts from performance\.timeOrigin/,
    );
    // The times are kept as given: the report changes nothing.
    assert.deepEqual(memory.spans.filter((s) => s.name.endsWith("query")).map((s) => s.startTime), [
      relative,
      relative,
      relative,
    ]);
  });

  // A clock mistake is made everywhere at once: keyed per span name, an
  // application whose span names carry ids (GET /users/7) used up the 1,000
  // debug reports with it, and every later mistake went unsaid.
  test("a performance.now() reading in spans of many names leaves room for other reports", () => {
    const heard = hear("debug");
    const tracer = new Tracer({ name: "api", processors: [new InMemorySpanProcessor()] });
    const other = new Tracer({ name: "worker", processors: [new InMemorySpanProcessor()] });
    for (let i = 0; i < 1_100; i++) {
      tracer.startSpan(`GET /users/${i}`, { startTime: 1_000 + i }).end(2_000 + i);
    }
    other.startSpan("job 1", { startTime: 5 }).end(6);
    tracer.startSpan("later").setAttribute("bad", {} as never).end();
    assert.deepEqual(heard.map((d) => d.key), [
      "relative-time:start:api",
      "relative-time:end:api",
      "relative-time:start:worker",
      "relative-time:end:worker",
      'attribute-dropped:span "later":bad',
    ]);
    assert.match(heard[0].message, /^span "GET \/users\/0" \(tracer "api"\): start\(\) was given/);
    assert.match(heard[2].message, /^span "job 1" \(tracer "worker"\): start\(\) was given/);
  });

  test("a span ended twice is named, once per span name and tracer; the second end changes nothing", () => {
    const heard = hear("debug");
    const memory = new InMemorySpanProcessor();
    const jobs = new Tracer({ name: "jobs", processors: [memory] });
    const mail = new Tracer({ name: "mail", processors: [memory] });
    const start = Date.UTC(2026, 10, 30);
    for (let i = 0; i < 2; i++) {
      const span = jobs.startSpan("send", { startTime: start }).end(start + 5);
      span.end(start + 9); // a finally and a callback, say
      assert.equal(span.endTime, start + 5, "the first end stands");
    }
    mail.startSpan("send").end().end();
    // tracer.span ends its span when fn returns: a later end() is a second one.
    const kept = jobs.span("sweep", (span) => span);
    kept.end();
    // So does a `using` block, after an end() of its own.
    {
      using scoped = jobs.startSpan("scoped");
      scoped.end();
    }
    const twice = heard.filter((d) => d.key.startsWith("ended-twice:"));
    assert.deepEqual(twice.map((d) => d.key), [
      "ended-twice:jobs:send",
      "ended-twice:mail:send",
      "ended-twice:jobs:sweep",
      "ended-twice:jobs:scoped",
    ]);
    assert.match(
      twice[0].message,
      /^span "send" \(tracer "jobs"\) had already ended when end\(\) was called again: the second call was ignored/,
    );
    assert.match(
      twice[3].message,
      /^span "scoped" \(tracer "jobs"\) had already ended when its `using` block ended it again: the second end was ignored/,
    );
    // Each span reached the processor once.
    assert.deepEqual(memory.spans.map((s) => s.name), ["send", "send", "send", "sweep", "scoped"]);
  });

  // The library ends the spans it started when their work is done; code
  // given such a span may end it first (a function that ends its own span
  // inside tracer.span, a handler that ends the current server span). The
  // library's end after that is not the code's second end() call. Each case
  // has a tracer of its own, so a report would name the case.
  test("the library's own end of a span that was ended already is not named", async () => {
    const heard = hear("debug");
    const memory = new InMemorySpanProcessor();
    const as = (name: string) => new Tracer({ name, processors: [memory] });
    const endCurrent = () => void getCurrentSpan()?.end();
    const bytes = (text: string) => new TextEncoder().encode(text);
    // tracer.span, sync and async.
    as("span sync").span("x", (span) => void span.end());
    await as("span async").span("x", async (span) => {
      await Promise.resolve();
      span.end();
    });
    // traceHandler: a whole body, none, a streamed one, HEAD, and a throw.
    const serve = (name: string, handler: () => Response) =>
      traceHandler(() => {
        endCurrent();
        return handler();
      }, { tracer: as(name) });
    await (await serve("handler whole", () => new Response("ok"))(
      new Request("http://127.0.0.1/"),
    )).text();
    await serve("handler none", () => new Response(null, { status: 204 }))(
      new Request("http://127.0.0.1/"),
    );
    await (await serve("handler streamed", () =>
      new Response(
        new ReadableStream({
          pull(controller) {
            controller.enqueue(bytes("chunk"));
          },
        }).pipeThrough(new TransformStream()),
      ))(new Request("http://127.0.0.1/"))).body!.cancel();
    await serve("handler head", () => new Response("ok"))(
      new Request("http://127.0.0.1/", { method: "HEAD" }),
    );
    await assert.rejects(
      serve("handler threw", () => {
        throw new Error("handler failed");
      })(new Request("http://127.0.0.1/")),
      /handler failed/,
    );
    // instrumentFetch: a response, a rejection, and a throw.
    const client = (name: string, target: () => Promise<Response>) =>
      instrumentFetch(
        (() => {
          endCurrent();
          return target();
        }) as typeof globalThis.fetch,
        { tracer: as(name) },
      )("http://127.0.0.1:9/");
    await (await client("fetch ok", () => Promise.resolve(new Response("ok")))).text();
    await assert.rejects(
      client("fetch rejected", () => Promise.reject(new TypeError("network down"))),
      /network down/,
    );
    await assert.rejects(
      client("fetch threw", () => {
        throw new TypeError("bad input");
      }),
      /bad input/,
    );
    // traceRequestListener: the response finishes, then closes.
    const res = Object.assign(new EventEmitter(), { statusCode: 200, headersSent: false });
    traceRequestListener(endCurrent, { tracer: as("listener") })(
      { method: "GET", url: "/", headers: {} },
      res,
    );
    res.emit("finish");
    res.emit("close");
    // Hono's traceMiddleware: an answer, HEAD, an error onError answers, and
    // a throw that is no Error.
    const honoApp = (name: string) => {
      const app = new Hono();
      app.use(traceMiddleware({ tracer: as(name) }));
      app.onError((_error, c) => c.text("failed", 500));
      return app;
    };
    const answers = honoApp("hono ok").get("/", (c) => {
      endCurrent();
      return c.text("ok");
    });
    await (await answers.request("/")).text();
    await answers.request("/", { method: "HEAD" });
    await (await honoApp("hono error").get("/", () => {
      endCurrent();
      throw new Error("route failed");
    }).request("/")).text();
    const noError = honoApp("hono no error").get("/", () => {
      endCurrent();
      throw "not an Error";
    });
    await assert.rejects(async () => await noError.request("/"));
    // A middleware that ends the span and neither answers nor calls next:
    // Hono finds the context not finalized.
    const unanswered = honoApp("hono unanswered");
    unanswered.use(() => Promise.resolve(endCurrent()));
    await (await unanswered.request("/")).text();
    await nextTurn();
    // Every case's span ended, once.
    assert.deepEqual(memory.spans.map((s) => s.instrumentationScope?.name), [
      "span sync",
      "span async",
      "handler whole",
      "handler none",
      "handler streamed",
      "handler head",
      "handler threw",
      "fetch ok",
      "fetch rejected",
      "fetch threw",
      "listener",
      "hono ok",
      "hono ok",
      "hono error",
      "hono no error",
      "hono unanswered",
    ]);
    assert.deepEqual(heard.filter((d) => d.key.startsWith("ended-twice:")).map((d) => d.key), []);
    // Nor are the library's own records (status, error, route) made after the
    // application ended the span: they would be reported as its changes.
    assert.deepEqual(heard.filter((d) => d.key.startsWith("after-end:")).map((d) => d.key), []);
  });

  // The test above runs the ends it can reach; this one holds every other
  // end() call in src/ to account, so a new one is a choice, not a report
  // made in the library's name.
  test("the library ends the spans it started through endByLibrary, and ends no other span twice", () => {
    const calls = sourceFiles().flatMap((file) =>
      code(file).split("\n").filter((line) => /\.end\(/.test(line)).map((line) =>
        `${file}: ${line.trim()}`
      )
    );
    assert.deepEqual(calls, [
      // A flush's deadline, no span.
      "src/export/_export_queue.ts: deadline.end();",
      "src/export/_export_queue.ts: deadline.end();",
      "src/export/_export_queue.ts: deadline.end();",
      // Spans built here from another's data, and ended at once.
      "src/export/_redact.ts: this.end(source.endTime ?? source.startTime ?? 0);",
      // ./otel's exit flushes' deadline, no span.
      "src/otel/_exit_flushes.ts: deadline.end();",
      // An SDK span, built here from its data and ended at once.
      "src/otel/_from_readable_span.ts: span.end(spanTimeFromOtel(hrTimeToMs(readable.endTime)));",
      // endByLibrary itself, which ends only a span not ended yet.
      "src/span/_library_end.ts: if (!span.ended) span.end();",
      // The caller's own end, through @opentelemetry/api's Span.
      "src/span/_otel_span_view.ts: this.span.end(spanTimeFromOtel(timeInputToMs(endTime)));",
      // `using`'s dispose.
      "src/span/span.ts: this.end();",
      // The debug span's own end, and a message.
      'src/trace/_debug_span.ts: "(span.end(), `using`, or tracer.span())",',
      "src/trace/_debug_span.ts: super.end(endTime);",
      // tracer.span's failure paths, which end only a span not ended yet.
      "src/trace/tracer.ts: if (!span.ended) span.recordException(error).end();",
      "src/trace/tracer.ts: if (!span.ended) span.recordException(error).end();",
      // HTTP responses, no span: whole, and after a refused body is drained.
      "src/viewer/_serve.ts: res.end(answer);",
      "src/viewer/_serve.ts: res.end();",
    ]);
  });

  test("a tracer with no processors says so once, naming itself and the first span", () => {
    const heard = hear("debug");
    const tracer = new Tracer({ name: "lonely" });
    tracer.startSpan("first").end();
    tracer.startSpan("second").end();
    assert.equal(heard.length, 1);
    assert.match(
      heard[0].message,
      /^tracer "lonely" has no processors, so its spans \(span "first" first\) go nowhere/,
    );
  });

  test("on the stack, a return value whose then getter throws is returned as it is, in debug too", () => {
    const heard = hear("debug");
    const previous = getContextStorage();
    setContextStorage(new StackContextStorage());
    const value = {
      get then(): never {
        throw new Error("then getter");
      },
    };
    const memory = new InMemorySpanProcessor();
    const tracer = new Tracer({ processors: [memory] });
    try {
      assert.equal(tracer.span("odd", () => value), value);
      assert.equal(withSpan(tracer.startSpan("current"), () => value), value);
      assert.equal(withContext(ROOT_CONTEXT, () => value), value);
    } finally {
      setContextStorage(previous);
    }
    assert.deepEqual(memory.spans.map((s) => [s.name, s.ended]), [["odd", true]]);
    assert.deepEqual(heard, []);
  });

  test("a current span lost across await, where there is no async context, is named", async () => {
    const heard = hear("debug");
    const previous = getContextStorage();
    setContextStorage(new StackContextStorage());
    try {
      const tracer = new Tracer({ processors: [new InMemorySpanProcessor()] });
      tracer.span("sync", () => {});
      await tracer.span("load user", async () => {
        await Promise.resolve();
      });
    } finally {
      setContextStorage(previous);
    }
    // The debug report that names the span, and the warning every level gets
    // (see the README's Browsers section).
    assert.deepEqual(heard.map((d) => d.key), [
      "async-context-lost:load user",
      "async-without-context",
    ]);
    assert.match(
      heard[0].message,
      /span "load user" was made current for async work, but this runtime has neither AsyncLocalStorage nor AsyncContext/,
    );
    // What a browser can do about it: name the parent, as the warning says.
    assert.match(heard[0].message, /\{ parent: span \}/);
  });

  test("a traced fetch's own client span is not named as lost across await", async () => {
    const heard = hear("debug");
    const previous = getContextStorage();
    setContextStorage(new StackContextStorage());
    try {
      const tracer = new Tracer({ processors: [new InMemorySpanProcessor()] });
      // The request runs none of the caller's code: nothing there can lose
      // the client span, so reporting it would only be noise in every page.
      const fetch = instrumentFetch(() => Promise.resolve(new Response("ok")), { tracer });
      await (await fetch("http://127.0.0.1:9/price")).text();
    } finally {
      setContextStorage(previous);
    }
    assert.deepEqual(heard.map((d) => d.key), []);
  });

  // Passing over the fetch's own span is for the context the fetch made
  // current. A handler the fetch calls in this process is the caller's code:
  // one that makes a context of its own current around async work (here,
  // with baggage) loses the client span at its first await like any other.
  test("a traced fetch's span made current again by the handler it calls is named", async () => {
    const heard = hear("debug");
    const previous = getContextStorage();
    setContextStorage(new StackContextStorage());
    const memory = new InMemorySpanProcessor();
    try {
      const tracer = new Tracer({ processors: [memory] });
      const fetch = instrumentFetch(
        () =>
          withBaggage(getBaggage().set("tenant", "a"), async () => {
            await Promise.resolve();
            tracer.startSpan("read price").end();
            return new Response("ok");
          }),
        { tracer },
      );
      await (await fetch("http://127.0.0.1:9/price")).text();
    } finally {
      setContextStorage(previous);
    }
    const lost = memory.spans.find((s) => s.name === "read price");
    assert.equal(lost?.context.parentSpanId, undefined, "the parent was lost");
    assert.deepEqual(heard.map((d) => d.key), ["async-context-lost:GET"]);
  });

  test("at the default level only the one async warning is reported, and spans are plain", async () => {
    const heard = hear("warn");
    const previous = getContextStorage();
    setContextStorage(new StackContextStorage());
    try {
      const tracer = new Tracer();
      const span = tracer.startSpan("x").setAttribute("bad", {} as never);
      assert.equal(Object.getPrototypeOf(span).constructor.name, "Span");
      await tracer.span("async", async () => {});
      await tracer.forceFlush();
    } finally {
      setContextStorage(previous);
    }
    assert.deepEqual(heard.map((d) => [d.level, d.key]), [["warn", "async-without-context"]]);
  });

  test(
    "SPANS_DEBUG=1 turns debug reports on in a fresh process",
    { timeout: 120_000 },
    async () => {
      const on = await runFixture("dx_child", ["debug"], { env: { SPANS_DEBUG: "1" } });
      assert.equal(on.code, 0, on.stderr);
      assert.match(on.stderr, /^@codomyrmex\/spans \(debug\): tracer "env" has no processors/m);
      const off = await runFixture("dx_child", ["debug"], { env: { SPANS_DEBUG: "0" } });
      assert.equal(off.code, 0, off.stderr);
      assert.doesNotMatch(off.stderr, /debug/);
    },
  );

  test(
    "a second copy of the library in one program says so once, naming both versions",
    { timeout: 120_000 },
    async () => {
      // This copy listed itself as it loaded, once.
      const listed = (globalThis as { [key: symbol]: unknown })[
        Symbol.for("@codomyrmex/spans.copies")
      ];
      assert.ok(Array.isArray(listed));
      assert.equal(listed.filter((version) => version === VERSION).length, 1);
      const second = await runFixture("dx_child", ["second-copy"]);
      assert.equal(second.code, 0, second.stderr);
      assert.match(second.stdout, /loaded/);
      const warnings = second.stderr.match(/is loaded 2 times in this program/g) ?? [];
      assert.equal(warnings.length, 1, second.stderr);
      assert.match(
        second.stderr,
        new RegExp(`versions 0\\.0\\.9, ${VERSION.replace(/\./g, "\\.")}\\)`),
      );
      const one = await runFixture("dx_child", ["one-copy"]);
      assert.equal(one.code, 0, one.stderr);
      assert.match(one.stdout, /loaded/);
      assert.doesNotMatch(one.stderr, /loaded \d+ times/);
    },
  );

  // `bun --hot` evaluates the whole program again on each change, in the same
  // global object: every reload said the library was loaded once more, and
  // told the developer to dedupe dependencies they did not have.
  test(
    "the same copy evaluated again (bun --hot) is not taken for a second copy",
    { timeout: 120_000 },
    async () => {
      const again = await runFixture("dx_child", ["same-copy-again"]);
      assert.equal(again.code, 0, again.stderr);
      assert.match(again.stdout, /loaded/);
      assert.doesNotMatch(again.stderr, /loaded \d+ times/);
    },
  );

  test(
    "on Deno without the env permission SPANS_DEBUG is not read and nothing prompts (Deno only)",
    { skip: !isDeno, timeout: 120_000 },
    async () => {
      const env = { SPANS_DEBUG: "1" };
      const denied = await runFixture("dx_child", ["debug"], { env, denoFlags: ["--no-prompt"] });
      assert.equal(denied.code, 0, denied.stderr);
      assert.doesNotMatch(denied.stderr, /debug|permission|NotCapable/i);
      const granted = await runFixture("dx_child", ["debug"], {
        env,
        denoFlags: ["--no-prompt", "--allow-env=SPANS_DEBUG"],
      });
      assert.match(granted.stderr, /\(debug\): tracer "env" has no processors/);
    },
  );
});
