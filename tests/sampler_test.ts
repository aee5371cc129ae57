import { describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  AlwaysOffSampler,
  AlwaysOnSampler,
  AlwaysRecordSampler,
  BatchSpanProcessor,
  InMemorySpanExporter,
  InMemorySpanProcessor,
  isValidSpanId,
  isValidTraceId,
  ParentBasedSampler,
  propagationStats,
  RandomIdGenerator,
  type Sampler,
  type SamplingParameters,
  type Span,
  SpanContext,
  type SpanProcessor,
  TraceIdRatioSampler,
  Tracer,
} from "../mod.ts";
import { captureWarnings } from "./_helpers.ts";

const TRACE = "0af7651916cd43dd8448eb211c80319c";

function params(over: Partial<SamplingParameters> = {}): SamplingParameters {
  return {
    parent: undefined,
    traceId: TRACE,
    name: "x",
    kind: "internal",
    attributes: undefined,
    ...over,
  };
}

function parent(sampled: boolean, isRemote: boolean): SpanContext {
  return new SpanContext({
    traceId: TRACE,
    spanId: "b7ad6b7169203331",
    traceFlags: sampled ? 1 : 0,
    isRemote,
  });
}

/** A sampler that records which spans it was asked about. */
class Recording implements Sampler {
  asked: string[] = [];
  constructor(readonly label: string, readonly decision: "drop" | "record" | "recordAndSample") {}
  shouldSample(p: SamplingParameters) {
    this.asked.push(p.name);
    return { decision: this.decision };
  }
  toString(): string {
    return this.label;
  }
}

describe("AlwaysOnSampler and AlwaysOffSampler", () => {
  test("AlwaysOnSampler samples whatever the parent, name and kind", () => {
    const on = new AlwaysOnSampler();
    for (
      const p of [params(), params({ parent: parent(false, true), kind: "server", name: "y" })]
    ) {
      assert.equal(on.shouldSample(p).decision, "recordAndSample");
    }
  });

  test("AlwaysOffSampler drops whatever the parent, name and kind", () => {
    const off = new AlwaysOffSampler();
    for (const p of [params(), params({ parent: parent(true, false), kind: "client" })]) {
      assert.equal(off.shouldSample(p).decision, "drop");
    }
  });
});

