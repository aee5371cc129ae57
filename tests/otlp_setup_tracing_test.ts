import assert from "node:assert/strict";
import { after, afterEach, before, describe, test } from "node:test";
import {
  Baggage,
  extractContext,
  getCurrentSpan,
  setDefaultTracer,
  traceFields,
  withBaggage,
} from "../mod.ts";
import { instrumentFetch, traceHandler } from "../http.ts";
import { ManualTime } from "../testing.ts";
import { setupTracing } from "../otlp.ts";
import { assertBalanced, captureWarnings } from "./_helpers.ts";
import { decodeProtobuf } from "./_otlp_fixtures.ts";
import { Receiver } from "./_otlp_receiver.ts";

// Each test shuts its setup down, which removes the processor's signal and
// crash listeners, and leaves the default tracer unset: Bun runs every test
// file in one process. setupTracing's default is default_tracer_test.ts's
// subject, so here every setup passes setDefault: false.
afterEach(() => setDefaultTracer(undefined));

// Real loopback I/O: a timeout of its own, not the runner's default.
const IO = { timeout: 120_000 };

describe("setupTracing", () => {
  let receiver: Receiver;
  before(async () => {
    receiver = await Receiver.start();
  });
  after(async () => {
    await receiver.close();
  });
  // A setup that sends to the receiver, whatever the environment says.
  const toReceiver = (more: Parameters<typeof setupTracing>[0] = {}) =>
    setupTracing({ url: receiver.url, env: {}, flushOnExit: false, setDefault: false, ...more });

  test("sends spans to the endpoint named by OTEL_EXPORTER_OTLP_ENDPOINT alone", IO, async () => {
    receiver.requests.length = 0;
    await using setup = setupTracing({
      env: {
        OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url.replace("/v1/traces", ""),
        OTEL_SERVICE_NAME: "checkout",
      },
      flushOnExit: false,
      setDefault: false,
    });
    const { tracer, shutdown, processor } = setup;
    await tracer.span("handle order", async (span) => {
      span.setAttribute("order.items", 3);
      await tracer.span("charge card", () => {});
    });
    await shutdown();
    assert.equal(receiver.requests.length, 1);
    const decoded = decodeProtobuf(receiver.requests[0].body);
    const rs = decoded.resourceSpans[0];
    assert.equal(rs.resource.attributes[0].key, "service.name");
    assert.equal(rs.resource.attributes[0].value.stringValue, "checkout");
    assert.equal(rs.scopeSpans[0].scope.name, "checkout");
    assert.deepEqual(
      rs.scopeSpans[0].spans.map((s: { name: string }) => s.name),
      ["charge card", "handle order"],
    );
    assert.deepEqual(processor!.stats(), {
      ended: 2,
      exported: 2,
      dropped: 0,
      failed: 0,
      queued: 0,
    });
  });

  test("redact scrubs attributes before they leave, as on the batch processor", IO, async () => {
    receiver.requests.length = 0;
    await using setup = toReceiver({
      redact: (key, value) => key === "user.email" ? "<email>" : value,
    });
    setup.tracer.startSpan("signup", {
      attributes: { "user.email": "ada@example.com", plan: "pro" },
    }).end();
    await setup.shutdown();
    const body = receiver.requests[0].body;
    assert.ok(!new TextDecoder().decode(body).includes("ada@example.com"));
    const span = decodeProtobuf(body).resourceSpans[0].scopeSpans[0].spans[0];
    assert.deepEqual(
      span.attributes.map((a: { key: string; value: { stringValue: string } }) => [
        a.key,
        a.value.stringValue,
      ]),
      [["user.email", "<email>"], ["plan", "pro"]],
    );
  });

  test("lets options win over the environment", IO, async () => {
    receiver.requests.length = 0;
    await using setup = setupTracing({
      serviceName: "from-options",
      url: receiver.url,
      protocol: "http/json",
      env: {
        OTEL_EXPORTER_OTLP_ENDPOINT: "http://127.0.0.1:1",
        OTEL_SERVICE_NAME: "from-env",
        OTEL_EXPORTER_OTLP_PROTOCOL: "http/protobuf",
      },
      flushOnExit: false,
      setDefault: false,
    });
    setup.tracer.startSpan("x").end();
    await setup.shutdown();
    assert.equal(setup.resource.attributes["service.name"], "from-options");
    assert.equal(receiver.requests[0].headers["content-type"], "application/json");
  });

  test("batches by OTEL_BSP_* settings", IO, async () => {
    receiver.requests.length = 0;
    const time = new ManualTime(0);
    await using setup = setupTracing({
      url: receiver.url,
      env: { OTEL_BSP_MAX_EXPORT_BATCH_SIZE: "2", OTEL_BSP_SCHEDULE_DELAY: "1000" },
      clock: time,
      scheduler: time,
      flushOnExit: false,
      setDefault: false,
    });
    for (let i = 0; i < 5; i++) setup.tracer.startSpan(`s${i}`).end();
    await setup.shutdown();
    assert.deepEqual(
      receiver.requests.map((r) =>
        decodeProtobuf(r.body).resourceSpans[0].scopeSpans[0].spans.length
      ),
      [2, 2, 1],
    );
    assertBalanced(setup.processor!.stats());
  });

  test("with OTEL_SDK_DISABLED=true records nothing and sends nothing", IO, async () => {
    receiver.requests.length = 0;
    await using setup = setupTracing({
      url: receiver.url,
      env: { OTEL_SDK_DISABLED: "true" },
      flushOnExit: false,
      setDefault: false,
    });
    const span = setup.tracer.startSpan("x");
    assert.equal(span.isRecording, false);
    span.end();
    await setup.shutdown();
    assert.equal(setup.exporter, undefined);
    assert.equal(receiver.requests.length, 0);
  });

  // OpenTelemetry's no-op API, what a disabled SDK leaves behind, passes the
  // incoming trace on: a disabled service in the middle of a call chain must
  // not break the trace for the services downstream.
  describe("disabled, passes the incoming trace on unchanged", () => {
    const TRACEPARENT = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
    const TRACESTATE = "congo=t61rcWkgMzE,rojo=00f067aa0ba902b7";
    // A disabled setup made the default tracer, as a service's would be,
    // with a fetch that would export (it must never be called).
    const disabledSetup = (exports: unknown[]) =>
      setupTracing({
        disabled: true,
        env: {},
        flushOnExit: false,
        fetch: (url) => {
          exports.push(url);
          return Promise.resolve(new Response(null, { status: 200 }));
        },
      });
    // A fetch that records the headers each request carried.
    const recordingFetch = (sent: Headers[]) =>
      instrumentFetch((_input: RequestInfo | URL, init?: RequestInit) => {
        sent.push(new Headers(init?.headers));
        return Promise.resolve(new Response("ok"));
      });

    test("a traced handler's fetch sends on the traceparent and tracestate it received", async () => {
      const exports: unknown[] = [];
      await using setup = disabledSetup(exports);
      const sent: Headers[] = [];
      const tracedFetch = recordingFetch(sent);
      const handler = traceHandler(async () => {
        await tracedFetch("http://downstream.test/charge");
        return new Response("done");
      });
      const response = await handler(
        new Request("http://service.test/order", {
          headers: { traceparent: TRACEPARENT, tracestate: TRACESTATE },
        }),
      );
      assert.equal(await response.text(), "done");
      assert.equal(sent.length, 1);
      assert.equal(sent[0].get("traceparent"), TRACEPARENT);
      assert.equal(sent[0].get("tracestate"), TRACESTATE);
      await setup.shutdown();
      assert.deepEqual(exports, []);
    });

    test("so does a span given an extracted parent, sampled or not", async () => {
      await using setup = disabledSetup([]);
      const sent: Headers[] = [];
      const tracedFetch = recordingFetch(sent);
      const unsampled = TRACEPARENT.replace(/01$/, "00");
      for (const traceparent of [TRACEPARENT, unsampled]) {
        const parent = extractContext({ traceparent, tracestate: TRACESTATE });
        await setup.tracer.span("consume", { parent }, async () => {
          await tracedFetch("http://downstream.test/a");
        });
      }
      assert.deepEqual(sent.map((h) => h.get("traceparent")), [TRACEPARENT, unsampled]);
      assert.deepEqual(sent.map((h) => h.get("tracestate")), [TRACESTATE, TRACESTATE]);
    });

    test("with no incoming trace, a fetch sends no traceparent, but baggage as usual", async () => {
      await using _setup = disabledSetup([]);
      const sent: Headers[] = [];
      const tracedFetch = recordingFetch(sent);
      await tracedFetch("http://downstream.test/a");
      await withBaggage(
        new Baggage({ user: "ada" }),
        () => tracedFetch("http://downstream.test/b"),
      );
      assert.deepEqual(sent.map((h) => h.get("traceparent")), [null, null]);
      assert.deepEqual(sent.map((h) => h.get("tracestate")), [null, null]);
      assert.deepEqual(sent.map((h) => h.get("baggage")), [null, "user=ada"]);
    });

    test("tracer.span runs the function in the pass-through span, and nothing is exported", async () => {
      const exports: unknown[] = [];
      const setup = disabledSetup(exports);
      const { tracer } = setup;
      assert.deepEqual(tracer.processors, []);
      const parent = extractContext({ traceparent: TRACEPARENT, tracestate: TRACESTATE })!;
      const value = tracer.span("work", { parent }, (span) => {
        assert.equal(getCurrentSpan(), span);
        assert.equal(span.isRecording, false);
        assert.equal(span.context.traceId, parent.traceId);
        assert.equal(span.context.spanId, parent.spanId);
        assert.equal(span.context.traceFlags, parent.traceFlags);
        assert.equal(span.context.traceState, parent.traceState);
        const child = tracer.startSpan("child");
        assert.equal(child.context.spanId, parent.spanId);
        child.end();
        return 42;
      });
      assert.equal(value, 42);
      assert.equal(await tracer.span("async", () => Promise.resolve("yes")), "yes");
      const wrapped = tracer.wrap((a: number) => getCurrentSpan()?.isRecording === false && a);
      assert.equal(wrapped(7), 7);
      // A span with no parent carries no trace, not even in log fields.
      tracer.span("root", () => assert.equal(traceFields(), undefined));
      await setup.shutdown();
      assert.equal(setup.processor, undefined);
      assert.deepEqual(exports, []);
    });
  });

  test("applies OTEL_TRACES_SAMPLER", async () => {
    await using setup = setupTracing({
      env: { OTEL_TRACES_SAMPLER: "always_off" },
      flushOnExit: false,
      setDefault: false,
    });
    assert.equal(setup.tracer.startSpan("x").isRecording, false);
  });

  test("applies the OTEL_* span limits, and a limits option wins over them", async () => {
    const env = {
      OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT: "2",
      OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT: "3",
      OTEL_SPAN_EVENT_COUNT_LIMIT: "1",
    };
    {
      await using setup = setupTracing({ env, flushOnExit: false, setDefault: false });
      const span = setup.tracer.startSpan("x").setAttributes({ a: "long", b: 1, c: 2 });
      span.addEvent("one").addEvent("two");
      assert.deepEqual(span.attributes, { a: "lon", b: 1 });
      assert.equal(span.droppedAttributesCount, 1);
      assert.equal(span.events.length, 1);
    }
    {
      await using setup = setupTracing({
        env,
        limits: { attributeCountLimit: 3 },
        flushOnExit: false,
        setDefault: false,
      });
      const span = setup.tracer.startSpan("x").setAttributes({ a: "long", b: 1, c: 2 });
      assert.deepEqual(span.attributes, { a: "lon", b: 1, c: 2 });
    }
  });

  test("an explicit maxExportBatchSize below the env batch size lowers the batch instead of throwing", async () => {
    const sizes: number[] = [];
    await using setup = setupTracing({
      url: "http://collector.test/v1/traces",
      protocol: "http/json",
      env: { OTEL_BSP_MAX_EXPORT_BATCH_SIZE: "300" },
      maxExportBatchSize: 200,
      flushOnExit: false,
      setDefault: false,
      fetch: (_input, init) => {
        const body = JSON.parse(new TextDecoder().decode(init?.body as Uint8Array));
        sizes.push(body.resourceSpans[0].scopeSpans[0].spans.length);
        return Promise.resolve(new Response(null, { status: 200 }));
      },
    });
    for (let i = 0; i < 450; i++) setup.tracer.startSpan(`s${i}`).end();
    await setup.forceFlush();
    assert.equal(sizes.reduce((sum, n) => sum + n, 0), 450);
    assert.ok(Math.max(...sizes) <= 200, `requests of ${sizes.join(", ")} spans`);
  });

  test("clamps an env batch size larger than the queue, with a warning, instead of throwing", async () => {
    let setup!: ReturnType<typeof setupTracing>;
    const warned = await captureWarnings(() => {
      setup = setupTracing({
        env: { OTEL_BSP_MAX_EXPORT_BATCH_SIZE: "4096", OTEL_BSP_MAX_QUEUE_SIZE: "64" },
        flushOnExit: false,
        setDefault: false,
      });
    });
    await using _ = setup;
    assert.ok(setup.processor);
    assert.equal(warned.length, 1);
    assert.match(warned[0], /batch size \(4096\) exceeds the queue size \(64\)/);
  });

  test("shuts down with await using", IO, async () => {
    receiver.requests.length = 0;
    {
      await using setup = toReceiver();
      setup.tracer.startSpan("disposed").end();
    }
    assert.equal(receiver.requests.length, 1);
  });
});

