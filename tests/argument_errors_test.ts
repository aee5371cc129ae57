import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  AlwaysOffSampler,
  Baggage,
  BatchSpanProcessor,
  ConsoleSpanExporter,
  formatTraceparent,
  getDefaultTracer,
  InMemorySpanExporter,
  ROOT_CONTEXT,
  setCurrentSpan,
  SimpleSpanProcessor,
  Span,
  TraceIdRatioSampler,
  Tracer,
  TraceState,
  withContext,
  withSpan,
} from "../mod.ts";
import {
  encodeOtlpJson,
  encodeOtlpProtobuf,
  OtlpHttpExporter,
  readEnv,
  readOtlpEnv,
  Resource,
  setupTracing,
} from "../otlp.ts";
import { fromOtelExporter } from "../otel.ts";
import { instrumentFetch, traceHandler } from "../http.ts";
import { traceMiddleware } from "../hono.ts";
import { traceRequestListener } from "../node.ts";
import { ManualTime } from "../testing.ts";

// A caller's mistake gets a TypeError or RangeError that reads "Cannot X:
// detail", at once, instead of an engine error from deep inside ("entries
// is not iterable", "Cannot read properties of null") or silent acceptance.
const CANNOT = /^(TypeError|RangeError): Cannot [a-z]+ [^:]+: \S/;
const CANNOT_MESSAGE = /^Cannot [a-z]+ [^:]+: \S/;

function refused(call: () => unknown, expected: typeof TypeError | typeof RangeError = TypeError) {
  assert.throws(call, (error: Error) => {
    assert.ok(error instanceof expected, `${error.name}: ${error.message}`);
    assert.match(`${error.name}: ${error.message}`, CANNOT);
    assert.doesNotMatch(error.message, /\.$/, "no full stop");
    return true;
  });
}

// deno-lint-ignore no-explicit-any
type Any = any;
const span = () => new Span("s").start(1_000).end(1_001);

