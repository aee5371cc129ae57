/**
 * Where a span's cost goes, against the floor of `bench/compare.ts`: the
 * lifecycle workload and the floor each with the system clock and with a
 * clock that costs nothing (a counter), and this library's workload with the
 * free clock less one part at a time (no processor, no attributes, no event);
 * also three clock readings alone; and the floor with what a tracer must do
 * beyond it, at its cheapest (read the current context, copy the caller's
 * attributes and keep the valid ones); and a whole minimal tracer with the
 * library's duties for this workload and nothing else
 * (`bench/_minimal_tracer.ts`), the yardstick for the library's own
 * overhead. Run on any runtime:
 * `deno run -A bench/lifecycle_breakdown.ts`, `bun bench/lifecycle_breakdown.ts`,
 * or on Node `tsc -p bench/tsconfig.node.json && node
 * .tmp/bench-node/bench/lifecycle_breakdown.js`.
 *
 * Only these workloads run, so the library's code is not shared with the
 * nested ones as it is in `bench/compare.ts`: the figures are lower than
 * there, and meant for comparing the parts with each other.
 *
 * @module
 */

import { BatchSpanProcessor, getContextStorage, systemClock, Tracer } from "../mod.ts";
import {
  check,
  floor,
  type FloorAttributes,
  YIELD_EVERY,
  yieldToEventLoop,
} from "../tests/fixtures/batch_flush_workloads.ts";
import { interleavedRounds, median, runtimeName } from "./_runtime.ts";
import { MinimalBatchProcessor, MinimalTracer } from "./_minimal_tracer.ts";

const SPANS = 96_000;
const WARMUP_ROUNDS = 2;
const ROUNDS = 11;

const systemNow = systemClock.now;
// Advances a microsecond per reading, from a time OTLP can carry.
let fakeTime = 1.7e12;
const freeNow = () => (fakeTime += 0.001);

type Part = "all" | "no processor" | "no attributes" | "no event";

// bench/compare.ts's "ours" workload, with `now` as the clock, less `part`.
function ours(now: () => number, part: Part): () => Promise<void> {
  let exported = 0;
  const processor = new BatchSpanProcessor({
    export(spans) {
      exported += spans.length;
      return { code: "success" } as const;
    },
  }, { maxBatchSize: 100, flushOnExit: false });
  const processors = part === "no processor" ? [] : [processor];
  const tracer = new Tracer({ name: "bench", processors, clock: { now } });
  return async () => {
    const before = exported;
    for (let i = 1; i <= SPANS; i++) {
      const attributes = part === "no attributes"
        ? undefined
        : { "http.request.method": "GET", "http.response.status_code": 200 };
      const span = tracer.startSpan("GET /items", { attributes });
      if (part !== "no event") span.addEvent("response.sent");
      span.end();
      if (i % YIELD_EVERY === 0) await yieldToEventLoop();
    }
    await processor.forceFlush();
    if (part !== "no processor") check("ours", SPANS, exported - before);
  };
}

// The same workload through bench/_minimal_tracer.ts: the least a tracer
// with the library's duties does, for the system clock only.
function minimal(): () => Promise<void> {
  let exported = 0;
  const processor = new MinimalBatchProcessor((spans) => {
    exported += spans.length;
  });
  const tracer = new MinimalTracer([processor]);
  return async () => {
    const before = exported;
    for (let i = 1; i <= SPANS; i++) {
      const attributes = { "http.request.method": "GET", "http.response.status_code": 200 };
      tracer.startSpan("GET /items", { attributes }).addEvent("response.sent").end();
      if (i % YIELD_EVERY === 0) await yieldToEventLoop();
    }
    processor.flush();
    check("minimal", SPANS, exported - before);
  };
}

function floorOf(now: () => number, attributesOf?: FloorAttributes): () => Promise<void> {
  const workload = floor(undefined, now, attributesOf);
  return () => workload.run(SPANS);
}

// What a tracer must do beyond the floor, at its cheapest: read the current
// context (its span is the parent) and copy the caller's attributes, since
// the caller may change its object after, keeping only valid values.
const storage = getContextStorage();
let parents = 0;
const obligations: FloorAttributes = (attributes) => {
  if (storage.getStore() !== undefined) parents++;
  const copy = { ...attributes };
  for (const key in copy) {
    const type = typeof copy[key];
    if (type !== "string" && type !== "number" && type !== "boolean") delete copy[key];
  }
  return copy;
};

function clockOnly(): Promise<void> {
  let sum = 0;
  for (let i = 0; i < 3 * SPANS; i++) sum += systemNow();
  if (!(sum > 0)) throw new Error("Cannot trust the clock");
  return Promise.resolve();
}

const runs: Record<string, () => Promise<void>> = {
  "ours, system clock": ours(systemNow, "all"),
  "floor, system clock": floorOf(systemNow),
  "floor + context read + attribute copy, system clock": floorOf(systemNow, obligations),
  "minimal tracer, system clock": minimal(),
  "ours, free clock": ours(freeNow, "all"),
  "floor, free clock": floorOf(freeNow),
  "ours, free clock, no processor": ours(freeNow, "no processor"),
  "ours, free clock, no attributes": ours(freeNow, "no attributes"),
  "ours, free clock, no event": ours(freeNow, "no event"),
  "three clock readings alone": clockOnly,
};
const samples = await interleavedRounds(runs, WARMUP_ROUNDS, ROUNDS, (ms) => (ms * 1e6) / SPANS);
const keys = Object.keys(runs);
const ratio = (a: string, b: string): string =>
  median(samples[a].map((value, i) => value / samples[b][i])).toFixed(2);
const lines = [
  `${runtimeName()}, ${new Date().toISOString().slice(0, 16).replace("T", " ")} UTC: ${ROUNDS} ` +
  `interleaved rounds of ${SPANS} spans, median ns per span`,
];
for (const key of keys) lines.push(`${key}: ${median(samples[key]).toFixed(0)}`);
lines.push(
  `ours / floor (median of per-round ratios): system clock ${
    ratio("ours, system clock", "floor, system clock")
  }x, free clock ${ratio("ours, free clock", "floor, free clock")}x`,
  `floor + context read + attribute copy / floor, system clock: ${
    ratio("floor + context read + attribute copy, system clock", "floor, system clock")
  }x; ours / that: ${
    ratio("ours, system clock", "floor + context read + attribute copy, system clock")
  }x`,
  `minimal tracer / floor, system clock: ${
    ratio("minimal tracer, system clock", "floor, system clock")
  }x; ours / minimal tracer: ${ratio("ours, system clock", "minimal tracer, system clock")}x`,
);
if (parents !== 0) throw new Error("Cannot trust the floor: a context was current");
console.log(lines.join("\n"));