describe("TraceIdRatioSampler", () => {
  test("a ratio that is NaN, below 0 or above 1 is a RangeError saying what it got", () => {
    for (const bad of [Number.NaN, -0.1, 1.1, Infinity, "0.5" as unknown as number]) {
      assert.throws(
        () => new TraceIdRatioSampler(bad),
        (e: unknown) =>
          e instanceof RangeError && /^Cannot create TraceIdRatioSampler: /.test(e.message),
      );
    }
  });

  test("ratio 0 samples nothing and ratio 1 samples everything", () => {
    const ids = new RandomIdGenerator();
    const none = new TraceIdRatioSampler(0);
    const all = new TraceIdRatioSampler(1);
    for (let i = 0; i < 1000; i++) {
      const traceId = ids.traceId();
      assert.equal(none.shouldSample(params({ traceId })).decision, "drop");
      assert.equal(all.shouldSample(params({ traceId })).decision, "recordAndSample");
    }
  });

  test("the decision depends only on the trace id, so every service agrees", async () => {
    const ids = new RandomIdGenerator();
    const a = new TraceIdRatioSampler(0.3);
    const b = new TraceIdRatioSampler(0.3);
    let sampled = 0;
    // b, given parents, warns that it is a child sampler (tested below).
    await captureWarnings(() => {
      for (let i = 0; i < 2000; i++) {
        const traceId = ids.traceId();
        const first = a.shouldSample(params({ traceId })).decision;
        const other = b.shouldSample(params({
          traceId,
          name: `other ${i}`,
          kind: "server",
          parent: parent(i % 2 === 0, true),
          attributes: { i },
        })).decision;
        assert.equal(other, first, traceId);
        if (first === "recordAndSample") sampled++;
      }
    });
    assert.ok(sampled > 0 && sampled < 2000);
  });

  test("the threshold is exact down to the smallest ratio, 2^-56: (1 - ratio) × 2^56, rounded up", () => {
    // R, the trace id's last 56 bits, is sampled when R >= threshold. As
    // doubles, 1 - ratio was 1 below 2^-53, and such ratios sampled nothing.
    const withR = (r: bigint) => `${"0".repeat(18)}${r.toString(16).padStart(14, "0")}`;
    const top = (1n << 56n) - 1n;
    const decide = (ratio: number, r: bigint) =>
      new TraceIdRatioSampler(ratio).shouldSample(params({ traceId: withR(r) })).decision;
    assert.equal(decide(2 ** -56, top), "recordAndSample");
    assert.equal(decide(2 ** -56, top - 1n), "drop");
    assert.equal(decide(2 ** -55, top - 1n), "recordAndSample");
    assert.equal(decide(2 ** -55, top - 2n), "drop");
    assert.equal(decide(2 ** -60, top), "drop", "below the 56 bits a trace id has");
    // Exact halves: 0.5 samples from 2^55, and one below it does not.
    assert.equal(decide(0.5, 1n << 55n), "recordAndSample");
    assert.equal(decide(0.5, (1n << 55n) - 1n), "drop");
    // A ratio of many bits: the threshold is 2^56 less its whole part of
    // ratio × 2^56, exactly.
    const ratio = 0.1;
    const threshold = (1n << 56n) - BigInt(Math.floor(ratio * 2 ** 56));
    assert.equal(decide(ratio, threshold), "recordAndSample");
    assert.equal(decide(ratio, threshold - 1n), "drop");
  });

  test("a trace sampled at one ratio is sampled at every higher ratio", () => {
    const ids = new RandomIdGenerator();
    const ratios = [0.01, 0.1, 0.5, 0.9].map((r) => new TraceIdRatioSampler(r));
    for (let i = 0; i < 2000; i++) {
      const traceId = ids.traceId();
      const decisions = ratios.map((s) => s.shouldSample(params({ traceId })).decision);
      const first = decisions.indexOf("recordAndSample");
      if (first >= 0) assert.ok(decisions.slice(first).every((d) => d === "recordAndSample"));
    }
  });

  test("the sampled fraction of 10,000 random trace ids matches the ratio", () => {
    const ids = new RandomIdGenerator();
    for (const ratio of [0.1, 0.25, 0.5]) {
      const sampler = new TraceIdRatioSampler(ratio);
      let sampled = 0;
      for (let i = 0; i < 10_000; i++) {
        if (sampler.shouldSample(params({ traceId: ids.traceId() })).decision !== "drop") sampled++;
      }
      // Binomial standard deviation is at most 0.005 here: 0.03 is six of them.
      assert.ok(Math.abs(sampled / 10_000 - ratio) < 0.03, `${ratio}: ${sampled}`);
    }
  });

  test("the decision reads the trace id's rightmost 56 bits", () => {
    const quarter = new TraceIdRatioSampler(0.25);
    // Sampled when random >= (1 - 0.25) * 2^56, that is from 0xc0000000000000.
    const at = (low: string) => quarter.shouldSample(params({ traceId: "f".repeat(18) + low }));
    assert.equal(at("c0000000000000").decision, "recordAndSample");
    assert.equal(at("bfffffffffffff").decision, "drop");
  });

  test("its description writes a small ratio as a decimal number, not in exponent form", () => {
    // TraceIdRatioBased: "RATIO replaced with the Sampler instance's trace
    // sampling ratio represented as a decimal number", precise enough "to
    // identify when Samplers have different ratios".
    assert.equal(String(new TraceIdRatioSampler(1e-7)), "TraceIdRatioBased{0.0000001}");
    assert.equal(String(new TraceIdRatioSampler(1.5e-10)), "TraceIdRatioBased{0.00000000015}");
    assert.equal(String(new TraceIdRatioSampler(0.000001)), "TraceIdRatioBased{0.000001}");
    for (const ratio of [1e-7, 1.5e-10, 2 ** -56, 5e-324]) {
      const described = /^TraceIdRatioBased\{(0\.\d+)\}$/.exec(
        String(new TraceIdRatioSampler(ratio)),
      );
      assert.ok(described, String(ratio));
      assert.equal(Number(described[1]), ratio, "it names the ratio exactly");
    }
  });

  test("its description is TraceIdRatioBased{RATIO}, as the specification requires", () => {
    // OpenTelemetry trace SDK, TraceIdRatioBased: "Description MUST return a
    // string of the form "TraceIdRatioBased{RATIO}"".
    assert.equal(String(new TraceIdRatioSampler(0.25)), "TraceIdRatioBased{0.25}");
    assert.equal(new TraceIdRatioSampler(0.0001).toString(), "TraceIdRatioBased{0.0001}");
    assert.equal(
      String(new ParentBasedSampler({ root: new TraceIdRatioSampler(1) })),
      "ParentBased{root=TraceIdRatioBased{1}, remoteParentSampled=AlwaysOnSampler, " +
        "remoteParentNotSampled=AlwaysOffSampler, localParentSampled=AlwaysOnSampler, " +
        "localParentNotSampled=AlwaysOffSampler}",
    );
  });

  test("used as a child sampler (a parent given) it warns once, as the specification asks; as a root it does not", async () => {
    const sampler = new TraceIdRatioSampler(0.5);
    const rootOnly = await captureWarnings(() => {
      sampler.shouldSample(params());
      new Tracer({ sampler: new ParentBasedSampler({ root: sampler }) }).span("root", () => {
        new Tracer().startSpan("child").end();
      });
    });
    assert.deepEqual(rootOnly, []);
    const warned = await captureWarnings(() => {
      sampler.shouldSample(params({ parent: parent(true, true) }));
      sampler.shouldSample(params({ parent: parent(false, false) }));
      const tracer = new Tracer({ sampler });
      tracer.span("root", () => tracer.startSpan("child").end());
    });
    assert.equal(warned.length, 1);
    assert.match(warned[0], /TraceIdRatioSampler is deciding for a span with a parent/);
    assert.match(warned[0], /ProbabilitySampler/);
  });
});