describe("wrong input gets a clear error, at once", () => {
  test("new OtlpHttpExporter({ headers: a string }) is a TypeError, even for 100 KB", () => {
    refused(() => new OtlpHttpExporter({ env: {}, headers: "abc" as Any }));
    refused(() => new OtlpHttpExporter({ env: {}, headers: "x".repeat(100_000) as Any }));
    refused(() => new OtlpHttpExporter({ env: {}, headers: ["a", "b"] as Any }));
    // Neither is a record: a boxed string would send its characters as
    // headers "0", "1", …, and a Map would send nothing.
    refused(() => new OtlpHttpExporter({ env: {}, headers: new String("abc") as Any }));
    refused(() => new OtlpHttpExporter({ env: {}, headers: new Map([["x-key", "v"]]) as Any }));
    // A record, a null-prototype record and Headers are taken.
    new OtlpHttpExporter({ env: {}, headers: { "x-key": "v" } });
    new OtlpHttpExporter({
      env: {},
      headers: Object.assign(Object.create(null), { "x-key": "v" }),
    });
    new OtlpHttpExporter({ env: {}, headers: new Headers({ "x-key": "v" }) as Any });
  });

  test("new Resource(a string) is a TypeError, even for 8 MB", () => {
    refused(() => new Resource("..." as Any));
    refused(() => new Resource("x".repeat(8 * 1024 * 1024) as Any));
    refused(() => new Resource(42 as Any));
    refused(() => new Resource(new String("service.name") as Any));
    refused(() => new Resource(new Map([["service.name", "x"]]) as Any));
    refused(() => Resource.detect({ env: {}, attributes: "x".repeat(100_000) as Any }));
    refused(() => Resource.detect({ env: {}, serviceName: 5 as Any }));
    // service.version is a string (resource semantic conventions), as the
    // option's type says: a number or an object was taken or dropped silently.
    refused(() => Resource.detect({ env: {}, serviceVersion: 2 as Any }));
    refused(() => Resource.detect({ env: {}, serviceVersion: { major: 2 } as Any }));
  });

  test("new TraceState() with no iterable of [key, value] arrays", () => {
    refused(() => new TraceState({} as Any));
    refused(() => new TraceState(5 as Any));
    refused(() => new TraceState([{}] as Any));
    refused(() => new TraceState([5] as Any));
  });

  test("new Baggage() with neither a record nor an iterable of [key, value] arrays", () => {
    refused(() => new Baggage(5 as Any));
    refused(() => new Baggage("abc" as Any));
    refused(() => new Baggage(null as Any));
    refused(() => new Baggage([{}] as Any));
  });

  test("startSpan() with links that are no iterable, sampled or not", () => {
    for (const tracer of [new Tracer(), new Tracer({ sampler: new AlwaysOffSampler() })]) {
      refused(() => tracer.startSpan("x", { links: {} as Any }));
      refused(() => tracer.startSpan("x", { links: 5 as Any }));
    }
  });

  test("startSpan(), span() and wrap() with options that are no object, sampled or not", () => {
    // startSpan("x", "server") or startSpan("x", fn) (span()'s form) used to
    // start a plain internal span, the kind or the function silently lost.
    for (const tracer of [new Tracer(), new Tracer({ sampler: new AlwaysOffSampler() })]) {
      refused(() => tracer.startSpan("x", "server" as Any));
      let ran = false;
      refused(() => tracer.startSpan("x", (() => (ran = true)) as Any));
      assert.equal(ran, false);
      refused(() => tracer.span("x", "server" as Any, () => {}));
      assert.throws(
        () => tracer.wrap(() => {}, "name" as Any),
        /^TypeError: Cannot wrap: options must be an object .*, got string "name"$/,
      );
      // No options, and undefined, are still no options.
      tracer.startSpan("x").end();
      tracer.startSpan("x", undefined).end();
      tracer.span("x", () => {});
      tracer.wrap(() => {}, undefined)();
    }
  });

  test("new TraceIdRatioSampler() with a ratio that is no number says what it got", () => {
    // "got 0.5" for the string "0.5" read as if 0.5 had been refused.
    assert.throws(
      () => new TraceIdRatioSampler("0.5" as Any),
      (error: Error) => {
        assert.ok(error instanceof RangeError);
        assert.match(error.message, CANNOT_MESSAGE);
        assert.match(error.message, /got string "0\.5"$/);
        return true;
      },
    );
    refused(() => new TraceIdRatioSampler(2), RangeError);
  });

  test("encodeOtlpJson and encodeOtlpProtobuf with something that is no array of spans", () => {
    for (const encode of [encodeOtlpJson, encodeOtlpProtobuf]) {
      refused(() => encode([{}] as Any));
      refused(() => encode([span(), null] as Any));
      refused(() => encode(null as Any));
      refused(() => encode("spans" as Any));
      refused(() => encode([span()], { resource: "r" as Any }));
      refused(() => encode([span()], { resource: {} as Any }));
    }
  });

  test("an exporter's export() with something that is no array of spans, called by hand", () => {
    // Processors always pass an array; a caller passing anything else made a
    // mistake that was answered with a success for nothing exported.
    const exporters = [
      new InMemorySpanExporter(),
      new ConsoleSpanExporter({ write: () => {} }),
      new OtlpHttpExporter({ env: {}, fetch: () => Promise.reject(new Error("not called")) }),
      fromOtelExporter(
        {
          export: (_spans: unknown, done: (r: { code: number }) => void) => done({ code: 0 }),
          shutdown: () => Promise.resolve(),
        } as Any,
      ),
    ];
    for (const exporter of exporters) {
      refused(() => exporter.export(undefined as Any));
      refused(() => exporter.export(span() as Any));
      refused(() => exporter.export({ length: 1, 0: span() } as Any));
      refused(() => exporter.export("spans" as Any));
    }
  });

  test("new ConsoleSpanExporter(null)", () => {
    refused(() => new ConsoleSpanExporter(null as Any));
  });

  test("setupTracing({ env: null }) and other options of the wrong type", () => {
    const base = { flushOnExit: false, setDefault: false } as const;
    refused(() => setupTracing({ ...base, env: null as Any }));
    refused(() => setupTracing({ ...base, env: "OTEL_SERVICE_NAME=x" as Any }));
    refused(() => setupTracing({ ...base, env: {}, disabled: "yes" as Any }));
    refused(() => setupTracing({ ...base, env: {}, setDefault: 1 as Any }));
    refused(() => setupTracing({ ...base, env: {}, serviceName: 5 as Any }));
    refused(() => setupTracing({ ...base, env: {}, serviceVersion: 5 as Any }));
    refused(() => setupTracing({ ...base, env: {}, resourceAttributes: "a=b" as Any }));
    refused(() => setupTracing({ ...base, env: {}, headers: "a=b" as Any }));
  });

  test("readOtlpEnv and readEnv with an env that is no record", () => {
    refused(() => readOtlpEnv(null as Any));
    refused(() => readEnv("OTEL_SERVICE_NAME", 5 as Any));
    // A Map holds its entries where a record's keys are not: it would read nothing.
    refused(() => readOtlpEnv(new Map([["OTEL_SERVICE_NAME", "shop"]]) as Any));
    refused(() => readEnv("OTEL_SERVICE_NAME", new String("x") as Any));
  });

  test("OtlpHttpExporter options of the wrong shape", () => {
    refused(() => new OtlpHttpExporter({ env: {}, resource: {} as Any }));
    refused(() => new OtlpHttpExporter({ env: {}, clock: 5 as Any }));
    refused(() => new OtlpHttpExporter({ env: {}, scheduler: {} as Any }));
    refused(() => new OtlpHttpExporter({ env: {}, random: 0.5 as Any }));
  });

  test("formatTraceparent(null) and withContext() with no context or no function", () => {
    refused(() => formatTraceparent(null as Any));
    refused(() => withContext(5 as Any, () => {}));
    refused(() => withContext(ROOT_CONTEXT, "fn" as Any));
  });

  test("ManualTime with a start or a tick that is no number", async () => {
    refused(() => new ManualTime(Symbol("t") as Any), RangeError);
    await assert.rejects(() => new ManualTime().tick(Symbol("t") as Any), RangeError);
  });

  test("the processors' own checks still read the same way", () => {
    refused(() => new BatchSpanProcessor(() => {}, { maxBatchSize: 0 }), RangeError);
  });
});