describe("setupTracing with awkward environment values", () => {
  const cases: [string, Record<string, string>][] = [
    ["a queue smaller than the default batch", { OTEL_BSP_MAX_QUEUE_SIZE: "50" }],
    ["a zero schedule delay", { OTEL_BSP_SCHEDULE_DELAY: "0" }],
    ["a header entry fetch would refuse", { OTEL_EXPORTER_OTLP_HEADERS: "x y=1,good=ok,a=b%0Ac" }],
  ];
  for (const [what, env] of cases) {
    test(`${what} gives a working pipeline, never a throw`, async () => {
      let setup: ReturnType<typeof setupTracing> | undefined;
      await captureWarnings(() => {
        setup = setupTracing({
          env,
          flushOnExit: false,
          setDefault: false,
          fetch: () => Promise.resolve(new Response()),
        });
      });
      assert.ok(setup, "setupTracing returned");
      await using _ = setup;
      setup.tracer.startSpan("x").end();
      await setup.shutdown();
      assert.equal(setup.processor!.stats().exported, 1);
    });
  }
});

describe("setupTracing: an env queue size never makes an explicit option throw", () => {
  test("an explicit maxExportBatchSize above OTEL_BSP_MAX_QUEUE_SIZE is lowered to it, with a warning", async () => {
    let setup: ReturnType<typeof setupTracing> | undefined;
    const warned = await captureWarnings(() => {
      setup = setupTracing({
        env: { OTEL_BSP_MAX_QUEUE_SIZE: "1000" },
        maxExportBatchSize: 1500,
        flushOnExit: false,
        setDefault: false,
        fetch: () => Promise.resolve(new Response()),
      });
    });
    assert.ok(setup, "setupTracing returned");
    await using _ = setup;
    assert.equal(warned.length, 1, warned.join("\n"));
    assert.match(warned[0], /\(1500\) exceeds the queue size \(1000\)/);
    setup.tracer.startSpan("x").end();
    await setup.shutdown();
    assert.equal(setup.processor!.stats().exported, 1);
  });
});