describe("ParentBasedSampler", () => {
  test("a root span is decided by root", () => {
    const root = new Recording("root", "drop");
    const sampler = new ParentBasedSampler({ root });
    assert.equal(sampler.shouldSample(params({ name: "r" })).decision, "drop");
    assert.deepEqual(root.asked, ["r"]);
  });

  test("by default each of the four parent cases follows the parent's sampled flag", () => {
    const sampler = new ParentBasedSampler({ root: new AlwaysOffSampler() });
    const cases: [boolean, boolean, string][] = [
      [true, true, "recordAndSample"],
      [false, true, "drop"],
      [true, false, "recordAndSample"],
      [false, false, "drop"],
    ];
    for (const [sampled, remote, expected] of cases) {
      assert.equal(
        sampler.shouldSample(params({ parent: parent(sampled, remote) })).decision,
        expected,
        `sampled=${sampled} remote=${remote}`,
      );
    }
  });

  test("each parent case goes to its own delegate and to no other", () => {
    const d = {
      root: new Recording("root", "drop"),
      remoteParentSampled: new Recording("rs", "record"),
      remoteParentNotSampled: new Recording("rn", "recordAndSample"),
      localParentSampled: new Recording("ls", "drop"),
      localParentNotSampled: new Recording("ln", "record"),
    };
    const sampler = new ParentBasedSampler(d);
    const ask = (name: string, p: SpanContext) =>
      sampler.shouldSample(params({ name, parent: p })).decision;
    assert.equal(ask("a", parent(true, true)), "record");
    assert.equal(ask("b", parent(false, true)), "recordAndSample");
    assert.equal(ask("c", parent(true, false)), "drop");
    assert.equal(ask("d", parent(false, false)), "record");
    assert.deepEqual(
      Object.fromEntries(Object.entries(d).map(([k, s]) => [k, s.asked])),
      {
        root: [],
        remoteParentSampled: ["a"],
        remoteParentNotSampled: ["b"],
        localParentSampled: ["c"],
        localParentNotSampled: ["d"],
      },
    );
  });

  test("a delegate without shouldSample is a TypeError", () => {
    assert.throws(
      () =>
        new ParentBasedSampler({ root: new AlwaysOnSampler(), localParentSampled: {} as never }),
      /^TypeError: Cannot create ParentBasedSampler: localParentSampled/,
    );
  });
});