// The objects most often taken for one another (a Span, its SpanContext, a
// Context; an exporter and a processor) were described as "object", which
// left the reader to find out what was given and what was meant.
describe("a common mix-up is named in its error, with what was meant", () => {
  const span = () => new Tracer().startSpan("s");

  test("withContext(span) and withContext(spanContext) say how to make a span current", () => {
    refused(() => withContext(span() as Any, () => {}));
    assert.throws(
      () => withContext(span() as Any, () => {}),
      /got object \(a Span: to make a span current, use withSpan\(span, fn\)\)$/,
    );
    assert.throws(
      () => withContext(span().context as Any, () => {}),
      /got object \(a SpanContext: start a span under it with tracer\.span\(name, \{ parent: spanContext \}, fn\)\)$/,
    );
  });

  test("withSpan() and setCurrentSpan() with a SpanContext or a Context", () => {
    for (const call of [(s: Any) => withSpan(s, () => {}), (s: Any) => setCurrentSpan(s)]) {
      refused(() => call(span().context));
      assert.throws(
        () => call(span().context),
        /got object \(a SpanContext: a span's ids, not a span;/,
      );
      assert.throws(
        () => call(ROOT_CONTEXT),
        /got object \(a Context: to make a context current, use withContext\(context, fn\)\)$/,
      );
    }
  });

  test("startSpan() with a Context as the parent says where a context's span is the parent", () => {
    const tracer = new Tracer();
    refused(() => tracer.startSpan("x", { parent: ROOT_CONTEXT as Any }));
    assert.throws(
      () => tracer.startSpan("x", { parent: ROOT_CONTEXT as Any }),
      /got object \(a Context: start the span inside withContext\(context, fn\), where the context's span is the parent by default\)$/,
    );
  });

  test("new Tracer() with an exporter among the processors, or one processor alone", () => {
    const hint =
      /\(an exporter: hand it to a processor, new SimpleSpanProcessor\(exporter\) or new BatchSpanProcessor\(exporter\)\)$/;
    for (const exporter of [new InMemorySpanExporter(), new ConsoleSpanExporter(), () => {}]) {
      refused(() => new Tracer({ processors: [exporter as Any] }));
      assert.throws(() => new Tracer({ processors: [exporter as Any] }), hint);
    }
    for (const exporter of [new InMemorySpanExporter(), () => {}]) {
      refused(() => new Tracer({ processors: exporter as Any }));
      assert.throws(
        () => new Tracer({ processors: exporter as Any }),
        /\(an exporter: pass a list of processors, processors: \[new SimpleSpanProcessor\(exporter\)\] or \[new BatchSpanProcessor\(exporter\)\]\)$/,
      );
    }
    const processor = new SimpleSpanProcessor(new InMemorySpanExporter());
    refused(() => new Tracer({ processors: processor as Any }));
    assert.throws(
      () => new Tracer({ processors: processor as Any }),
      /got object \(a processor: pass a list of them, processors: \[processor\]\)$/,
    );
  });

  // tracer.span("x", fn, { kind: "server" }) ran fn in a span without the
  // options, and nothing said so.
  test("tracer.span(name, fn, options) is refused before fn runs: the options come first", () => {
    for (const tracer of [new Tracer(), getDefaultTracer()]) {
      let ran = false;
      const fn = () => void (ran = true);
      refused(() => tracer.span("x", fn as Any, { kind: "server" } as Any));
      assert.throws(
        () => tracer.span("x", fn as Any, { kind: "server" } as Any),
        /^TypeError: Cannot run span: the options come before the function, tracer\.span\(name, options, fn\); got the function, then object$/,
      );
      assert.equal(ran, false);
      // Both forms, and undefined options, still run.
      tracer.span("x", fn);
      tracer.span("x", { kind: "server" }, fn);
      tracer.span("x", undefined as Any, fn);
    }
  });
});

// A tracer given where the options go was read as options without a
// tracer: every span went to the default tracer, or nowhere, and nothing
// said why the tracer given saw none.
describe("the HTTP instrumentations take their options as an object, never a Tracer", () => {
  const tracer = new Tracer();
  const fetchFn = () => Promise.resolve(new Response("ok"));
  const handler = () => new Response("ok");
  const listener = () => {};
  const cases: [string, (options: unknown) => unknown, string][] = [
    ["traceMiddleware", (o) => traceMiddleware(o as Any), "traceMiddleware({ tracer })"],
    [
      "instrumentFetch",
      (o) => instrumentFetch(fetchFn, o as Any),
      "instrumentFetch(fetch, { tracer })",
    ],
    ["traceHandler", (o) => traceHandler(handler, o as Any), "traceHandler(handler, { tracer })"],
    [
      "traceRequestListener",
      (o) => traceRequestListener(listener, o as Any),
      "traceRequestListener(listener, { tracer })",
    ],
  ];
  for (const [name, make, call] of cases) {
    test(`${name}(…, tracer) is a TypeError that says to pass { tracer }`, () => {
      refused(() => make(tracer));
      assert.throws(
        () => make(tracer),
        (error: Error) =>
          error.message.endsWith(`got a Tracer: pass it as the tracer option, ${call}`),
      );
      // Nor anything else that is no options object; undefined and {} are.
      for (const options of [null, "tracer", 5, [tracer]]) refused(() => make(options));
      make(undefined);
      make({});
      make({ tracer });
    });
  }

  test("instrumentFetch(options) names where the options go", () => {
    refused(() => instrumentFetch({ tracer } as Any));
    assert.throws(
      () => instrumentFetch({ tracer } as Any),
      /got object \(options come second: instrumentFetch\(fetch, options\), or instrumentFetch\(undefined, options\) for the global fetch\)$/,
    );
  });

  test("instrumentFetch(tracer) names the tracer option, not options that would be refused again", () => {
    refused(() => instrumentFetch(tracer as Any));
    assert.throws(
      () => instrumentFetch(tracer as Any),
      /got a Tracer \(pass it as the tracer option: instrumentFetch\(fetch, \{ tracer \}\), or instrumentFetch\(undefined, \{ tracer \}\) for the global fetch\)$/,
    );
  });
});

describe("the value an error message describes is never called into, and never shown whole", () => {
  const revoked = () => {
    const { proxy, revoke } = Proxy.revocable({}, {});
    revoke();
    return proxy;
  };
  const hostile = {
    toString() {
      throw new Error("toString called");
    },
    [Symbol.toPrimitive]() {
      throw new Error("toPrimitive called");
    },
  };

  test("a revoked Proxy, an object that throws on conversion, a trap that throws", () => {
    const throwingTrap = new Proxy({}, {
      getPrototypeOf() {
        throw new Error("trap called");
      },
    });
    for (const value of [revoked(), revoked, hostile, Object.create(null), throwingTrap]) {
      refused(() => new Tracer({ name: value as Any }));
    }
    // Neither a revoked Proxy nor one whose getPrototypeOf trap throws is a record.
    for (const value of [revoked(), throwingTrap]) refused(() => new Resource(value as Any));
  });

  test("a huge string or bigint is cut, and a secret is not shown whole", () => {
    for (const value of ["x".repeat(10_000_000), 10n ** 100_000n]) {
      assert.throws(
        () => new OtlpHttpExporter({ env: {}, headers: value as Any }),
        (error: Error) => {
          assert.ok(error.message.length < 200, `${error.message.length} characters`);
          return true;
        },
      );
    }
    const secret = "x-api-key=8f14e45fceea167a5a36dedd4bea2543";
    assert.throws(
      () => new OtlpHttpExporter({ env: {}, headers: secret as Any }),
      (error: Error) => {
        assert.doesNotMatch(error.message, /8f14e45fce/, error.message);
        assert.match(error.message, /got string "x-api-ke…" \(42 characters\)$/, error.message);
        return true;
      },
    );
    // Short values, such as a level or a word, are still shown whole.
    assert.throws(() => new Tracer({ name: 12 as Any }), /got number 12$/);
    assert.throws(
      () => new OtlpHttpExporter({ env: {}, headers: "abc" as Any }),
      /got string "abc"$/,
    );
  });

  test("a custom IdGenerator's malformed id is described, whatever it is", () => {
    for (const id of [Object.create(null), hostile, revoked(), Symbol("id"), 10n ** 100_000n]) {
      const tracer = new Tracer({
        idGenerator: { traceId: () => id as Any, spanId: () => id as Any },
      });
      assert.throws(() => tracer.startSpan("x"), (error: Error) => {
        assert.match(
          `${error.name}: ${error.message}`,
          /^TypeError: Cannot create Tracer: idGenerator\.traceId\(\) must return 32 lowercase hex characters, not all zeros, got \S/,
        );
        assert.ok(error.message.length < 200, `${error.message.length} characters`);
        return true;
      });
    }
  });
});