describe("setupTracing: a bad size is refused by its own name", () => {
  for (const maxQueueSize of [-1, 0, 1.5, "50"]) {
    test(`maxQueueSize ${JSON.stringify(maxQueueSize)} throws a RangeError naming maxQueueSize, with no warning`, async () => {
      const warned = await captureWarnings(() => {
        assert.throws(
          () =>
            setupTracing({
              env: {},
              maxQueueSize: maxQueueSize as number,
              flushOnExit: false,
              setDefault: false,
            }),
          (error: unknown) =>
            error instanceof RangeError &&
            /^Cannot create BatchSpanProcessor: maxQueueSize must be a positive integer/.test(
              error.message,
            ),
        );
      });
      assert.deepEqual(warned, []);
    });
  }

  test("an env batch size with a bad maxQueueSize option names maxQueueSize too", async () => {
    const warned = await captureWarnings(() => {
      assert.throws(
        () =>
          setupTracing({
            env: { OTEL_BSP_MAX_EXPORT_BATCH_SIZE: "200" },
            maxQueueSize: -5,
            flushOnExit: false,
            setDefault: false,
          }),
        /maxQueueSize must be a positive integer, got number -5/,
      );
    });
    assert.deepEqual(warned, []);
  });

  test("a bad maxBatchSize is refused, not clamped to an env queue size", async () => {
    const warned = await captureWarnings(() => {
      assert.throws(
        () =>
          setupTracing({
            env: { OTEL_BSP_MAX_QUEUE_SIZE: "64" },
            maxBatchSize: "5000" as unknown as number,
            flushOnExit: false,
            setDefault: false,
          }),
        /^RangeError: Cannot create BatchSpanProcessor: maxBatchSize must be a positive integer, got string "5000"$/,
      );
    });
    assert.deepEqual(warned, []);
  });
});