describe("AlwaysRecordSampler", () => {
  test("turns its root's drop into record, keeping the trace state and attributes; other decisions are the root's", () => {
    const root: Sampler = {
      shouldSample: (p) =>
        p.name === "drop"
          ? { decision: "drop", traceState: "v=1", attributes: { why: "rate" } }
          : { decision: p.name as "record" | "recordAndSample" },
    };
    const sampler = new AlwaysRecordSampler(root);
    assert.deepEqual(sampler.shouldSample(params({ name: "drop" })), {
      decision: "record",
      traceState: "v=1",
      attributes: { why: "rate" },
    });
    assert.equal(sampler.shouldSample(params({ name: "record" })).decision, "record");
    assert.equal(
      sampler.shouldSample(params({ name: "recordAndSample" })).decision,
      "recordAndSample",
    );
  });

  test("in a Tracer, every span reaches the processors and only the sampled reach the exporter", async () => {
    const all = new InMemorySpanProcessor();
    const exporter = new InMemorySpanExporter();
    const batch = new BatchSpanProcessor(exporter, { flushOnExit: false });
    const tracer = new Tracer({
      processors: [all, batch],
      sampler: new AlwaysRecordSampler(new ParentBasedSampler({ root: new AlwaysOffSampler() })),
    });
    tracer.span("root", () => tracer.startSpan("child").end());
    const sampled = new Tracer({
      processors: [all, batch],
      sampler: new AlwaysRecordSampler(new AlwaysOnSampler()),
    });
    sampled.startSpan("kept").end();
    await tracer.forceFlush();
    assert.deepEqual(all.spans.map((s) => [s.name, s.context.isSampled]), [
      ["child", false],
      ["root", false],
      ["kept", true],
    ]);
    assert.deepEqual(exporter.spans.map((s) => s.name), ["kept"]);
    await batch.shutdown();
  });

  test("a root's malformed answer goes back as it came, for the Tracer to report", () => {
    const odd = { decision: "maybe" } as never;
    assert.equal(new AlwaysRecordSampler({ shouldSample: () => odd }).shouldSample(params()), odd);
  });

  test("refuses a root that is no sampler, and describes itself with its root", () => {
    assert.throws(
      () => new AlwaysRecordSampler(undefined as never),
      (e) =>
        e instanceof TypeError &&
        e.message ===
          "Cannot create AlwaysRecordSampler: root must be a sampler with a shouldSample method",
    );
    assert.equal(
      String(new AlwaysRecordSampler(new AlwaysOffSampler())),
      "AlwaysRecord{AlwaysOffSampler}",
    );
  });
});

