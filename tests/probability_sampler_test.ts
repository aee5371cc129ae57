import { describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  ComposableProbability,
  CompositeSampler,
  extractContext,
  injectContext,
  InMemorySpanProcessor,
  ParentBasedSampler,
  ProbabilitySampler,
  propagationStats,
  RandomIdGenerator,
  type SpanContext,
  TraceFlags,
  Tracer,
} from "../mod.ts";
import { captureWarnings } from "./_helpers.ts";
import {
  hex14,
  idsEndingIn,
  params,
  parentWith,
  SPAN,
  SPEC_TABLE,
  thresholdOf,
  TOP,
  traceIdWith,
} from "./_probability.ts";

/** The sampler's `th` for a root it samples (R at its largest always is). */
function thFor(ratio: number): string {
  const result = new ProbabilitySampler(ratio).shouldSample(params(traceIdWith(TOP)));
  assert.equal(result.decision, "recordAndSample");
  const match = /^ot=th:([0-9a-f]+)$/.exec(result.traceState ?? "");
  assert.ok(match, `a root's trace state is ot=th:…, got ${result.traceState}`);
  return match[1];
}

describe("ProbabilitySampler's threshold", () => {
  test("for the specification's 1-in-N ratios it is the specification's table, at 4 digits of precision", () => {
    for (const [ratio, th] of SPEC_TABLE) assert.equal(thFor(ratio), th, `ratio ${ratio}`);
  });

  test("0.25 is th:c, as tracestate-handling.md's example of 25% sampling", () => {
    assert.equal(thFor(0.25), "c");
  });

  test("ratio 1 is th:0, which samples every trace, the smallest randomness included", () => {
    assert.equal(thFor(1), "0");
    const r = new ProbabilitySampler(1).shouldSample(params(traceIdWith(0n)));
    assert.deepEqual(r, { decision: "recordAndSample", traceState: "ot=th:0" });
  });

  test("the smallest ratio, 2^-56, keeps exactly one randomness value in 2^56: all 14 digits", () => {
    assert.equal(thFor(2 ** -56), "ffffffffffffff");
    const sampler = new ProbabilitySampler(2 ** -56);
    assert.equal(sampler.shouldSample(params(traceIdWith(TOP))).decision, "recordAndSample");
    assert.equal(sampler.shouldSample(params(traceIdWith(TOP - 1n))).decision, "drop");
    assert.equal(thFor(2 ** -55), "fffffffffffffe");
  });

  test("R == T samples and R == T - 1 drops, for every ratio of the table but 1", () => {
    for (const [ratio, th] of SPEC_TABLE.slice(1)) {
      const sampler = new ProbabilitySampler(ratio);
      const t = thresholdOf(th);
      const at = sampler.shouldSample(params(traceIdWith(t)));
      assert.deepEqual(at, { decision: "recordAndSample", traceState: `ot=th:${th}` }, `${ratio}`);
      assert.deepEqual(sampler.shouldSample(params(traceIdWith(t - 1n))), { decision: "drop" });
    }
  });

  test("the decision reads only the trace id's rightmost 56 bits", () => {
    const sampler = new ProbabilitySampler(0.5);
    const t = thresholdOf("8");
    assert.equal(
      sampler.shouldSample(params(traceIdWith(t, "000000000000000000"))).decision,
      "recordAndSample",
    );
    assert.equal(
      sampler.shouldSample(params(traceIdWith(t - 1n, "ffffffffffffffffff"))).decision,
      "drop",
    );
  });

  test("a trace sampled at one ratio is sampled at every higher ratio", () => {
    const ids = new RandomIdGenerator();
    const samplers = [0.001, 0.01, 0.1, 1 / 3, 0.5, 0.9].map((r) => new ProbabilitySampler(r));
    for (let i = 0; i < 2000; i++) {
      const traceId = ids.traceId();
      const kept = samplers.map((s) => s.shouldSample(params(traceId)).decision);
      const first = kept.indexOf("recordAndSample");
      if (first >= 0) assert.ok(kept.slice(first).every((d) => d === "recordAndSample"));
    }
  });
});