describe("setupTracing and OTEL_TRACES_EXPORTER", () => {
  // Runs a setup from `env` with a fetch and console.log that only count,
  // ends a span, flushes and shuts down; returns what went where.
  async function exportWith(env: Record<string, string>) {
    const posts: string[] = [];
    const printed: string[] = [];
    const log = console.log;
    console.log = (...args: unknown[]) => void printed.push(args.join(" "));
    let setup: ReturnType<typeof setupTracing> | undefined;
    let recording = false;
    let warnings: string[] = [];
    try {
      warnings = await captureWarnings(async () => {
        setup = setupTracing({
          env,
          flushOnExit: false,
          flushOnSignal: false,
          flushOnCrash: false,
          setDefault: false,
          fetch: (input) => {
            posts.push(String(input));
            return Promise.resolve(new Response());
          },
        });
        const span = setup.tracer.startSpan("checkout");
        recording = span.isRecording;
        span.end();
        await setup.forceFlush();
        await setup.shutdown();
      });
    } finally {
      console.log = log;
    }
    return {
      posts,
      printed: printed.join("\n"),
      recording,
      warnings,
      exporter: setup!.exporter,
      processor: setup!.processor,
    };
  }

  test("unset or otlp: spans go to the OTLP endpoint, nothing to the console", async () => {
    for (const env of [{}, { OTEL_TRACES_EXPORTER: "otlp" }] as Record<string, string>[]) {
      const run = await exportWith(env);
      assert.deepEqual(run.posts, ["http://localhost:4318/v1/traces"]);
      assert.ok(run.exporter !== undefined && run.processor !== undefined);
      assert.doesNotMatch(run.printed, /checkout/);
      assert.deepEqual(run.warnings, []);
    }
  });

  test("none (in any case, anywhere in the list): spans are recorded, nothing is sent or printed", async () => {
    for (const value of ["none", " NONE ", "otlp,none"]) {
      const run = await exportWith({ OTEL_TRACES_EXPORTER: value });
      assert.deepEqual(run.posts, [], value);
      assert.equal(run.printed, "", value);
      assert.equal(run.recording, true, "the tracer still records, and so propagates");
      assert.equal(run.exporter, undefined);
      assert.equal(run.processor, undefined);
      assert.deepEqual(run.warnings, []);
    }
  });

  test("console prints the spans, and otlp,console does both", async () => {
    const consoleOnly = await exportWith({ OTEL_TRACES_EXPORTER: "console" });
    assert.deepEqual(consoleOnly.posts, []);
    assert.match(consoleOnly.printed, /checkout/);
    assert.equal(consoleOnly.exporter, undefined);
    const both = await exportWith({ OTEL_TRACES_EXPORTER: "otlp, console" });
    assert.equal(both.posts.length, 1);
    assert.match(both.printed, /checkout/);
  });

  test("a name this library has no exporter for is skipped with a warning", async () => {
    const alone = await exportWith({ OTEL_TRACES_EXPORTER: "zipkin" });
    assert.equal(alone.posts.length, 1, "nothing known: the default, otlp");
    assert.equal(alone.warnings.length, 1);
    assert.match(alone.warnings[0], /OTEL_TRACES_EXPORTER="zipkin".*using the default \(otlp\)/);
    const mixed = await exportWith({ OTEL_TRACES_EXPORTER: "jaeger,console" });
    assert.deepEqual(mixed.posts, []);
    assert.match(mixed.printed, /checkout/);
    assert.match(mixed.warnings.join("\n"), /OTEL_TRACES_EXPORTER="jaeger,console".*using console/);
  });
});