describe("the Tracer's sampling", () => {
  test("by default it is parent-based always-on: roots sample, children follow the parent", () => {
    const tracer = new Tracer();
    assert.equal(tracer.startSpan("root").context.isSampled, true);
    assert.equal(tracer.startSpan("a", { parent: parent(true, true) }).context.isSampled, true);
    assert.equal(tracer.startSpan("b", { parent: parent(false, true) }).isRecording, false);
    assert.equal(tracer.startSpan("c", { parent: parent(false, false) }).isRecording, false);
    assert.equal(tracer.startSpan("d", { parent: parent(true, false) }).isRecording, true);
  });

  test("a sampled-out span has a valid context with the sampled flag clear, and does not record", () => {
    const tracer = new Tracer({ sampler: new AlwaysOffSampler() });
    const span = tracer.startSpan("dropped", { attributes: { a: 1 } });
    assert.ok(isValidTraceId(span.context.traceId));
    assert.ok(isValidSpanId(span.context.spanId));
    assert.equal(span.context.isSampled, false);
    assert.equal(span.isRecording, false);
    span.setAttribute("b", 2).addEvent("e");
    assert.deepEqual(span.attributes, {});
    assert.deepEqual(span.events, []);
  });

  test("a sampled-out span's context propagates: its child shares the trace and stays unsampled", () => {
    const tracer = new Tracer({
      sampler: new ParentBasedSampler({ root: new AlwaysOffSampler() }),
    });
    const root = tracer.startSpan("root");
    const child = tracer.startSpan("child", { parent: root });
    assert.equal(child.context.traceId, root.context.traceId);
    assert.equal(child.context.parentSpanId, root.context.spanId);
    assert.equal(child.context.isSampled, false);
  });

  test("processors never see a sampled-out span, at start or at end", () => {
    const seen: string[] = [];
    const spy: SpanProcessor = {
      onStart: (s: Span) => void seen.push(`start ${s.name}`),
      onEnd: (s: Span) => void seen.push(`end ${s.name}`),
      forceFlush: async () => {},
      shutdown: async () => {},
    };
    const memory = new InMemorySpanProcessor();
    const tracer = new Tracer({
      sampler: new Recording("names", "drop"),
      processors: [spy, memory],
    });
    tracer.span("dropped", () => tracer.startSpan("inner").end());
    assert.deepEqual(seen, []);
    assert.deepEqual(memory.stats(), { ended: 0, exported: 0, dropped: 0, failed: 0, queued: 0 });
  });

  test("a recorded but unsampled span reaches processors, and exporting processors skip it", async () => {
    const memory = new InMemorySpanProcessor();
    const exporter = new InMemorySpanExporter();
    const batch = new BatchSpanProcessor(exporter, { flushOnExit: false });
    const tracer = new Tracer({
      sampler: new Recording("record", "record"),
      processors: [memory, batch],
    });
    const span = tracer.startSpan("recorded").setAttribute("k", "v");
    assert.equal(span.isRecording, true);
    assert.equal(span.context.isSampled, false);
    span.end();
    await tracer.forceFlush();
    assert.equal(memory.spans.length, 1);
    assert.deepEqual(exporter.spans, []);
    assert.equal(batch.stats().ended, 0);
    await tracer.shutdown();
  });
});

describe("what a sampler is given", () => {
  test("the links the span starts with, as the specification's ShouldSample requires", () => {
    let given: SamplingParameters | undefined;
    const tracer = new Tracer({
      sampler: {
        shouldSample: (p) => {
          given = p;
          return { decision: "recordAndSample" };
        },
      },
    });
    const producer = SpanContext.newRoot();
    const links = [{ context: producer, attributes: { "messaging.batch": true } }];
    tracer.startSpan("consume", { links }).end();
    assert.deepEqual(given?.links, links);
    tracer.startSpan("plain").end();
    assert.equal(given?.links, undefined);
  });

  test("a ParentBasedSampler hands its delegate the same parameters, links included", () => {
    const root = new Recording("root", "recordAndSample");
    let links: SamplingParameters["links"];
    root.shouldSample = (p) => {
      links = p.links;
      return { decision: "recordAndSample" };
    };
    const producer = SpanContext.newRoot();
    new Tracer({ sampler: new ParentBasedSampler({ root }) })
      .startSpan("consume", { links: [{ context: producer }] }).end();
    assert.equal(links?.[0].context, producer);
  });
});