describe("ProbabilitySampler's randomness", () => {
  const quarter = new ProbabilitySampler(0.25);
  const T = thresholdOf("c");

  test("a valid rv in the parent's ot entry decides instead of the trace id, and is kept", () => {
    // The trace id alone would drop; rv == T samples.
    const low = traceIdWith(T - 1n);
    const kept = quarter.shouldSample(params(low, parentWith(low, `ot=rv:${hex14(T)}`)));
    assert.deepEqual(kept, {
      decision: "recordAndSample",
      traceState: `ot=th:c;rv:${hex14(T)}`,
    });
    // The trace id alone would sample; rv == T - 1 drops.
    const high = traceIdWith(TOP);
    const dropped = quarter.shouldSample(params(high, parentWith(high, `ot=rv:${hex14(T - 1n)}`)));
    assert.deepEqual(dropped, { decision: "drop" });
  });

  test("the parent's sampled flag is ignored: an unsampled parent's child is decided by R", () => {
    const high = traceIdWith(TOP);
    const unsampled = parentWith(high, undefined, TraceFlags.RANDOM);
    assert.equal(quarter.shouldSample(params(high, unsampled)).decision, "recordAndSample");
    const sampled = parentWith(traceIdWith(0n), "ot=th:0");
    assert.equal(quarter.shouldSample(params(sampled.traceId, sampled)).decision, "drop");
  });

  test("an rv that is not 14 lowercase hex digits is ignored: the trace id decides, and it is left out, counted", () => {
    for (const rv of ["D0000000000000", "d000000000000", "d00000000000000", "d000000000000g", ""]) {
      const low = traceIdWith(T - 1n);
      assert.deepEqual(
        quarter.shouldSample(params(low, parentWith(low, `ot=rv:${rv}`))),
        { decision: "drop" },
        `rv:${rv} does not decide`,
      );
      const high = traceIdWith(T);
      const before = propagationStats().tracestate;
      const r = quarter.shouldSample(params(high, parentWith(high, `ot=rv:${rv};p:8`)));
      assert.deepEqual(r, { decision: "recordAndSample", traceState: "ot=th:c;p:8" }, `rv:${rv}`);
      assert.equal(propagationStats().tracestate, before + 1);
    }
  });
});

