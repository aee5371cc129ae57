import { afterEach, describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  AlwaysOffSampler,
  getDefaultTracer,
  InMemorySpanProcessor,
  setDefaultTracer,
  Tracer,
} from "../mod.ts";
import { instrumentFetch, traceHandler } from "../http.ts";
import { traceRequestListener } from "../node.ts";
import { setupTracing } from "../otlp.ts";
import { captureWarnings, isBun, isDeno } from "./_helpers.ts";
import { runSnippet } from "./_child_process.ts";
import { serveNode } from "./_loopback_server.ts";

// The default tracer is process-wide, and Bun runs every test file in one
// process: each test leaves it unset.
afterEach(() => setDefaultTracer(undefined));

describe("the default tracer", () => {
  test("instrumentation given no tracer sends one connected trace to the default", {
    timeout: 30_000,
  }, async () => {
    const memory = new InMemorySpanProcessor();
    setDefaultTracer(new Tracer({ name: "svc", processors: [memory] }));
    const downstream = await serveNode(traceRequestListener((_req, res) => res.end("stock: 3")));
    try {
      const fetch = instrumentFetch();
      const service = traceHandler(async () => {
        const answer = await fetch(downstream.url);
        return new Response(await answer.text());
      });
      const response = await service(new Request("http://shop.test/cart"));
      assert.equal(await response.text(), "stock: 3");
    } finally {
      await downstream.close();
    }
    const server = memory.spans.find((s) =>
      s.kind === "server" && s.attributes["url.path"] === "/cart"
    );
    const client = memory.spans.find((s) => s.kind === "client");
    const downstreamSpan = memory.spans.find((s) => s.kind === "server" && s !== server);
    assert.ok(server && client && downstreamSpan, memory.spans.map((s) => s.name).join());
    assert.equal(new Set(memory.spans.map((s) => s.context.traceId)).size, 1, "one trace");
    assert.equal(client.context.parentSpanId, server.context.spanId);
    assert.equal(downstreamSpan.context.parentSpanId, client.context.spanId);
  });

  test("instrumentation made before the default is set uses it once it is", async () => {
    const service = traceHandler(() => new Response("ok"));
    const memory = new InMemorySpanProcessor();
    setDefaultTracer(new Tracer({ processors: [memory] }));
    await (await service(new Request("http://shop.test/late"))).text();
    assert.deepEqual(memory.spans.map((s) => s.attributes["url.path"]), ["/late"]);
  });

  test("a tracer taken from getDefaultTracer() before there is a default delivers to it later", () => {
    const early = getDefaultTracer();
    const memory = new InMemorySpanProcessor();
    setDefaultTracer(new Tracer({ processors: [memory] }));
    early.span("work", () => {});
    assert.deepEqual(memory.spans.map((s) => s.name), ["work"]);
  });

  test("a tracer taken before there is a default starts its spans with the default's sampler, limits and scope", () => {
    const early = getDefaultTracer();
    const memory = new InMemorySpanProcessor();
    setDefaultTracer(
      new Tracer({
        name: "svc",
        processors: [memory],
        sampler: new AlwaysOffSampler(),
        limits: { attributeCountLimit: 1 },
      }),
    );
    const dropped = early.startSpan("sampled out").setAttribute("a", 1).end();
    assert.equal(dropped.isRecording, false);
    assert.equal(memory.spans.length, 0, "the default's sampler said no");
    setDefaultTracer(
      new Tracer({ name: "svc", processors: [memory], limits: { attributeCountLimit: 1 } }),
    );
    early.span("kept", (span) => span.setAttributes({ a: 1, b: 2 }));
    assert.deepEqual(
      memory.spans.map((s) => [s.name, s.attributes, s.instrumentationScope?.name]),
      [
        ["kept", { a: 1 }, "svc"],
      ],
    );
  });

  test("with no default set, the first span says so in one warning, and propagation still works", async () => {
    let seen: string | null = null;
    const fetch = instrumentFetch((input, init) => {
      seen = new Request(input, init).headers.get("traceparent");
      return Promise.resolve(new Response("ok"));
    });
    const warned = await captureWarnings(async () => {
      await fetch("http://a.test/");
      await fetch("http://a.test/");
    });
    const mine = warned.filter((w) => /no default tracer is set/.test(w));
    // captureWarnings starts a fresh configuration, so the cause is new here.
    assert.equal(mine.length, 1, mine.join("\n"));
    assert.match(String(seen), /^00-[0-9a-f]{32}-[0-9a-f]{16}-0[13]$/);
  });

  test(
    "the warning names the span and how to fix it, in a fresh process (Deno and Bun: Node runs the built package)",
    { skip: !isDeno && !isBun, timeout: 120_000 },
    async () => {
      const result = await runSnippet(`
        const { instrumentFetch } = await import(${
        JSON.stringify(new URL("../http.ts", import.meta.url).href)
      });
        const f = instrumentFetch(async () => new Response("ok"));
        await f("http://a.test/x");
        await f("http://a.test/y");
      `);
      assert.equal(result.code, 0, result.stderr);
      const lines = result.stderr.split("\n").filter((l) => /no default tracer is set/.test(l));
      assert.equal(lines.length, 1, result.stderr);
      assert.match(lines[0], /span "GET"/);
      assert.match(lines[0], /setupTracing\(\)/);
    },
  );

  test("setupTracing() sets the default, and setDefault: false leaves it", async () => {
    const options = {
      env: {},
      flushOnExit: false,
      fetch: () => Promise.resolve(new Response(null)),
    };
    const off = setupTracing({ ...options, setDefault: false });
    assert.notEqual(getDefaultTracer(), off.tracer);
    const on = setupTracing(options);
    assert.equal(getDefaultTracer(), on.tracer);
    await off.shutdown();
    await on.shutdown();
  });

  // Tracing set up in two modules, or again on each hot reload: the second
  // call took the default from the first without a word, and both pipelines
  // kept exporting.
  test("setupTracing() called again while the first still runs says so, once", async () => {
    const options = {
      env: {},
      flushOnExit: false,
      fetch: () => Promise.resolve(new Response(null)),
    };
    const setups: ReturnType<typeof setupTracing>[] = [];
    const warned = await captureWarnings(() => {
      setups.push(setupTracing({ ...options, serviceName: "one" }));
      setups.push(setupTracing({ ...options, serviceName: "two" }));
      setups.push(setupTracing({ ...options, serviceName: "three" }));
    });
    assert.equal(getDefaultTracer(), setups[2].tracer, "the last call's tracer is the default");
    assert.deepEqual(warned, [
      "@codomyrmex/spans: setupTracing() was called again while the tracing it set up before " +
      '(service "one") still runs: the default tracer is now the new one (service "two"), and ' +
      "the first goes on exporting its own tracer's spans until its shutdown(). Set up tracing " +
      "once per process, call the first one's shutdown() before setting up again, or pass " +
      "setDefault: false to the second",
    ]);
    for (const setup of setups) await setup.shutdown();
  });

  test("setupTracing() again after a shutdown, or beside setDefault: false, says nothing", async () => {
    const options = {
      env: {},
      flushOnExit: false,
      fetch: () => Promise.resolve(new Response(null)),
    };
    const warned = await captureWarnings(async () => {
      // Shut down through the setup, then through its tracer.
      await setupTracing(options).shutdown();
      await setupTracing(options).tracer.shutdown();
      // A second pipeline that leaves the default alone, either way round.
      const first = setupTracing(options);
      const beside = setupTracing({ ...options, setDefault: false });
      await beside.shutdown();
      await first.shutdown();
      const aside = setupTracing({ ...options, setDefault: false });
      const main = setupTracing(options);
      // A default set by hand in between: the application chose it.
      setDefaultTracer(new Tracer());
      const last = setupTracing(options);
      for (const setup of [aside, main, last]) await setup.shutdown();
      // A disabled setup runs nothing: one set up again after it says nothing.
      setupTracing({ ...options, disabled: true });
      await setupTracing(options).shutdown();
    });
    assert.deepEqual(warned, []);
  });

  // A test that set tracing up and shut it down left the shut-down tracer as
  // the default: spans the next test (or, on Bun, the next test file) started
  // through instrumentation given no tracer were dropped into the stopped
  // processor, with no word even at debug level.
  test("setupTracing()'s shutdown() puts back the default it replaced", async () => {
    const options = {
      env: {},
      flushOnExit: false,
      fetch: () => Promise.resolve(new Response(null)),
    };
    const memory = new InMemorySpanProcessor();
    const mine = new Tracer({ processors: [memory] });
    setDefaultTracer(mine);
    const setup = setupTracing(options);
    assert.equal(getDefaultTracer(), setup.tracer);
    await setup.shutdown();
    assert.equal(getDefaultTracer(), mine, "the default from before setupTracing()");
    getDefaultTracer().startSpan("after").end();
    assert.deepEqual(memory.spans.map((s) => s.name), ["after"]);

    // None set before: none after, so the stand-in says spans go nowhere.
    setDefaultTracer(undefined);
    const none = getDefaultTracer();
    {
      await using _ = setupTracing(options);
    }
    assert.equal(getDefaultTracer(), none);

    // Shut down out of order: never back to a tracer that was shut down.
    const first = setupTracing(options);
    let second = first;
    await captureWarnings(() => void (second = setupTracing(options)));
    await first.shutdown();
    assert.equal(getDefaultTracer(), second.tracer, "a default it no longer holds stays");
    await second.shutdown();
    assert.equal(getDefaultTracer(), none);

    // Another default chosen in between is the application's: it stays.
    const third = setupTracing(options);
    setDefaultTracer(mine);
    await third.shutdown();
    assert.equal(getDefaultTracer(), mine);
  });

  // Saving the default and putting it back (around a test, a request, a
  // plugin) hands setDefaultTracer the stand-in when none was set. The
  // stand-in starts its spans through the default, which was then itself:
  // every span start recursed until the stack overflowed.
  test("setDefaultTracer(getDefaultTracer()) with no default set leaves none set", async () => {
    const saved = getDefaultTracer();
    const memory = new InMemorySpanProcessor();
    setDefaultTracer(new Tracer({ processors: [memory] }));
    setDefaultTracer(saved);
    assert.equal(getDefaultTracer(), saved);
    let ran = false;
    const warned = await captureWarnings(async () => {
      const span = getDefaultTracer().startSpan("restored");
      getDefaultTracer().span("inside", () => void (ran = true));
      span.end();
      assert.equal(span.ended, true);
      await getDefaultTracer().forceFlush();
    });
    assert.equal(ran, true);
    assert.deepEqual(warned.filter((w) => !/no default tracer is set/.test(w)), []);
    assert.equal(memory.spans.length, 0, "spans go to no tracer but the default");
    // The stand-in forwards to a default set afterwards, as before.
    setDefaultTracer(new Tracer({ processors: [memory] }));
    saved.startSpan("later").end();
    assert.deepEqual(memory.spans.map((s) => s.name), ["later"]);
  });

  test("setDefaultTracer refuses what is not a Tracer", () => {
    assert.throws(() => setDefaultTracer({} as Tracer), {
      name: "TypeError",
      message: /^Cannot set default tracer: expected a Tracer or undefined/,
    });
  });
});
