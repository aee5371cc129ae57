import { describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  AlwaysRecordSampler,
  ComposableAlwaysOff,
  ComposableAlwaysOn,
  ComposableAnnotating,
  ComposableParentThreshold,
  ComposableProbability,
  ComposableRuleBased,
  type ComposableSampler,
  type ComposableSamplingParameters,
  CompositeSampler,
  extractContext,
  injectContext,
  InMemorySpanProcessor,
  ProbabilitySampler,
  propagationStats,
  RandomIdGenerator,
  type SamplingIntent,
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

const TWO_POW_56 = 1n << 56n;

/** A composable sampler that always gives `intent`, and keeps what it was given. */
function fixed(intent: unknown): ComposableSampler & { seen: ComposableSamplingParameters[] } {
  const seen: ComposableSamplingParameters[] = [];
  return {
    seen,
    getSamplingIntent(p) {
      seen.push(p);
      return intent as SamplingIntent;
    },
    toString: () => "Fixed",
  };
}

const composite = (sampler: ComposableSampler) => new CompositeSampler(sampler);
const parentThreshold = (root: ComposableSampler = new ComposableAlwaysOff()) =>
  composite(new ComposableParentThreshold(root));

describe("CompositeSampler with ComposableProbability", () => {
  test("a sampled root carries the specification's threshold for each 1-in-N ratio of its table", () => {
    for (const [ratio, th] of SPEC_TABLE) {
      const r = composite(new ComposableProbability(ratio)).shouldSample(params(traceIdWith(TOP)));
      assert.deepEqual(r, { decision: "recordAndSample", traceState: `ot=th:${th}` }, `${ratio}`);
    }
  });

  test("R == T samples and R == T - 1 drops (R >= T), for every ratio of the table but 1", () => {
    for (const [ratio, th] of SPEC_TABLE.slice(1)) {
      const sampler = composite(new ComposableProbability(ratio));
      const t = thresholdOf(th);
      assert.equal(sampler.shouldSample(params(traceIdWith(t))).decision, "recordAndSample");
      assert.deepEqual(sampler.shouldSample(params(traceIdWith(t - 1n))), { decision: "drop" });
    }
  });

  test("2^-56 keeps exactly one randomness value; ratio 1 keeps the smallest", () => {
    const smallest = composite(new ComposableProbability(2 ** -56));
    assert.deepEqual(smallest.shouldSample(params(traceIdWith(TOP))), {
      decision: "recordAndSample",
      traceState: "ot=th:ffffffffffffff",
    });
    assert.equal(smallest.shouldSample(params(traceIdWith(TOP - 1n))).decision, "drop");
    assert.equal(
      composite(new ComposableProbability(1)).shouldSample(params(traceIdWith(0n))).decision,
      "recordAndSample",
    );
  });

  test("decides as ProbabilitySampler does, and writes the same th when sampled", () => {
    const ids = new RandomIdGenerator();
    const states = [undefined, "a=1", "ot=th:8;p:1,b=2", `ot=rv:${hex14(TOP / 3n)}`];
    for (const ratio of [0.001, 0.1, 0.25, 0.5, 0.9, 1]) {
      const c = composite(new ComposableProbability(ratio));
      const p = new ProbabilitySampler(ratio);
      for (let i = 0; i < 300; i++) {
        const traceId = ids.traceId();
        const state = states[i % states.length];
        const parent = i % 5 === 0 ? undefined : parentWith(traceId, state);
        const mine = c.shouldSample(params(traceId, parent));
        const theirs = p.shouldSample(params(traceId, parent));
        assert.equal(mine.decision, theirs.decision, `${ratio} ${traceId} ${state}`);
        if (mine.decision === "recordAndSample") assert.equal(mine.traceState, theirs.traceState);
      }
    }
  });

  test("the parent's sampled flag is ignored: only the randomness decides", () => {
    const quarter = composite(new ComposableProbability(0.25));
    const high = traceIdWith(TOP);
    const unsampled = parentWith(high, undefined, TraceFlags.RANDOM);
    assert.equal(quarter.shouldSample(params(high, unsampled)).decision, "recordAndSample");
    const low = traceIdWith(0n);
    assert.equal(quarter.shouldSample(params(low, parentWith(low, "ot=th:0"))).decision, "drop");
  });

  test("ratio 0 gives no threshold: every span is dropped, as ComposableAlwaysOff", () => {
    const never = new ComposableProbability(0);
    assert.deepEqual(
      never.getSamplingIntent({ ...params(""), parentThreshold: undefined }),
      new ComposableAlwaysOff().getSamplingIntent({ ...params(""), parentThreshold: undefined }),
    );
    assert.deepEqual(composite(never).shouldSample(params(traceIdWith(TOP))), { decision: "drop" });
    assert.equal(String(never), "ComposableProbability{0}");
  });

  test("a ratio that is no number is a TypeError; one out of range a RangeError, each saying what it got", () => {
    for (const bad of ["0.5", undefined, null, 1n, {}]) {
      assert.throws(
        () => new ComposableProbability(bad as never),
        (error: Error) =>
          error instanceof TypeError &&
          /^Cannot create ComposableProbability: ratio must be a number, got /.test(error.message),
      );
    }
    for (const bad of [Number.NaN, -0.1, 2 ** -57, 1.5, Infinity]) {
      assert.throws(
        () => new ComposableProbability(bad),
        (error: Error) =>
          error instanceof RangeError &&
          error.message.startsWith("Cannot create ComposableProbability: ") &&
          error.message.endsWith(`got ${bad}`),
        String(bad),
      );
    }
    assert.equal(new ComposableProbability(0.1).ratio, 0.1);
  });
});

describe("CompositeSampler's randomness", () => {
  const quarter = composite(new ComposableProbability(0.25));
  const T = thresholdOf("c");

  test("a valid rv in the parent's ot entry decides instead of the trace id, and is kept", () => {
    const low = traceIdWith(T - 1n);
    assert.deepEqual(quarter.shouldSample(params(low, parentWith(low, `ot=rv:${hex14(T)}`))), {
      decision: "recordAndSample",
      traceState: `ot=th:c;rv:${hex14(T)}`,
    });
    const high = traceIdWith(TOP);
    assert.deepEqual(
      quarter.shouldSample(params(high, parentWith(high, `ot=rv:${hex14(T - 1n)}`))),
      { decision: "drop" },
    );
  });

  test("without rv the trace id's rightmost 56 bits decide, whatever its first 72", () => {
    assert.equal(
      quarter.shouldSample(params(traceIdWith(T, "000000000000000000"))).decision,
      "recordAndSample",
    );
    assert.equal(
      quarter.shouldSample(params(traceIdWith(T - 1n, "ffffffffffffffffff"))).decision,
      "drop",
    );
  });

  test("an rv that is not 14 lowercase hex digits is ignored and left out, counted", () => {
    const high = traceIdWith(T);
    const before = propagationStats().tracestate;
    assert.deepEqual(quarter.shouldSample(params(high, parentWith(high, "ot=rv:D000;p:8"))), {
      decision: "recordAndSample",
      traceState: "ot=th:c;p:8",
    });
    assert.equal(propagationStats().tracestate, before + 1);
  });

  test("a reliable threshold uses the trace's randomness; one not reliable a new random value", () => {
    // 2^56 - 1 keeps only R = 2^56 - 1: the trace id's R is that, a new one
    // almost never (2^-56 per draw).
    const high = traceIdWith(TOP);
    const highest = TOP;
    assert.equal(
      composite(fixed({ threshold: highest, adjustedCountReliable: true }))
        .shouldSample(params(high)).decision,
      "recordAndSample",
    );
    const unreliableHigh = composite(fixed({ threshold: highest, adjustedCountReliable: false }));
    for (let i = 0; i < 50; i++) {
      assert.equal(unreliableHigh.shouldSample(params(high)).decision, "drop");
    }
    // Threshold 1 drops only R = 0: the trace id's R is 0, a new one almost never.
    const zero = traceIdWith(0n);
    assert.equal(
      composite(fixed({ threshold: 1n, adjustedCountReliable: true })).shouldSample(params(zero))
        .decision,
      "drop",
    );
    const unreliableLow = composite(fixed({ threshold: 1n, adjustedCountReliable: false }));
    for (let i = 0; i < 50; i++) {
      assert.deepEqual(unreliableLow.shouldSample(params(zero)), { decision: "recordAndSample" });
    }
  });

  test("a threshold of 2^56 samples nothing, even the largest randomness", () => {
    const none = composite(fixed({ threshold: TWO_POW_56, adjustedCountReliable: true }));
    assert.deepEqual(none.shouldSample(params(traceIdWith(TOP))), { decision: "drop" });
  });

  test("deciding by the trace id for a child whose trace is not marked random warns once", async () => {
    const traceId = traceIdWith(TOP);
    const level1 = parentWith(traceId, undefined, TraceFlags.SAMPLED);
    const warned = await captureWarnings(() => {
      quarter.shouldSample(params(traceId, level1));
      quarter.shouldSample(params(traceId, level1));
      // None for: threshold 0, a root, a random trace, an rv.
      composite(new ComposableAlwaysOn()).shouldSample(params(traceId, level1));
      quarter.shouldSample(params(traceId));
      quarter.shouldSample(params(traceId, parentWith(traceId, undefined)));
      quarter.shouldSample(
        params(traceId, parentWith(traceId, `ot=rv:${hex14(TOP)}`, TraceFlags.SAMPLED)),
      );
    });
    assert.equal(warned.length, 1, warned.join("\n"));
    assert.match(warned[0], /CompositeSampler is presuming trace ids random/);
  });
});

describe("CompositeSampler's randomness for a trace not marked random", () => {
  const quarter = composite(new ComposableProbability(0.25));
  const T = thresholdOf("c");

  test("without rv the trace id still decides (the specification's presumption), never a new random value", async () => {
    const warned = await captureWarnings(() => {
      const at = traceIdWith(T);
      const below = traceIdWith(T - 1n);
      for (let i = 0; i < 50; i++) {
        // A child of a level-1 parent (random flag clear), sampled or not.
        for (const flags of [TraceFlags.SAMPLED, TraceFlags.NONE]) {
          assert.equal(
            quarter.shouldSample(params(at, parentWith(at, undefined, flags))).decision,
            "recordAndSample",
          );
          assert.equal(
            quarter.shouldSample(params(below, parentWith(below, undefined, flags))).decision,
            "drop",
          );
        }
      }
      // A root whose generator does not say its trace ids are random.
      let n = 0;
      const tracer = new Tracer({
        sampler: quarter,
        idGenerator: {
          traceId: () => (n++ % 2 === 0 ? at : below),
          spanId: () => SPAN,
        },
      });
      for (let i = 0; i < 25; i++) {
        const kept = tracer.startSpan("at");
        assert.equal(kept.context.traceFlags, TraceFlags.SAMPLED);
        assert.equal(kept.context.traceState, "ot=th:c");
        assert.equal(tracer.startSpan("below").isRecording, false);
      }
    });
    // The warning the specification asks for, when presuming: once per process.
    assert.ok(warned.length <= 1, warned.join("\n"));
  });
});

describe("CompositeSampler's explicitRandomness option", () => {
  const RV = /^ot=(?:th:8;)?rv:([0-9a-f]{14})$/;
  const rvOf = (traceState: string | undefined) => {
    const found = RV.exec(traceState ?? "");
    assert.ok(found, `no rv in ${traceState}`);
    return found[1];
  };

  test("a root gets a new rv, which decides instead of its trace id; a dropped root carries it too", () => {
    const half = new CompositeSampler(new ComposableProbability(0.5), { explicitRandomness: true });
    // The trace id's R is 0, which a ratio of 0.5 drops: only an rv samples.
    const zero = traceIdWith(0n);
    const seen = new Set<string>();
    let sampled = 0;
    for (let i = 0; i < 64; i++) {
      const result = half.shouldSample(params(zero));
      const rv = rvOf(result.traceState);
      seen.add(rv);
      const kept = rv >= "80000000000000";
      if (kept) sampled++;
      assert.deepEqual(result, {
        decision: kept ? "recordAndSample" : "drop",
        traceState: kept ? `ot=th:8;rv:${rv}` : `ot=rv:${rv}`,
      });
    }
    // 64 draws: all on one side, or two alike, is less likely than 2^-40.
    assert.ok(sampled > 0 && sampled < 64, `${sampled} of 64 sampled`);
    assert.equal(seen.size, 64);
  });

  test("a root sampled at a threshold that is not reliable, or dropped for a fault, keeps its rv", async () => {
    const unreliable = new CompositeSampler(
      fixed({ threshold: 0n, adjustedCountReliable: false }),
      {
        explicitRandomness: true,
      },
    );
    const result = unreliable.shouldSample(params(traceIdWith(TOP)));
    assert.equal(result.decision, "recordAndSample");
    assert.match(result.traceState ?? "", /^ot=rv:[0-9a-f]{14}$/);
    const throwing: ComposableSampler = {
      getSamplingIntent() {
        throw new Error("boom");
      },
    };
    await captureWarnings(() => {
      const faulty = new CompositeSampler(throwing, { explicitRandomness: true });
      const dropped = faulty.shouldSample(params(traceIdWith(TOP)));
      assert.equal(dropped.decision, "drop");
      assert.match(dropped.traceState ?? "", /^ot=rv:[0-9a-f]{14}$/);
    });
  });

  test("in a Tracer with trace ids that are not random, children keep the root's rv and decide by it", () => {
    let n = 0;
    const tracer = new Tracer({
      // Trace ids whose R is 0: by the trace id, a ratio of 0.5 drops all.
      idGenerator: {
        traceId: () => traceIdWith(0n),
        spanId: () => (++n).toString(16).padStart(16, "0"),
      },
      sampler: new CompositeSampler(
        new ComposableParentThreshold(new ComposableProbability(0.5)),
        { explicitRandomness: true },
      ),
    });
    const quarter = composite(new ComposableProbability(0.25));
    const kinds = new Set<boolean>();
    for (let i = 0; i < 32; i++) {
      const root = tracer.startSpan("root");
      assert.equal(root.context.traceFlags & TraceFlags.RANDOM, 0);
      const rv = rvOf(root.context.traceState);
      kinds.add(root.isRecording);
      assert.equal(root.isRecording, rv >= "80000000000000");
      const child = tracer.startSpan("child", { parent: root });
      assert.equal(child.isRecording, root.isRecording);
      assert.equal(child.context.traceState, root.context.traceState);
      // A probability sampler downstream decides by the rv too, keeping it.
      const downstream = quarter.shouldSample(params(root.context.traceId, root.context));
      assert.equal(downstream.decision, rv >= "c0000000000000" ? "recordAndSample" : "drop");
      if (downstream.decision === "recordAndSample") {
        assert.equal(downstream.traceState, `ot=th:c;rv:${rv}`);
      }
    }
    assert.equal(kinds.size, 2, "32 roots, all decided alike");
  });

  test("only a root gets one: a child without rv is given none, a parent's rv is never replaced", () => {
    const on = new CompositeSampler(new ComposableAlwaysOn(), { explicitRandomness: true });
    const traceId = traceIdWith(TOP);
    assert.deepEqual(on.shouldSample(params(traceId, parentWith(traceId, "vendor=x"))), {
      decision: "recordAndSample",
      traceState: "ot=th:0,vendor=x",
    });
    assert.deepEqual(on.shouldSample(params(traceId, parentWith(traceId, `ot=rv:${hex14(5n)}`))), {
      decision: "recordAndSample",
      traceState: `ot=th:0;rv:${hex14(5n)}`,
    });
  });

  test("off by default: a root has no rv; options that are no record, or a flag that is no boolean, are a TypeError", () => {
    assert.deepEqual(composite(new ComposableAlwaysOn()).shouldSample(params(traceIdWith(0n))), {
      decision: "recordAndSample",
      traceState: "ot=th:0",
    });
    assert.deepEqual(
      new CompositeSampler(new ComposableAlwaysOff(), { explicitRandomness: false })
        .shouldSample(params(traceIdWith(0n))),
      { decision: "drop" },
    );
    assert.throws(
      () => new CompositeSampler(new ComposableAlwaysOn(), "yes" as never),
      (error: Error) =>
        error instanceof TypeError &&
        error.message ===
          'Cannot create CompositeSampler: options must be a record, got string "yes"',
    );
    assert.throws(
      () => new CompositeSampler(new ComposableAlwaysOn(), { explicitRandomness: 1 as never }),
      (error: Error) =>
        error instanceof TypeError &&
        error.message ===
          "Cannot create CompositeSampler: explicitRandomness must be a boolean, got number 1",
    );
    assert.equal(
      String(new CompositeSampler(new ComposableAlwaysOn(), { explicitRandomness: true })),
      "CompositeSampler{ComposableAlwaysOn, explicitRandomness}",
    );
  });
});

describe("CompositeSampler's th in the ot entry", () => {
  const high = traceIdWith(TOP);
  const low = traceIdWith(0n);

  test("a span sampled at a reliable threshold gets it as th, the ot entry first, the rest kept", () => {
    const quarter = composite(new ComposableProbability(0.25));
    assert.deepEqual(
      quarter.shouldSample(params(high, parentWith(high, "a=1,ot=p:8;th:8;rv:f0000000000001,b=2"))),
      { decision: "recordAndSample", traceState: "ot=th:c;p:8;rv:f0000000000001,a=1,b=2" },
    );
  });

  test("a dropped span has th erased, its other sub-keys and entries kept", () => {
    const quarter = composite(new ComposableProbability(0.25));
    assert.deepEqual(
      quarter.shouldSample(params(low, parentWith(low, "a=1,ot=th:0;rv:00000000000000"))),
      { decision: "drop", traceState: "ot=rv:00000000000000,a=1" },
    );
    // The ot entry goes when th was all it held.
    assert.deepEqual(quarter.shouldSample(params(low, parentWith(low, "ot=th:0,a=1"))), {
      decision: "drop",
      traceState: "a=1",
    });
    // With no th to erase, the parent's trace state is kept as it was.
    const r = quarter.shouldSample(params(low, parentWith(low, "a=1,ot=p:8")));
    assert.deepEqual(r, { decision: "drop" });
  });

  test("a span sampled at a threshold that is not reliable has th erased", () => {
    const unreliable = composite(fixed({ threshold: 0n, adjustedCountReliable: false }));
    assert.deepEqual(unreliable.shouldSample(params(high, parentWith(high, "ot=th:8;p:1,a=1"))), {
      decision: "recordAndSample",
      traceState: "ot=p:1,a=1",
    });
    assert.deepEqual(unreliable.shouldSample(params(high)), { decision: "recordAndSample" });
  });

  test("an ot entry that th would take past 256 characters gets no th, the parent's erased, warned once", async () => {
    let results: unknown[] = [];
    const warned = await captureWarnings(() => {
      const hundredth = composite(new ComposableProbability(0.01));
      results = [
        hundredth.shouldSample(params(high, parentWith(high, `ot=th:8;k:${"v".repeat(247)}`))),
        hundredth.shouldSample(params(high, parentWith(high, `ot=k:${"v".repeat(250)}`))),
      ];
    });
    assert.deepEqual(results, [
      { decision: "recordAndSample", traceState: `ot=k:${"v".repeat(247)}` },
      { decision: "recordAndSample", traceState: `ot=k:${"v".repeat(250)}` },
    ]);
    assert.equal(warned.length, 1);
    assert.match(warned[0], /CompositeSampler sampled a span without its threshold/);
  });

  test("a malformed ot entry never throws: its malformed parts are left out where th is written, counted", () => {
    const on = composite(new ComposableAlwaysOn());
    for (
      const [given, written] of [
        ["ot=garbage", "ot=th:0"],
        ["ot=p:8;P:9;1x:2", "ot=th:0;p:8"],
        ["ot=p:8;p:9", "ot=th:0;p:8"],
      ]
    ) {
      const before = propagationStats().tracestate;
      assert.deepEqual(on.shouldSample(params(high, parentWith(high, given))), {
        decision: "recordAndSample",
        traceState: written,
      });
      assert.equal(propagationStats().tracestate, before + 1, given);
    }
    const structural = {
      traceId: high,
      spanId: SPAN,
      traceFlags: 3,
      traceState: "not valid,,=",
      isRemote: true,
    } as unknown as SpanContext;
    assert.deepEqual(on.shouldSample(params(high, structural)), {
      decision: "recordAndSample",
      traceState: "ot=th:0",
    });
  });
});

describe("ComposableParentThreshold", () => {
  const high = traceIdWith(TOP);
  const low = traceIdWith(0n);

  test("a root is decided by its root sampler", () => {
    assert.deepEqual(parentThreshold(new ComposableAlwaysOn()).shouldSample(params(high)), {
      decision: "recordAndSample",
      traceState: "ot=th:0",
    });
    assert.deepEqual(parentThreshold(new ComposableAlwaysOff()).shouldSample(params(high)), {
      decision: "drop",
    });
  });

  test("a parent's th, consistent with its flag, is its child's threshold, reliable: kept, and followed", () => {
    const s = parentThreshold();
    const t = thresholdOf("c");
    const at = traceIdWith(t);
    assert.deepEqual(s.shouldSample(params(at, parentWith(at, "ot=th:c;p:1,a=1"))), {
      decision: "recordAndSample",
      traceState: "ot=th:c;p:1,a=1",
    });
    // The same threshold by rv.
    const rv = `ot=th:c;rv:${hex14(t)}`;
    assert.deepEqual(s.shouldSample(params(low, parentWith(low, rv))), {
      decision: "recordAndSample",
      traceState: rv,
    });
    // An unsampled parent whose R is below its th: dropped.
    const below = traceIdWith(t - 1n);
    assert.deepEqual(s.shouldSample(params(below, parentWith(below, "ot=th:c", 2))), {
      decision: "drop",
      traceState: "",
    });
    const seen = fixed({ threshold: undefined, adjustedCountReliable: false });
    composite(seen).shouldSample(params(at, parentWith(at, "ot=th:c")));
    assert.equal(seen.seen[0].parentThreshold, t);
  });

  test("a sampled parent without th: sampled, with no th; an unsampled one: dropped", () => {
    const s = parentThreshold(new ComposableAlwaysOn());
    assert.deepEqual(s.shouldSample(params(low, parentWith(low, undefined))), {
      decision: "recordAndSample",
    });
    assert.deepEqual(s.shouldSample(params(low, parentWith(low, "ot=p:8,a=1"))), {
      decision: "recordAndSample",
    });
    assert.deepEqual(s.shouldSample(params(high, parentWith(high, undefined, 2))), {
      decision: "drop",
    });
    assert.deepEqual(s.shouldSample(params(high, parentWith(high, "a=1", 0))), {
      decision: "drop",
    });
  });

  test("a th that disagrees with the parent's sampled flag is inconsistent: erased, and the flag followed", () => {
    const s = parentThreshold(new ComposableAlwaysOn());
    // Sampled, but R < th: sampled, th erased.
    assert.deepEqual(s.shouldSample(params(low, parentWith(low, "ot=th:c;p:1"))), {
      decision: "recordAndSample",
      traceState: "ot=p:1",
    });
    // Not sampled, but R >= th: it must not become sampled.
    assert.deepEqual(s.shouldSample(params(high, parentWith(high, "ot=th:c", 2))), {
      decision: "drop",
      traceState: "",
    });
    const seen = fixed({ threshold: undefined, adjustedCountReliable: false });
    composite(seen).shouldSample(params(low, parentWith(low, "ot=th:c")));
    assert.equal(seen.seen[0].parentThreshold, undefined);
  });

  test("a th that is no threshold is no parent threshold: erased, counted, the flag followed", () => {
    const s = parentThreshold(new ComposableAlwaysOn());
    for (const th of ["zz", "C", "123456789abcdef", ""]) {
      const before = propagationStats().tracestate;
      assert.deepEqual(
        s.shouldSample(params(high, parentWith(high, `ot=th:${th};p:1,a=1`))),
        { decision: "recordAndSample", traceState: "ot=p:1,a=1" },
        th,
      );
      assert.equal(propagationStats().tracestate, before + 1, th);
    }
  });

  test("its description names its root, and it refuses a root that is no composable sampler", () => {
    assert.equal(
      String(new ComposableParentThreshold(new ComposableProbability(0.5))),
      "ComposableParentThreshold{root=ComposableProbability{0.5}}",
    );
    assert.throws(
      () => new ComposableParentThreshold(new ProbabilitySampler(0.5) as never),
      (error: Error) =>
        error instanceof TypeError &&
        error.message.startsWith(
          "Cannot create ComposableParentThreshold: root must be a composable sampler",
        ) && /a Sampler is none/.test(error.message),
    );
  });
});

describe("ComposableRuleBased", () => {
  const traceId = traceIdWith(TOP);

  test("the first rule whose predicate holds gives the intent, later ones not asked", () => {
    const asked: string[] = [];
    const rule = (name: string, holds: boolean, sampler: ComposableSampler) =>
      [(p: ComposableSamplingParameters) => {
        asked.push(`${name}:${p.name}`);
        return holds;
      }, sampler] as const;
    const s = composite(
      new ComposableRuleBased([
        rule("a", false, new ComposableAlwaysOn()),
        rule("b", true, new ComposableAlwaysOff()),
        rule("c", true, new ComposableAlwaysOn()),
      ]),
    );
    assert.deepEqual(s.shouldSample(params(traceId, undefined, { name: "n" })), {
      decision: "drop",
    });
    assert.deepEqual(asked, ["a:n", "b:n"]);
  });

  test("order decides between rules that both hold", () => {
    const on = [() => true, new ComposableAlwaysOn()] as const;
    const off = [() => true, new ComposableAlwaysOff()] as const;
    assert.equal(
      composite(new ComposableRuleBased([on, off])).shouldSample(params(traceId)).decision,
      "recordAndSample",
    );
    assert.equal(
      composite(new ComposableRuleBased([off, on])).shouldSample(params(traceId)).decision,
      "drop",
    );
  });

  test("no rule matching, or no rules, drops", () => {
    const none = new ComposableRuleBased([[() => false, new ComposableAlwaysOn()]]);
    assert.deepEqual(composite(none).shouldSample(params(traceId)), { decision: "drop" });
    assert.deepEqual(composite(new ComposableRuleBased([])).shouldSample(params(traceId)), {
      decision: "drop",
    });
  });

  test("predicates see the span's name, kind, attributes, links and parent, never its trace id", () => {
    let given: ComposableSamplingParameters | undefined;
    const parent = parentWith(traceId, undefined);
    const links = [{ context: parent }];
    composite(
      new ComposableRuleBased([[(p) => {
        given = p;
        return false;
      }, new ComposableAlwaysOn()]]),
    ).shouldSample(
      params(traceId, parent, { name: "GET", kind: "server", attributes: { a: 1 }, links }),
    );
    assert.equal(given?.name, "GET");
    assert.equal(given?.kind, "server");
    assert.deepEqual(given?.attributes, { a: 1 });
    assert.equal(given?.links, links);
    assert.equal(given?.parent, parent);
    assert.equal("traceId" in given!, false);
  });

  test("its rules are copied: changing the array later changes nothing", () => {
    const rules: [() => boolean, ComposableSampler][] = [[() => true, new ComposableAlwaysOn()]];
    const s = composite(new ComposableRuleBased(rules));
    rules[0] = [() => true, new ComposableAlwaysOff()];
    assert.equal(s.shouldSample(params(traceId)).decision, "recordAndSample");
  });

  test("rules that are not an array of [function, composable sampler] pairs are a TypeError saying which", () => {
    const cases: [unknown, RegExp][] = [
      [{}, /^Cannot create ComposableRuleBased: rules must be an array/],
      [undefined, /^Cannot create ComposableRuleBased: rules must be an array/],
      [[new ComposableAlwaysOn()], /rules\[0\] must be a \[predicate, sampler\] pair/],
      [[["x", new ComposableAlwaysOn()]], /rules\[0\] must be .*got string "x"/],
      [
        [[() => true, new ComposableAlwaysOn()], [() => true, new ProbabilitySampler(1)]],
        /^Cannot create ComposableRuleBased: rules\[1\]'s sampler must be a composable sampler/,
      ],
    ];
    for (const [rules, message] of cases) {
      assert.throws(
        () => new ComposableRuleBased(rules as never),
        (error: Error) => error instanceof TypeError && message.test(error.message),
        String(message),
      );
    }
  });

  test("its description names each rule's predicate and sampler", () => {
    function isHealthCheck() {
      return false;
    }
    assert.equal(
      String(
        new ComposableRuleBased([
          [isHealthCheck, new ComposableAlwaysOff()],
          [() => true, new ComposableProbability(0.1)],
        ]),
      ),
      "ComposableRuleBased{isHealthCheck=ComposableAlwaysOff, predicate=ComposableProbability{0.1}}",
    );
  });
});

describe("ComposableAnnotating", () => {
  const traceId = traceIdWith(TOP);

  test("adds its attributes to a sampled span, keeping the delegate's threshold and th", () => {
    const s = composite(new ComposableAnnotating({ rule: "q" }, new ComposableProbability(0.25)));
    assert.deepEqual(s.shouldSample(params(traceId)), {
      decision: "recordAndSample",
      traceState: "ot=th:c",
      attributes: { rule: "q" },
    });
  });

  test("adds nothing to a span that is not sampled", () => {
    let calls = 0;
    const off = fixed({
      threshold: undefined,
      adjustedCountReliable: false,
      attributesProvider: () => {
        calls++;
        return { inner: 1 };
      },
    });
    const r = composite(new ComposableAnnotating({ rule: "q" }, off)).shouldSample(params(traceId));
    assert.deepEqual(r, { decision: "drop" });
    assert.equal(calls, 0, "the attributes provider is called only for a sampled span");
    // A span AlwaysRecord keeps recording, but not sampled: no attributes.
    const memory = new InMemorySpanProcessor();
    const tracer = new Tracer({
      processors: [memory],
      sampler: new AlwaysRecordSampler(
        composite(new ComposableAnnotating({ rule: "q" }, new ComposableAlwaysOff())),
      ),
    });
    tracer.startSpan("x").end();
    assert.equal(memory.spans.length, 1);
    assert.equal(memory.spans[0].context.isSampled, false);
    assert.deepEqual(memory.spans[0].attributes, {});
  });

  test("keeps the delegate's attributes, its own winning where both set one; nested ones add up", () => {
    const inner = fixed({
      threshold: 0n,
      adjustedCountReliable: true,
      attributesProvider: () => ({ a: "inner", b: "inner" }),
    });
    const s = composite(
      new ComposableAnnotating({ c: 3 }, new ComposableAnnotating({ b: "outer" }, inner)),
    );
    assert.deepEqual(s.shouldSample(params(traceId)).attributes, { a: "inner", b: "outer", c: 3 });
  });

  test("its attributes are copied at construction", () => {
    const given: Record<string, string> = { rule: "q" };
    const s = composite(new ComposableAnnotating(given, new ComposableAlwaysOn()));
    given.rule = "changed";
    assert.deepEqual(s.shouldSample(params(traceId)).attributes, { rule: "q" });
  });

  test("the span gets them in a Tracer", () => {
    const memory = new InMemorySpanProcessor();
    const tracer = new Tracer({
      processors: [memory],
      sampler: composite(new ComposableAnnotating({ team: "checkout" }, new ComposableAlwaysOn())),
    });
    tracer.startSpan("x", { attributes: { own: true } }).end();
    assert.deepEqual(memory.spans[0].attributes, { own: true, team: "checkout" });
  });

  test("attributes that are no object, or a delegate that is no composable sampler, are a TypeError", () => {
    for (const bad of [undefined, null, "a", 1, ["a"]]) {
      assert.throws(
        () => new ComposableAnnotating(bad as never, new ComposableAlwaysOn()),
        (error: Error) =>
          error instanceof TypeError &&
          error.message.startsWith(
            "Cannot create ComposableAnnotating: attributes must be an object",
          ),
        String(bad),
      );
    }
    assert.throws(
      () => new ComposableAnnotating({}, {} as never),
      /^TypeError: Cannot create ComposableAnnotating: delegate must be a composable sampler/,
    );
    assert.equal(
      String(new ComposableAnnotating({}, new ComposableAlwaysOn())),
      "ComposableAnnotating{ComposableAlwaysOn}",
    );
  });
});

describe("CompositeSampler's intent providers", () => {
  const high = traceIdWith(TOP);
  const low = traceIdWith(0n);

  test("the trace state provider is given the parent's trace state and the decision; its entries are kept", () => {
    const calls: unknown[][] = [];
    const sampler = (threshold: bigint | undefined) =>
      composite(fixed({
        threshold,
        adjustedCountReliable: true,
        traceStateProvider: (ts: string | undefined, decision: string) => {
          calls.push([ts, decision]);
          return `mine=${decision === "drop" ? "d" : "s"}${ts === undefined ? "" : "," + ts}`;
        },
      }));
    assert.deepEqual(sampler(0n).shouldSample(params(high, parentWith(high, "a=1"))), {
      decision: "recordAndSample",
      traceState: "ot=th:0,mine=s,a=1",
    });
    assert.deepEqual(sampler(undefined).shouldSample(params(high)), {
      decision: "drop",
      traceState: "mine=d",
    });
    assert.deepEqual(calls, [["a=1", "recordAndSample"], [undefined, "drop"]]);
  });

  test("the ot entry is not the provider's: rv is kept and th set by the sampler, whatever it returns", () => {
    const rv = `rv:${hex14(TOP)}`;
    const s = composite(fixed({
      threshold: 0n,
      adjustedCountReliable: true,
      traceStateProvider: () => "ot=th:1;rv:00000000000000;x:1,z=9",
    }));
    assert.deepEqual(s.shouldSample(params(low, parentWith(low, `ot=${rv}`))), {
      decision: "recordAndSample",
      traceState: `ot=th:0;${rv},z=9`,
    });
    const dropping = composite(fixed({
      threshold: undefined,
      adjustedCountReliable: false,
      traceStateProvider: () => undefined,
    }));
    assert.deepEqual(dropping.shouldSample(params(low, parentWith(low, `a=1,ot=th:8;${rv}`))), {
      decision: "drop",
      traceState: `ot=${rv}`,
    });
  });

  test("an invalid trace state from the provider is dropped, counted and warned once; the parent's kept", async () => {
    const s = composite(fixed({
      threshold: 0n,
      adjustedCountReliable: true,
      traceStateProvider: () => "not a trace state",
    }));
    let results: unknown[] = [];
    const before = propagationStats().tracestate;
    const warned = await captureWarnings(() => {
      results = [
        s.shouldSample(params(high, parentWith(high, "a=1"))),
        s.shouldSample(params(high, parentWith(high, "a=1"))),
      ];
    });
    assert.deepEqual(results[0], { decision: "recordAndSample", traceState: "ot=th:0,a=1" });
    assert.equal(propagationStats().tracestate, before + 2);
    assert.equal(warned.length, 1);
    assert.match(warned[0], /invalid trace state, so the parent's is kept/);
  });
});

describe("a composable sampler that throws or gives no intent", () => {
  const high = traceIdWith(TOP);

  test("a throw drops the span (th erased), reported once as an error, never thrown", async () => {
    const throwing: ComposableSampler = {
      getSamplingIntent() {
        throw new Error("boom");
      },
    };
    const s = composite(new ComposableParentThreshold(throwing));
    let results: unknown[] = [];
    const warned = await captureWarnings(() => {
      results = [s.shouldSample(params(high)), s.shouldSample(params(high))];
      // A child asks no root, so it is decided as ever.
      results.push(s.shouldSample(params(high, parentWith(high, "ot=th:0"))));
    });
    assert.deepEqual(results, [
      { decision: "drop" },
      { decision: "drop" },
      { decision: "recordAndSample", traceState: "ot=th:0" },
    ]);
    assert.deepEqual(warned, [
      "@codomyrmex/spans: a composable sampler threw, so its spans are dropped: Error: boom",
    ]);
    let erased: unknown;
    await captureWarnings(() => {
      erased = composite(throwing).shouldSample(params(high, parentWith(high, "ot=th:0,a=1")));
    });
    assert.deepEqual(erased, { decision: "drop", traceState: "a=1" });
  });

  test("a predicate that throws, or returns no boolean, drops the span, reported", async () => {
    const throwing = composite(
      new ComposableRuleBased([[() => {
        throw new RangeError("bad rule");
      }, new ComposableAlwaysOn()]]),
    );
    const asyncRule = composite(
      new ComposableRuleBased([[(() => Promise.resolve(true)) as never, new ComposableAlwaysOn()]]),
    );
    // Each a cause of its own, heard afresh.
    let results: unknown[] = [];
    const warned = await captureWarnings(() => {
      results = [throwing.shouldSample(params(high))];
    });
    warned.push(
      ...await captureWarnings(() => {
        results.push(asyncRule.shouldSample(params(high)));
      }),
    );
    assert.deepEqual(results, [{ decision: "drop" }, { decision: "drop" }]);
    assert.equal(warned.length, 2, warned.join("\n"));
    assert.match(warned[0], /threw, so its spans are dropped: RangeError: bad rule/);
    assert.match(warned[1], /rules\[0\]'s predicate must return a boolean, got object$/);
  });

  test("an answer that is no intent drops the span, each kind of fault reported once", async () => {
    const garbage: unknown[] = [
      undefined,
      null,
      5,
      { threshold: 0.5, adjustedCountReliable: true },
      { threshold: -1n, adjustedCountReliable: true },
      { threshold: TWO_POW_56 + 1n, adjustedCountReliable: true },
      { threshold: 1n, adjustedCountReliable: "yes" },
      { threshold: 0n, adjustedCountReliable: true, attributesProvider: { a: 1 } },
      { threshold: 0n, adjustedCountReliable: true, traceStateProvider: "a=1" },
      { threshold: 0n, adjustedCountReliable: true, attributesProvider: () => 5 },
      { threshold: 0n, adjustedCountReliable: true, traceStateProvider: () => 5 },
    ];
    let results: unknown[] = [];
    const warned = await captureWarnings(() => {
      results = garbage.map((intent) => composite(fixed(intent)).shouldSample(params(high)));
    });
    for (let i = 0; i < garbage.length; i++) {
      assert.deepEqual(results[i], { decision: "drop" }, JSON.stringify(String(garbage[i])));
    }
    // One report for all: one cause, reported once.
    assert.equal(warned.length, 1, warned.join("\n"));
    assert.match(
      warned[0],
      /a composable sampler gave no intent, got undefined, so its spans are dropped/,
    );
  });

  test("a provider that throws drops the span", async () => {
    const s = composite(fixed({
      threshold: 0n,
      adjustedCountReliable: true,
      attributesProvider: () => {
        throw new TypeError("no attributes");
      },
    }));
    let result: unknown;
    const warned = await captureWarnings(() => {
      result = s.shouldSample(params(high));
    });
    assert.deepEqual(result, { decision: "drop" });
    assert.match(warned[0], /threw, so its spans are dropped: TypeError: no attributes/);
  });

  test("no threshold needs no reliability flag: no fault", async () => {
    const warned = await captureWarnings(() => {
      assert.deepEqual(composite(fixed({ threshold: null })).shouldSample(params(high)), {
        decision: "drop",
      });
    });
    assert.deepEqual(warned, []);
  });

  test("in a Tracer, span creation goes on: the span is dropped", async () => {
    const tracer = new Tracer({
      sampler: composite({
        getSamplingIntent() {
          throw new Error("boom");
        },
      }),
    });
    const warned = await captureWarnings(() => {
      const span = tracer.startSpan("x");
      assert.equal(span.isRecording, false);
      span.end();
    });
    assert.equal(warned.length, 1);
  });

  test("CompositeSampler refuses a delegate that is no composable sampler", () => {
    for (const bad of [undefined, {}, new ProbabilitySampler(0.5)]) {
      assert.throws(
        () => new CompositeSampler(bad as never),
        (error: Error) =>
          error instanceof TypeError &&
          error.message.startsWith(
            "Cannot create CompositeSampler: delegate must be a composable sampler with a getSamplingIntent method",
          ),
      );
    }
  });
});

describe("composable samplers in a Tracer", () => {
  test("parent threshold over probability: roots at 25% carry th:c, children follow with it; a dropped trace has none", () => {
    const T = thresholdOf("c");
    const memory = new InMemorySpanProcessor();
    const tracer = new Tracer({
      sampler: composite(new ComposableParentThreshold(new ComposableProbability(0.25))),
      idGenerator: idsEndingIn(T, T - 1n),
      processors: [memory],
    });
    const kept = tracer.startSpan("kept");
    const headers: Record<string, string> = {};
    injectContext(headers, kept);
    assert.equal(headers.traceparent, `00-${traceIdWith(T)}-${kept.context.spanId}-03`);
    assert.equal(headers.tracestate, "ot=th:c");
    const child = tracer.startSpan("child", { parent: kept });
    assert.equal(child.context.isSampled, true);
    assert.equal(child.context.traceState, "ot=th:c");
    child.end();
    kept.end();
    const dropped = tracer.startSpan("dropped");
    assert.equal(dropped.isRecording, false);
    assert.equal(tracer.startSpan("its child", { parent: dropped }).isRecording, false);
    assert.equal(dropped.context.traceState, undefined);
    assert.deepEqual(memory.spans.map((s) => s.name), ["child", "kept"]);
  });

  test("an incoming sampled trace whose th disagrees with its randomness: the child is sampled, th erased, nothing counted", () => {
    const tracer = new Tracer({
      sampler: composite(new ComposableParentThreshold(new ComposableAlwaysOff())),
    });
    const incoming = extractContext({
      traceparent: `00-${traceIdWith(0n)}-${SPAN}-03`,
      tracestate: "ot=th:c,vendor=1",
    });
    const before = propagationStats().tracestate;
    const child = tracer.startSpan("child", { parent: incoming });
    assert.equal(child.context.isSampled, true);
    const headers: Record<string, string> = {};
    injectContext(headers, child);
    assert.equal(headers.tracestate, "vendor=1");
    assert.equal(propagationStats().tracestate, before);
  });

  test("a child whose parent's trace state held only th, erased, has no trace state at all", () => {
    const tracer = new Tracer({
      sampler: composite(new ComposableParentThreshold(new ComposableAlwaysOff())),
    });
    const incoming = extractContext({
      traceparent: `00-${traceIdWith(0n)}-${SPAN}-03`,
      tracestate: "ot=th:c",
    });
    const child = tracer.startSpan("child", { parent: incoming });
    assert.equal(child.context.isSampled, true);
    assert.equal(child.context.traceState, undefined, "not an empty string");
    const headers: Record<string, string> = {};
    injectContext(headers, child);
    assert.equal("tracestate" in headers, false);
  });

  test("an incoming sampled trace without th is followed, and its child carries no th", () => {
    const tracer = new Tracer({
      sampler: composite(new ComposableParentThreshold(new ComposableAlwaysOff())),
    });
    const incoming = extractContext({
      traceparent: `00-${traceIdWith(0n)}-${SPAN}-01`,
      tracestate: "vendor=1",
    });
    const child = tracer.startSpan("child", { parent: incoming });
    assert.equal(child.context.isSampled, true);
    assert.equal(child.context.traceState, "vendor=1");
  });
});