describe("ProbabilitySampler's trace state", () => {
  const quarter = new ProbabilitySampler(0.25);
  const high = traceIdWith(TOP);
  const decide = (traceState: string | undefined) =>
    quarter.shouldSample(params(high, parentWith(high, traceState)));

  test("th goes into the ot entry, which moves to the front; other sub-keys and vendors' entries are kept", () => {
    assert.deepEqual(decide("a=1,ot=p:8;th:8;rv:f0000000000001,b=2"), {
      decision: "recordAndSample",
      traceState: "ot=th:c;p:8;rv:f0000000000001,a=1,b=2",
    });
    // Added, at the front, where there is no ot entry.
    assert.equal(
      decide("congo=t61rcWkgMzE,rojo=00f067aa0ba902b7").traceState,
      "ot=th:c,congo=t61rcWkgMzE,rojo=00f067aa0ba902b7",
    );
    // A vendor's key that ends in "ot" is not the ot entry.
    assert.equal(decide("foot=th:1").traceState, "ot=th:c,foot=th:1");
  });

  test("a dropped span has the parent's th erased, its other sub-keys and entries kept", () => {
    // As CompositeSampler(ComposableProbability) does: "In case of negative
    // sampling decision, it removes the th value" (trace SDK specification).
    const low = traceIdWith(0n);
    const r = quarter.shouldSample(params(low, parentWith(low, "a=1,ot=th:8;rv:00000000000000")));
    assert.deepEqual(r, { decision: "drop", traceState: "ot=rv:00000000000000,a=1" });
    const composite = new CompositeSampler(new ComposableProbability(0.25));
    assert.deepEqual(
      composite.shouldSample(params(low, parentWith(low, "a=1,ot=th:8;rv:00000000000000"))),
      r,
      "the same as the composite form",
    );
  });

  test("a dropped span whose parent's trace state has no th keeps it as it was", () => {
    const low = traceIdWith(0n);
    const r = quarter.shouldSample(params(low, parentWith(low, "a=1,ot=rv:00000000000000")));
    assert.deepEqual(r, { decision: "drop" });
    assert.equal("traceState" in r, false, "no traceState: the parent's is kept");
  });

  test("a malformed ot entry never throws: its malformed sub-keys are left out where th is written, counted", () => {
    const cases: [string, string][] = [
      ["ot=garbage", "ot=th:c"],
      ["ot=p:8;;k1:13", "ot=th:c;p:8;k1:13"],
      ["ot=p:8;P:9;1x:2;:3", "ot=th:c;p:8"],
      ["ot=p:8;p:9", "ot=th:c;p:8"],
      ["ot=p:a b;k:ok", "ot=th:c;k:ok"],
      ["ot=rv:ffffffffffffff;rv:00000000000001", "ot=th:c;rv:ffffffffffffff"],
    ];
    for (const [given, written] of cases) {
      const before = propagationStats().tracestate;
      assert.deepEqual(decide(given), { decision: "recordAndSample", traceState: written }, given);
      assert.equal(propagationStats().tracestate, before + 1, given);
    }
    // A th of any value is replaced, not counted: the sampler writes its own.
    const before = propagationStats().tracestate;
    assert.equal(decide("ot=th:zz").traceState, "ot=th:c");
    assert.equal(decide("ot=th:").traceState, "ot=th:c");
    assert.equal(propagationStats().tracestate, before);
  });

  test("a parent whose trace state is not a valid one (a structural context) does not make it throw", () => {
    const parent = {
      traceId: high,
      spanId: SPAN,
      traceFlags: 3,
      traceState: "not valid,,=",
      isRemote: true,
    } as unknown as SpanContext;
    assert.deepEqual(quarter.shouldSample(params(high, parent)), {
      decision: "recordAndSample",
      traceState: "ot=th:c",
    });
  });

  test("an ot entry that th would take past 256 characters gets no th, and loses the parent's, warned once", async () => {
    const long = `ot=k:${"v".repeat(250)}`;
    let results: unknown[] = [];
    const warned = await captureWarnings(() => {
      // A parent's th of 1 digit that 0.01's (fd70a) would take past the
      // limit: it is erased, not kept for a probability the span did not have.
      const hundredth = new ProbabilitySampler(0.01);
      const stale = (traceState: string) =>
        hundredth.shouldSample(params(high, parentWith(high, traceState)));
      results = [
        decide(long),
        stale(`ot=th:8;k:${"v".repeat(247)},vendor=1`),
        stale(`vendor=1,ot=th:8;k:${"v".repeat(247)}`),
        stale("ot=th:8;k:" + "v".repeat(247).replace("v", "!")),
      ];
    });
    assert.deepEqual(results, [
      { decision: "recordAndSample", traceState: long },
      { decision: "recordAndSample", traceState: `ot=k:${"v".repeat(247)},vendor=1` },
      { decision: "recordAndSample", traceState: `ot=k:${"v".repeat(247)},vendor=1` },
      { decision: "recordAndSample", traceState: "ot=th:fd70a" },
    ]);
    assert.equal(warned.length, 1);
    assert.match(warned[0], /256 characters/);
  });
});