describe("a sampler's trace state", () => {
  const remote = new SpanContext({
    traceId: "4bf92f3577b34da6a3ce929d0e0e4736",
    spanId: "00f067aa0ba902b7",
    traceState: "rojo=00f067aa0ba902b7",
    isRemote: true,
  });
  const answering = (traceState: unknown): Sampler => ({
    shouldSample: () => ({ decision: "recordAndSample", traceState: traceState as string }),
  });

  test("a valid one replaces the parent's", () => {
    const tracer = new Tracer({ sampler: answering("congo=1,rojo=00f067aa0ba902b7") });
    const span = tracer.startSpan("s", { parent: remote });
    assert.equal(span.context.traceState, "congo=1,rojo=00f067aa0ba902b7");
  });

  test("a span the sampler drops still carries the trace state it returned, to propagate", () => {
    // ShouldSample: the Tracestate "will be associated with the Span through
    // the new SpanContext", whatever the decision.
    const tracer = new Tracer({
      sampler: { shouldSample: () => ({ decision: "drop", traceState: "ot=rv:7479cfb506891d" }) },
    });
    const span = tracer.startSpan("s", { parent: remote });
    assert.equal(span.isRecording, false);
    assert.equal(span.context.traceState, "ot=rv:7479cfb506891d");
  });

  test("an invalid one (CR/LF, a bad key, not a string) is dropped, counted and warned once; the parent's is kept", async () => {
    const before = propagationStats().tracestate;
    const warned = await captureWarnings(() => {
      for (const bad of ["congo=1\r\nx-injected: yes", "Congo=1", 42]) {
        const span = new Tracer({ sampler: answering(bad) }).startSpan("s", { parent: remote });
        assert.equal(span.context.traceState, "rojo=00f067aa0ba902b7");
        assert.equal(span.context.traceId, remote.traceId, "the trace goes on");
        assert.equal(span.isRecording, true, "the decision stands");
      }
    });
    assert.equal(propagationStats().tracestate, before + 3);
    assert.equal(warned.length, 1, warned.join("\n"));
  });
});

describe("a sampler's malformed result", () => {
  test("a decision that is none of the three (the SDK's enum, a promise, nothing) drops the span, reported once", async () => {
    // OpenTelemetry trace SDK, ShouldSample: the Decision is "One of the
    // following enum values": DROP, RECORD_ONLY, RECORD_AND_SAMPLE.
    // Anything else is malformed telemetry: dropped, never recorded.
    const memory = new InMemorySpanProcessor();
    const bad: unknown[] = [
      { decision: "RECORD_AND_SAMPLE" },
      { decision: 2 },
      { decision: "Drop" },
      {},
      42,
      Promise.resolve({ decision: "recordAndSample" }),
    ];
    const warned = await captureWarnings(() => {
      for (const result of bad) {
        const tracer = new Tracer({
          sampler: { shouldSample: () => result as never },
          processors: [memory],
        });
        const span = tracer.startSpan("s", { attributes: { a: 1 } });
        assert.equal(span.isRecording, false, JSON.stringify(result));
        assert.equal(span.context.isSampled, false, JSON.stringify(result));
        assert.ok(isValidTraceId(span.context.traceId), "the trace still propagates");
        span.end();
      }
    });
    assert.equal(memory.spans.length, 0);
    assert.equal(warned.length, 1, warned.join("\n"));
    // The value as error messages describe one: a long string by its start.
    assert.match(warned[0], /a sampler returned no valid decision.*"RECORD_A…" \(17 characters\)/);
  });

  test("the three decisions stand as they are", () => {
    for (const decision of ["drop", "record", "recordAndSample"] as const) {
      const span = new Tracer({ sampler: { shouldSample: () => ({ decision }) } }).startSpan("s");
      assert.equal(span.isRecording, decision !== "drop", decision);
      assert.equal(span.context.isSampled, decision === "recordAndSample", decision);
    }
  });
});