describe("ProbabilitySampler's ratio and description", () => {
  test("ratio 0 keeps nothing and writes no threshold: the specification makes it always-off", () => {
    const never = new ProbabilitySampler(0);
    assert.deepEqual(never.shouldSample(params(traceIdWith(TOP))), { decision: "drop" });
    const parent = parentWith(traceIdWith(TOP), `ot=rv:${hex14(TOP)}`);
    assert.deepEqual(never.shouldSample(params(parent.traceId, parent)), { decision: "drop" });
    assert.equal(String(never), "ProbabilitySampler{0}");
  });

  test("a ratio that is no number is a TypeError; NaN, below 0, under 2^-56 or above 1 a RangeError saying what it got", () => {
    for (const bad of ["0.5", undefined, null, 1n, {}]) {
      assert.throws(
        () => new ProbabilitySampler(bad as never),
        (error: Error) =>
          error instanceof TypeError &&
          /^Cannot create ProbabilitySampler: ratio must be a number, got /.test(error.message),
      );
    }
    for (const bad of [Number.NaN, -0.1, 2 ** -57, 1e-20, 1.5, Infinity, -Infinity]) {
      assert.throws(
        () => new ProbabilitySampler(bad),
        (error: Error) =>
          error instanceof RangeError &&
          error.message.startsWith("Cannot create ProbabilitySampler: ") &&
          error.message.endsWith(`got ${bad}`),
        String(bad),
      );
    }
  });

  test("its description is ProbabilitySampler{RATIO}, the ratio in decimal, as TraceIdRatioBased's", () => {
    assert.equal(String(new ProbabilitySampler(0.25)), "ProbabilitySampler{0.25}");
    assert.equal(new ProbabilitySampler(1).toString(), "ProbabilitySampler{1}");
    assert.equal(String(new ProbabilitySampler(1e-7)), "ProbabilitySampler{0.0000001}");
    assert.equal(new ProbabilitySampler(0.1).ratio, 0.1);
  });
});

describe("ProbabilitySampler's compatibility warning", () => {
  const half = new ProbabilitySampler(0.5);
  const traceId = traceIdWith(TOP);

  test("deciding by the trace id for a child whose trace is not marked random warns once", async () => {
    const level1 = parentWith(traceId, undefined, TraceFlags.SAMPLED);
    const withState = parentWith(traceId, "a=1", TraceFlags.SAMPLED);
    const warned = await captureWarnings(() => {
      half.shouldSample(params(traceId, level1));
      half.shouldSample(params(traceId, withState));
      new ProbabilitySampler(0.1).shouldSample(params(traceId, level1));
    });
    assert.equal(warned.length, 1);
    assert.match(warned[0], /ProbabilitySampler is presuming trace ids random/);
    assert.match(warned[0], /W3C Trace Context Level 2/);
  });

  test("a root, a trace marked random, or an explicit rv gives no warning", async () => {
    const warned = await captureWarnings(() => {
      half.shouldSample(params(traceId));
      half.shouldSample(params(traceId, parentWith(traceId, undefined)));
      half.shouldSample(params(traceId, parentWith(traceId, "ot=th:8", TraceFlags.RANDOM)));
      half.shouldSample(
        params(traceId, parentWith(traceId, `ot=rv:${hex14(TOP)}`, TraceFlags.SAMPLED)),
      );
    });
    assert.deepEqual(warned, []);
  });

  test("ratio 1 and ratio 0 decide on no randomness: no warning for a child not marked random", async () => {
    // "When a ProbabilitySampler makes a decision for a non-root Span based
    // on TraceID randomness when the Trace random flag was not set"
    // (trace SDK specification): at 1 and 0 the trace id decides nothing.
    const all = new ProbabilitySampler(1);
    const none = new ProbabilitySampler(0);
    const notRandom = parentWith(traceId, undefined, TraceFlags.SAMPLED);
    const notRandomWithState = parentWith(traceId, "a=1", TraceFlags.SAMPLED);
    const warned = await captureWarnings(() => {
      assert.equal(all.shouldSample(params(traceId, notRandom)).decision, "recordAndSample");
      assert.equal(
        all.shouldSample(params(traceId, notRandomWithState)).decision,
        "recordAndSample",
      );
      assert.equal(none.shouldSample(params(traceId, notRandom)).decision, "drop");
    });
    assert.deepEqual(warned, []);
  });

  test("an invalid rv is no explicit randomness: a trace not marked random still warns", async () => {
    const warned = await captureWarnings(() => {
      half.shouldSample(params(traceId, parentWith(traceId, "ot=rv:xyz", TraceFlags.SAMPLED)));
    });
    assert.equal(warned.length, 1);
  });
});

describe("ProbabilitySampler in a Tracer", () => {
  test("a root's outgoing traceparent is marked random and its tracestate carries ot=th:c; a dropped root's has none", () => {
    const T = thresholdOf("c");
    const memory = new InMemorySpanProcessor();
    const tracer = new Tracer({
      sampler: new ParentBasedSampler({ root: new ProbabilitySampler(0.25) }),
      idGenerator: idsEndingIn(T, T - 1n),
      processors: [memory],
    });
    const kept = tracer.startSpan("kept");
    const headers: Record<string, string> = {};
    injectContext(headers, kept);
    assert.equal(headers.traceparent, `00-${traceIdWith(T)}-${kept.context.spanId}-03`);
    assert.equal(headers.tracestate, "ot=th:c");
    // Its child follows it (parent-based), and the threshold goes with it.
    const child = tracer.startSpan("child", { parent: kept });
    assert.equal(child.context.isSampled, true);
    assert.equal(child.context.traceState, "ot=th:c");
    child.end();
    kept.end();

    const dropped = tracer.startSpan("dropped");
    const out: Record<string, string> = {};
    injectContext(out, dropped);
    assert.equal(out.traceparent, `00-${traceIdWith(T - 1n)}-${dropped.context.spanId}-02`);
    assert.equal(out.tracestate, undefined);
    assert.deepEqual(memory.spans.map((s) => s.name), ["child", "kept"]);
  });

  test("a child of an incoming trace with ot=th:…;rv:… is decided by rv, which it passes on", () => {
    const p = new ProbabilitySampler(0.25);
    const tracer = new Tracer({
      sampler: new ParentBasedSampler({
        root: p,
        remoteParentSampled: p,
        remoteParentNotSampled: p,
      }),
    });
    const T = thresholdOf("c");
    // The trace id's own randomness is the opposite of rv's in each case.
    const low = traceIdWith(0n);
    const incoming = extractContext({
      traceparent: `00-${low}-${SPAN}-01`,
      tracestate: `ot=th:8;rv:${hex14(T)},vendor=1`,
    });
    const child = tracer.startSpan("child", { parent: incoming });
    assert.equal(child.context.isSampled, true);
    const headers: Record<string, string> = {};
    injectContext(headers, child);
    assert.equal(headers.tracestate, `ot=th:c;rv:${hex14(T)},vendor=1`);
    // The random flag was not set, but rv is explicit randomness: no warning needed.
    assert.equal(headers.traceparent, `00-${low}-${child.context.spanId}-01`);

    const high = traceIdWith(TOP);
    const below = extractContext({
      traceparent: `00-${high}-${SPAN}-03`,
      tracestate: `ot=th:0;rv:${hex14(T - 1n)}`,
    });
    const dropped = tracer.startSpan("dropped", { parent: below });
    assert.equal(dropped.isRecording, false);
    assert.equal(dropped.context.traceState, `ot=rv:${hex14(T - 1n)}`, "th erased, rv kept");
  });

  test("behind ParentBasedSampler's defaults, a remote child follows its parent and keeps its trace state", () => {
    const tracer = new Tracer({
      sampler: new ParentBasedSampler({ root: new ProbabilitySampler(0.25) }),
    });
    const incoming = extractContext({
      traceparent: `00-${traceIdWith(0n)}-${SPAN}-03`,
      tracestate: "ot=th:8;rv:00000000000000",
    });
    const child = tracer.startSpan("child", { parent: incoming });
    assert.equal(child.context.isSampled, true);
    assert.equal(child.context.traceState, "ot=th:8;rv:00000000000000");
  });
});
